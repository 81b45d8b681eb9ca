/**
 * @file The training section of `npm run bench`: runs `training.ts` (which measures LoRA
 * training and the engine's prefill in child processes of its own) once per run and prints one
 * table of medians.
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
  readonly loraRank: number;
  readonly targets: number;
  readonly provider: string;
  readonly trainTokensPerSecond: number;
  readonly secondsPerMicroBatch: number;
  readonly setupSeconds: number;
  readonly trainPeakRssMiB: number;
  readonly prefillTokensPerSecond: number;
  readonly prefillTokens: number;
  readonly prefillPeakRssMiB: number;
  readonly trainOthersCpuShare?: number;
  readonly prefillOthersCpuShare?: number;
}

export interface TrainingSectionOptions {
  readonly shape: ShapeName;
  readonly seqLen: number;
  readonly steps: number;
  readonly threads: number;
  readonly runs: number;
}

/** Runs the training benchmark `runs` times, one `training.ts` process tree each. */
export async function measureTraining(options: TrainingSectionOptions, scratch: string, log: (line: string) => void): Promise<TrainingResult[]> {
  const results: TrainingResult[] = [];
  for (let run = 1; run <= options.runs; run++) {
    log(`training ${options.shape} seq ${options.seqLen}: run ${run}/${options.runs}`);
    const args = ['--shape', options.shape, '--seq-len', String(options.seqLen), '--steps', String(options.steps), '--threads', String(options.threads)];
    results.push(await runScript<TrainingResult>(SCRIPT, args, '--json', join(scratch, `training-${run}.json`)));
  }
  return results;
}

const ROWS: readonly { label: string; pick: (r: TrainingResult) => number | undefined; digits: number }[] = [
  { label: 'LoRA training (tok/s)', pick: (r) => r.trainTokensPerSecond, digits: 0 },
  { label: 'seconds per micro-batch', pick: (r) => r.secondsPerMicroBatch, digits: 2 },
  { label: 'training peak RSS (MiB)', pick: (r) => r.trainPeakRssMiB, digits: 0 },
  { label: 'training graph build + session (s)', pick: (r) => r.setupSeconds, digits: 1 },
  { label: 'engine prefill, fp32, best of steps (tok/s)', pick: (r) => r.prefillTokensPerSecond, digits: 0 },
  { label: 'engine prefill peak RSS (MiB)', pick: (r) => r.prefillPeakRssMiB, digits: 0 },
  { label: 'training / prefill throughput', pick: (r) => r.trainTokensPerSecond / r.prefillTokensPerSecond, digits: 2 },
  { label: "other processes' share of the CPUs, training (%)", pick: (r) => (r.trainOthersCpuShare === undefined ? undefined : r.trainOthersCpuShare * 100), digits: 0 },
  { label: "other processes' share of the CPUs, prefill (%)", pick: (r) => (r.prefillOthersCpuShare === undefined ? undefined : r.prefillOthersCpuShare * 100), digits: 0 },
];

/** The training section's markdown table. */
export function trainingTable(results: readonly TrainingResult[]): string {
  const first = results[0];
  if (!first) return '### Training\n\nno runs';
  const lines = [
    `### Training: ${first.shape} fp32, LoRA rank ${first.loraRank} on ${first.targets} targets, seq ${first.seqLen} x ${first.batchSize}, ${first.steps} timed step(s) after a warm-up (${first.provider})`,
    '',
    `| metric | median of ${results.length} run(s) |`,
    '|---|---:|',
  ];
  for (const row of ROWS) {
    const values = results.map(row.pick).filter((v): v is number => v !== undefined);
    lines.push(`| ${row.label} | ${values.length === 0 ? '–' : median(values).toFixed(row.digits)} |`);
  }
  lines.push('');
  const noisy = results.filter((r) => Math.max(r.trainOthersCpuShare ?? 0, r.prefillOthersCpuShare ?? 0) >= NOISY_SHARE).length;
  if (noisy > 0) lines.push(`- in ${noisy} of ${results.length} run(s) other processes kept >= ${NOISY_SHARE * 100}% of the CPUs busy; timings are unreliable`);
  lines.push(`- prefill: the engine on the same model and ${first.prefillTokens} prompt tokens in one chunk, in its own process`);
  return lines.join('\n');
}
