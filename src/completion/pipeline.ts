/**
 * @file The completion pipeline, read top to bottom: choose the mode, build the prompt (its
 * trailing space healed, trailingSpace.ts), stream the model's text through the postprocessing
 * stages (each may end generation early), and finish the suggestion. Pure: the model is
 * reached through `RunModel`.
 */
import type { SamplingOptions } from '../runtime/generation/sampler';
import { TextStopper } from '../runtime/generation/stopping';
import { firstLineOnly, stopAtBlankLine, stopAtDedent, stopAtRepeatedSuffix, toLines, type Lines } from './postprocess/lineFilters';
import { finish } from './postprocess/finish';
import { completionMode, type CompletionMode } from './postprocess/mode';
import { streamText } from './stream';
import { dropHealed, healTrailingSpace } from './trailingSpace';
import type { PromptTemplate } from './template/promptTemplate';
import { cursorLine, type CompletionInput } from './types';

/** What the pipeline asks of the model for one request. */
export interface ModelCall {
  readonly prompt: string;
  readonly maxNewTokens: number;
  readonly stopStrings: readonly string[];
  /** Once spent, generation ends at the next newline. */
  readonly timeBudgetMs?: number;
  /** Unset: greedy (every automatic suggestion); the extra choices of an explicit request sample. */
  readonly sampling?: SamplingOptions;
}

/** What a model run reports when it ends (the engine's stats carry these and more). */
export interface ModelRunStats {
  readonly promptTokens: number;
  readonly reusedTokens: number;
  /** Prompt tokens the engine dropped from the left to fit the context window. */
  readonly truncatedTokens?: number;
  readonly timeToFirstTokenMs: number;
  readonly totalMs: number;
  readonly finishReason: string;
}

/** Runs a model call, streaming text. */
export type RunModel = (call: ModelCall, onText: (text: string) => void, signal: AbortSignal) => Promise<ModelRunStats | undefined>;

export interface PipelineOptions {
  readonly template: PromptTemplate;
  readonly maxNewTokens: number;
  /** Max lines of a multi-line suggestion. */
  readonly maxLines: number;
  readonly timeBudgetMs?: number;
}

export interface Suggestion {
  readonly text: string;
  readonly mode: CompletionMode;
  readonly prompt: string;
  /** The model's raw output (up to where the pipeline stopped it), for logging and tests. */
  readonly raw: string;
  readonly stats?: ModelRunStats;
}

/** Cuts the stream at the template's stop strings (special tokens), even across chunks. */
async function* cutAtStops(chunks: AsyncIterable<string>, stops: readonly string[]): AsyncGenerator<string> {
  const stopper = new TextStopper(stops);
  for await (const chunk of chunks) {
    const { text, stop } = stopper.push(chunk);
    if (text) yield text;
    if (stop) return;
  }
  const rest = stopper.flush();
  if (rest) yield rest;
}

async function* recordRaw(chunks: AsyncIterable<string>, raw: string[]): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    raw.push(chunk);
    yield chunk;
  }
}

async function* limitLines(lines: Lines, max: number): Lines {
  let count = 0;
  for await (const line of lines) {
    if (count++ >= max) return;
    yield line;
  }
}

/** Completes `input` with the model behind `runModel` (greedy unless `sampling` says otherwise); `signal` cancels the request. */
export async function runPipeline(
  input: CompletionInput,
  options: PipelineOptions,
  runModel: RunModel,
  signal: AbortSignal,
  sampling?: SamplingOptions,
): Promise<Suggestion> {
  const cursor = cursorLine(input.prefix, input.suffix);
  const mode = completionMode(cursor, input.languageId);
  const { prefix, healed } = healTrailingSpace(input.prefix);
  const prompt = options.template.build({ ...input, prefix });
  const call: ModelCall = {
    prompt,
    maxNewTokens: options.maxNewTokens,
    // Stopping inside the engine saves the steps the postprocessing would throw away.
    stopStrings: [...options.template.stopStrings, mode === 'single' ? '\n' : '\n\n'],
    timeBudgetMs: options.timeBudgetMs,
    ...(sampling ? { sampling } : {}),
  };
  const raw: string[] = [];
  let stats: ModelRunStats | undefined;
  const start = (onText: (text: string) => void, s: AbortSignal) => runModel(call, onText, s).then((result) => (stats = result));
  const text = recordRaw(streamText(start, signal), raw);
  let lines = toLines(dropHealed(cutAtStops(text, options.template.stopStrings), healed));
  if (mode === 'single') {
    lines = firstLineOnly(lines);
  } else {
    lines = limitLines(stopAtRepeatedSuffix(stopAtDedent(stopAtBlankLine(lines), cursor, input.languageId), cursor), options.maxLines);
  }
  const kept: string[] = [];
  for await (const line of lines) kept.push(line);
  // Leaving the loop has closed the stream, which waited for the run to end: `stats` is set.
  return { text: finish(kept.join('\n'), cursor.after), mode, prompt, raw: raw.join(''), stats };
}
