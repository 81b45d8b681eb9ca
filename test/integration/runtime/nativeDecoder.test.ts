/**
 * @file The native decode step (runtime/nativeDecoder.ts, native/smolstep): on the same weights
 * and 8-bit caches as the fused q4 graph, its logits stay within the 8-bit cache's drift of the
 * q4 graph with an exact float32 cache (as close as ONNX Runtime's own 8-bit path, or closer),
 * the rows it appends are the ones ORT appends, its prompt chunks drift from the exact cache less
 * than ORT's 8-bit steps do, it continues a cache ORT filled, it runs with ORT's session
 * released, a load saves its blocks for the next, the engine says when it runs and why not, and
 * every bad call throws instead of crashing.
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
import { loadNativeAddon, NATIVE_KERNELS, NativeDecoder, nativeModelProblem, useNativeKernel } from '../../../src/runtime/nativeDecoder';
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
      // the next token, the next five and the next twenty (two groups of 16 lanes, one part
      // filled) in one step, from copies of that cache: a cache filled by another kernel would
      // differ by rounding flips that the random model amplifies.
      const filled = Array.from({ length: 2 * c.numHiddenLayers }, () => allocateKvBuffer(geometry, 64));
      const logits = new Float32Array(VOCAB);
      for (let p = 0; p < 43; p++) decoder.step([IDS[p]!], p, filled, 64, logits);
      const copy = () => filled.map((b) => ({ data: b.data.slice(), scales: b.scales!.slice() }));
      const next = (tokens: number[]) => {
        const out = new Float32Array(VOCAB);
        decoder.step(tokens, 43, copy(), 64, out);
        return out;
      };
      const best = [next([IDS[43]!]), next(IDS.slice(43, 48)), next(IDS.slice(43, 63))];
      for (const kernel of NATIVE_KERNELS) {
        if (!useNativeKernel(kernel)) continue;
        ran.push(kernel);
        const [one, five, twenty] = [next([IDS[43]!]), next(IDS.slice(43, 48)), next(IDS.slice(43, 63))];
        // Integer dot products are exact on every path; only the order of float sums differs.
        assert.ok(relative(best[0]!, one) < 1e-4, `${kernel}, one token: ${relative(best[0]!, one)}`);
        assert.ok(relative(best[1]!, five) < 1e-4, `${kernel}, five tokens: ${relative(best[1]!, five)}`);
        assert.ok(relative(best[2]!, twenty) < 1e-4, `${kernel}, twenty tokens: ${relative(best[2]!, twenty)}`);
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

  it('runs a prompt chunk as close to the exact-cache graph as ORT does, and continues a cache ORT filled', async (t) => {
    if (!built(t)) return;
    const exact = await open(paths.float32);
    const ort = await open(paths.int8);
    const native = await open(paths.int8);
    const decoder = NativeDecoder.open(model.dir, 2);
    native.useNativeDecoder(decoder);
    try {
      // 40 tokens in one chunk: ORT's graphs in two sessions, the lane kernels in the third.
      const reference = Float32Array.from((await exact.step(IDS.slice(0, 40), exact.emptyKv(64))).logits);
      const a = await ort.step(IDS.slice(0, 40), ort.emptyKv(64));
      const b = await native.step(IDS.slice(0, 40), native.emptyKv(64));
      assert.equal(b.kv.length, 40);
      // ORT's chunk attends to its own new rows in float32 (so it matches the exact cache), ours
      // to them as cached, in 8 bits, as every later token reads them: the drift of the 8-bit
      // cache, which ORT's graph shows too when the same 40 tokens come one at a time.
      let kv = (await ort.step([IDS[0]!], ort.emptyKv(64))).kv;
      let last = new Float32Array(VOCAB);
      for (let p = 1; p < 40; p++) {
        const out = await ort.step([IDS[p]!], kv);
        kv = out.kv;
        last = Float32Array.from(out.logits);
      }
      const [ours, chunked, oneByOne] = [relative(reference, b.logits), relative(reference, a.logits), relative(reference, last)];
      console.log(`40 tokens, drift from the exact cache: native chunk ${ours.toFixed(4)}, ORT chunk ${chunked.toFixed(4)}, ORT one by one ${oneByOne.toFixed(4)}`);
      assert.ok(ours < 2 * oneByOne, `native chunk ${ours} against ORT one by one ${oneByOne}`);
      // The first layer's rows come from the same embedding through the same blocks: within a code.
      const g = { type: 'int8' as const, heads: model.config.numKeyValueHeads, headDim: model.config.headDim };
      for (const i of [0, 1]) {
        for (let h = 0; h < g.heads; h++) {
          for (let p = 0; p < 40; p++) {
            const x = readKvRow(g, a.kv.buffers[i]!, a.kv.capacity, i === 0, h, p);
            const y = readKvRow(g, b.kv.buffers[i]!, b.kv.capacity, i === 0, h, p);
            const scale = Math.max(...x.map(Math.abs)) / 127;
            x.forEach((v, d) => assert.ok(Math.abs(v - y[d]!) <= 1.1 * scale + 1e-6, `layer 0 ${i === 0 ? 'key' : 'value'} head ${h} position ${p}: ${v} against ${y[d]}`));
          }
        }
      }
      // The next token on ORT's own cache, through ORT and through the native step.
      const next = Float32Array.from((await ort.step([IDS[40]!], a.kv)).logits);
      const logits = new Float32Array(VOCAB);
      decoder.step([IDS[40]!], 40, a.kv.buffers, a.kv.capacity, logits);
      assert.ok(relative(next, logits) < 0.05, `after ORT's chunk: ${relative(next, logits)}`);
    } finally {
      await exact.dispose();
      await ort.dispose();
      await native.dispose();
    }
  });

  it('takes every step once ONNX Runtime\'s session is released, which restoreGraph reopens', async (t) => {
    if (!built(t)) return;
    const held = await open(paths.int8);
    const freed = await open(paths.int8);
    const bare = await open(paths.int8);
    try {
      held.useNativeDecoder(NativeDecoder.open(model.dir, 2));
      await freed.releaseGraph();
      assert.equal(freed.graphOpen, false);
      freed.useNativeDecoder(NativeDecoder.open(model.dir, 2));
      // A prompt chunk, a short step and a single token: the same logits with or without the graph.
      let a = held.emptyKv(64);
      let b = freed.emptyKv(64);
      for (const ids of [IDS.slice(0, 40), IDS.slice(40, 43), [IDS[43]!]]) {
        const [x, y] = [await held.step(ids, a), await freed.step(ids, b)];
        if (freed.nativeDecoder!.runsPrompts) assert.deepEqual(Array.from(y.logits), Array.from(x.logits));
        a = x.kv;
        b = y.kv;
      }
      await freed.restoreGraph();
      assert.equal(freed.graphOpen, true);
      // Without a native decoder a released session says what to do.
      await bare.releaseGraph();
      await assert.rejects(bare.step([IDS[0]!], bare.emptyKv(64)), /released for the native decoder; restoreGraph\(\) opens it again/);
      await bare.restoreGraph();
      assert.equal((await bare.step([IDS[0]!], bare.emptyKv(64))).kv.length, 1);
    } finally {
      await held.dispose();
      await freed.dispose();
      await bare.dispose();
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
    assert.throws(() => decoder.step([], 1, buffers, 16, logits), /an Int32Array of 1 to 1024 ids/);
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
    // The same answer the engine asks for before it closes ONNX Runtime's session for the native step.
    assert.match(nativeModelProblem(dir) ?? '', /no model\.safetensors/);
    assert.equal(nativeModelProblem(model.dir), undefined);
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
        // Where the kernel runs prompt chunks too, ONNX Runtime's session is closed (one copy of the weights).
        assert.equal(on.graph.nativePrompts, on.graph.nativeDecode === 'scalar' ? undefined : true);
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
