/**
 * @file Where one forward step of a fused graph spends its time, by operator type, from ONNX
 * Runtime's own profiler: one decode step after `--positions` cached tokens (a keystroke is
 * the same step after 1500). Each step runs over KV buffers of exactly that many positions, as
 * the engine's are after a request sized its cache. The profiler adds a few microseconds to
 * every node, so the report also gives the wall time of the same steps in a session without it;
 * compare shares, not absolute kernel times, between runs.
 *
 *   node --import tsx scripts/bench/profileStep.ts --model DIR [--dtype q4] [--positions 512,1500]
 *     [--steps 30] [--idle-ms 0] [--threads 2]
 *
 * `--idle-ms 100` sleeps before every step, as a typing user's keystrokes arrive (see
 * WARM_KEYSTROKES in speed.ts for why that matters on a machine with a large shared cache).
 */
import '../../src/runtime/telemetry';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as OrtModule from 'onnxruntime-node';
import { fusedVariantFile, type FusedVariant } from '../../src/model/configTypes';
import { loadOrt } from '../../src/runtime/session';

/** One event of ONNX Runtime's JSON profile (Chrome trace format); only the fields read here. */
export interface ProfileEvent {
  readonly cat?: string;
  readonly name: string;
  readonly ts: number;
  readonly dur: number;
  readonly args?: { readonly op_name?: string };
}

/** Kernel time per operator type, per step: mean microseconds and nodes run. */
export interface OpShare {
  readonly op: string;
  readonly microseconds: number;
  readonly nodes: number;
}

/**
 * Sums the kernel time of each operator type over the `model_run` events after the first
 * `skipRuns` (warm-up), per run, largest first. Kernels inside an `If` branch count under their
 * own type and inside the `If`'s time as well, so the `If` row is the branch's total, not
 * overhead.
 */
export function kernelTimeByOp(events: readonly ProfileEvent[], skipRuns: number): { runs: number; runMicroseconds: number; ops: OpShare[] } {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts).slice(skipRuns);
  if (runs.length === 0) throw new Error(`the profile has no model_run events after the first ${skipRuns}`);
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name);
  const time = new Map<string, number>();
  const count = new Map<string, number>();
  for (const run of runs) {
    for (const k of kernels) {
      if (k.ts < run.ts || k.ts > run.ts + run.dur) continue;
      const op = k.args!.op_name!;
      time.set(op, (time.get(op) ?? 0) + k.dur);
      count.set(op, (count.get(op) ?? 0) + 1);
    }
  }
  const ops = [...time].map(([op, total]) => ({ op, microseconds: total / runs.length, nodes: (count.get(op) ?? 0) / runs.length }));
  return { runs: runs.length, runMicroseconds: runs.reduce((sum, r) => sum + r.dur, 0) / runs.length, ops: ops.sort((a, b) => b.microseconds - a.microseconds) };
}

type Tensor = OrtModule.Tensor;

/** Feeds for one new token after `positions` cached ones, KV buffers of exactly that length. */
function stepFeeds(ort: typeof OrtModule, session: OrtModule.InferenceSession, positions: number): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    if (meta.name === 'input_ids') feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.of(1234n), [1, 1]);
    else if (meta.name === 'attention_mask') feeds[meta.name] = new ort.Tensor('int64', new BigInt64Array(positions + 1).fill(1n), [1, positions + 1]);
    else if (meta.name === 'num_logits_to_keep') feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.of(1n), []);
    else if (meta.name.startsWith('past_key_values.')) {
      // Batch 1, and the symbolic length (a float32 cache's, or an 8-bit one's keys, scales and
      // values; model/int8KvAttention.ts) is `positions`.
      const dims = meta.shape.map((d, i) => (i === 0 ? 1 : typeof d === 'number' ? d : positions));
      const size = dims.reduce((a, b) => a * b, 1);
      // Small varied values: the cost does not depend on them, only NaN-free softmax inputs matter.
      if (meta.type === 'int8') feeds[meta.name] = new ort.Tensor('int8', Int8Array.from({ length: size }, (_, i) => Math.round(Math.sin(i) * 100)), dims);
      else if (meta.name.endsWith('_scale')) feeds[meta.name] = new ort.Tensor('float32', new Float32Array(size).fill(0.001), dims);
      else feeds[meta.name] = new ort.Tensor('float32', Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 0.1), dims);
    }
  }
  return feeds;
}

async function timeSteps(session: OrtModule.InferenceSession, feeds: Record<string, Tensor>, steps: number, idleMs: number): Promise<number[]> {
  const fetches = ['logits', 'new_key_values'];
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    const start = performance.now();
    await session.run(feeds, fetches);
    times.push(performance.now() - start);
  }
  return times;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      dtype: { type: 'string', default: 'q4' },
      positions: { type: 'string', default: '512,1500' },
      steps: { type: 'string', default: '30' },
      'idle-ms': { type: 'string', default: '0' },
      threads: { type: 'string', default: '2' },
    },
  });
  if (!values.model) throw new Error('--model DIR is required (a model folder with onnx/<dtype>_fused_matmul.onnx)');
  const file = join(values.model, 'onnx', fusedVariantFile(values.dtype as FusedVariant, 'matmul'));
  const steps = Number(values.steps);
  const idleMs = Number(values['idle-ms']);
  const ort = await loadOrt();
  const base = { executionProviders: ['cpu'], intraOpNumThreads: Number(values.threads), graphOptimizationLevel: 'all' } as const;
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-profile-'));
  try {
    const plain = await ort.InferenceSession.create(file, base);
    const warmUp = 5;
    console.log(`${file}, ${values.threads} threads, ${steps} steps per measure${idleMs > 0 ? `, ${idleMs} ms idle before each` : ''}`);
    for (const positions of values.positions.split(',').map(Number)) {
      const feeds = stepFeeds(ort, plain, positions);
      const wall = median((await timeSteps(plain, feeds, warmUp + steps, idleMs)).slice(warmUp));
      // A profile ends with its session, so each measure gets its own.
      const profiled = await ort.InferenceSession.create(file, { ...base, enableProfiling: true, profileFilePrefix: join(dir, `step-${positions}`) });
      await timeSteps(profiled, feeds, warmUp + steps, idleMs);
      profiled.endProfiling();
      await profiled.release();
      const profile = readdirSync(dir).find((name) => name.startsWith(`step-${positions}`) && name.endsWith('.json'));
      if (!profile) throw new Error(`ONNX Runtime wrote no profile into ${dir}`);
      const events = JSON.parse(readFileSync(join(dir, profile), 'utf8')) as ProfileEvent[];
      console.log(`\none step after ${positions} positions: ${wall.toFixed(2)} ms median without the profiler`);
      const { runs, runMicroseconds, ops } = kernelTimeByOp(events, warmUp);
      const nodes = ops.reduce((sum, o) => sum + o.nodes, 0);
      console.log(`with the profiler: ${(runMicroseconds / 1000).toFixed(2)} ms per run over ${runs} runs, ${nodes.toFixed(0)} kernels per run\n`);
      console.log('| op | µs per step | share of kernel time | nodes per step |\n|---|---:|---:|---:|');
      const total = ops.filter((o) => o.op !== 'If').reduce((sum, o) => sum + o.microseconds, 0);
      for (const o of ops) {
        const share = o.op === 'If' ? '(branches)' : `${((100 * o.microseconds) / total).toFixed(1)}%`;
        console.log(`| ${o.op} | ${o.microseconds.toFixed(0)} | ${share} | ${o.nodes.toFixed(0)} |`);
      }
    }
    await plain.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
