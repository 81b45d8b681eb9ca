/**
 * @file The benchmark's markdown report: one table per model file, rows are the metrics of
 * `metrics.ts` (medians), columns are the runtimes and how many times better ours is, then the
 * issue's targets. Columns and targets are lists, so later measurements add entries here.
 */
import type { OnnxVariant, ShapeName } from '../../src/model/configTypes';
import { advantage, METRIC_KEYS, METRICS, RUNTIME_LABEL, type MetricKey, type RuntimeName, type WorkerResult } from './metrics';
import type { BenchGraph } from './options';

/** A runtime's result with its medians. */
export interface RuntimeResult extends WorkerResult {
  readonly medians: Partial<Record<MetricKey, number>>;
  readonly wallSeconds: number;
}

/** Both runtimes on one model file. */
export interface CaseResult {
  readonly shape: ShapeName;
  readonly dtype: OnnxVariant;
  /** Which graph of the dtype: the plain (hub-layout) file or the fused one. */
  readonly graph: BenchGraph;
  readonly file: string;
  readonly fileBytes: number;
  readonly runtimes: Partial<Record<RuntimeName, RuntimeResult>>;
}

/** A value shown for `runtime`: its own median, else the metric's fallback (marked). */
function shown(c: CaseResult, runtime: RuntimeName, key: MetricKey): { value: number; marked: boolean } | undefined {
  const medians = c.runtimes[runtime]?.medians;
  const own = medians?.[key];
  if (own !== undefined) return { value: own, marked: false };
  const fallback = METRICS[key].fallback;
  const other = fallback === undefined ? undefined : medians?.[fallback];
  return other === undefined ? undefined : { value: other, marked: true };
}

function format(key: MetricKey, v: { value: number; marked: boolean } | undefined): string {
  if (v === undefined) return '–';
  return `${v.value.toFixed(METRICS[key].digits)}${v.marked ? ' †' : ''}`;
}

/** One table column. */
interface Column {
  readonly header: string;
  cell(c: CaseResult, key: MetricKey): string;
}

const COLUMNS: readonly Column[] = [
  { header: RUNTIME_LABEL.ours, cell: (c, key) => format(key, shown(c, 'ours', key)) },
  { header: RUNTIME_LABEL.transformers, cell: (c, key) => format(key, shown(c, 'transformers', key)) },
  {
    header: 'ours vs transformers.js',
    cell: (c, key) => {
      const a = advantage(key, shown(c, 'ours', key)?.value, shown(c, 'transformers', key)?.value);
      return a === undefined ? '–' : `${a.toFixed(2)}x ${a >= 1 ? 'better' : 'worse'}`;
    },
  },
];

/** A goal from the issues, checked on one model file. */
interface Target {
  readonly label: string;
  value(c: CaseResult): number | undefined;
  met(value: number): boolean;
  readonly digits: number;
}

const TARGETS: readonly Target[] = [
  {
    label: 'decode, ours / transformers.js (issue 4: >= 1.5)',
    value: (c) => advantage('decodeTokPerS', c.runtimes.ours?.medians.decodeTokPerS, c.runtimes.transformers?.medians.decodeTokPerS),
    met: (v) => v >= 1.5,
    digits: 2,
  },
  {
    label: 'keystroke with reuse / without (issue 4: <= 0.1)',
    value: (c) => {
      const m = c.runtimes.ours?.medians;
      return m?.keystrokeReuseMs !== undefined && m.keystrokeFreshMs ? m.keystrokeReuseMs / m.keystrokeFreshMs : undefined;
    },
    met: (v) => v <= 0.1,
    digits: 3,
  },
];

/** Above this share of the machine's CPU used by other processes, a measurement is flagged. */
const NOISY_SHARE = 0.05;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

/** The markdown table of one model file, with its targets and notes. */
export function caseTable(c: CaseResult, decodeTokens: number): string {
  const lines = [`### ${c.shape} ${c.dtype} (${c.file}, ${megabytes(c.fileBytes)})`, ''];
  lines.push(`| metric | ${COLUMNS.map((col) => col.header).join(' | ')} |`);
  lines.push(`|---|${COLUMNS.map(() => '---:').join('|')}|`);
  for (const key of METRIC_KEYS) {
    const spec = METRICS[key];
    const label = key === 'decodeTokPerS' ? `${spec.label} ${decodeTokens} tokens` : spec.label;
    lines.push(`| ${label} (${spec.unit}) | ${COLUMNS.map((col) => col.cell(c, key)).join(' | ')} |`);
  }
  lines.push('');
  for (const target of TARGETS) {
    const v = target.value(c);
    lines.push(`- ${target.label}: ${v === undefined ? 'not measured' : `${v.toFixed(target.digits)} ${target.met(v) ? '(met)' : '(NOT met)'}`}`);
  }
  for (const runtime of Object.keys(c.runtimes) as RuntimeName[]) {
    const result = c.runtimes[runtime];
    const share = result?.othersCpuShare;
    if (share !== undefined && share >= NOISY_SHARE) {
      lines.push(`- ${RUNTIME_LABEL[runtime]}: other processes kept ${(share * 100).toFixed(0)}% of the machine's CPU busy meanwhile; its timings are unreliable`);
    }
    for (const note of result?.notes ?? []) lines.push(`- ${RUNTIME_LABEL[runtime]}: ${note}`);
  }
  return lines.join('\n');
}

/** The whole report: a heading with the setup, then one table per model file. */
export function report(heading: readonly string[], cases: readonly CaseResult[], decodeTokens: number): string {
  const legend =
    '† transformers.js has no cache reuse: its keystroke always runs the whole prompt, so both keystroke rows compare against that one number. ' +
    '"Nx better" is ours over theirs for rates and theirs over ours for times and memory.';
  return [...heading, '', ...cases.map((c) => caseTable(c, decodeTokens)).flatMap((t) => [t, '']), legend, ''].join('\n');
}
