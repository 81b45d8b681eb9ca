/**
 * @file The replay section of `npm run bench`: runs `replay.ts` once per run and dtype, each in
 * its own process (dtypes alternating run by run, so a busy spell on a shared machine hits all
 * alike), and prints one table with a column per dtype. Latencies are pooled over the runs
 * before taking percentiles (each run shows only a handful of suggestions); counts are medians
 * of the runs.
 */
import { join } from 'node:path';
import type { OnnxVariant } from '../../src/model/configTypes';
import { runScript } from './child';
import { median, quantile } from './metrics';
import type { BenchModel } from './models';
import type { ReplayResult } from './replay';

const SCRIPT = join(import.meta.dirname, 'replay.ts');
/** Same keystrokes at the same moments in every run, so runs differ only by the machine. */
const TYPING_SEED = 0;
/** Above this share of the machine's CPU used by other processes, a measurement is flagged. */
const NOISY_SHARE = 0.05;

/** All runs of one dtype. */
export interface ReplayCase {
  readonly dtype: OnnxVariant;
  readonly runs: readonly ReplayResult[];
}

export interface ReplaySectionOptions {
  readonly dtypes: readonly OnnxVariant[];
  readonly runs: number;
  readonly threads: number;
  readonly maxChars?: number;
}

/** Runs the replay `runs` times per dtype on `model`. */
export async function measureReplay(model: BenchModel, options: ReplaySectionOptions, scratch: string, log: (line: string) => void): Promise<ReplayCase[]> {
  const runs = new Map<OnnxVariant, ReplayResult[]>(options.dtypes.map((d) => [d, []]));
  for (let run = 1; run <= options.runs; run++) {
    for (const dtype of options.dtypes) {
      log(`replay ${model.shape} ${dtype}: run ${run}/${options.runs}`);
      const args = [
        ['--model', model.dir],
        ['--dtype', dtype],
        ['--threads', String(options.threads)],
        ['--seed', String(TYPING_SEED)],
        options.maxChars === undefined ? [] : ['--max-chars', String(options.maxChars)],
      ].flat();
      runs.get(dtype)?.push(await runScript<ReplayResult>(SCRIPT, args, '--result', join(scratch, `replay-${dtype}-${run}.json`)));
    }
  }
  return options.dtypes.map((dtype) => ({ dtype, runs: runs.get(dtype) ?? [] }));
}

/** One table row: label and the cell of one dtype's runs. */
interface Row {
  readonly label: string;
  cell(runs: readonly ReplayResult[]): string;
}

function ms(value: number): string {
  return Number.isNaN(value) ? '–' : value.toFixed(0);
}

/** Median over runs of a per-run number. */
function perRun(pick: (r: ReplayResult) => number, digits = 0): (runs: readonly ReplayResult[]) => string {
  return (runs) => {
    const m = median(runs.map(pick));
    return Number.isNaN(m) ? '–' : m.toFixed(digits);
  };
}

/** p50 / p95 (count) of a latency pooled over runs. */
function pooled(pick: (r: ReplayResult) => readonly number[]): (runs: readonly ReplayResult[]) => string {
  return (runs) => {
    const all = runs.flatMap(pick);
    return `${ms(quantile(all, 0.5))} / ${ms(quantile(all, 0.95))} (${all.length})`;
  };
}

/** Model calls that ran to a stop rule rather than being cancelled. */
const finished = (r: ReplayResult) => r.modelCalls.filter((c) => c.finishReason !== 'cancelled');

const count = (pick: (r: ReplayResult) => number) => perRun(pick);

const ROWS: readonly Row[] = [
  { label: 'keystroke → shown suggestion, all shown, p50 / p95 (n) (ms)', cell: pooled((r) => r.shownMs) },
  { label: 'keystroke → shown suggestion, computed, p50 / p95 (n) (ms)', cell: pooled((r) => r.computedMs) },
  { label: 'keystrokes = requests started', cell: count((r) => r.counters.requests) },
  { label: 'model runs (speculative excluded)', cell: count((r) => r.counters.modelRuns) },
  {
    label: 'model calls incl. speculative: finished / cancelled',
    cell: (runs) => `${count((r) => finished(r).length)(runs)} / ${count((r) => r.modelCalls.length - finished(r).length)(runs)}`,
  },
  { label: 'cancelled (in debounce or mid-run)', cell: count((r) => r.counters.cancelled) },
  { label: 'errors', cell: count((r) => r.outcomes.error ?? 0) },
  { label: 'suggestions shown', cell: count((r) => r.shownMs.length) },
  { label: 'cache hits = accepted by typing through', cell: count((r) => r.counters.cacheHits) },
  { label: 'speculative hits', cell: count((r) => r.counters.speculativeHits) },
  { label: 'model call: time to first token p50 (ms)', cell: perRun((r) => quantile(r.modelCalls.map((c) => c.timeToFirstTokenMs), 0.5)) },
  {
    label: 'model call: reused / prompt tokens p50',
    cell: (runs) =>
      `${perRun((r) => quantile(r.modelCalls.map((c) => c.reusedTokens), 0.5))(runs)} / ${perRun((r) => quantile(r.modelCalls.map((c) => c.promptTokens), 0.5))(runs)}`,
  },
  { label: 'finished model call: tokens generated p50', cell: perRun((r) => quantile(finished(r).map((c) => c.tokens), 0.5)) },
  { label: 'finished model call: total time p50 (ms)', cell: perRun((r) => quantile(finished(r).map((c) => c.totalMs), 0.5)) },
  { label: 'cold prefill of the file as opened (ms)', cell: perRun((r) => r.warmUpMs) },
  { label: 'typing time (s)', cell: perRun((r) => r.typingSeconds, 1) },
  { label: 'keystroke timer lateness p95 (ms)', cell: perRun((r) => r.keystrokeLateP95Ms) },
  { label: "other processes' share of the CPUs (%)", cell: perRun((r) => (r.othersCpuShare ?? NaN) * 100) },
];

/** The replay section's markdown: setup lines, the table and notes. */
export function replayTable(cases: readonly ReplayCase[], model: BenchModel): string {
  const first = cases.find((c) => c.runs.length > 0)?.runs[0];
  if (!first) return '### Replay\n\nno runs';
  const settings = Object.entries(first.settings)
    .map(([key, value]) => `${key.replace('completion.', '')} ${String(value)}`)
    .join(', ');
  const lines = [
    `### Replay: typing into ${first.source}`,
    '',
    `- ${first.typedChars} characters in ${first.keystrokes} keystrokes (Enter inserts the auto-indent), 50-90 ms apart with pauses at line starts and after words (seed ${TYPING_SEED}); ` +
      `each keystroke calls CompletionService.complete without awaiting and aborts the previous call's signal, as VS Code's token does`,
    `- ${model.shape} random weights (seed ${model.seed}), in-process Engine on the CPU, repository template, the folder's tokenizer; extension defaults: ${settings}; ` +
      'prefix = prefixWindow of the file before the cursor, suffix = the next 4000 characters, no other files',
    `- latency = keystroke to resolved non-empty suggestion that no later keystroke cancelled; pooled over ${cases[0]?.runs.length ?? 0} run(s) per dtype, one process each; counts are medians of runs`,
    '',
    `| metric | ${cases.map((c) => c.dtype).join(' | ')} |`,
    `|---|${cases.map(() => '---:').join('|')}|`,
    ...ROWS.map((row) => `| ${row.label} | ${cases.map((c) => row.cell(c.runs)).join(' | ')} |`),
    '',
  ];
  for (const c of cases) {
    const shares = c.runs.map((r) => r.othersCpuShare).filter((s): s is number => s !== undefined);
    const noisy = shares.filter((s) => s >= NOISY_SHARE).length;
    if (noisy > 0) {
      lines.push(`- ${c.dtype}: in ${noisy} of ${c.runs.length} run(s) other processes kept >= ${NOISY_SHARE * 100}% of the CPUs busy (max ${(Math.max(...shares) * 100).toFixed(0)}%); timings are unreliable`);
    }
    for (const error of new Set(c.runs.flatMap((r) => r.errors))) lines.push(`- ${c.dtype}: request error: ${error}`);
  }
  lines.push(
    '- random weights never end a line, so every computed suggestion runs to maxTokens (the time budget only cuts at a line break): ' +
      'these latencies are an upper bound; a trained model ends most single-line suggestions after a few tokens',
  );
  return lines.join('\n');
}
