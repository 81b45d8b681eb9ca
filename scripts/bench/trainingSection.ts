/**
 * @file The training section of `npm run bench`: runs `training.ts` (which measures our LoRA
 * training, PyTorch + PEFT's and the engine's prefill, each in a child process of its own) once
 * per shape and run, and prints one table of medians with ours beside PyTorch's and the ratios.
 */
import { join } from 'node:path';
import type { ShapeName } from '../../src/model/configTypes';
import { runScript } from './child';
import { median } from './metrics';

const SCRIPT = join(import.meta.dirname, 'training.ts');
const NOISY_SHARE = 0.05;

/** What `training.ts --json` writes (the fields the table shows; the JSON keeps all). */
export interface TrainingResult {
  readonly shape: ShapeName;
  readonly seqLen: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly threads: number;
  readonly loraRank: number;
  readonly targets: number;
  readonly provider: string;
  readonly trainTokensPerSecond: number;
  readonly secondsPerMicroBatch: number;
  /** CPU seconds (all threads) per timed step. */
  readonly cpuSecondsPerStep: number;
  readonly setupSeconds: number;
  readonly firstLoss: number;
  readonly trainPeakRssMiB: number;
  readonly prefillTokensPerSecond: number;
  readonly prefillTokens: number;
  readonly prefillPeakRssMiB: number;
  readonly trainOthersCpuShare?: number;
  readonly prefillOthersCpuShare?: number;
  /** Why PyTorch + PEFT did not run; absent when it did. */
  readonly fastTrainTokensPerSecond?: number;
  readonly fastTrainPeakRssMiB?: number;
  readonly fastCpuSecondsPerStep?: number;
  readonly peftSkipped?: string;
  readonly peftTorchVersion?: string;
  readonly peftTrainTokensPerSecond?: number;
  readonly peftTrainPeakRssMiB?: number;
  readonly peftCpuSecondsPerStep?: number;
  readonly peftFirstLoss?: number;
}

export interface TrainingSectionOptions {
  readonly shapes: readonly ShapeName[];
  readonly seqLen: number;
  readonly steps: number;
  readonly threads: number;
  readonly runs: number;
}

/** Runs the training benchmark `runs` times per shape, one `training.ts` process tree each. */
export async function measureTraining(options: TrainingSectionOptions, scratch: string, log: (line: string) => void): Promise<TrainingResult[]> {
  const results: TrainingResult[] = [];
  for (const shape of options.shapes) {
    for (let run = 1; run <= options.runs; run++) {
      log(`training ${shape} seq ${options.seqLen}: run ${run}/${options.runs}`);
      const args = ['--shape', shape, '--seq-len', String(options.seqLen), '--steps', String(options.steps), '--threads', String(options.threads)];
      results.push(await runScript<TrainingResult>(SCRIPT, args, '--json', join(scratch, `training-${shape}-${run}.json`)));
    }
  }
  return results;
}

type Pick = (r: TrainingResult) => number | undefined;
const ratio = (a: Pick, b: Pick): Pick => (r) => {
  const [x, y] = [a(r), b(r)];
  return x === undefined || y === undefined ? undefined : x / y;
};
const oursTps: Pick = (r) => r.trainTokensPerSecond;
const peftTps: Pick = (r) => r.peftTrainTokensPerSecond;
const oursCpu: Pick = (r) => r.cpuSecondsPerStep;
const peftCpu: Pick = (r) => r.peftCpuSecondsPerStep;
const oursRss: Pick = (r) => r.trainPeakRssMiB;
const peftRss: Pick = (r) => r.peftTrainPeakRssMiB;
const fastTps: Pick = (r) => r.fastTrainTokensPerSecond;
const fastRss: Pick = (r) => r.fastTrainPeakRssMiB;

const COLUMNS: readonly { label: string; pick: Pick; digits: number }[] = [
  { label: 'ours, low memory (tok/s)', pick: oursTps, digits: 0 },
  { label: 'ours, fast (tok/s)', pick: fastTps, digits: 0 },
  { label: 'PyTorch + PEFT (tok/s)', pick: peftTps, digits: 0 },
  { label: 'ours low / PyTorch speed', pick: ratio(oursTps, peftTps), digits: 2 },
  { label: 'ours fast / PyTorch speed', pick: ratio(fastTps, peftTps), digits: 2 },
  { label: 'CPU s per step, ours', pick: oursCpu, digits: 1 },
  { label: 'CPU s per step, PyTorch', pick: peftCpu, digits: 1 },
  { label: 'PyTorch / ours CPU time', pick: ratio(peftCpu, oursCpu), digits: 2 },
  { label: 'ours low peak RSS (MiB)', pick: oursRss, digits: 0 },
  { label: 'ours fast peak RSS (MiB)', pick: fastRss, digits: 0 },
  { label: 'PyTorch peak RSS (MiB)', pick: peftRss, digits: 0 },
  { label: 'ours low / PyTorch RSS', pick: ratio(oursRss, peftRss), digits: 2 },
  { label: 'first-step loss, ours', pick: (r) => r.firstLoss, digits: 4 },
  { label: 'first-step loss, PyTorch', pick: (r) => r.peftFirstLoss, digits: 4 },
  { label: 'engine prefill fp32 (tok/s)', pick: (r) => r.prefillTokensPerSecond, digits: 0 },
  { label: "others' CPU share, ours (%)", pick: (r) => (r.trainOthersCpuShare === undefined ? undefined : r.trainOthersCpuShare * 100), digits: 0 },
];

/** The training section's markdown table, one row per shape. */
export function trainingTable(results: readonly TrainingResult[]): string {
  const first = results[0];
  if (!first) return '### Training\n\nno runs';
  const shapes = [...new Set(results.map((r) => r.shape))];
  const runs = results.filter((r) => r.shape === first.shape).length;
  const lines = [
    `### Training: fp32, LoRA rank ${first.loraRank} on ${first.targets} targets, AdamW, seq ${first.seqLen} x ${first.batchSize}, ` +
      `${first.steps} timed step(s) after a warm-up, threads ${first.threads === 0 ? 'default' : first.threads} (${first.provider}); medians of ${runs} run(s)`,
    '',
    `| shape | ${COLUMNS.map((c) => c.label).join(' | ')} |`,
    `|---|${COLUMNS.map(() => '---:').join('|')}|`,
  ];
  for (const shape of shapes) {
    const mine = results.filter((r) => r.shape === shape);
    const cells = COLUMNS.map((c) => {
      const values = mine.map(c.pick).filter((v): v is number => v !== undefined);
      return values.length === 0 ? '–' : median(values).toFixed(c.digits);
    });
    lines.push(`| ${shape} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const skipped of new Set(results.flatMap((r) => (r.peftSkipped === undefined ? [] : [r.peftSkipped])))) lines.push(`- ${skipped}`);
  const torch = results.find((r) => r.peftTorchVersion !== undefined)?.peftTorchVersion;
  if (torch) lines.push(`- PyTorch ${torch} (scripts/bench/peftTraining.py): the same folder, token ids and thread count; a step is forward, backward and AdamW for both`);
  const noisy = results.filter((r) => Math.max(r.trainOthersCpuShare ?? 0, r.prefillOthersCpuShare ?? 0) >= NOISY_SHARE).length;
  if (noisy > 0) {
    lines.push(`- in ${noisy} of ${results.length} run(s) other processes kept >= ${NOISY_SHARE * 100}% of the CPUs busy; tok/s are unreliable, CPU seconds per step less so`);
  }
  lines.push(`- peak RSS: each runtime's own process (VmHWM on Linux); prefill: the engine on ${first.prefillTokens} prompt tokens in one chunk, in its own process`);
  return lines.join('\n');
}
