/**
 * @file The native decode step (runtime/nativeDecoder.ts, native/smolstep): on the same weights
 * and 8-bit caches as the fused q4 graph, its logits stay within the 8-bit cache's drift of the
 * q4 graph with an exact float32 cache (as close as ONNX Runtime's own 8-bit path, or closer),
 * the rows it appends are the ones ORT appends, prompt chunks through ORT and single tokens
 * through it share one cache, a load saves its blocks for the next, the engine says when it
 * runs and why not, and every bad call throws instead of crashing.
 */
import '../../../src/runtime/telemetry';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { writeFusedGraph } from '../../../src/model/modelFolder';
import { Engine, type EngineOptions } from '../../../src/runtime/engine';
import { FusedLmSession } from '../../../src/runtime/fusedSession';
import { allocateKvBuffer, readKvRow } from '../../../src/runtime/kvRows';
import { loadNativeAddon, NATIVE_KERNELS, NativeDecoder, useNativeKernel } from '../../../src/runtime/nativeDecoder';
import { makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';
import { underCi } from '../../support/provided';

const VOCAB = 512;
const IDS = Array.from({ length: 120 }, (_, i) => (i * 37 + 11) % VOCAB);

/**
 * Whether the addon is built; without it a developer's run skips (a machine without a C
 * compiler), while CI, whose `npm run build` compiles it, fails.
 */
function built(t: TestContext): boolean {
  const loaded = loadNativeAddon();
  if ('addon' in loaded) return true;
  if (underCi()) assert.fail(`${loaded.reason}; under CI the build must compile it`);
  t.skip(loaded.reason);
  return false;
}

/** Largest |a - b| over the logit range of `reference`. */
function relative(reference: Float32Array, other: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  let diff = 0;
  reference.forEach((x, i) => {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
    diff = Math.max(diff, Math.abs(x - other[i]!));
  });
  return diff / (hi - lo);
}

describe('native decode step', () => {
  let model: TempModel;
  let dir: string;
  const paths = { int8: '', float32: '' };
  const open = (path: string) => FusedLmSession.open(path, { device: 'cpu', threads: 2, optimizedModelDir: '' }, 2048, model.config.numHiddenLayers) as Promise<FusedLmSession>;

  before(() => {
    // Two KV heads of three query heads each and head_dim 32: the kernels' grouped paths.
    model = makeTempModel({ config: tinyConfig({ vocabSize: VOCAB, hiddenSize: 128, intermediateSize: 256, numAttentionHeads: 6, numKeyValueHeads: 2, headDim: 32, numHiddenLayers: 3 }), variants: ['fp32'] });
    dir = mkdtempSync(join(tmpdir(), 'smolcode-native-'));
    for (const cache of ['int8', 'float32'] as const) {
      paths[cache] = join(dir, `q4_${cache}.onnx`);
      // gqaBelowPositions 0: ORT's single tokens take the matmul path from the first position.
      writeFusedGraph(model.dir, 'q4', paths[cache], { attention: 'matmul', kvCache: cache, gqaBelowPositions: 0 });
    }
  });
  after(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads, with a kernel for this processor', (t) => {
    if (!built(t)) return;
    const decoder = NativeDecoder.open(model.dir, 2);
    try {
      assert.ok(['avx512-vnni', 'avx2', 'scalar'].includes(decoder.kernel), decoder.kernel);
      // 4-bit codes and a float16 scale per 32 weights: 18 bytes per block.
      const c = model.config;
      const perLayer = (c.numAttentionHeads + 2 * c.numKeyValueHeads) * c.headDim * c.hiddenSize + c.hiddenSize * c.numAttentionHeads * c.headDim + 3 * c.intermediateSize * c.hiddenSize;
      assert.equal(decoder.weightBytes, ((perLayer * c.numHiddenLayers + c.vocabSize * c.hiddenSize) / 32) * 18);
    } finally {
      decoder.release();
    }
  });

  it('stays as close to the exact-cache q4 graph as ONNX Runtime on the 8-bit cache, and appends the rows ORT appends', async (t) => {
    if (!built(t)) return;
    const exact = await open(paths.float32);
    const ort = await open(paths.int8);
    const native = await open(paths.int8);
    const decoder = NativeDecoder.open(model.dir, 2);
    assert.equal(native.useNativeDecoder(decoder), undefined);
    assert.equal(native.nativeDecoder, decoder);
    try {
      let kv = { exact: exact.emptyKv(64), ort: ort.emptyKv(64), native: native.emptyKv(64) };
      let worstOrt = 0;
      let worstNative = 0;
      for (const id of IDS) {
        const e = await exact.step([id], kv.exact);
        const reference = Float32Array.from(e.logits);
        const o = await ort.step([id], kv.ort);
        worstOrt = Math.max(worstOrt, relative(reference, o.logits));
        const n = await native.step([id], kv.native);
        worstNative = Math.max(worstNative, relative(reference, n.logits));
        kv = { exact: e.kv, ort: o.kv, native: n.kv };
      }
      console.log(`8-bit cache against the float32 one over ${IDS.length} tokens, worst share of the logit range: ONNX Runtime ${worstOrt.toFixed(4)}, native ${worstNative.toFixed(4)}`);
      assert.ok(worstNative < 0.05, `native drifts ${worstNative}`);
      assert.ok(worstNative < worstOrt * 1.25, `native drifts ${worstNative}, ORT ${worstOrt}`);
      // The cache grew past its first 64 positions on the way (reserveKv), and both hold the same rows.
      assert.ok(kv.native.capacity > 64 && kv.native.length === IDS.length);
      const g = native.kvGeometry;
      let diff = 0;
      let max = 0;
      kv.native.buffers.forEach((buffer, i) => {
        for (let h = 0; h < g.heads; h++) {
          for (let p = 0; p < IDS.length; p++) {
            const x = readKvRow(g, buffer, kv.native.capacity, native.isKeyBuffer(i), h, p);
            const y = readKvRow(g, kv.ort.buffers[i]!, kv.ort.capacity, ort.isKeyBuffer(i), h, p);
            x.forEach((v, d) => {
              diff = Math.max(diff, Math.abs(v - y[d]!));
              max = Math.max(max, Math.abs(y[d]!));
            });
          }
        }
      });
      console.log(`cache rows, native against ORT: largest difference ${(diff / max).toFixed(4)} of the largest value`);
      assert.ok(diff / max < 0.1, `rows differ by ${diff / max}`);
    } finally {
      await exact.dispose();
      await ort.dispose();
      await native.dispose();
    }
  });

  it('gives the same logits on every kernel this processor runs (VNNI, AVX2, plain C), one token or several', async (t) => {
    if (!built(t)) return;
    const c = model.config;
    const geometry = { type: 'int8' as const, heads: c.numKeyValueHeads, headDim: c.headDim };
    const decoder = NativeDecoder.open(model.dir, 2);
    const ran: string[] = [];
    try {
      // 43 cached positions (attention's vector loops and their tails), then each kernel runs
      // the next token, and the next five in one step, from copies of that cache: a cache filled
      // by another kernel would differ by rounding flips that the random model amplifies.
      const filled = Array.from({ length: 2 * c.numHiddenLayers }, () => allocateKvBuffer(geometry, 64));
      const logits = new Float32Array(VOCAB);
      for (let p = 0; p < 43; p++) decoder.step([IDS[p]!], p, filled, 64, logits);
      const copy = () => filled.map((b) => ({ data: b.data.slice(), scales: b.scales!.slice() }));
      const next = (tokens: number[]) => {
        const out = new Float32Array(VOCAB);
        decoder.step(tokens, 43, copy(), 64, out);
        return out;
      };
      const best = [next([IDS[43]!]), next(IDS.slice(43, 48))];
      for (const kernel of NATIVE_KERNELS) {
        if (!useNativeKernel(kernel)) continue;
        ran.push(kernel);
        const [one, five] = [next([IDS[43]!]), next(IDS.slice(43, 48))];
        // Integer dot products are exact on every path; only the order of float sums differs.
        assert.ok(relative(best[0]!, one) < 1e-4, `${kernel}, one token: ${relative(best[0]!, one)}`);
        assert.ok(relative(best[1]!, five) < 1e-4, `${kernel}, five tokens: ${relative(best[1]!, five)}`);
      }
    } finally {
      useNativeKernel(decoder.kernel as (typeof NATIVE_KERNELS)[number]);
      decoder.release();
    }
    console.log(`native kernels compared: ${ran.join(', ')}`);
    assert.ok(ran.includes('scalar'));
  });

  it('runs several tokens in one step as it runs them one by one, and the session sends short steps to it', async (t) => {
    if (!built(t)) return;
    const c = model.config;
    const geometry = { type: 'int8' as const, heads: c.numKeyValueHeads, headDim: c.headDim };
    const decoder = NativeDecoder.open(model.dir, 2);
    try {
      const make = () => Array.from({ length: 2 * c.numHiddenLayers }, () => allocateKvBuffer(geometry, 64));
      const [one, many] = [make(), make()];
      const a = new Float32Array(VOCAB);
      const b = new Float32Array(VOCAB);
      for (let p = 0; p < 20; p++) decoder.step([IDS[p]!], p, one, 64, a);
      // 3 tokens (one group of the four-token kernel, padded), then 16 (four groups), then 1.
      decoder.step(IDS.slice(0, 3), 0, many, 64, b);
      decoder.step(IDS.slice(3, 19), 3, many, 64, b);
      decoder.step([IDS[19]!], 19, many, 64, b);
      // A code on a rounding edge may tip either way (float sums in another order), which this
      // random model amplifies over the positions after it; the cached rows are compared below.
      assert.ok(relative(a, b) < 0.02, `one by one against in steps: ${relative(a, b)}`);
      const g = geometry;
      let codes = 0;
      let differ = 0;
      one.forEach((buffer, i) => {
        for (let h = 0; h < g.heads; h++) {
          for (let p = 0; p < 20; p++) {
            const x = readKvRow(g, buffer, 64, i % 2 === 0, h, p);
            const y = readKvRow(g, many[i]!, 64, i % 2 === 0, h, p);
            x.forEach((v, d) => {
              codes++;
              if (Math.abs(v - y[d]!) > 1e-6 * Math.max(1, Math.abs(v))) differ++;
            });
          }
        }
      });
      // The same rows, but for a code that float summation order tips over a rounding edge.
      assert.ok(differ <= codes * 0.001, `${differ} of ${codes} cached values differ`);
    } finally {
      decoder.release();
    }
    // In the session, a 3-token step after a prompt goes native (ORT's few-token branch for comparison).
    const ort = await open(paths.int8);
    const native = await open(paths.int8);
    native.useNativeDecoder(NativeDecoder.open(model.dir, 2));
    try {
      const a = await ort.step(IDS.slice(0, 40), ort.emptyKv(64));
      const b = await native.step(IDS.slice(0, 40), native.emptyKv(64));
      const reference = Float32Array.from((await ort.step(IDS.slice(40, 43), a.kv)).logits);
      const next = await native.step(IDS.slice(40, 43), b.kv);
      assert.equal(next.kv.length, 43);
      assert.ok(relative(reference, next.logits) < 0.05, `three tokens: ${relative(reference, next.logits)}`);
    } finally {
      await ort.dispose();
      await native.dispose();
    }
  });

  it('continues a cache ORT filled with a prompt chunk', async (t) => {
    if (!built(t)) return;
    const ort = await open(paths.int8);
    const native = await open(paths.int8);
    native.useNativeDecoder(NativeDecoder.open(model.dir, 1));
    try {
      // A chunk of 40 tokens (more than a short step) goes through the graph in both; the next token through each step.
      const a = await ort.step(IDS.slice(0, 40), ort.emptyKv(64));
      const b = await native.step(IDS.slice(0, 40), native.emptyKv(64));
      assert.deepEqual(Array.from(b.logits), Array.from(a.logits));
      const reference = Float32Array.from((await ort.step([IDS[40]!], a.kv)).logits);
      const next = await native.step([IDS[40]!], b.kv);
      assert.equal(next.kv.length, 41);
      assert.ok(relative(reference, next.logits) < 0.05, `after a chunk: ${relative(reference, next.logits)}`);
    } finally {
      await ort.dispose();
      await native.dispose();
    }
  });

  it('refuses bad calls with a message', async (t) => {
    if (!built(t)) return;
    const decoder = NativeDecoder.open(model.dir, 1);
    const c = model.config;
    const geometry = { type: 'int8' as const, heads: c.numKeyValueHeads, headDim: c.headDim };
    const buffers = Array.from({ length: 2 * c.numHiddenLayers }, () => allocateKvBuffer(geometry, 16));
    const logits = new Float32Array(VOCAB);
    decoder.step([3], 0, buffers, 16, logits);
    assert.ok(logits.some((x) => x !== 0));
    assert.throws(() => decoder.step([3], 16, buffers, 16, logits), /the new positions must lie inside the cache's capacity/);
    assert.throws(() => decoder.step([VOCAB], 1, buffers, 16, logits), /token out of range/);
    assert.throws(() => decoder.step([], 1, buffers, 16, logits), /an Int32Array of 1 to 16 ids/);
    assert.throws(() => decoder.step(IDS.slice(0, 17), 1, buffers, 32, logits), /an Int32Array of 1 to 16 ids/);
    assert.throws(() => decoder.step([3, 4], 15, buffers, 16, logits), /the new positions must lie inside the cache's capacity/);
    assert.throws(() => decoder.step([3], 1, buffers, 32, logits), /not an 8-bit cache of this capacity/);
    assert.throws(() => decoder.step([3], 1, buffers, 16, new Float32Array(10)), /logits must be a Float32Array of vocab size/);
    assert.throws(() => decoder.step([3], 1, buffers.slice(1), 16, logits), /caches must list/);
    const floats = Array.from({ length: 2 * c.numHiddenLayers }, () => allocateKvBuffer({ ...geometry, type: 'float32' }, 16));
    assert.throws(() => decoder.step([3], 1, floats, 16, logits), /8-bit KV caches only/);
    assert.match(decoder.mismatch({ ...geometry, type: 'float32' }, c.numHiddenLayers, VOCAB) ?? '', /8-bit/);
    assert.match(decoder.mismatch(geometry, c.numHiddenLayers + 1, VOCAB) ?? '', /disagree on the model shape/);
    decoder.release();
    decoder.release();
    assert.throws(() => decoder.step([3], 1, buffers, 16, logits), /released/);
    assert.throws(() => NativeDecoder.open(dir, 1), /no model\.safetensors/);
  });

  it('saves its blocks for the next load, which steps identically, and rebuilds a corrupt file', async (t) => {
    if (!built(t)) return;
    const cacheDir = join(dir, 'weights-cache');
    const c = model.config;
    const geometry = { type: 'int8' as const, heads: c.numKeyValueHeads, headDim: c.headDim };
    const run = (decoder: NativeDecoder) => {
      const buffers = Array.from({ length: 2 * c.numHiddenLayers }, () => allocateKvBuffer(geometry, 16));
      const logits = new Float32Array(VOCAB);
      for (let p = 0; p < 5; p++) decoder.step([IDS[p]!], p, buffers, 16, logits);
      decoder.release();
      return Array.from(logits);
    };
    const fresh = run(NativeDecoder.open(model.dir, 1));
    assert.deepEqual(run(NativeDecoder.open(model.dir, 1, cacheDir)), fresh);
    const files = readdirSync(cacheDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^native-q4-[0-9a-f]{16}\.smolstep$/);
    assert.deepEqual(run(NativeDecoder.open(model.dir, 2, cacheDir)), fresh);
    // Cut short, the file is refused by the addon, removed and written again.
    const path = join(cacheDir, files[0]!);
    const whole = statSync(path).size;
    truncateSync(path, 100);
    assert.deepEqual(run(NativeDecoder.open(model.dir, 1, cacheDir)), fresh);
    assert.equal(statSync(path).size, whole);
  });

  describe('in the engine', () => {
    let cacheDir: string;
    // The tokenizer's full vocabulary, as the engine encodes text with it.
    let full: TempModel;
    before(() => {
      cacheDir = mkdtempSync(join(tmpdir(), 'smolcode-native-engine-'));
      full = makeTempModel({ variants: ['fp32'] });
    });
    after(() => {
      rmSync(cacheDir, { recursive: true, force: true });
      full.dispose();
    });
    const options = (overrides: Partial<EngineOptions>): EngineOptions => ({ modelDir: full.dir, dtype: 'q4', device: 'cpu', threads: 1, buildFusedGraph: true, optimizedModelDir: cacheDir, fusedAttention: 'matmul', ...overrides });
    const complete = async (engine: Engine) => (await engine.complete({ slot: 's', prompt: 'def add(a, b):', maxNewTokens: 6, stopTokenIds: [] })).tokens;

    it('runs single tokens natively by default and says why not where it cannot', async (t) => {
      if (!built(t)) return;
      const on = await Engine.load(options({}));
      const off = await Engine.load(options({ nativeDecode: false }));
      const fp32 = await Engine.load(options({ dtype: 'fp32', nativeDecode: true }));
      const floatCache = await Engine.load(options({ kvCache: 'float32', nativeDecode: true }));
      try {
        assert.ok(on.graph.nativeDecode, on.graph.note);
        assert.equal(on.graph.kvCache, 'int8');
        assert.equal(off.graph.nativeDecode, undefined);
        assert.equal(fp32.graph.nativeDecode, undefined);
        assert.match(fp32.graph.note ?? '', /runs q4 weights, not fp32/);
        assert.match(floatCache.graph.note ?? '', /reads 8-bit KV caches/);
        const tokens = await complete(on);
        assert.equal(tokens.length, 6);
        // The same request again decodes the same tokens (its cache reused, then rewritten).
        assert.deepEqual(await complete(on), tokens);
        assert.equal((await complete(off)).length, 6);
      } finally {
        for (const engine of [on, off, fp32, floatCache]) await engine.dispose();
      }
    });
  });
});
