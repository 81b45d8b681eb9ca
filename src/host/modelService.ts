/**
 * @file The extension host's access to models: resolves the model folder of each role (a
 * local folder, or a download with progress), loads it into the worker process, reports the
 * execution provider (and why others were not used), and forwards generation requests. Every
 * request goes to the worker; nothing here runs model code.
 */
import * as vscode from 'vscode';
import type { Settings } from './settings';
import type { GenerateRequest, GenerateStats } from '../runtime/engine';
import type { WorkerClient } from '../worker/client';
import { promptDtypeOption } from '../runtime/promptDtype';
import { kvCacheOption, nativeDecodeOption } from '../model/configTypes';
import type { Dtype, Role } from '../model/configTypes';
import { nativeSummary } from '../runtime/nativeSummary';

/** A model folder ready to load, with the folder its tokenizer files are in. */
export interface ModelLocation {
  readonly dir: string;
  readonly tokenizerDir: string;
  /** The ONNX variant to load when it differs from `smolcode.dtype` (a merged adapter in fp32). */
  readonly dtype?: Dtype;
}

/** Finds (downloading if needed) the model folder of a role for the current settings. */
export type ResolveModel = (role: Role, signal: AbortSignal) => Promise<ModelLocation>;

/** What a role's model looks like once loaded. */
export interface LoadedModel {
  readonly provider: string;
  readonly contextLength: number;
}

export interface ModelServiceEvents {
  readonly onLoading: (role: Role, what: string) => void;
  readonly onLoaded: (role: Role) => void;
  readonly onError: (role: Role, error: Error) => void;
}

export class ModelService implements vscode.Disposable {
  private readonly loaded = new Map<Role, Promise<LoadedModel>>();
  private readonly shutdown = new AbortController();
  private warnedFallback = false;

  constructor(
    private readonly client: WorkerClient,
    private readonly settings: Settings,
    private readonly resolveModel: ResolveModel,
    private readonly log: vscode.LogOutputChannel,
    private readonly events: ModelServiceEvents,
  ) {}

  /** Forgets loaded models so the next request reloads with the new settings. */
  reset(): void {
    this.loaded.clear();
  }

  /** Loads the role's model once (until `reset`). */
  prepare(role: Role): Promise<LoadedModel> {
    let loading = this.loaded.get(role);
    if (!loading) {
      loading = this.load(role);
      this.loaded.set(role, loading);
      loading.catch(() => {
        if (this.loaded.get(role) === loading) this.loaded.delete(role);
      });
    }
    return loading;
  }

  async generate(role: Role, request: GenerateRequest, onText: (text: string) => void, signal?: AbortSignal): Promise<GenerateStats> {
    await this.prepare(role);
    return this.client.generate(role, request, onText, signal);
  }

  async countTokens(role: Role, texts: readonly string[]): Promise<number[]> {
    await this.prepare(role);
    return this.client.countTokens(role, texts);
  }

  dispose(): void {
    this.shutdown.abort();
    this.client.dispose();
  }

  private async load(role: Role): Promise<LoadedModel> {
    const modelName = role === 'completion' ? this.settings.get('completion.model') : this.settings.get('chat.model');
    this.events.onLoading(role, modelName);
    try {
      const location = await this.resolveModel(role, this.shutdown.signal);
      const device = this.settings.get('device');
      const dtype = location.dtype ?? this.settings.get('dtype');
      const result = await this.client.load(role, {
        modelDir: location.dir,
        tokenizerFallbackDir: location.tokenizerDir,
        dtype,
        device,
        threads: this.settings.get('threads'),
        buildFusedGraph: this.settings.get('fusedGraph'),
        ...promptDtypeOption(this.settings.get('promptDtype')),
        ...kvCacheOption(this.settings.get('kvCache')),
        ...nativeDecodeOption(this.settings.get('nativeDecode')),
      });
      const where = result.graph.kvOnDevice ? ', KV cache in GPU memory' : result.graph.kvCache === 'int8' ? ', 8-bit KV cache' : '';
      const native = nativeSummary(result.graph);
      const prompts = result.graph.promptFile ? `, prompt chunks through ${result.graph.promptFile}` : '';
      this.log.info(`${role}: loaded ${location.dir} (${dtype}, ${result.graph.kind} graph ${result.graph.file}${prompts}${where}${native}) on ${result.provider} in ${result.loadMs.toFixed(0)} ms`);
      if (result.graph.note) this.log.info(`${role}: ${result.graph.note}`);
      for (const reason of result.fallbacks) this.log.info(`${role}: execution provider not used: ${reason}`);
      if (device !== 'auto' && device !== result.provider && !this.warnedFallback) {
        this.warnedFallback = true;
        void vscode.window.showWarningMessage(
          `SmolCode: the ${device} device is not available here (${result.fallbacks.join('; ')}); running on ${result.provider}.`,
        );
      }
      this.events.onLoaded(role);
      return { provider: result.provider, contextLength: result.contextLength };
    } catch (error) {
      this.log.error(`${role}: could not load the model: ${(error as Error).message}`);
      this.events.onError(role, error as Error);
      throw error;
    }
  }
}
