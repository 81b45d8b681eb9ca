/**
 * @file Fused graphs built on first load for folders that ship none (runtime/fusedGraphCache.ts),
 * as for hub downloads: built from model.safetensors into the optimised-graph folder, exact
 * (greedy tokens equal transformers.js on the plain graph), reused by the next load, rebuilt when
 * the weights change (the stale build removed), and skipped with a reason (running the plain graph) when the folder has no
 * float weights, the dtype has no fused graph, or the weights do not build.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine, type EngineOptions } from '../../../src/runtime/engine';
import { cachedFusedGraph, fusedGraphCachePath } from '../../../src/runtime/fusedGraphCache';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { transformersGreedy } from '../../support/transformersGenerate';

const PROMPT = 'def add(a, b):\n    return a + b\n';

describe('fused graph built on first load', () => {
  let model: TempModel;
  let cacheDir: string;
  const options = (overrides: Partial<EngineOptions> = {}): EngineOptions => ({
    modelDir: model.dir,
    dtype: 'fp32',
    device: 'cpu',
    threads: 1,
    buildFusedGraph: true,
    optimizedModelDir: cacheDir,
    ...overrides,
  });
  const withEngine = async <T>(o: EngineOptions, use: (engine: Engine) => Promise<T>): Promise<T> => {
    const engine = await Engine.load(o);
    try {
      return await use(engine);
    } finally {
      await engine.dispose();
    }
  };

  before(() => {
    model = makeTempModel({ variants: ['fp32', 'fp16'] });
    cacheDir = mkdtempSync(join(tmpdir(), 'smolcode-fused-cache-'));
  });
  after(() => {
    model.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('builds the fused graph into the cache folder and runs it exactly', async () => {
    assert.ok(!existsSync(join(model.dir, 'onnx', 'model_fused.onnx')), 'the folder ships no fused graph');
    await withEngine(options(), async (engine) => {
      assert.equal(engine.graph.kind, 'fused');
      assert.match(engine.graph.note ?? '', /^built the fused graph in \d+\.\d s$/);
      const planned = fusedGraphCachePath(model.dir, 'fp32', 'matmul', cacheDir);
      assert.ok('path' in planned && existsSync(planned.path));
      const ours = await engine.complete({ slot: 'a', prompt: PROMPT, maxNewTokens: 16, stopTokenIds: [] });
      assert.ok(ours.tokens.length >= 8, `only ${ours.tokens.length} tokens before EOS`);
      const expected = await transformersGreedy(model.dir, 'fp32', engine.promptIds(PROMPT), 16);
      assert.deepEqual(ours.tokens, expected.slice(0, ours.tokens.length));
    });
    assert.deepEqual(readdirSync(cacheDir).filter((n) => n.includes('.partial-')), [], 'no partial build is left behind');
  });

  it('reuses the built graph on the next load, and rebuilds when the weights change', async () => {
    const planned = fusedGraphCachePath(model.dir, 'fp32', 'matmul', cacheDir);
    assert.ok('path' in planned);
    const builtAt = statSync(planned.path).mtimeMs;
    await withEngine(options(), async (engine) => {
      assert.equal(engine.graph.kind, 'fused');
      assert.equal(engine.graph.note, undefined, 'nothing was built');
    });
    assert.equal(statSync(planned.path).mtimeMs, builtAt);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(model.dir, 'model.safetensors'), later, later);
    await withEngine(options(), async (engine) => assert.match(engine.graph.note ?? '', /^built the fused graph/));
    const replanned = fusedGraphCachePath(model.dir, 'fp32', 'matmul', cacheDir);
    assert.ok('path' in replanned && replanned.path !== planned.path && existsSync(replanned.path));
    // The stale build is gone, with ONNX Runtime's optimised copy that was kept beside it.
    assert.ok(!existsSync(dirname(planned.path)), 'the stale build was removed');
    assert.ok(readdirSync(dirname(replanned.path)).some((n) => n.endsWith('.done')), 'the optimised copy lives in the build folder');
    // The GQA graph (what WebGPU runs) is a build of its own; building it keeps the CPU's.
    const gqa = cachedFusedGraph(model.dir, 'fp32', 'gqa', cacheDir);
    assert.ok(gqa.path?.endsWith('model_fused.onnx') && existsSync(gqa.path), 'the GQA graph was built');
    assert.ok(existsSync(replanned.path), 'the matmul build stays');
    // So is a prompt graph (no logits), and building it keeps both.
    const prompt = cachedFusedGraph(model.dir, 'fp32', 'prompt', cacheDir);
    assert.ok(prompt.path?.endsWith('model_fused_prompt.onnx') && existsSync(prompt.path), 'the prompt graph was built');
    assert.ok(existsSync(replanned.path) && existsSync(gqa.path!), 'the other builds stay');
  });

  it('runs the plain graph when building is off, for dtypes without a fused graph, and without float weights', async () => {
    await withEngine(options({ buildFusedGraph: false }), async (engine) => assert.deepEqual(engine.graph, { kind: 'plain', file: 'model.onnx', note: undefined, kvOnDevice: false }));
    await withEngine(options({ dtype: 'fp16' }), async (engine) => {
      assert.equal(engine.graph.kind, 'plain');
      assert.match(engine.graph.note ?? '', /no fused graph for fp16/);
    });
    const bare = makeTempModel({ variants: ['fp32'] });
    try {
      rmSync(join(bare.dir, 'model.safetensors'));
      await withEngine(options({ modelDir: bare.dir }), async (engine) => {
        assert.equal(engine.graph.kind, 'plain');
        assert.match(engine.graph.note ?? '', /has no model\.safetensors/);
      });
    } finally {
      bare.dispose();
    }
  });

  it('runs the plain graph with the reason when the weights do not build, leaving nothing behind', async () => {
    const broken = makeTempModel({ variants: ['fp32'] });
    const brokenCache = mkdtempSync(join(tmpdir(), 'smolcode-fused-cache-'));
    try {
      writeFileSync(join(broken.dir, 'model.safetensors'), 'not a safetensors file');
      await withEngine(options({ modelDir: broken.dir, optimizedModelDir: brokenCache }), async (engine) => {
        assert.equal(engine.graph.kind, 'plain');
        assert.match(engine.graph.note ?? '', /building the fused graph failed: .*safetensors/i);
        const out = await engine.complete({ slot: 'a', prompt: PROMPT, maxNewTokens: 4, stopTokenIds: [] });
        assert.equal(out.tokens.length, 4);
      });
      assert.deepEqual(readdirSync(brokenCache).filter((n) => n.startsWith('fused-')), []);
    } finally {
      broken.dispose();
      rmSync(brokenCache, { recursive: true, force: true });
    }
  });
});
