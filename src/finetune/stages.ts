/**
 * @file The three stages of a fine-tuning run, as functions of this process: build the training
 * set, train the adapter, merge it into an ONNX model. The worker process serves them as
 * requests to VS Code (worker/main.ts); the CLI calls them directly. `run.ts` strings them
 * together behind the `FinetuneStages` interface, so it runs the same either way.
 */
import type { OnnxVariant } from '../model/configTypes';
import type { WrittenFile } from '../model/modelFolder';
import { openModelScorer } from './dataset/modelScorer';
import { buildDataset, type DatasetHooks, type DatasetOptions } from './dataset/pipeline';
import type { DatasetReport } from './dataset/report';
import { loadSampleTokenizer } from './dataset/samples/sampleTokenizer';
import { mergeAdapter, type MergeOptions } from './merge';
import type { FinetuneOptions } from './plan';
import { runFinetune, type FinetuneEvent, type FinetuneResult } from './trainer';

/** What the dataset build reports while it runs. */
export type DatasetProgress = Parameters<NonNullable<DatasetHooks['onProgress']>>[0];

/** What merging reports: each ONNX variant as it starts. */
export interface MergeProgress {
  readonly variant: OnnxVariant;
  readonly index: number;
  readonly total: number;
}

/** Merge options with the variants spelled out: the caller knows which one it will load. */
export type MergeStageOptions = MergeOptions & { readonly variants: readonly OnnxVariant[] };

/** The stages, wherever they run; each rejects with an AbortError once `signal` aborts. */
export interface FinetuneStages {
  /** Builds a training set with the tokenizer (and chat template) in `tokenizerDir`; a base model in `perplexityModelDir` drops outlier files. */
  buildDataset(options: DatasetOptions, tokenizerDir: string, perplexityModelDir: string | undefined, onProgress: (progress: DatasetProgress) => void, signal: AbortSignal): Promise<DatasetReport>;
  /** Trains; a cancelled run saves its checkpoint, then rejects. */
  train(options: FinetuneOptions, onEvent: (event: FinetuneEvent) => void, signal: AbortSignal): Promise<FinetuneResult>;
  merge(options: MergeStageOptions, onProgress: (progress: MergeProgress) => void, signal: AbortSignal): Promise<WrittenFile[]>;
}

/** Lets queued messages (a cancellation) through between synchronous pieces of work. */
const yieldToEvents = () => new Promise((resolve) => setImmediate(resolve));

/** The stages in this process. */
export const inProcessStages: FinetuneStages = {
  async buildDataset(options, tokenizerDir, perplexityModelDir, onProgress, signal) {
    const tokenizer = await loadSampleTokenizer(tokenizerDir);
    const scorer = perplexityModelDir === undefined ? undefined : await openModelScorer(perplexityModelDir, tokenizer.encode);
    try {
      return await buildDataset(options, { tokenizer, scorer, signal, onProgress });
    } finally {
      await scorer?.dispose();
    }
  },

  async train(options, onEvent, signal) {
    const result = await runFinetune(options, { signal, onProgress: onEvent });
    // The trainer ends a cancelled run normally, after its checkpoint; the stage must fail.
    if (result.status === 'cancelled') signal.throwIfAborted();
    return result;
  },

  async merge(options, onProgress, signal) {
    const written: WrittenFile[] = [];
    // One variant at a time, so that a cancel is seen between them (each is synchronous work).
    for (const [index, variant] of options.variants.entries()) {
      await yieldToEvents();
      signal.throwIfAborted();
      onProgress({ variant, index, total: options.variants.length });
      written.push(...mergeAdapter({ ...options, variants: [variant] }));
    }
    return written;
  },
};
