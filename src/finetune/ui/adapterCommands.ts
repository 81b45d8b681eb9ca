/**
 * @file The VS Code side of using adapters: the model folder a role loads when
 * `smolcode.<role>.adapter` is set (merging a PEFT adapter into the base model first, in the
 * jobs worker under a progress notification), and the "SmolCode: Select Adapter" command (a
 * role, then one of the trained adapters, None, or a folder from elsewhere). Changing the
 * setting reloads the role's model on its next request, so switching needs no restart.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import type { ModelLocation } from '../../host/modelService';
import { findTokenizerDir } from '../../modelStore/localFolder';
import type { ResolvedModel } from '../../modelStore/modelStore';
import type { WorkerClient } from '../../worker/client';
import { adapterMergeRequest } from '../../worker/protocol';
import type { MergeProgress } from '../stages';
import { AdapterFolderError, describeAdapter, listAdapters, planAdapterLoad } from './adapterFolder';
import { withCancellableProgress } from '../../host/progress';
import { adapterBaseWarning, recordedBase, type CurrentBase } from '../adapterBase';
import { ADAPTER_CONFIG_FILE } from '../adapter';
import { RUN_FILE } from '../runReport';
import type { Dtype, Role } from '../../model/configTypes';

export const SELECT_ADAPTER_COMMAND = 'smolcode.selectAdapter';

/** The setting holding a role's adapter folder. */
export const adapterSettingKey = (role: Role) => `${role}.adapter` as const;

/** The folder under global storage where fine-tuning writes one folder per adapter. */
export function adaptersRoot(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.globalStorageUri, 'adapters');
}

/** What resolving an adapter needs from the extension. */
export interface AdapterModelDeps {
  readonly jobs: WorkerClient;
  readonly log: vscode.LogOutputChannel;
  /** The role's base model; with `weights`, including `model.safetensors` for merging. */
  readonly baseModel: (weights: boolean) => Promise<ResolvedModel>;
  /** The base the role runs now, found without downloading anything. */
  readonly currentBase: () => Promise<CurrentBase>;
}

/** Adapter and base pairs already warned about in this window, so a reload does not repeat it. */
const warnedBases = new Set<string>();

/** Warns once when the adapter's recorded base is not the base in use (see adapterBase.ts). */
async function warnOnOtherBase(role: Role, adapterDir: string, deps: AdapterModelDeps): Promise<void> {
  const recorded = recordedBase(adapterDir, RUN_FILE, ADAPTER_CONFIG_FILE);
  if (!recorded) return;
  const warning = adapterBaseWarning(adapterDir, recorded, await deps.currentBase());
  if (!warning || warnedBases.has(warning)) return;
  warnedBases.add(warning);
  deps.log.warn(`${role}: ${warning}`);
  void vscode.window.showWarningMessage(`SmolCode: ${warning}. Its suggestions may be no better than the base's; fine-tune again on this base, or choose another adapter with "SmolCode: Select Adapter".`);
}

/**
 * The model folder for `role` with the adapter in `adapterDir`: its merged model, merged first
 * when the folder holds only a PEFT adapter (or no variant for `dtype`). Throws
 * `AdapterFolderError` for a folder that holds neither.
 */
export async function resolveAdapterModel(role: Role, adapterDir: string, dtype: Dtype, deps: AdapterModelDeps, signal?: AbortSignal): Promise<ModelLocation> {
  const plan = planAdapterLoad(adapterDir, dtype);
  await warnOnOtherBase(role, adapterDir, deps);
  let loadDtype: Dtype;
  if (plan.action === 'merge') {
    const base = await deps.baseModel(true);
    deps.log.info(`${role}: merging the adapter in ${adapterDir} into ${base.dir} (${plan.variant})`);
    await withCancellableProgress(
      `SmolCode: merging the adapter ${basename(adapterDir)} for ${role}`,
      (progress, jobSignal) =>
        deps.jobs.job(adapterMergeRequest, { options: { modelDir: base.dir, adapterDir, variants: [plan.variant] } }, (p: MergeProgress) => progress.report({ message: `writing ${p.variant}` }), jobSignal),
      signal,
    );
    loadDtype = plan.variant;
  } else {
    loadDtype = plan.dtype;
  }
  if (loadDtype !== dtype) deps.log.info(`${role}: the adapter's merged model is ${loadDtype}; ${dtype} cannot be merged, so ${loadDtype} is loaded`);
  const tokenizerDir = findTokenizerDir([adapterDir]) ?? (await deps.baseModel(false)).tokenizerDir;
  return { dir: adapterDir, tokenizerDir, dtype: loadDtype === dtype ? undefined : loadDtype };
}

interface AdapterPick extends vscode.QuickPickItem {
  readonly value: string | 'browse';
}

/** Asks for the role whose adapter to choose. */
async function pickRole(settings: Settings): Promise<Role | undefined> {
  const current = (role: Role) => settings.get(adapterSettingKey(role)) || 'none';
  const items = (['completion', 'chat'] as const).map((role) => ({ label: role === 'completion' ? 'Completion' : 'Chat', description: `now: ${current(role)}`, role }));
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Choose the adapter of which role?' }))?.role;
}

/** "SmolCode: Select Adapter": role, then adapter, None or Browse…; sets `smolcode.<role>.adapter`. */
export async function selectAdapter(settings: Settings, root: vscode.Uri): Promise<void> {
  const role = await pickRole(settings);
  if (!role) return;
  const key = adapterSettingKey(role);
  const current = settings.get(key);
  const mark = (value: string) => (value === current ? '$(check) ' : '');
  const trained = listAdapters(root.fsPath);
  const items: AdapterPick[] = [
    { label: `${mark('')}None`, description: `the plain ${role} model`, value: '' },
    ...(trained.length > 0 ? [{ label: 'Trained in SmolCode', kind: vscode.QuickPickItemKind.Separator, value: '' }] : []),
    ...trained.map((a) => ({
      label: `${mark(a.dir)}${a.name}`,
      description: describeAdapter(a),
      detail: `${a.created.toLocaleString()}${a.role && a.role !== role ? ` · trained for ${a.role}` : ''}`,
      value: a.dir,
    })),
    { label: '', kind: vscode.QuickPickItemKind.Separator, value: '' },
    { label: '$(folder-opened) Browse…', description: 'a PEFT adapter folder (adapter_config.json + adapter_model.safetensors)', value: 'browse' },
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: `Adapter for ${role}`, matchOnDescription: true });
  if (!pick) return;
  let dir = pick.value;
  if (dir === 'browse') {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: `Use for ${role}` });
    if (!chosen?.[0]) return;
    dir = chosen[0].fsPath;
    try {
      planAdapterLoad(dir, settings.get('dtype'));
    } catch (error) {
      if (!(error instanceof AdapterFolderError)) throw error;
      void vscode.window.showErrorMessage(`SmolCode: ${error.message}`);
      return;
    }
  }
  await settings.set(key, dir);
  void vscode.window.showInformationMessage(dir ? `SmolCode: ${role} now uses the adapter ${basename(dir)}.` : `SmolCode: ${role} now uses the plain model.`);
}
