/**
 * @file A q4 engine whose prompt chunks run through the int8 fused graph (`promptDtype`,
 * runtime/fusedSession.ts): steps of more than one token give exactly the int8 graph's logits,
 * single tokens exactly the q4 graph's on the same cache, and the engine says what it runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine, type EngineOptions } from '../../../src/runtime/engine';
import { cachedFusedGraph } from '../../../src/runtime/fusedGraphCache';
import { FusedLmSession } from '../../../src/runtime/fusedSession';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const IDS = [5, 17, 29, 41, 53, 65, 77, 89, 101, 113, 125, 137];

describe('prompt chunks through another fused graph', () => {
  let model: TempModel;
  let cacheDir: string;
  const graph = (dtype: 'q4' | 'int8') => {
    const found = cachedFusedGraph(model.dir, dtype, 'matmul', cacheDir);
    assert.ok(found.path, 'reason' in found ? found.reason : '');
    return found.path;
  };
  const open = (path: string, prompt?: string) => FusedLmSession.open(path, { device: 'cpu', threads: 1, optimizedModelDir: '' }, 256, model.config.numHiddenLayers, prompt) as Promise<FusedLmSession>;
  const options = (overrides: Partial<EngineOptions> = {}): EngineOptions => ({ modelDir: model.dir, dtype: 'q4', device: 'cpu', threads: 1, buildFusedGraph: true, optimizedModelDir: cacheDir, fusedAttention: 'matmul', ...overrides });

  before(() => {
    model = makeTempModel({ variants: ['fp32'] });
    cacheDir = mkdtempSync(join(tmpdir(), 'smolcode-prompt-graph-'));
  });
  after(() => {
    model.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('runs prompt chunks exactly as the int8 graph and single tokens exactly as the q4 graph, on one cache', async () => {
    const [q4, int8] = [graph('q4'), graph('int8')];
    const [paired, q4Only, int8Only] = await Promise.all([open(q4, int8), open(q4), open(int8)]);
    try {
      assert.equal(paired.pairedPromptGraph, true);
      const chunk = await paired.step(IDS, paired.emptyKv(64));
      const int8Chunk = await int8Only.step(IDS, int8Only.emptyKv(64));
      assert.deepEqual(Array.from(chunk.logits), Array.from(int8Chunk.logits));
      const q4Chunk = Array.from((await q4Only.step(IDS, q4Only.emptyKv(64))).logits);
      assert.ok(q4Chunk.some((v, i) => v !== chunk.logits[i]), 'q4 and int8 logits differ, so the test can tell the graphs apart');
      // The int8-made cache, then one token: the paired session decodes as the q4 graph does on that cache.
      const next = await paired.step([7], chunk.kv);
      const q4Next = await q4Only.step([7], int8Chunk.kv);
      assert.deepEqual(Array.from(next.logits), Array.from(q4Next.logits));
      assert.equal(next.kv.length, IDS.length + 1);
    } finally {
      await Promise.all([paired.dispose(), q4Only.dispose(), int8Only.dispose()]);
    }
  });

  it('says which graph runs prompt chunks, and runs one graph when promptDtype is the dtype', async () => {
    const engine = await Engine.load(options({ promptDtype: 'int8' }));
    try {
      assert.match(engine.graph.file, /q4/);
      assert.match(engine.graph.promptFile ?? '', /int8/);
      assert.match(engine.graph.note ?? '', /prompt chunks run in int8/);
      const stats = await engine.complete({ slot: 'a', prompt: 'def add(a, b):\n    return a + b\n', maxNewTokens: 4, stopTokenIds: [] });
      assert.equal(stats.tokens.length, 4);
    } finally {
      await engine.dispose();
    }
    const single = await Engine.load(options({ promptDtype: 'q4' }));
    try {
      assert.equal(single.graph.promptFile, undefined);
    } finally {
      await single.dispose();
    }
  });

  it('keeps one graph with a reason where a prompt graph cannot run', async () => {
    const engine = await Engine.load(options({ graph: 'plain', dtype: 'fp32', promptDtype: 'int8' }));
    try {
      assert.equal(engine.graph.kind, 'plain');
      assert.equal(engine.graph.promptFile, undefined);
    } finally {
      await engine.dispose();
    }
  });
});
