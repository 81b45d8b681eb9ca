/**
 * @file One configured remote server: its client, and which served model each role uses. The
 * model name comes from the settings, or from the role's adapter (vLLM serves each
 * `--lora-modules name=path` adapter, and SGLang each `--lora-paths name=path` one, under its
 * name), or, when neither is set, is the first model the server lists. The name is checked
 * against `/v1/models` before the first request, because llama.cpp's servers ignore an unknown
 * name and answer with the model they have; a typo should fail with the list, not silently run
 * another model.
 */
import { RemoteError } from './remoteErrors';
import type { OpenAiClient, ServedModel } from './openaiClient';

export type RemoteRole = 'completion' | 'chat';

/** The settings that choose a role's model on the server. */
export interface RoleModelSettings {
  /** `smolcode.remote.completionModel` / `chatModel`: a served name, or '' for the server's first. */
  readonly model: string;
  /** `smolcode.completion.adapter` / `chat.adapter`: an adapter folder, or ''. */
  readonly adapter: string;
  /** `smolcode.remote.adapterModels`: adapter folder name → served name, where they differ. */
  readonly adapterModels: Readonly<Record<string, string>>;
}

/**
 * The model name to request for a role: the adapter's served name when an adapter is selected
 * (its folder name unless `adapterModels` maps it), else the role's model setting, else '' (the
 * server's first model).
 */
export function requestedModel(settings: RoleModelSettings): string {
  // Either separator: settings.json may come from another OS.
  const name = settings.adapter.trim().split(/[\\/]+/).filter(Boolean).pop();
  if (name) {
    return settings.adapterModels[name] ?? name;
  }
  return settings.model.trim();
}

/** How long a `/v1/models` listing is trusted; vLLM can load adapters at runtime. */
const LISTING_TTL_MS = 60_000;

export class RemoteServer {
  private listing: { readonly at: number; readonly models: Promise<ServedModel[] | undefined> } | undefined;

  constructor(
    readonly client: OpenAiClient,
    private readonly wanted: (role: RemoteRole) => RoleModelSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The served model a role uses, checked against the server's list when it gives one. */
  async model(role: RemoteRole, signal: AbortSignal): Promise<ServedModel> {
    const name = requestedModel(this.wanted(role));
    const models = await this.models(signal);
    if (models === undefined) {
      if (name) return { id: name };
      throw new RemoteError('model', `${this.client.origin} does not list its models (/v1/models); set smolcode.remote.${role}Model to the name it serves`);
    }
    if (!name) {
      if (models[0]) return models[0];
      throw new RemoteError('model', `${this.client.origin} serves no model (its /v1/models list is empty)`);
    }
    const found = models.find((model) => model.id === name);
    if (found) return found;
    this.listing = undefined;
    const served = models.map((model) => `"${model.id}"`).join(', ') || 'none';
    const setting = this.wanted(role).adapter.trim() ? `the adapter's served name (smolcode.remote.adapterModels, or start the server with the adapter under this name)` : `smolcode.remote.${role}Model`;
    throw new RemoteError('model', `${this.client.origin} does not serve the model "${name}"; it serves ${served}. Set ${setting}`);
  }

  dispose(): void {
    this.client.dispose();
  }

  /** The server's models, or undefined when it has no `/v1/models` (404); other failures propagate. */
  private models(signal: AbortSignal): Promise<ServedModel[] | undefined> {
    if (this.listing && this.now() - this.listing.at < LISTING_TTL_MS) return this.listing.models;
    const models = this.client.listModels(signal).catch((error: unknown) => {
      if (error instanceof RemoteError && error.kind === 'notFound') return undefined;
      if (this.listing?.models === models) this.listing = undefined;
      throw error;
    });
    this.listing = { at: this.now(), models };
    return models;
  }
}
