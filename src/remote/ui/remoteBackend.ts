/**
 * @file The VS Code side of the remote backend: builds the `RemoteServer` from the settings and
 * the API key in SecretStorage (rebuilt after either changes, so no reload is needed), picks
 * local or remote per request from `smolcode.backend`, names the backend for the status bar, and
 * registers "SmolCode: Set Remote API Key". Nothing is sent anywhere unless the backend is
 * `openai` and a URL is set.
 */
import * as vscode from 'vscode';
import type { ChatBackend } from '../../chat/chatBackend';
import type { RunModel } from '../../completion/pipeline';
import type { Settings } from '../../host/settings';
import type { SettingKey } from '../../host/settingsSchema';
import { isAbortError } from '../../modelStore/errors';
import { decodeKey, encodeKey, keyFor, type StoredKey } from '../apiKey';
import { apiBase, OpenAiClient } from '../openaiClient';
import { remoteChatBackend } from '../remoteChatBackend';
import { RemoteError } from '../remoteErrors';
import { remoteRunModel } from '../remoteRunner';
import { RemoteServer, type RemoteRole } from '../remoteServer';

export const SET_API_KEY_COMMAND = 'smolcode.setRemoteApiKey';
const SECRET = 'smolcode.remote.apiKey';

/** Settings that change which server or which served model is used. */
export const REMOTE_SETTINGS: readonly SettingKey[] = ['backend', 'remote.url', 'remote.completionModel', 'remote.chatModel', 'remote.adapterModels', 'completion.adapter', 'chat.adapter'];

export class RemoteBackend implements vscode.Disposable {
  private server: RemoteServer | undefined;
  private stored: Promise<StoredKey | undefined>;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly settings: Settings,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.stored = this.readKey();
    this.subscriptions.push(
      settings.onDidChange(REMOTE_SETTINGS, () => this.reset()),
      secrets.onDidChange((event) => {
        if (event.key !== SECRET) return;
        this.stored = this.readKey();
        this.reset();
      }),
    );
  }

  isRemote(): boolean {
    return this.settings.get('backend') === 'openai';
  }

  /** The status bar's backend label: `remote: host`, or undefined for the local engine. */
  label(): string | undefined {
    if (!this.isRemote()) return undefined;
    try {
      return `remote: ${apiBase(this.settings.get('remote.url')).host}`;
    } catch {
      return 'remote: no URL';
    }
  }

  /** The configured server; throws a clear error when the backend is remote but has no URL. */
  async current(): Promise<RemoteServer> {
    const url = this.settings.get('remote.url').trim();
    if (!url) throw new RemoteError('unreachable', 'smolcode.backend is "openai" but smolcode.remote.url is empty; set it to the server, such as http://host:8000/v1');
    const stored = await this.stored;
    if (this.server) return this.server;
    const origin = apiBase(url).origin;
    const apiKey = keyFor(stored, origin);
    if (stored && !apiKey) this.log.warn(`remote: the API key was set for ${stored.origin}, so it is not sent to ${origin}; set it again for this server with "SmolCode: Set Remote API Key"`);
    this.server = new RemoteServer(new OpenAiClient({ baseUrl: url, apiKey }), (role) => this.roleSettings(role));
    this.log.info(`remote: using ${apiBase(url).href}${apiKey ? ' with an API key' : ''}`);
    return this.server;
  }

  /** Drops the server so the next request uses the current settings and key. */
  reset(): void {
    this.server?.dispose();
    this.server = undefined;
  }

  /**
   * The completion `RunModel` of the current backend. `onError` hears remote failures (the
   * local engine reports its own through ModelService), `onSuccess` every remote success.
   */
  runModel(local: RunModel, onError: (error: Error) => void, onSuccess: () => void): RunModel {
    const remote = remoteRunModel(() => this.current());
    return async (call, onText, signal) => {
      if (!this.isRemote()) return local(call, onText, signal);
      try {
        const stats = await remote(call, onText, signal);
        if (stats) onSuccess();
        return stats;
      } catch (error) {
        if (!isAbortError(error) && error instanceof Error) onError(error);
        throw error;
      }
    };
  }

  /** The chat backend of the current backend, chosen per call. */
  chatBackend(local: ChatBackend, temperature: () => unknown): ChatBackend {
    const remote = remoteChatBackend(() => this.current(), temperature);
    const pick = () => (this.isRemote() ? remote : local);
    return {
      reply: (...args) => pick().reply(...args),
      countTokens: (texts) => pick().countTokens(texts),
      contextLength: () => pick().contextLength(),
    };
  }

  /** "SmolCode: Set Remote API Key": stores the key for the configured server's origin (empty removes it). */
  async setApiKey(): Promise<void> {
    const url = this.settings.get('remote.url').trim();
    if (!url) {
      void vscode.window.showErrorMessage('SmolCode: set smolcode.remote.url first; the API key is kept for that server only.');
      return;
    }
    let origin: string;
    try {
      origin = apiBase(url).origin;
    } catch (error) {
      void vscode.window.showErrorMessage(`SmolCode: ${(error as Error).message}`);
      return;
    }
    const key = await vscode.window.showInputBox({
      title: 'SmolCode: Set Remote API Key',
      prompt: `API key for ${origin}, sent to that server only (kept in VS Code's secret storage). Leave empty to remove it.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    if (key.trim()) await this.secrets.store(SECRET, encodeKey({ origin, key: key.trim() }));
    else await this.secrets.delete(SECRET);
    void vscode.window.showInformationMessage(key.trim() ? `SmolCode: API key saved for ${origin}.` : 'SmolCode: API key removed.');
  }

  dispose(): void {
    this.reset();
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private roleSettings(role: RemoteRole) {
    return {
      model: this.settings.get(role === 'completion' ? 'remote.completionModel' : 'remote.chatModel'),
      adapter: this.settings.get(role === 'completion' ? 'completion.adapter' : 'chat.adapter'),
      adapterModels: this.settings.get('remote.adapterModels'),
    };
  }

  private async readKey(): Promise<StoredKey | undefined> {
    try {
      return decodeKey(await this.secrets.get(SECRET));
    } catch (error) {
      this.log.warn(`remote: could not read the API key from the secret storage: ${(error as Error).message}`);
      return undefined;
    }
  }
}
