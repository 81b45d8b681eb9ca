/**
 * @file Reads fine-tuning data in the three JSONL line formats of TRL
 * (https://huggingface.co/docs/trl/dataset_formats) and turns samples into fixed-shape
 * micro-batches:
 * - `{"input_ids": [...], "labels": [...]}`: used as is (labels default to input_ids; -100 ignored);
 * - `{"text": "..."}`: language modelling, labels = input_ids, end-of-sequence token appended; a
 *   fill-in-the-middle sample (model/fim.ts) is labelled on its middle and end token only;
 * - `{"messages": [{role, content}, ...]}`: the tokenizer's chat template, with labels only
 *   on assistant replies and their end-of-turn token (TRL's assistant_only_loss); prompts are -100.
 * Samples longer than the sequence length are split into consecutive windows of seq-len tokens,
 * so long code files are used whole rather than truncated.
 */
import { FIM_FORMAT, isFimSample } from '../model/fim';
import { readFileSync } from 'node:fs';
import type { ChatMessage, TextTokenizer } from '../runtime/tokenizer';
import { IGNORE_INDEX } from '../graph/autodiff/index';
import type { MicroBatch } from './graphSession';

/** One tokenized sample; `labels[t]` is the target at position t (-100: none), shifted inside the graph. */
export interface TokenizedSample {
  readonly inputIds: readonly number[];
  readonly labels: readonly number[];
}

/** A malformed data line; the message names the file, the line and the accepted formats. */
export class DataError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}; each line must be {"text"}, {"messages"} or {"input_ids"[, "labels"]}`);
    this.name = 'DataError';
  }
}

const ROLES = new Set(['system', 'user', 'assistant']);

function isIntArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v));
}

/** Tokenizes a conversation with labels on assistant turns only; see the file header. */
function tokenizeMessages(messages: readonly ChatMessage[], tokenizer: TextTokenizer, fail: (p: string) => never): TokenizedSample {
  if (tokenizer.eosTokenId === undefined) fail('the tokenizer has no end-of-sequence token to end assistant turns with');
  const eos = tokenizer.eosTokenId!;
  const eosText = tokenizer.decode([eos]);
  const inputIds: number[] = [];
  const labels: number[] = [];
  let rendered = '';
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    // The template's text up to this reply's opening; the reply and its end-of-turn are labelled.
    let prompt: string;
    try {
      prompt = tokenizer.chatPrompt(messages.slice(0, i));
    } catch (error) {
      fail(`messages need a tokenizer with a chat template (${(error as Error).message})`);
    }
    if (!prompt!.startsWith(rendered)) fail(`the chat template does not render conversation prefixes consistently at message ${i}`);
    const promptIds = tokenizer.encode(prompt!.slice(rendered.length));
    const replyIds = [...tokenizer.encode(m.content), eos];
    inputIds.push(...promptIds, ...replyIds);
    labels.push(...promptIds.map(() => IGNORE_INDEX), ...replyIds);
    rendered = prompt! + m.content + eosText;
  });
  if (labels.length === 0) fail('"messages" has no assistant message to learn from');
  return { inputIds, labels };
}

/** Parses and tokenizes one JSONL line. */
export function parseSampleLine(line: string, tokenizer: TextTokenizer, file: string, lineNumber: number): TokenizedSample {
  const fail = (problem: string): never => {
    throw new DataError(file, lineNumber, problem);
  };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail('not a JSON object');
  const o = json as Record<string, unknown>;
  if ('input_ids' in o) {
    if (!isIntArray(o.input_ids) || o.input_ids.length === 0) fail('"input_ids" must be a non-empty array of integers');
    const ids = o.input_ids as number[];
    if (o.labels === undefined) return { inputIds: ids, labels: ids };
    if (!isIntArray(o.labels) || o.labels.length !== ids.length) fail(`"labels" must be an array of ${ids.length} integers like "input_ids"`);
    return { inputIds: ids, labels: o.labels as number[] };
  }
  if ('text' in o) {
    if (typeof o.text !== 'string' || o.text.length === 0) fail('"text" must be a non-empty string');
    const ids = tokenizer.encode(o.text as string);
    if (isFimSample(o.text as string)) return fimLabels(ids);
    if (tokenizer.eosTokenId !== undefined) ids.push(tokenizer.eosTokenId);
    return { inputIds: ids, labels: ids };
  }
  if ('messages' in o) {
    const messages = o.messages;
    if (!Array.isArray(messages) || messages.length === 0) fail('"messages" must be a non-empty array');
    for (const [i, m] of (messages as unknown[]).entries()) {
      const msg = m as Record<string, unknown> | null;
      if (!msg || typeof msg !== 'object' || !ROLES.has(msg.role as string) || typeof msg.content !== 'string') {
        fail(`messages[${i}] must be {"role": "system" | "user" | "assistant", "content": string}`);
      }
    }
    return tokenizeMessages(messages as ChatMessage[], tokenizer, fail);
  }
  return fail(`no "text", "messages" or "input_ids" key (keys: ${Object.keys(o).join(', ') || 'none'})`);
}

/**
 * A fill-in-the-middle sample (model/fim.ts) learns what follows the middle marker: the prefix,
 * the middle that continues it and the end token, but not the suffix before the marker (the
 * prompt's context, as code samples teach it anyway). The middle has no marker of its own in SPM
 * order (it continues the prefix), so the prefix is learned with it, as ordinary code.
 */
function fimLabels(ids: number[]): TokenizedSample {
  const middle = ids.indexOf(FIM_FORMAT.ids.middle);
  return { inputIds: ids, labels: ids.map((id, i) => (i <= middle ? IGNORE_INDEX : id)) };
}

/** Splits a sample into windows of at most `seqLen` tokens, dropping windows with nothing to predict. */
export function windows(sample: TokenizedSample, seqLen: number): TokenizedSample[] {
  const out: TokenizedSample[] = [];
  for (let start = 0; start < sample.inputIds.length; start += seqLen) {
    const labels = sample.labels.slice(start, start + seqLen);
    // Position 0's label is never predicted (the graph shifts), so a window needs a label after it.
    if (labels.slice(1).some((l) => l !== IGNORE_INDEX)) out.push({ inputIds: sample.inputIds.slice(start, start + seqLen), labels });
  }
  return out;
}

/** Reads a JSONL file into windows of at most `seqLen` tokens; blank lines are skipped. */
export function readSamples(path: string, tokenizer: TextTokenizer, seqLen: number, vocabSize?: number): TokenizedSample[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read data file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const samples: TokenizedSample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const sample = parseSampleLine(line, tokenizer, path, i + 1);
    if (vocabSize !== undefined) {
      const bad = sample.inputIds.find((id) => id < 0 || id >= vocabSize);
      if (bad !== undefined) throw new DataError(path, i + 1, `token id ${bad} is outside the model's vocabulary [0, ${vocabSize})`);
    }
    samples.push(...windows(sample, seqLen));
  });
  if (samples.length === 0) throw new Error(`${path} has no samples with tokens to learn from`);
  return samples;
}

/** Number of targets a sample contributes to the loss (labels after the first that are not -100). */
export function targetCount(sample: TokenizedSample): number {
  return sample.labels.slice(1).filter((l) => l !== IGNORE_INDEX).length;
}

/** Packs samples (or `undefined` for empty padding rows) into a right-padded [batchSize, seqLen] micro-batch. */
export function makeBatch(rows: readonly (TokenizedSample | undefined)[], seqLen: number): MicroBatch {
  const n = rows.length * seqLen;
  const inputIds = new BigInt64Array(n);
  const attentionMask = new BigInt64Array(n);
  const labels = new BigInt64Array(n).fill(BigInt(IGNORE_INDEX));
  rows.forEach((sample, r) => {
    if (!sample) return;
    sample.inputIds.forEach((id, i) => {
      inputIds[r * seqLen + i] = BigInt(id);
      attentionMask[r * seqLen + i] = 1n;
      labels[r * seqLen + i] = BigInt(sample.labels[i]);
    });
  });
  return { batchSize: rows.length, seqLen, inputIds, attentionMask, labels };
}
