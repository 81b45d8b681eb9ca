/**
 * @file Bits per byte of a model on real text: the cross-entropy of every token of each file,
 * in bits, divided by the file's UTF-8 bytes. Unlike perplexity it does not depend on the
 * tokenizer, so graphs, quantizations and (later) models with other vocabularies compare on
 * one scale.
 *
 * Each file is scored as a document of its own after `<|endoftext|>` (the separator SmolLM2's
 * pretraining puts between documents), so its first token is predicted too and the bits cover
 * every byte of the text. A file longer than the window is scored in overlapping windows, each
 * run from an empty cache on the plain graph (onnx/model_<dtype>.onnx: fused graphs return only
 * the last position's logits): the first window scores all of its tokens, each later one slides
 * by `stride` and scores only its last `stride` tokens, so every token is scored exactly once
 * and sees at least `window − stride` tokens of context (all of them up to the first window's
 * end). This is the strided evaluation of transformers' perplexity guide
 * (https://huggingface.co/docs/transformers/perplexity); the default half-window stride runs
 * each token through the model about twice. One window's logits, [window, vocab] float32
 * (100 MB at 512 × 49152), are the largest buffer and are dropped before the next window runs.
 */
import type { Dtype } from '../model/configTypes';
import { onnxPath } from '../runtime/modelFiles';
import type { Device } from '../runtime/providers';
import { CausalLmSession } from '../runtime/session';
import { tokenNegativeLogLikelihood } from '../runtime/tokenLoss';

/** The window defaults: 512 tokens, sliding by half a window. */
export const DEFAULT_WINDOW = 512;

/** The token before each file, as text: SmolLM2's end of a document. */
export const DOCUMENT_START = '<|endoftext|>';

/** The id of `DOCUMENT_START` under `encode`; throws when the tokenizer does not make it one token. */
export function documentStartId(encode: (text: string) => number[]): number {
  const ids = encode(DOCUMENT_START);
  if (ids.length !== 1) throw new Error(`the tokenizer encodes ${DOCUMENT_START} as ${ids.length} tokens, not one; bits per byte needs SmolLM2's vocabulary`);
  return ids[0] as number;
}

/** A model that returns every position's logits, [ids.length, vocab] row-major, from an empty cache. */
export interface LogitsModel {
  logits(ids: readonly number[]): Promise<Float32Array>;
}

/** One text to score. */
export interface EvalText {
  /** Where it came from (shown in reports). */
  readonly path: string;
  /** What it is grouped under: a language name, else the file's extension. */
  readonly language: string;
  readonly text: string;
}

/**
 * One forward pass over `seq[start, end)` that scores the targets `seq[from, end)`; target `t`
 * is predicted by logits row `t − 1 − start`.
 */
export interface ScoreWindow {
  readonly start: number;
  readonly end: number;
  readonly from: number;
}

/** Throws unless `window` has at least 2 tokens and `stride` is from 1 to `window − 1`. */
export function checkWindow(window: number, stride: number): void {
  if (!Number.isInteger(window) || window < 2) throw new Error(`the window must be an integer of at least 2 tokens, got ${window}`);
  if (!Number.isInteger(stride) || stride < 1 || stride >= window) {
    throw new Error(`the stride must be an integer from 1 to the window minus one (${window - 1}), got ${stride}`);
  }
}

/**
 * The windows over a sequence of `length` tokens whose first token is context only: every
 * target 1 to length−1 is scored once, no window is longer than `window`, and a target of a
 * later window has at least `window − stride` tokens before it.
 */
export function planWindows(length: number, window: number, stride: number): ScoreWindow[] {
  checkWindow(window, stride);
  const windows: ScoreWindow[] = [];
  for (let from = 1; from < length; ) {
    const end = Math.min(length, from === 1 ? window : from + stride);
    windows.push({ start: Math.max(0, end - window), end, from });
    from = end;
  }
  return windows;
}

/** Sums over some text: its bytes and tokens and the tokens' total loss. */
export interface Totals {
  readonly files: number;
  readonly bytes: number;
  readonly tokens: number;
  /** Total negative log-likelihood in nats. */
  readonly nats: number;
  /** nats / ln 2 / bytes. */
  readonly bitsPerByte: number;
  /** nats / ln 2 / tokens. */
  readonly bitsPerToken: number;
}

/** One scored file. */
export interface FileScore extends Totals {
  readonly path: string;
  readonly language: string;
}

/** What `scoreBitsPerByte` returns; languages and the total weigh each file by its bytes and tokens. */
export interface BitsPerByteReport {
  readonly window: number;
  readonly stride: number;
  readonly files: readonly FileScore[];
  readonly languages: Readonly<Record<string, Totals>>;
  readonly total: Totals;
}

/** Progress after each window. */
export interface BitsPerByteProgress {
  readonly path: string;
  readonly tokensDone: number;
  readonly tokens: number;
}

export interface BitsPerByteOptions {
  /** The context-only token before each file (`<|endoftext|>`'s id). */
  readonly startId: number;
  /** Most tokens in one forward pass (default 512). */
  readonly window?: number;
  /** How far each later window slides (default half the window). */
  readonly stride?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BitsPerByteProgress) => void;
}

/** Totals from summed bytes, tokens and nats. */
export function totals(files: number, bytes: number, tokens: number, nats: number): Totals {
  const bits = nats / Math.LN2;
  return { files, bytes, tokens, nats, bitsPerByte: bits / bytes, bitsPerToken: bits / tokens };
}

function sum(scores: readonly Totals[]): Totals {
  const add = (key: 'files' | 'bytes' | 'tokens' | 'nats') => scores.reduce((s, f) => s + f[key], 0);
  return totals(add('files'), add('bytes'), add('tokens'), add('nats'));
}

/** Scores `texts` with `model`; `encode` is the model's tokenizer (no special tokens added). */
export async function scoreBitsPerByte(
  model: LogitsModel,
  encode: (text: string) => number[],
  texts: readonly EvalText[],
  options: BitsPerByteOptions,
): Promise<BitsPerByteReport> {
  const window = options.window ?? DEFAULT_WINDOW;
  const stride = options.stride ?? Math.max(1, Math.floor(window / 2));
  checkWindow(window, stride);
  const sequences = texts.map((t) => {
    const ids = encode(t.text);
    if (ids.length === 0) throw new Error(`${t.path} has no text to score`);
    return [options.startId, ...ids];
  });
  const tokens = sequences.reduce((s, seq) => s + seq.length - 1, 0);
  let tokensDone = 0;
  const files: FileScore[] = [];
  for (const [i, text] of texts.entries()) {
    const seq = sequences[i] as number[];
    let nats = 0;
    for (const w of planWindows(seq.length, window, stride)) {
      options.signal?.throwIfAborted();
      const logits = await model.logits(seq.slice(w.start, w.end));
      options.signal?.throwIfAborted();
      const vocab = logits.length / (w.end - w.start);
      if (!Number.isInteger(vocab)) throw new Error(`the model returned ${logits.length} logits for ${w.end - w.start} positions`);
      for (let t = w.from; t < w.end; t++) nats += tokenNegativeLogLikelihood(logits, t - 1 - w.start, vocab, seq[t] as number);
      tokensDone += w.end - w.from;
      options.onProgress?.({ path: text.path, tokensDone, tokens });
    }
    files.push({ path: text.path, language: text.language, ...totals(1, Buffer.byteLength(text.text, 'utf8'), seq.length - 1, nats) });
  }
  const languages = [...new Set(files.map((f) => f.language))].sort();
  return {
    window,
    stride,
    files,
    languages: Object.fromEntries(languages.map((l) => [l, sum(files.filter((f) => f.language === l))])),
    total: sum(files),
  };
}

/** The plain graph of `dtype` in `modelDir` as a `LogitsModel`, with the provider it runs on. */
export async function openLogitsModel(
  modelDir: string,
  dtype: Dtype,
  options: { readonly device: Device; readonly threads: number },
): Promise<LogitsModel & { readonly provider: string; dispose(): Promise<void> }> {
  const session = await CausalLmSession.open(onnxPath(modelDir, dtype), options);
  return { logits: (ids) => session.allLogits(ids), provider: session.provider, dispose: () => session.dispose() };
}
