/**
 * @file Schedules completion requests the way a fast assistant must: one request in flight
 * (a new keystroke cancels the previous one), an adaptive debounce, a cache that makes typing
 * through a suggestion free, and a speculative request for the state after the suggestion is
 * accepted. Pure: the editor adapter gives it inputs, the model is reached through `RunModel`.
 */
import { CompletionCache } from './cache';
import { clampChoices, runChoices } from './choices';
import { AdaptiveDebounce } from './debounce';
import { runPipeline, type ModelRunStats, type PipelineOptions, type RunModel } from './pipeline';
import type { CompletionInput } from './types';

export interface CompletionServiceOptions extends PipelineOptions {
  readonly debounceMinMs: number;
  readonly debounceMaxMs: number;
  /** Compute the next suggestion as if the shown one were accepted. */
  readonly speculative: boolean;
  /** Suggestions an explicit request (Alt+\) offers; automatic requests always make one. */
  readonly choices?: number;
}

/** How a request ended, for the log line and the counters. */
export type Outcome = 'model' | 'cache' | 'speculative' | 'cancelled' | 'empty' | 'error';

export interface RequestLog {
  readonly outcome: Outcome;
  readonly ms: number;
  readonly suggestion: string;
  /** Present when the request ran the model (the first run's stats for an explicit request). */
  readonly model?: ModelRunStats;
  readonly error?: string;
  /** An explicit request's choices: how many distinct ones, from how many model runs, and the prompt tokens the later runs ran (0: one prefill served all). */
  readonly choices?: { readonly count: number; readonly runs: number; readonly laterPromptTokens: number };
}

export interface Counters {
  requests: number;
  modelRuns: number;
  cancelled: number;
  cacheHits: number;
  speculativeHits: number;
}

interface Speculation {
  readonly context: string;
  readonly prefix: string;
  readonly controller: AbortController;
  readonly result: Promise<string>;
}

/** The cache context: what besides the prefix a suggestion depends on. */
function contextKey(documentKey: string, input: CompletionInput): string {
  return `${documentKey}\u0000${input.suffix.slice(0, 2000)}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class CompletionService {
  readonly counters: Counters = { requests: 0, modelRuns: 0, cancelled: 0, cacheHits: 0, speculativeHits: 0 };
  private readonly cache = new CompletionCache();
  private readonly debounce: AdaptiveDebounce;
  private current: AbortController | undefined;
  private speculation: Speculation | undefined;

  constructor(
    private readonly runModel: RunModel,
    private readonly options: () => CompletionServiceOptions,
    private readonly onRequest: (log: RequestLog) => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    const { debounceMinMs, debounceMaxMs } = options();
    this.debounce = new AdaptiveDebounce({ minMs: debounceMinMs, maxMs: debounceMaxMs });
  }

  /**
   * The suggestion for `input` in the document `documentKey`, or '' for none. `signal` is the
   * editor's cancellation (the user typed on). `refine`, when given, builds the input the model
   * runs on (with slower context: definitions); it runs only when the caches miss, during the
   * debounce, and `input` (same document text) still keys the caches.
   */
  async complete(input: CompletionInput, documentKey: string, signal: AbortSignal, refine?: (signal: AbortSignal) => Promise<CompletionInput>): Promise<string> {
    const start = this.now();
    this.counters.requests++;
    this.debounce.keystroke(start);
    const context = contextKey(documentKey, input);
    let model: ModelRunStats | undefined;
    const report = (outcome: Outcome, suggestion: string, error?: string) => {
      this.onRequest({ outcome, ms: this.now() - start, suggestion, model, error });
      return suggestion;
    };

    const cached = this.cache.get(context, input.prefix);
    if (cached !== undefined) {
      if (cached.speculative) {
        this.counters.speculativeHits++;
        return report('speculative', cached.text);
      }
      this.counters.cacheHits++;
      return report('cache', cached.text);
    }
    this.current?.abort();
    const speculation = this.speculation;
    if (speculation && speculation.context === context && speculation.prefix === input.prefix) {
      const suggestion = await speculation.result;
      if (!speculation.controller.signal.aborted) {
        this.counters.speculativeHits++;
        this.startSpeculation(input, context, suggestion);
        return report('speculative', suggestion);
      }
    }
    this.stopSpeculation();

    const controller = new AbortController();
    this.current = controller;
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort);
    try {
      const refined = refine ? refine(controller.signal).catch(() => input) : Promise.resolve(input);
      await sleep(this.debounce.delay(), controller.signal);
      const modelInput = await refined;
      if (controller.signal.aborted) {
        this.counters.cancelled++;
        return report('cancelled', '');
      }
      this.counters.modelRuns++;
      const { text, stats } = await runPipeline(modelInput, this.options(), this.runModel, controller.signal);
      model = stats;
      if (controller.signal.aborted) {
        this.counters.cancelled++;
        return report('cancelled', '');
      }
      this.cache.put(context, input.prefix, text);
      this.startSpeculation(input, context, text, modelInput);
      return report(text ? 'model' : 'empty', text);
    } catch (error) {
      return report('error', '', (error as Error).message);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (this.current === controller) this.current = undefined;
    }
  }

  /**
   * Up to `options().choices` distinct suggestions for an explicit request, the greedy one
   * (what `complete` shows) first. No debounce: the user asked. Their choices stay cached, so
   * stepping through them or typing through one runs nothing.
   */
  async completeChoices(input: CompletionInput, documentKey: string, signal: AbortSignal, refine?: (signal: AbortSignal) => Promise<CompletionInput>): Promise<string[]> {
    const count = clampChoices(this.options().choices ?? 1);
    if (count <= 1) {
      const text = await this.complete(input, documentKey, signal, refine);
      return text ? [text] : [];
    }
    const start = this.now();
    this.counters.requests++;
    const context = contextKey(documentKey, input);
    let model: ModelRunStats | undefined;
    let choices: RequestLog['choices'];
    const report = (outcome: Outcome, texts: string[], error?: string) => {
      this.onRequest({ outcome, ms: this.now() - start, suggestion: texts[0] ?? '', model, error, choices });
      return texts;
    };
    const cached = this.cache.getChoices(context, input.prefix);
    if (cached) {
      this.counters.cacheHits++;
      return report('cache', cached);
    }
    this.current?.abort();
    this.stopSpeculation();
    const controller = new AbortController();
    this.current = controller;
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort);
    try {
      // The cache stays keyed by the plain input, as in complete(); a failing lookup falls back to it.
      const modelInput = refine ? await refine(controller.signal).catch(() => input) : input;
      this.counters.modelRuns++;
      const result = await runChoices(modelInput, this.options(), this.runModel, count, controller.signal);
      model = result.stats[0];
      const later = result.stats.slice(1).reduce((sum, s) => sum + (s ? s.promptTokens - s.reusedTokens : 0), 0);
      choices = { count: result.texts.length, runs: result.runs, laterPromptTokens: later };
      if (controller.signal.aborted) {
        this.counters.cancelled++;
        return report('cancelled', []);
      }
      const texts = [...result.texts];
      if (texts.length > 0) this.cache.putChoices(context, input.prefix, texts);
      this.startSpeculation(input, context, texts[0] ?? '', modelInput);
      return report(texts.length > 0 ? 'model' : 'empty', texts);
    } catch (error) {
      return report('error', [], (error as Error).message);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (this.current === controller) this.current = undefined;
    }
  }

  /** Forgets cached suggestions (after a model or settings change). */
  reset(): void {
    this.cache.clear();
    this.stopSpeculation();
  }

  /** Runs `modelInput` as if `suggestion` were accepted; the result is keyed by `input`'s prefix. */
  private startSpeculation(input: CompletionInput, context: string, suggestion: string, modelInput: CompletionInput = input): void {
    this.stopSpeculation();
    if (!suggestion || !this.options().speculative) return;
    const controller = new AbortController();
    const accepted: CompletionInput = { ...input, prefix: input.prefix + suggestion };
    const run: CompletionInput = { ...modelInput, prefix: modelInput.prefix + suggestion };
    const result = runPipeline(run, this.options(), this.runModel, controller.signal).then(
      ({ text }) => {
        if (!controller.signal.aborted) this.cache.put(context, accepted.prefix, text, true);
        return text;
      },
      () => '',
    );
    this.speculation = { context, prefix: accepted.prefix, controller, result };
  }

  private stopSpeculation(): void {
    this.speculation?.controller.abort();
    this.speculation = undefined;
  }
}
