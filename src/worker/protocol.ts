/**
 * @file The JSON-RPC protocol between the extension host (or CLI) and the model worker
 * process. Each request is declared once here with its parameter and result types.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { DatasetOptions } from '../finetune/dataset/pipeline';
import type { DatasetReport } from '../finetune/dataset/report';
import type { MergeStageOptions } from '../finetune/stages';
import type { FinetuneOptions } from '../finetune/plan';
import type { FinetuneResult } from '../finetune/trainer';
import type { EngineGraph, EngineOptions, GenerateRequest, GenerateStats } from '../runtime/engine';
import type { Role } from '../model/configTypes';
import type { ExecutionProviderInfo } from '../runtime/session';
import type { WrittenFile } from '../model/modelFolder';
import type { GgufImportRequest, ImportedGguf } from '../modelStore/ggufImports';
import type { LocalGguf, SkippedGguf } from '../modelStore/ggufStores';
import type { ModelGgufExportOptions } from '../finetune/exportGguf';
import type { GgufExportResult } from '../model/ggufExport';


export interface RuntimeInfo {
  readonly pid: number;
  readonly node: string;
  readonly onnxruntime: string;
  readonly providers: readonly ExecutionProviderInfo[];
  readonly telemetryDisabled: boolean;
}


export interface LoadParams {
  readonly role: Role;
  readonly options: EngineOptions;
}

export interface LoadResult {
  readonly provider: string;
  readonly fallbacks: readonly string[];
  readonly loadMs: number;
  /** The model's context window in tokens (max_position_embeddings). */
  readonly contextLength: number;
  /** The graph the engine runs, and why not the fused one or how long building it took. */
  readonly graph: EngineGraph;
}

export interface GenerateParams {
  /** Chosen by the caller, echoed in chunk notifications. */
  readonly id: number;
  readonly role: Role;
  readonly request: GenerateRequest;
}

export interface GenerateChunk {
  readonly id: number;
  readonly text: string;
}

/** Describes the worker's ONNX Runtime; loads it on first call. */
export const runtimeInfoRequest = new RequestType0<RuntimeInfo, void>('runtime/info');

/** Loads (or keeps, if unchanged) the engine of a role. */
export const loadRequest = new RequestType<LoadParams, LoadResult, void>('engine/load');

/** Generates; text streams as `chunkNotification`s; JSON-RPC cancellation stops it. */
export const generateRequest = new RequestType<GenerateParams, GenerateStats, void>('engine/generate');

export interface CountTokensParams {
  readonly role: Role;
  readonly texts: readonly string[];
}

/** Token counts of texts with the role's tokenizer (for trimming context to the window). */
export const countTokensRequest = new RequestType<CountTokensParams, number[], void>('engine/countTokens');

export const chunkNotification = new NotificationType<GenerateChunk>('engine/chunk');

/** Progress of a long job (dataset build, fine-tuning), tagged with the caller's job id. */
export interface JobProgress<T = unknown> {
  readonly id: number;
  readonly progress: T;
}

export const jobProgressNotification = new NotificationType<JobProgress>('job/progress');


export interface DatasetBuildParams {
  readonly id: number;
  readonly options: DatasetOptions;
  /** Folder with the tokenizer (and chat template) the samples are shaped for. */
  readonly tokenizerDir: string;
  /** A base model folder (with onnx/model.onnx) whose perplexity drops outlier files; none: no filter. */
  readonly perplexityModelDir?: string;
}

/** Builds a training set from a workspace; progress comes as `jobProgressNotification`s. */
export const datasetBuildRequest = new RequestType<DatasetBuildParams, DatasetReport, void>('dataset/build');

/** Trains a LoRA adapter: the trainer's options without its hooks (paths are the worker's). */
export interface FinetuneRunParams {
  readonly id: number;
  readonly options: FinetuneOptions;
}

/**
 * Trains a LoRA adapter into `options.outDir`; progress comes as `jobProgressNotification`s
 * carrying the trainer's events. Cancelling ends the request with an error after the trainer
 * has saved its checkpoint (the caller sees an `AbortError`).
 */
export const finetuneRunRequest = new RequestType<FinetuneRunParams, FinetuneResult, void>('finetune/run');


export interface AdapterMergeParams {
  readonly id: number;
  /** The variants are required here: the caller knows which one it will load. */
  readonly options: MergeStageOptions;
}

/** Merges a PEFT adapter into its base model as an ONNX model folder; cancellable between variants. */
export const adapterMergeRequest = new RequestType<AdapterMergeParams, WrittenFile[], void>('adapter/merge');

export interface GgufImportParams {
  readonly id: number;
  readonly request: GgufImportRequest;
}

/**
 * Imports a GGUF file into SmolCode's storage, cached by the file's SHA-256 (a second call for
 * the same bytes answers at once); progress comes as `GgufImportProgress`; cancellable, leaving
 * no partial folder.
 */
export const ggufImportRequest = new RequestType<GgufImportParams, ImportedGguf, void>('gguf/import');

export interface LocalGgufsParams {
  readonly id: number;
}

/** The SmolLM2 GGUFs in Ollama's and LM Studio's stores (as the worker's environment locates them), and what was skipped. */
export const localGgufsRequest = new RequestType<LocalGgufsParams, { found: LocalGguf[]; skipped: SkippedGguf[] }, void>('gguf/list');

export interface GgufExportParams {
  readonly id: number;
  readonly options: Omit<ModelGgufExportOptions, 'onTensor' | 'signal'>;
}

/** Tensors written so far, for an export's progress. */
export interface GgufExportProgress {
  readonly written: number;
  readonly total: number;
}

/** Writes a model (with an adapter merged in) as a GGUF file; progress per tensor; cancellable, leaving no file. */
export const ggufExportRequest = new RequestType<GgufExportParams, GgufExportResult, void>('gguf/export');
