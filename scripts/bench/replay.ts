/**
 * @file Replay benchmark of inline completion: types a real function into its file (see
 * `replayScript.ts`) keystroke by keystroke against the real `CompletionService` over an
 * in-process `Engine`, with the extension's default completion settings, the repository
 * template (or `--template fim`, SPM: the suffix, then the prefix) and the model folder's tokenizer. Like VS Code, each keystroke asks for a suggestion
 * without waiting for the previous request and cancels it (its token → our abort signal).
 * Measures keystroke-to-suggestion latency of the suggestions that would be shown, and the
 * service's counters. One process per run, so a run starts from a cold engine:
 *
 *   node --import tsx scripts/bench/replay.ts --model DIR --dtype q4 [--threads N] [--seed N]
 *     [--max-chars N] [--template repository|fim] [--prompt-dtype same|int8] [--kv-cache float32|int8] [--result FILE]
 *
 * Progress goes to stderr; the result is written as JSON to --result (else printed).
 */
import '../../src/runtime/telemetry';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prefixWindow } from '../../src/completion/context/budget';
import type { ModelRunStats, RunModel } from '../../src/completion/pipeline';
import { CompletionService, type Counters, type Outcome, type RequestLog } from '../../src/completion/service';
import { repositoryTemplate, templateNamed, type PromptTemplate } from '../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../src/completion/types';
import { Engine } from '../../src/runtime/engine';
import { type SettingTypes } from '../../src/host/settingsSchema';
import { cpuSnapshot, othersShare } from './contention';
import { quantile } from './metrics';
import { loadReplaySource, typingSchedule, type ReplaySource } from './replayScript';
import { DTYPES, KV_CACHE_TYPES, type Dtype, type KvCacheType } from '../../src/model/configTypes';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The engine slot the extension's completions use. */
const SLOT = 'completion';
/** Characters after the cursor the adapter sends (`SUFFIX_CHARS` in src/completion/ui/inlineProvider.ts). */
const SUFFIX_CHARS = 4000;

/** The completion settings the replay uses: the extension's defaults. */
export type ReplaySettings = Pick<
  SettingTypes,
  | 'completion.maxTokens'
  | 'completion.maxLines'
  | 'completion.contextTokens'
  | 'completion.debounceMinMs'
  | 'completion.debounceMaxMs'
  | 'completion.timeBudgetMs'
  | 'completion.speculative'
>;

const SETTING_KEYS = [
  'completion.maxTokens',
  'completion.maxLines',
  'completion.contextTokens',
  'completion.debounceMinMs',
  'completion.debounceMaxMs',
  'completion.timeBudgetMs',
  'completion.speculative',
] as const satisfies readonly (keyof ReplaySettings)[];

/** The defaults declared in package.json, where the extension gets them, so the two never drift. */
export function defaultSettings(): ReplaySettings {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
  };
  const properties = pkg.contributes.configuration.properties;
  const entries = SETTING_KEYS.map((key) => {
    const value = properties[`smolcode.${key}`]?.default;
    if (value === undefined) throw new Error(`package.json declares no default for smolcode.${key}`);
    return [key, value];
  });
  return Object.fromEntries(entries) as ReplaySettings;
}

/** What one replay run reports. */
export interface ReplayResult {
  readonly dtype: Dtype;
  /** The prompt template's name. */
  readonly template: string;
  /** The weights prompt chunks ran in. */
  readonly promptDtype: Dtype;
  /** The KV cache type asked for, if any (else the folder's graph decided). */
  readonly kvCache?: KvCacheType;
  readonly source: string;
  readonly keystrokes: number;
  readonly typedChars: number;
  readonly typingSeconds: number;
  readonly settings: ReplaySettings;
  /** Keystroke-to-suggestion latency of every shown suggestion, in keystroke order. */
  readonly shownMs: readonly number[];
  /** The same, for shown suggestions that were computed (not served at once from the cache). */
  readonly computedMs: readonly number[];
  /** The service's counters (`requests` is one per keystroke; `modelRuns` excludes speculative runs). */
  readonly counters: Counters;
  /** Requests by how they ended (the service's outcomes). */
  readonly outcomes: Partial<Record<Outcome, number>>;
  /** Every model call that ended without an error, speculative ones included. */
  readonly modelCalls: readonly ModelCall[];
  /** Time to first token of the cold prefill before typing (the file as opened). */
  readonly warmUpMs: number;
  readonly promptTokensAtStart: number;
  /** How late keystroke timers fired (a busy event loop), 95th percentile. */
  readonly keystrokeLateP95Ms: number;
  readonly othersCpuShare?: number;
  readonly errors: readonly string[];
}

/** One model call as the engine reported it. */
export interface ModelCall extends ModelRunStats {
  /** Tokens generated. */
  readonly tokens: number;
}

function countBy<T extends string>(items: readonly T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

function sleepUntil(target: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, target - performance.now())));
}

/** The service's view of the document after `typed` characters of the function. */
function inputAt(source: ReplaySource, typedChars: number, settings: ReplaySettings): CompletionInput {
  return {
    path: source.path,
    languageId: source.languageId,
    // No other files are open, so the whole budget goes to the prefix (as with useOtherFiles off).
    prefix: prefixWindow(source.before + source.typed.slice(0, typedChars), settings['completion.contextTokens']),
    suffix: source.after.slice(0, SUFFIX_CHARS),
    repoName: 'TypeScript',
    snippets: [],
  };
}

export interface ReplayOptions {
  readonly modelDir: string;
  readonly dtype: Dtype;
  readonly threads: number;
  readonly seed: number;
  readonly maxChars?: number;
  readonly settings?: ReplaySettings;
  /** The prompt template; the repository one by default. */
  readonly template?: PromptTemplate;
  /** Prompt chunks through the int8 fused graph (`EngineOptions.promptDtype`). */
  readonly promptDtype?: 'int8';
  /** The fused graph built with this KV cache type (`EngineOptions.kvCache`). */
  readonly kvCache?: KvCacheType;
  readonly log?: (line: string) => void;
}

/** Types the function once against a freshly loaded engine and returns the measurements. */
export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const settings = options.settings ?? defaultSettings();
  const template = options.template ?? repositoryTemplate;
  const log = options.log ?? (() => undefined);
  const source = loadReplaySource(join(ROOT, 'node_modules'), options.maxChars);
  const keys = typingSchedule(source.typed, options.seed);
  const engine = await Engine.load({
    modelDir: options.modelDir,
    dtype: options.dtype,
    device: 'cpu',
    threads: options.threads,
    promptDtype: options.promptDtype,
    kvCache: options.kvCache,
    buildFusedGraph: options.promptDtype !== undefined || options.kvCache !== undefined,
  });
  if (options.promptDtype && engine.graph.promptFile === undefined) throw new Error(`no ${options.promptDtype} prompt graph: ${engine.graph.note ?? 'no note'}`);
  const modelCalls: ModelCall[] = [];
  const running = new Set<Promise<unknown>>();
  // As the extension's runModel (src/completion/ui/modelServiceRunner.ts), minus the worker process in between.
  const runModel: RunModel = (call, onText, signal) => {
    const run = (async () => {
      const stream = engine.generate(
        { slot: SLOT, prompt: call.prompt, maxNewTokens: call.maxNewTokens, stopStrings: call.stopStrings, timeBudgetMs: call.timeBudgetMs },
        signal,
      );
      for (;;) {
        const step = await stream.next();
        if (step.done) return step.value;
        onText(step.value);
      }
    })();
    running.add(run);
    return run.then(
      (stats) => {
        running.delete(run);
        const { promptTokens, reusedTokens, timeToFirstTokenMs, totalMs, finishReason } = stats;
        modelCalls.push({ promptTokens, reusedTokens, timeToFirstTokenMs, totalMs, finishReason, tokens: stats.tokens.length });
        return stats;
      },
      (error: unknown) => {
        running.delete(run);
        throw error;
      },
    );
  };
  const logs: RequestLog[] = [];
  const service = new CompletionService(
    runModel,
    () => ({
      template,
      maxNewTokens: settings['completion.maxTokens'],
      maxLines: settings['completion.maxLines'],
      timeBudgetMs: settings['completion.timeBudgetMs'],
      debounceMinMs: settings['completion.debounceMinMs'],
      debounceMaxMs: settings['completion.debounceMaxMs'],
      speculative: settings['completion.speculative'],
    }),
    (request) => logs.push(request),
  );

  try {
    // The file as opened: one prefill fills the completion slot, as the user's last request would have.
    const opened = await engine.complete({ slot: SLOT, prompt: template.build(inputAt(source, 0, settings)), maxNewTokens: 1 });
    log(`${options.dtype}: warm-up prefill of ${opened.promptTokens} tokens in ${opened.timeToFirstTokenMs.toFixed(0)} ms; typing ${keys.length} keystrokes`);

    const shownMs: number[] = [];
    const computedMs: number[] = [];
    const late: number[] = [];
    const pending: Promise<void>[] = [];
    let previous: AbortController | undefined;
    let typed = 0;
    const cpuBefore = cpuSnapshot();
    const start = performance.now();
    for (const key of keys) {
      await sleepUntil(start + key.atMs);
      const at = performance.now();
      late.push(at - start - key.atMs);
      typed += key.text.length;
      previous?.abort(); // VS Code cancels the previous provider call on the next keystroke.
      const controller = new AbortController();
      previous = controller;
      const logsBefore = logs.length;
      const request = service.complete(inputAt(source, typed, settings), 'doc', controller.signal);
      // A cache hit answers before complete() first awaits; anything later was computed.
      const immediate = logs.length > logsBefore;
      pending.push(
        request.then((suggestion) => {
          if (!suggestion || controller.signal.aborted) return;
          const ms = performance.now() - at;
          shownMs.push(ms);
          if (!immediate) computedMs.push(ms);
        }),
      );
    }
    await Promise.all(pending);
    const typingSeconds = (performance.now() - start) / 1000;
    const othersCpuShare = othersShare(cpuBefore, cpuSnapshot());
    log(
      `${options.dtype}: typed in ${typingSeconds.toFixed(1)} s; ${shownMs.length} shown, ${service.counters.modelRuns} model runs, ` +
        `${service.counters.cancelled} cancelled, ${service.counters.cacheHits} cache hits, ${service.counters.speculativeHits} speculative hits`,
    );
    return {
      dtype: options.dtype,
      template: template.name,
      promptDtype: options.promptDtype ?? options.dtype,
      kvCache: options.kvCache,
      source: `${source.packageVersion} ${source.path}, function ${source.name}`,
      keystrokes: keys.length,
      typedChars: source.typed.length,
      typingSeconds,
      settings,
      shownMs,
      computedMs,
      counters: { ...service.counters },
      outcomes: countBy(logs.map((l) => l.outcome)),
      modelCalls,
      warmUpMs: opened.timeToFirstTokenMs,
      promptTokensAtStart: opened.promptTokens,
      keystrokeLateP95Ms: quantile(late, 0.95),
      othersCpuShare,
      errors: [...new Set(logs.flatMap((l) => (l.error ? [l.error] : [])))],
    };
  } finally {
    // Stop the speculative request and let every model call end before the session goes.
    service.reset();
    await Promise.allSettled([...running]);
    await engine.dispose();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      dtype: { type: 'string', default: 'q4' },
      threads: { type: 'string', default: String(availableParallelism()) },
      seed: { type: 'string', default: '0' },
      'max-chars': { type: 'string' },
      template: { type: 'string', default: 'repository' },
      'prompt-dtype': { type: 'string', default: 'same' },
      'kv-cache': { type: 'string' },
      result: { type: 'string' },
    },
  });
  if (!values.model) throw new Error('--model DIR is required (a model folder with tokenizer files)');
  const dtype = values.dtype as Dtype;
  if (!(DTYPES as readonly string[]).includes(dtype)) throw new Error(`--dtype must be one of ${DTYPES.join(', ')}; got "${values.dtype}"`);
  const int = (flag: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}; got "${value}"`);
    return n;
  };
  const promptDtype = values['prompt-dtype'];
  if (promptDtype !== 'same' && promptDtype !== 'int8') throw new Error(`--prompt-dtype must be same or int8; got "${promptDtype}"`);
  const kvCache = values['kv-cache'];
  if (kvCache !== undefined && !(KV_CACHE_TYPES as readonly string[]).includes(kvCache)) throw new Error(`--kv-cache must be one of ${KV_CACHE_TYPES.join(', ')}; got "${kvCache}"`);
  const result = await runReplay({
    modelDir: values.model,
    dtype,
    threads: int('threads', values.threads, 1),
    seed: int('seed', values.seed, 0),
    maxChars: values['max-chars'] === undefined ? undefined : int('max-chars', values['max-chars'], 1),
    template: templateNamed(values.template!),
    promptDtype: promptDtype === 'int8' ? 'int8' : undefined,
    kvCache: kvCache as KvCacheType | undefined,
    log: (line) => process.stderr.write(`  [replay] ${line}\n`),
  });
  const json = JSON.stringify(result);
  if (values.result) writeFileSync(values.result, json);
  else console.log(json);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
