/**
 * @file Wires the chat together: the webview view, the controller, the editor context, the
 * history store and the chat commands (context menu Explain / Write Tests / Fix, and the view
 * title's New Chat and History). The host's answer to each webview message is the `switch` here.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import type { FromWebview } from '../../shared/protocol';
import type { ChatBackend } from '../chatBackend';
import { ChatController, type ModelChoice } from '../chatController';
import { EDITOR_ACTIONS } from '../editorActions';
import { ChatViewProvider, CHAT_VIEW_ID } from './chatViewProvider';
import { ConversationStore } from '../conversationStore';
import { EditorContext } from './editorContext';
import { MentionList } from '../mentionList';
import { VsCodeMentionResolver } from './mentionResolver';
import { externalUrl } from '../links';
import { CHAT_MODELS } from '../../modelStore/catalog';

export interface ChatFeatureDeps {
  readonly extensionUri: vscode.Uri;
  readonly backend: ChatBackend;
  /** Per-workspace storage for the conversation history (`context.workspaceState`). */
  readonly workspaceState: vscode.Memento;
  readonly settings: Settings;
  readonly log: vscode.LogOutputChannel;
}


/**
 * The panel's model menu: the catalog's Instruct models, and first the local model when
 * `smolcode.localModelPath` is set (it runs both roles, so the menu must not name a catalog model
 * then). Choosing a catalog model clears the local one, as "Select Model" does. On the remote
 * backend the server's model is the only entry: the catalog does not run there.
 */
export function chatModelChoice(settings: Settings): ModelChoice {
  const remote = () => (settings.get('backend') === 'openai' ? `remote: ${settings.get('remote.chatModel').trim() || "the server's model"}` : undefined);
  const local = () => {
    const path = settings.get('localModelPath').trim();
    return path ? `local: ${basename(path)}` : undefined;
  };
  return {
    options: () => (remote() ? [remote()!] : [...(local() ? [local()!] : []), ...CHAT_MODELS]),
    current: () => remote() ?? local() ?? settings.get('chat.model'),
    async select(model) {
      if (model === local() || model === remote()) return;
      await settings.set('chat.model', model as (typeof CHAT_MODELS)[number]);
      if (local()) await settings.set('localModelPath', '');
    },
  };
}

/** Registers the chat view and commands; returns everything to dispose. */
export function registerChat(deps: ChatFeatureDeps): vscode.Disposable[] {
  const provider = new ChatViewProvider(deps.extensionUri, deps.log);
  const editors = new EditorContext();
  const controller = new ChatController({
    backend: deps.backend,
    store: new ConversationStore(deps.workspaceState),
    context: editors,
    mentions: new MentionList(new VsCodeMentionResolver(editors)),
    models: chatModelChoice(deps.settings),
    log: deps.log,
    post: (message) => provider.post(message),
    newId: randomUUID,
    now: Date.now,
  });

  const handle = async (message: FromWebview): Promise<void> => {
    switch (message.type) {
      case 'ready':
        return controller.postState();
      case 'send':
        return controller.send(message.text);
      case 'stop':
        return controller.stop();
      case 'regenerate':
        return controller.regenerate();
      case 'newChat':
        return controller.newChat();
      case 'openConversation':
        return controller.open(message.id);
      case 'deleteConversation':
        return controller.delete(message.id);
      case 'removeContext':
        return controller.removeContext(message.id);
      case 'addMention':
        // @file's quick pick takes the focus; the user goes on typing the question after it.
        await controller.addMention(message.kind);
        provider.post({ type: 'focusInput' });
        return;
      case 'selectModel':
        return controller.selectModel(message.model);
      case 'codeAction':
        if (message.action === 'copy') {
          await vscode.env.clipboard.writeText(message.code);
          vscode.window.setStatusBarMessage('SmolCode: code copied', 2000);
        } else {
          await editors.edit(message.code, message.action);
        }
        return;
      case 'openLink': {
        const url = externalUrl(message.href);
        if (!url) {
          deps.log.warn(`chat: refused to open a link that is not http(s): ${message.href.slice(0, 200)}`);
          return;
        }
        await vscode.env.openExternal(vscode.Uri.parse(url, true));
        return;
      }
    }
  };

  /** Opens the view and asks `prompt` about the active editor's selection (or file). */
  const askAboutEditor = async (prompt: string): Promise<void> => {
    const editor = vscode.window.activeTextEditor;
    if (editor) editors.use(editor);
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    await controller.send(prompt);
  };

  let refresh: ReturnType<typeof setTimeout> | undefined;
  return [
    provider,
    editors,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, provider),
    provider.onMessage((message) => {
      handle(message).catch((error: unknown) => deps.log.error(`chat: ${message.type} failed: ${(error as Error).message}`));
    }),
    // Selection changes come in bursts while dragging; the chips follow once it settles.
    editors.onDidChange(() => {
      clearTimeout(refresh);
      refresh = setTimeout(() => controller.postState(), 150);
    }),
    { dispose: () => clearTimeout(refresh) },
    { dispose: () => void controller.stop() },
    deps.settings.onDidChange(['chat.model', 'backend', 'remote.chatModel'], () => controller.postState()),
    ...EDITOR_ACTIONS.map(({ command, prompt }) => vscode.commands.registerCommand(command, () => askAboutEditor(prompt))),
    vscode.commands.registerCommand('smolcode.newChat', async () => {
      await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
      await controller.newChat();
      provider.post({ type: 'focusInput' });
    }),
    vscode.commands.registerCommand('smolcode.chatHistory', async () => {
      await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
      provider.post({ type: 'toggleHistory' });
    }),
  ];
}
