/**
 * @file "SmolCode: Select Model": one list of the catalog's models (completion: base models;
 * chat: Instruct models) and the SmolLM2 GGUF files already on this machine in Ollama's and LM
 * Studio's stores, plus any GGUF file the user browses to. The catalog shows at once; the stores
 * are searched in the jobs worker, so a slow disk never blocks the editor. A GGUF pick sets
 * `smolcode.localModelPath` (both roles run it; it is imported on first use); a catalog pick
 * clears a `localModelPath` that would otherwise hide it.
 */
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import type { WorkerClient } from '../../worker/client';
import { localGgufsRequest } from '../../worker/protocol';
import { CHAT_MODELS, COMPLETION_MODELS } from '../catalog';
import type { LocalGguf } from '../ggufStores';

type ModelPick = vscode.QuickPickItem &
  ({ readonly action?: undefined } | { readonly action: 'catalog'; readonly role: 'completion' | 'chat' } | { readonly action: 'gguf'; readonly path: string } | { readonly action: 'browse' });

const STORE_NAMES: Record<LocalGguf['store'], string> = { ollama: 'Ollama', lmstudio: 'LM Studio' };

/** The quick pick row of a GGUF found in a store. */
export function ggufPickItem(gguf: LocalGguf, currentPath: string): ModelPick {
  const { parameters, quantization } = gguf.summary;
  return {
    label: `$(database) ${gguf.name}`,
    description: [STORE_NAMES[gguf.store], parameters, quantization, `${(gguf.bytes / 1e6).toFixed(0)} MB`, gguf.path === currentPath ? 'current' : undefined].filter(Boolean).join(' · '),
    detail: gguf.path,
    action: 'gguf',
    path: gguf.path,
  };
}

function catalogItems(settings: Settings): ModelPick[] {
  const local = settings.get('localModelPath').trim();
  const current = (id: string, setting: string) => (id === setting && !local ? 'current' : undefined);
  const completion = settings.get('completion.model');
  const chat = settings.get('chat.model');
  return [
    { label: 'Inline completion (base models)', kind: vscode.QuickPickItemKind.Separator },
    ...COMPLETION_MODELS.map((id) => ({ label: id, action: 'catalog' as const, role: 'completion' as const, description: current(id, completion) })),
    { label: 'Chat (Instruct models)', kind: vscode.QuickPickItemKind.Separator },
    ...CHAT_MODELS.map((id) => ({ label: id, action: 'catalog' as const, role: 'chat' as const, description: current(id, chat) })),
  ];
}

function ggufItems(found: readonly LocalGguf[] | undefined, local: string): ModelPick[] {
  const rows = found === undefined ? [{ label: '$(loading~spin) looking in Ollama and LM Studio…' }] : found.map((gguf) => ggufPickItem(gguf, local));
  const browse: ModelPick = { label: '$(folder-opened) Choose a GGUF file…', description: local && !found?.some((g) => g.path === local) ? `current: ${local}` : undefined, action: 'browse' };
  return [{ label: 'GGUF files here (completion and chat)', kind: vscode.QuickPickItemKind.Separator }, ...rows, browse];
}

/** Shows the picker; resolves with the accepted row, or undefined when dismissed. */
async function pick(settings: Settings, jobs: WorkerClient, log: vscode.LogOutputChannel): Promise<ModelPick | undefined> {
  const local = settings.get('localModelPath').trim();
  const quickPick = vscode.window.createQuickPick<ModelPick>();
  quickPick.title = 'SmolCode: Select Model';
  quickPick.placeholder = 'Model for completion or chat';
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.items = [...catalogItems(settings), ...ggufItems(undefined, local)];
  quickPick.busy = true;
  const listing = new AbortController();
  jobs
    .job(localGgufsRequest, {}, () => undefined, listing.signal)
    .then(({ found, skipped }) => {
      for (const { store, name, problem } of skipped) log.info(`select model: skipped ${STORE_NAMES[store]} ${name}: ${problem}`);
      quickPick.items = [...catalogItems(settings), ...ggufItems(found, local)];
    })
    .catch((error: unknown) => {
      if (listing.signal.aborted) return;
      log.warn(`select model: could not search Ollama and LM Studio: ${(error as Error).message}`);
      quickPick.items = [...catalogItems(settings), ...ggufItems([], local)];
    })
    .finally(() => (quickPick.busy = false));
  try {
    return await new Promise<ModelPick | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]));
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.show();
    });
  } finally {
    listing.abort();
    quickPick.dispose();
  }
}

/** "SmolCode: Select Model"; see the file header. */
export async function selectModel(settings: Settings, jobs: WorkerClient, log: vscode.LogOutputChannel): Promise<void> {
  const choice = await pick(settings, jobs, log);
  if (!choice?.action) return;
  let gguf: string | undefined;
  if (choice.action === 'catalog') {
    if (choice.role === 'completion') await settings.set('completion.model', choice.label as (typeof COMPLETION_MODELS)[number]);
    else await settings.set('chat.model', choice.label as (typeof CHAT_MODELS)[number]);
    const local = settings.get('localModelPath').trim();
    if (local) {
      await settings.set('localModelPath', '');
      void vscode.window.showInformationMessage(`SmolCode: ${choice.label} is used for ${choice.role}; smolcode.localModelPath (${local}) was cleared, since it applies to both roles.`);
    }
    return;
  }
  if (choice.action === 'gguf') gguf = choice.path;
  else {
    const uris = await vscode.window.showOpenDialog({ title: 'SmolCode: choose a SmolLM2 GGUF file', canSelectMany: false, filters: { 'GGUF models': ['gguf'] } });
    gguf = uris?.[0]?.fsPath;
  }
  if (!gguf) return;
  await settings.set('localModelPath', gguf);
  log.info(`select model: smolcode.localModelPath = ${gguf} (completion and chat)`);
}
