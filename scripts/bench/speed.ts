/**
 * @file Engine speed on CPU, in one run: our engine on the plain graph and on both fused graphs
 * (model/llamaFused.ts: matmul attention, what the engine runs on CPU, and GQA), and stock
 * transformers.js on the same plain file and on the same fused GQA file, for each dtype: decode tokens/s, prefill tokens/s (512 and 1500 tokens), keystroke
 * latency (one new token after a cached 1500-token prompt, after 100 ms idle as when typing and
 * back to back, see WARM_KEYSTROKES; for transformers.js through
 * `generate` with the cached past_key_values, and its bare forward pass), load time (first, and again: ours from the optimised-graph
 * cache), peak RSS, and the memory-bandwidth bound (weight bytes read per token / measured copy
 * bandwidth). Load time and peak RSS come from one child process per runtime (so RSS is its
 * own); throughput comes from one child per dtype in which the runtimes take turns in every
 * repetition, so load from other processes on a shared machine hits all of them alike. The
 * table shows medians. `--llamacpp-threads N` gives llama.cpp another thread count than ours
 * (on a 2-vCPU Zen 5 machine it decoded faster on 1 thread than on 2).
 *
 *   node --import tsx scripts/bench/speed.ts [--shape 135M] [--dtypes q4,fp32] [--rounds 3]
 *     [--runtimes plain,fused,fused-gqa,transformers,transformers-fused,llamacpp-q4_0,llamacpp-q8_0] [--threads N] [--llamacpp-threads N] [--models DIR] [--json FILE]
 */
import '../../src/runtime/telemetry';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOrt } from '../../src/runtime/session';
import { loadTokenizer } from '../../src/runtime/tokenizer';
import type { ModelConfig } from '../../src/model/config';
import { FUSED_ATTENTIONS, fusedGraphFile, fusedVariantFile, SHAPE_NAMES, VARIANT_FILE, type FusedVariant, type ShapeName } from '../../src/model/configTypes';
import { makeModelFolder, writeFusedOnnxVariant, writeFusedPromptGraph, writeOnnxVariant } from '../../src/model/modelFolder';
import { SHAPES } from '../../src/model/shapes';
import { resolveTokenizerDir } from '../../src/model/tokenizerFiles';
import { benchGguf } from './llamaCppSubject';
import { loadSubject, RUNTIMES, type Runtime, type Subject } from './speedSubjects';
import { cacheRoot } from '../cacheRoot';
import { peakRssMiB } from './peakRss';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DECODE_TOKENS = 64;
const KEYSTROKES = 2;
/**
 * Keystrokes timed back to back after the idle ones. This machine's 300 MB L3 cache holds a 135M
 * model's weights and cache, but other tenants evict them within ~100 ms of idling: a keystroke
 * after the pause reads them from memory (what a typing user gets), one right after another from
 * the cache (what the compute costs). 135M q4 fused, one step at 1500 cached positions: 7.3-7.9
 * ms back to back, 12.8-13.7 ms after 100 ms idle (the same with the cores kept busy, so caches,
 * not clock speed).
 */
const WARM_KEYSTROKES = 4;

/** Intra-op threads of our engine (and transformers.js), and llama.cpp's. */
interface Threads {
  readonly ours: number;
  readonly llamaCpp: number;
}

/** Load and memory of one runtime (its own child process). */
interface LoadResult {
  loadFirstMs: number;
  loadSecondMs: number;
  peakRssMb: number;
}

/** Throughput of one runtime (medians over repetitions; `best` ones are the fastest repetition). */
interface SpeedResult {
  prefill512: number;
  prefill1500: number;
  decode: number;
  decodeBest: number;
  keystrokeMs: number;
  keystrokeBestMs: number;
  keystrokeNewTokens: number;
  /** Keystrokes back to back (see WARM_KEYSTROKES). */
  keystrokeWarmMs: number;
  /** transformers.js only: its forward pass alone over the cached base (no `generate`). */
  keystrokeForwardMs?: number;
}

type Result = LoadResult & SpeedResult;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Copy bandwidth in GB/s (bytes read + written), best of five 256 MB copies. */
export function copyBandwidth(): number {
  const a = new Float32Array(64 * 2 ** 20).fill(1);
  const b = new Float32Array(a.length);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    b.set(a);
    best = Math.min(best, performance.now() - start);
  }
  return (2 * a.byteLength) / (best / 1000) / 1e9;
}

/**
 * Weight bytes one decode step reads: every projection, plus the lm_head (the float32 embedding
 * table when tied, except in fused quantized graphs, which keep a 4/8-bit copy); the embedding
 * lookup itself reads one row.
 */
export function weightBytesPerToken(c: ModelConfig, dtype: FusedVariant, runtime: Runtime): number {
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const projections = c.numHiddenLayers * (2 * c.hiddenSize * q + 2 * c.hiddenSize * kv + 3 * c.hiddenSize * c.intermediateSize);
  // llama.cpp's blocks: Q4_0 18 bytes and Q8_0 34 bytes per 32 weights; the tied head is Q8_0 in both files.
  if (runtime === 'llamacpp-q4_0' || runtime === 'llamacpp-q8_0') {
    return projections * (runtime === 'llamacpp-q4_0' ? 18 / 32 : 34 / 32) + c.vocabSize * c.hiddenSize * (34 / 32);
  }
  const bytesPerWeight = dtype === 'fp32' ? 4 : dtype === 'q4' ? 0.5 + 4 / 32 : 1 + 4 / 32;
  const head = c.vocabSize * c.hiddenSize * (dtype !== 'fp32' && runtime !== 'plain' && runtime !== 'transformers' ? bytesPerWeight : 4);
  return projections * bytesPerWeight + head;
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const dir of ['graph', 'model'].map((name) => join(ROOT, 'src', name))) {
    for (const name of readdirSync(dir).sort()) if (name.endsWith('.ts')) hash.update(readFileSync(join(dir, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The model folder of `shape` under `modelsDir` with plain and fused `dtypes`, generated when missing or stale. */
function ensureModel(modelsDir: string, shape: ShapeName, dtypes: readonly FusedVariant[]): string {
  const dir = join(modelsDir, `${shape}-seed0`);
  const stampPath = join(dir, 'speed-stamp.json');
  const stamp = existsSync(stampPath) ? (JSON.parse(readFileSync(stampPath, 'utf8')) as { hash: string }) : undefined;
  if (stamp?.hash !== sourceHash()) {
    rmSync(dir, { recursive: true, force: true });
    console.error(`generating ${shape} in ${dir} ...`);
    makeModelFolder({ config: SHAPES[shape], seed: 0, outDir: dir, flavour: 'base', variants: [], tokenizerDir: resolveTokenizerDir() });
    writeFileSync(stampPath, JSON.stringify({ hash: sourceHash() }));
  }
  for (const dtype of dtypes) {
    if (!existsSync(join(dir, 'onnx', VARIANT_FILE[dtype]))) writeOnnxVariant(dir, dtype);
    for (const attention of FUSED_ATTENTIONS) if (!existsSync(join(dir, 'onnx', fusedVariantFile(dtype, attention)))) writeFusedOnnxVariant(dir, dtype, { attention });
    // What `fused-int8-prompts` runs prompt chunks through.
    if (dtype === 'int8' && !existsSync(join(dir, 'onnx', fusedGraphFile(dtype, 'prompt')))) writeFusedPromptGraph(dir, dtype);
  }
  return dir;
}

/** Prompt token ids: this repository's engine sources, repeated as needed. */
async function promptIds(modelDir: string, length: number): Promise<number[]> {
  const tokenizer = await loadTokenizer(modelDir);
  const text = ['src/runtime/engine.ts', 'src/runtime/session.ts', 'src/model/llama.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
  const ids = tokenizer.encode(text);
  while (ids.length < length) ids.push(...ids);
  return ids.slice(0, length);
}

/** Load times and peak RSS of one runtime, alone in a child process. */
async function measureLoad(runtime: Runtime, modelDir: string, dtype: FusedVariant, threads: Threads): Promise<LoadResult> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'smolcode-speed-cache-'));
  try {
    // Import the runtime's modules first (ours also tokenises with transformers.js), so the
    // timings are of loading the model; llama.cpp's process loads neither, so its RSS is its own.
    if (!runtime.startsWith('llamacpp')) await Promise.all([import('@huggingface/transformers'), loadOrt()]);
    // The GGUF is written on first use; written here, outside the timed load.
    if (runtime.startsWith('llamacpp')) await benchGguf(modelDir, runtime === 'llamacpp-q4_0' ? 'q4_0' : 'q8_0');
    let start = performance.now();
    await (await loadSubject(runtime, modelDir, dtype, threads.ours, cacheDir, threads.llamaCpp)).dispose();
    const loadFirstMs = performance.now() - start;
    start = performance.now();
    const subject = await loadSubject(runtime, modelDir, dtype, threads.ours, cacheDir, threads.llamaCpp);
    const loadSecondMs = performance.now() - start;
    // A little work, so the peak includes running buffers, not only weights.
    await subject.run(await promptIds(modelDir, 512), 8);
    await subject.dispose();
    return { loadFirstMs, loadSecondMs, peakRssMb: peakRssMiB() };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * A full collection before each measurement, so that no runtime's timing pays for the garbage
 * (tens of megabytes of cache copies per token for transformers.js) another one left; then a
 * pause, so V8's background sweeping is done before the clock starts.
 */
async function collectGarbage(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Throughput of all runtimes in one child process, taking turns in every repetition. */
async function measureSpeed(runtimes: readonly Runtime[], modelDir: string, dtype: FusedVariant, threads: Threads, reps: number): Promise<Record<string, SpeedResult>> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'smolcode-speed-cache-'));
  const ids = await promptIds(modelDir, 1501);
  const subjects = new Map<Runtime, Subject>();
  const samples = new Map<Runtime, { p512: number[]; p1500: number[]; decode: number[]; keys: number[]; keyTokens: number[]; forward: number[]; warmKeys: number[] }>();
  try {
    for (const r of runtimes) {
      subjects.set(r, await loadSubject(r, modelDir, dtype, threads.ours, cacheDir, threads.llamaCpp));
      samples.set(r, { p512: [], p1500: [], decode: [], keys: [], keyTokens: [], forward: [], warmKeys: [] });
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const r of runtimes) {
        const subject = subjects.get(r)!;
        const s = samples.get(r)!;
        for (const [n, list] of [[512, s.p512], [1500, s.p1500]] as const) {
          await collectGarbage();
          const run = await subject.run(ids.slice(0, n), 1);
          list.push((run.promptTokens / run.ttftMs) * 1000);
        }
        await collectGarbage();
        s.decode.push(1000 / (await subject.run(ids.slice(0, 512), DECODE_TOKENS)).perTokenMs);
        await subject.prepareKeystroke(ids.slice(0, 1500));
        for (let k = 0; k < KEYSTROKES; k++) {
          await collectGarbage();
          const key = await subject.keystroke(k % 2 === 0 ? ids.slice(0, 1501) : [...ids.slice(0, 1500), 1000 + rep]);
          s.keys.push(key.ms);
          s.keyTokens.push(key.newTokens);
          if (key.forwardMs !== undefined) s.forward.push(key.forwardMs);
        }
        for (let k = 0; k < WARM_KEYSTROKES; k++) s.warmKeys.push((await subject.keystroke(k % 2 === 0 ? ids.slice(0, 1501) : [...ids.slice(0, 1500), 1000 + rep])).ms);
      }
    }
    return Object.fromEntries(
      [...samples].map(([r, s]) => [
        r,
        {
          prefill512: median(s.p512),
          prefill1500: median(s.p1500),
          decode: median(s.decode),
          decodeBest: Math.max(...s.decode),
          keystrokeMs: median(s.keys),
          keystrokeBestMs: Math.min(...s.keys),
          keystrokeNewTokens: median(s.keyTokens),
          keystrokeWarmMs: median(s.warmKeys),
          ...(s.forward.length > 0 ? { keystrokeForwardMs: median(s.forward) } : {}),
        },
      ]),
    );
  } finally {
    for (const subject of subjects.values()) await subject.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

const RUNTIME_LABEL: Record<Runtime, string> = {
  plain: 'ours, plain',
  fused: 'ours, fused (matmul attention), the engine\'s default (the native step where its kernel is vectorized)',
  'fused-native': 'ours, fused (matmul attention), native decode step',
  'fused-ort': 'ours, fused (matmul attention), ONNX Runtime decode',
  'fused-f32-cache': 'ours, fused, float32 KV cache',
  'fused-gqa': 'ours, fused (GQA)',
  'fused-int8-prompts': 'ours, fused, prompt chunks in int8, ONNX Runtime throughout',
  transformers: 'transformers.js, plain file',
  'transformers-fused': 'transformers.js, fused GQA file',
  'llamacpp-q4_0': 'llama.cpp, Q4_0 GGUF',
  'llamacpp-q8_0': 'llama.cpp, Q8_0 GGUF',
};

function table(rows: readonly { runtime: Runtime; dtype: FusedVariant; result: Result; boundTps: number }[]): string {
  const head =
    '| dtype | runtime | decode tok/s (best) | prefill 512 tok/s | prefill 1500 tok/s | keystroke ms after 100 ms idle (best; new tokens) [bare forward] | keystroke ms, back to back | load first ms | load second ms | peak RSS MB | bound tok/s | best % of bound |';
  const lines = rows.map(({ runtime, dtype, result: r, boundTps }) =>
    [
      dtype,
      RUNTIME_LABEL[runtime],
      `${r.decode.toFixed(1)} (${r.decodeBest.toFixed(1)})`,
      r.prefill512.toFixed(0),
      r.prefill1500.toFixed(0),
      `${r.keystrokeMs.toFixed(1)} (${r.keystrokeBestMs.toFixed(1)}; ${r.keystrokeNewTokens})${r.keystrokeForwardMs === undefined ? '' : ` [${r.keystrokeForwardMs.toFixed(1)}]`}`,
      r.keystrokeWarmMs.toFixed(1),
      r.loadFirstMs.toFixed(0),
      r.loadSecondMs.toFixed(0),
      r.peakRssMb.toFixed(0),
      boundTps.toFixed(0),
      `${((100 * r.decodeBest) / boundTps).toFixed(0)}%`,
    ].join(' | '),
  ).map((line) => `| ${line} |`);
  return [head, `|${'---|'.repeat(12)}`, ...lines].join('\n');
}

/**
 * Ours (the fused matmul graph, what the engine runs on CPU, alone and with its prompt chunks in
 * int8) against the better llama.cpp file per measure, for each dtype that has both: the ratios
 * #19 sets goals for.
 */
function llamaCppRatios(rows: readonly { runtime: Runtime; dtype: FusedVariant; result: Result }[]): string {
  const out: string[] = [];
  for (const dtype of new Set(rows.map((r) => r.dtype))) {
    const theirs = rows.filter((r) => r.dtype === dtype && r.runtime.startsWith('llamacpp')).map((r) => r.result);
    if (theirs.length === 0) continue;
    const best = (pick: (r: Result) => number, lower = false) => (lower ? Math.min : Math.max)(...theirs.map(pick));
    for (const runtime of ['fused', 'fused-native', 'fused-ort', 'fused-int8-prompts'] as const) {
      const ours = rows.find((r) => r.dtype === dtype && r.runtime === runtime)?.result;
      if (!ours) continue;
      out.push(
        `| ${dtype} | ${RUNTIME_LABEL[runtime]} | ${(ours.decode / best((r) => r.decode)).toFixed(2)}x | ${(ours.prefill512 / best((r) => r.prefill512)).toFixed(2)}x | ` +
          `${(ours.prefill1500 / best((r) => r.prefill1500)).toFixed(2)}x | ${(ours.keystrokeMs / best((r) => r.keystrokeMs, true)).toFixed(2)}x | ` +
          `${(ours.keystrokeWarmMs / best((r) => r.keystrokeWarmMs, true)).toFixed(2)}x | ` +
          `${(ours.peakRssMb - best((r) => r.peakRssMb, true)).toFixed(0)} MB |`,
      );
    }
  }
  if (out.length === 0) return '';
  return [
    '',
    'Ours against the better llama.cpp file per measure (decode and prefill: higher is better; keystroke: lower is better):',
    '',
    '| dtype | ours | decode | prefill 512 | prefill 1500 | keystroke after idle | keystroke back to back | peak RSS, ours minus llama.cpp |',
    '|---|---|---|---|---|---|---|---|',
    ...out,
  ].join('\n');
}

function runChild(args: readonly string[], resultFile: string): unknown {
  execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...args, '--result', resultFile], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
  return JSON.parse(readFileSync(resultFile, 'utf8'));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      model: { type: 'string' },
      dtype: { type: 'string' },
      result: { type: 'string' },
      shape: { type: 'string', default: '135M' },
      dtypes: { type: 'string', default: 'q4,fp32' },
      runtimes: { type: 'string', default: RUNTIMES.join(',') },
      rounds: { type: 'string', default: '3' },
      threads: { type: 'string', default: String(availableParallelism()) },
      'llamacpp-threads': { type: 'string' },
      models: { type: 'string', default: cacheRoot('bench', 'speed-models') },
      json: { type: 'string' },
    },
  });
  const threadCount = (flag: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be an integer >= 1; got "${value}"`);
    return n;
  };
  const threads: Threads = { ours: threadCount('threads', values.threads), llamaCpp: threadCount('llamacpp-threads', values['llamacpp-threads'] ?? values.threads) };
  const rounds = Number(values.rounds);
  const runtimes = values.runtimes.split(',') as Runtime[];
  for (const r of runtimes) if (!RUNTIMES.includes(r)) throw new Error(`--runtimes: unknown "${r}"; known: ${RUNTIMES.join(', ')}`);
  if (values.child === 'speed') {
    writeFileSync(values.result!, JSON.stringify(await measureSpeed(runtimes, values.model!, values.dtype as FusedVariant, threads, rounds)));
    return;
  }
  if (values.child) {
    writeFileSync(values.result!, JSON.stringify(await measureLoad(values.child as Runtime, values.model!, values.dtype as FusedVariant, threads)));
    return;
  }
  const shape = values.shape as ShapeName;
  if (!SHAPE_NAMES.includes(shape)) throw new Error(`--shape must be one of ${SHAPE_NAMES.join(', ')}, got ${shape}`);
  const dtypes = values.dtypes.split(',') as FusedVariant[];
  // `fused-int8-prompts` runs prompt chunks through the int8 fused graph, whatever the dtype row.
  const modelDir = ensureModel(values.models, shape, runtimes.includes('fused-int8-prompts') ? [...new Set<FusedVariant>([...dtypes, 'int8'])] : dtypes);
  // Written before any child runs, so that no child's peak RSS includes an export (1.7B reads 6.8 GB for it).
  for (const r of runtimes) if (r.startsWith('llamacpp')) await benchGguf(modelDir, r === 'llamacpp-q4_0' ? 'q4_0' : 'q8_0');
  let bandwidth = copyBandwidth();
  const scratch = mkdtempSync(join(tmpdir(), 'smolcode-speed-'));
  const common = ['--model', modelDir, '--threads', String(threads.ours), '--llamacpp-threads', String(threads.llamaCpp)];
  const rows: { runtime: Runtime; dtype: FusedVariant; result: Result }[] = [];
  try {
    for (const dtype of dtypes) {
      const loads = new Map<Runtime, LoadResult[]>(runtimes.map((r) => [r, []]));
      for (let round = 0; round < rounds; round++) {
        for (const r of runtimes) loads.get(r)!.push(runChild(['--child', r, '--dtype', dtype, ...common], join(scratch, `load-${r}.json`)) as LoadResult);
      }
      console.error(`${dtype}: load and RSS done; throughput (${rounds} repetitions, runtimes taking turns) ...`);
      const reps = String(2 * rounds);
      const speed = runChild(['--child', 'speed', '--dtype', dtype, '--runtimes', runtimes.join(','), '--rounds', reps, ...common], join(scratch, 'speed.json')) as Record<string, SpeedResult>;
      // The bound is an upper bound: keep the best bandwidth seen over the run.
      bandwidth = Math.max(bandwidth, copyBandwidth());
      for (const runtime of runtimes) {
        const l = loads.get(runtime)!;
        const load = { loadFirstMs: median(l.map((x) => x.loadFirstMs)), loadSecondMs: median(l.map((x) => x.loadSecondMs)), peakRssMb: median(l.map((x) => x.peakRssMb)) };
        rows.push({ runtime, dtype, result: { ...load, ...speed[runtime] } });
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const tableRows = rows.map((row) => ({ ...row, boundTps: (bandwidth * 1e9) / weightBytesPerToken(SHAPES[shape], row.dtype, row.runtime) }));
  const result: SpeedRun = { shape, threads: threads.ours, ...(threads.llamaCpp !== threads.ours ? { llamaCppThreads: threads.llamaCpp } : {}), rounds, cores: availableParallelism(), bandwidth, rows: tableRows };
  console.log(speedReport(result));
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
}

/** What a run writes to --json. */
export interface SpeedRun {
  readonly shape: ShapeName;
  readonly threads: number;
  /** llama.cpp's threads where `--llamacpp-threads` differed from `threads`. */
  readonly llamaCppThreads?: number;
  readonly rounds: number;
  readonly cores: number;
  /** Copy bandwidth in GB/s (read + write), the best seen. */
  readonly bandwidth: number;
  readonly rows: readonly { runtime: Runtime; dtype: FusedVariant; result: Result; boundTps: number }[];
}

/** The run's setup lines and table, as markdown. */
export function speedReport(run: SpeedRun): string {
  return [
    `SmolLM2-${run.shape} shape, random weights, CPU (${run.cores} cores), ${run.threads} ORT threads${run.llamaCppThreads === undefined ? '' : `, ${run.llamaCppThreads} llama.cpp threads`}; medians of ${run.rounds} rounds (load, RSS) and ${2 * run.rounds} interleaved repetitions (the rest)`,
    `copy bandwidth ${run.bandwidth.toFixed(1)} GB/s (read + write, best seen); bound = bandwidth / weight bytes read per token. A copy also writes (and reads each destination line first), so reading weights alone streams faster and a run can pass 100% of this bound`,
    '',
    table(run.rows),
    llamaCppRatios(run.rows),
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
