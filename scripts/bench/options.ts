/**
 * @file Command-line flags of `npm run bench`, validated at the boundary with messages that
 * name the bad value and the allowed set.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SHAPE_NAMES, type OnnxVariant, type ShapeName } from '../../src/model/configTypes';
import { RUNTIMES, type RuntimeName } from './metrics';
import { DEFAULT_MODEL_CACHE } from './models';

/** The ONNX variants both runtimes can load on the CPU. */
const BENCH_DTYPES = ['fp32', 'fp16', 'q4', 'int8'] as const satisfies readonly OnnxVariant[];

/** The parts of a bench run, in run order. */
export const SECTIONS = ['engine', 'speed', 'replay', 'training'] as const;
/** One part of a bench run. */
export type Section = (typeof SECTIONS)[number];

/** The graphs of each dtype the engine section compares on: the hub-layout one, and ours with contrib ops. */
export const GRAPHS = ['plain', 'fused'] as const;
/** One graph of a dtype. */
export type BenchGraph = (typeof GRAPHS)[number];

/** Parsed flags. */
export interface BenchOptions {
  readonly sections: readonly Section[];
  readonly shapes: readonly ShapeName[];
  readonly dtypes: readonly OnnxVariant[];
  /** Graphs per dtype; both runtimes run the same file of each (fp16 has no fused graph). */
  readonly graphs: readonly BenchGraph[];
  readonly runtimes: readonly RuntimeName[];
  readonly runs: number;
  readonly decodeTokens: number;
  readonly threads: number;
  readonly seed: number;
  readonly quick: boolean;
  /** Variants the replay types against (135M only). */
  readonly replayDtypes: readonly OnnxVariant[];
  /** Characters of the function the replay types (undefined: all of it). */
  readonly replayChars?: number;
  /** Sequence length and timed steps of the training section (each of `shapes`). */
  readonly trainSeqLen: number;
  readonly trainSteps: number;
  readonly cacheDir: string;
  readonly out: string;
}

/** Usage text for --help. */
export const USAGE = `Usage: npm run bench -- [options]

Benchmarks our engine against stock transformers.js on random SmolLM2-shaped models, replays
typing a real function against inline completion, and measures LoRA training throughput.

Options:
  --sections LIST      comma-separated of ${SECTIONS.join(', ')} (default all):
                         engine: ours vs transformers.js per shape and dtype
                         speed: 135M plain and fused graphs, ours and transformers.js on each file, and
                           llama.cpp (node-llama-cpp) on Q4_0 and Q8_0 GGUFs of the same weights, with
                           cached load, the memory-bandwidth bound and ratios to llama.cpp (scripts/bench/speed.ts)
                         replay: typing a function from node_modules keystroke by keystroke (135M)
                         training: LoRA training tok/s and peak RSS per shape, ours beside PyTorch + PEFT
                           (skipped where scripts/python/prepare.sh has not run) and engine prefill (fp32)
  --shapes LIST        comma-separated of ${SHAPE_NAMES.join(', ')} (default 135M,360M; --quick: 135M)
  --dtypes LIST        comma-separated of ${BENCH_DTYPES.join(', ')} (default fp32,q4)
  --graphs LIST        comma-separated of ${GRAPHS.join(', ')} (default both): which file of each dtype
                         both runtimes run, onnx/model_<dtype>.onnx or onnx/model_<dtype>_fused.onnx
                         (ours runs onnx/model_<dtype>_fused_matmul.onnx, the CPU's fused graph)
  --runtimes LIST      comma-separated of ${RUNTIMES.join(', ')} (default both)
  --runs N             measured runs per metric; the table shows medians (default 3; --quick: 1)
  --decode-tokens N    new tokens in the decode measurement (default 128; --quick: 16)
  --threads N          ONNX Runtime intra-op threads for both runtimes (default: ${availableParallelism()}, this machine's CPUs)
  --seed N             weight seed of the generated models (default 0)
  --replay-dtypes LIST replay variants, of ${BENCH_DTYPES.join(', ')} (default q4,fp32; --quick: q4)
  --replay-chars N     type only the first N characters of the function (default all; --quick: 200)
  --train-seq-len N    training section sequence length (default 512; --quick: 128)
  --train-steps N      training section timed steps (default 3; --quick: 1)
  --quick              a short smoke run
  --cache DIR          generated models (default ${DEFAULT_MODEL_CACHE})
  --out FILE           JSON results (default bench-results/bench-<date>.json)`;

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (value === undefined) return [...fallback];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
  if (items.length === 0 || bad.length > 0) {
    throw new Error(`--${flag} must be a comma-separated list of ${allowed.join(', ')}; got "${value}"`);
  }
  return [...new Set(items as T[])];
}

function int(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}; got "${value}"`);
  return n;
}

function defaultOut(now: Date): string {
  const stamp = now.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  return join('bench-results', `bench-${stamp}.json`);
}

/** Parses `argv` (without node and the script); returns undefined for --help. */
export function parseBenchOptions(argv: readonly string[], now = new Date()): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      shapes: { type: 'string' },
      dtypes: { type: 'string' },
      graphs: { type: 'string' },
      runtimes: { type: 'string' },
      runs: { type: 'string' },
      'decode-tokens': { type: 'string' },
      threads: { type: 'string' },
      seed: { type: 'string' },
      quick: { type: 'boolean' },
      sections: { type: 'string' },
      'replay-dtypes': { type: 'string' },
      'replay-chars': { type: 'string' },
      'train-seq-len': { type: 'string' },
      'train-steps': { type: 'string' },
      cache: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick ?? false;
  return {
    sections: list('sections', values.sections, SECTIONS, SECTIONS),
    shapes: list('shapes', values.shapes, SHAPE_NAMES, quick ? ['135M'] : ['135M', '360M']),
    dtypes: list('dtypes', values.dtypes, BENCH_DTYPES, ['fp32', 'q4']),
    graphs: list('graphs', values.graphs, GRAPHS, GRAPHS),
    runtimes: list('runtimes', values.runtimes, RUNTIMES, RUNTIMES),
    runs: int('runs', values.runs, quick ? 1 : 3, 1),
    decodeTokens: int('decode-tokens', values['decode-tokens'], quick ? 16 : 128, 2),
    threads: int('threads', values.threads, availableParallelism(), 1),
    seed: int('seed', values.seed, 0, 0),
    quick,
    replayDtypes: list('replay-dtypes', values['replay-dtypes'], BENCH_DTYPES, quick ? ['q4'] : ['q4', 'fp32']),
    replayChars: values['replay-chars'] === undefined && !quick ? undefined : int('replay-chars', values['replay-chars'], 200, 1),
    trainSeqLen: int('train-seq-len', values['train-seq-len'], quick ? 128 : 512, 2),
    trainSteps: int('train-steps', values['train-steps'], quick ? 1 : 3, 1),
    cacheDir: values.cache ?? DEFAULT_MODEL_CACHE,
    out: values.out ?? defaultOut(now),
  };
}
