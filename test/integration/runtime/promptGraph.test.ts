/**
 * @file A q4 engine whose prompt chunks run through int8 (`promptDtype`, runtime/fusedSession.ts):
 * with the whole int8 fused graph, steps of more than one token give exactly its logits and
 * single tokens exactly the q4 graph's on the same cache; with a prompt graph (no logits,
 * model/llamaFused.ts `promptOnly`), chunks write the rows the whole graph writes and the decode
 * graph runs each chunk's last token and every short step; the engine says what it runs, and
 * loads no prompt graph where the native step runs prompt chunks.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine, type EngineOptions } from '../../../src/runtime/engine';
import { cachedFusedGraph } from '../../../src/runtime/fusedGraphCache';
import { FusedLmSession, type FusedKv } from '../../../src/runtime/fusedSession';
import { readKvRow } from '../../../src/runtime/kvRows';
import { writeFusedOnnxVariant } from '../../../src/model/modelFolder';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const IDS = [5, 17, 29, 41, 53, 65, 77, 89, 101, 113, 125, 137];
/** Past the decode graph's short steps (32 tokens), so a prompt graph runs it. */
const LONG = Array.from({ length: 40 }, (_, i) => 3 + 11 * i);

const buffers = (kv: FusedKv) => kv.buffers.map((b) => [Array.from(b.data), Array.from(b.scales ?? [])]);
/** Largest difference between the valid rows of two caches of `session`'s layout, over the largest value in them. */
function relativeRowDifference(session: FusedLmSession, a: FusedKv, b: FusedKv): number {
  let diff = 0;
  let max = 0;
  const geometry = session.kvGeometry;
  a.buffers.forEach((buffer, i) => {
    const key = session.isKeyBuffer(i);
    for (let h = 0; h < geometry.heads; h++) {
      for (let position = 0; position < a.length; position++) {
        const x = readKvRow(geometry, buffer, a.capacity, key, h, position);
        const y = readKvRow(geometry, b.buffers[i]!, b.capacity, key, h, position);
        x.forEach((v, d) => {
          diff = Math.max(diff, Math.abs(v - y[d]!));
          max = Math.max(max, Math.abs(y[d]!));
        });
      }
    }
  });
  return diff / max;
}

describe('prompt chunks through another fused graph', () => {
  let model: TempModel;
  let cacheDir: string;
  const graph = (dtype: 'q4' | 'int8' | 'fp32', kind: 'matmul' | 'prompt' = 'matmul') => {
    const found = cachedFusedGraph(model.dir, dtype, kind, cacheDir);
    assert.ok(found.path, 'reason' in found ? found.reason : '');
    return found.path;
  };
  const open = (path: string, prompt?: string) => FusedLmSession.open(path, { device: 'cpu', threads: 1, optimizedModelDir: '' }, 256, model.config.numHiddenLayers, prompt) as Promise<FusedLmSession>;
  // The native step, where it runs, takes prompt chunks itself (the last test); the others are about the graphs.
  const options = (overrides: Partial<EngineOptions> = {}): EngineOptions => ({ modelDir: model.dir, dtype: 'q4', device: 'cpu', threads: 1, buildFusedGraph: true, optimizedModelDir: cacheDir, fusedAttention: 'matmul', nativeDecode: false, ...overrides });

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

  it('a prompt graph writes the rows of the whole graph, and cannot run alone', async () => {
    const [whole, prompt] = [graph('fp32'), graph('fp32', 'prompt')];
    assert.match(prompt, /model_fused_prompt\.onnx$/);
    const [paired, wholeOnly] = await Promise.all([open(whole, prompt), open(whole)]);
    try {
      // A chunk with more to follow runs on the prompt graph alone: float32 throughout, so its
      // rows are the whole graph's to the bit (its last layer stops after the keys and values).
      const chunk = await paired.step(LONG, paired.emptyKv(64), false);
      const expected = await wholeOnly.step(LONG, wholeOnly.emptyKv(64));
      assert.equal(chunk.kv.length, LONG.length);
      assert.deepEqual(buffers(chunk.kv), buffers(expected.kv));
      const next = await paired.step([7], chunk.kv);
      assert.deepEqual(Array.from(next.logits), Array.from((await wholeOnly.step([7], expected.kv)).logits));
    } finally {
      await Promise.all([paired.dispose(), wholeOnly.dispose()]);
    }
    await assert.rejects(open(prompt), /cannot run alone/);
  });

  it('runs a chunk on the int8 prompt graph and its last token on the q4 graph; short steps on the q4 graph alone', async () => {
    const [q4, int8, prompt] = [graph('q4'), graph('int8'), graph('int8', 'prompt')];
    const [paired, q4Only, int8Only] = await Promise.all([open(q4, prompt), open(q4), open(int8)]);
    try {
      assert.equal(paired.pairedPromptGraph, true);
      // 12 tokens: a keystroke-sized step, which the q4 graph runs alone.
      const short = await paired.step(IDS, paired.emptyKv(64));
      assert.deepEqual(Array.from(short.logits), Array.from((await q4Only.step(IDS, q4Only.emptyKv(64))).logits));
      // 40 tokens: 39 on the prompt graph, the last on the q4 graph, as two steps would run them.
      const long = await paired.step(LONG, paired.emptyKv(64));
      const head = await paired.step(LONG.slice(0, -1), paired.emptyKv(64), false);
      const tail = await q4Only.step(LONG.slice(-1), head.kv);
      assert.equal(long.kv.length, LONG.length);
      assert.deepEqual(Array.from(long.logits), Array.from(tail.logits));
      assert.deepEqual(buffers(long.kv), buffers(tail.kv));
      // The prompt graph's rows are int8's, not q4's: nearer the whole int8 graph's than the q4
      // graph's (they differ from int8's only in the embedding lookup, which reads 4-bit blocks as
      // q4 does; on this tiny model 4-bit rounding moves rows by 19% of their largest value).
      const int8Rows = await int8Only.step(LONG.slice(0, -1), int8Only.emptyKv(64));
      const q4Rows = await q4Only.step(LONG.slice(0, -1), q4Only.emptyKv(64));
      const toInt8 = relativeRowDifference(paired, head.kv, int8Rows.kv);
      const toQ4 = relativeRowDifference(paired, head.kv, q4Rows.kv);
      assert.ok(toInt8 < toQ4 && toQ4 > 0.1, `rows against int8's ${toInt8}, against q4's ${toQ4}`);
    } finally {
      await Promise.all([paired.dispose(), q4Only.dispose(), int8Only.dispose()]);
    }
  });

  it('says which graph runs prompt chunks, and runs one graph when promptDtype is the dtype', async () => {
    const engine = await Engine.load(options({ promptDtype: 'int8' }));
    try {
      assert.match(engine.graph.file, /q4/);
      assert.equal(engine.graph.promptFile, 'model_int8_fused_prompt.onnx');
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

  it('pairs the int8 prompt graph for auto with a small q4 model on the CPU, and not in fp32', async () => {
    const paired = await Engine.load(options({ promptDtype: 'auto' }));
    try {
      assert.equal(paired.graph.promptFile, 'model_int8_fused_prompt.onnx');
    } finally {
      await paired.dispose();
    }
    const fp32 = await Engine.load(options({ dtype: 'fp32', promptDtype: 'auto' }));
    try {
      assert.match(fp32.graph.file, /^model_fused_matmul/);
      assert.equal(fp32.graph.promptFile, undefined);
      assert.equal(fp32.graph.note, undefined);
    } finally {
      await fp32.dispose();
    }
  });

  it('builds q4 with an 8-bit cache and, asked, a float32 one; the prompt graph always writes the decode graph\'s type, shipped or built', async () => {
    const type = async (path: string) => {
      const session = await open(path);
      try {
        return session.kvGeometry.type;
      } finally {
        await session.dispose();
      }
    };
    const [byDefault, asked] = [cachedFusedGraph(model.dir, 'q4', 'matmul', cacheDir), cachedFusedGraph(model.dir, 'q4', 'matmul', cacheDir, 'float32')];
    assert.ok(byDefault.path && asked.path && byDefault.path !== asked.path);
    assert.equal(await type(byDefault.path), 'int8');
    assert.equal(await type(asked.path), 'float32');
    // Building one kept the other (a benchmark alternates them).
    assert.ok(existsSync(byDefault.path));
    for (const kvCache of ['float32', 'int8'] as const) {
      const engine = await Engine.load(options({ promptDtype: 'int8', kvCache }));
      try {
        assert.equal(engine.graph.promptFile, 'model_int8_fused_prompt.onnx', `paired with a ${kvCache} cache`);
        assert.equal(engine.graph.kvCache, kvCache);
        const stats = await engine.complete({ slot: 'a', prompt: LONG.map((id) => String.fromCharCode(97 + (id % 26))).join(' '), maxNewTokens: 2, stopTokenIds: [] });
        assert.equal(stats.tokens.length, 2);
      } finally {
        await engine.dispose();
      }
    }
    // A folder that ships a q4 graph with a float32 cache (imported before 8-bit caches) pairs
    // with a prompt graph built with float32 caches too.
    const shipped = makeTempModel({ variants: ['fp32'] });
    try {
      writeFusedOnnxVariant(shipped.dir, 'q4', { attention: 'matmul', kvCache: 'float32' });
      const engine = await Engine.load(options({ modelDir: shipped.dir, promptDtype: 'int8' }));
      try {
        assert.equal(engine.graph.file, 'model_q4_fused_matmul.onnx');
        assert.equal(engine.graph.kvCache, 'float32');
        assert.equal(engine.graph.promptFile, 'model_int8_fused_prompt.onnx');
      } finally {
        await engine.dispose();
      }
    } finally {
      shipped.dispose();
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

  it('loads no prompt graph where the native step runs prompt chunks, and says so', async (t) => {
    const engine = await Engine.load(options({ promptDtype: 'auto', nativeDecode: undefined }));
    try {
      if (engine.graph.nativeDecode === undefined) {
        // No addon here (a developer's machine without a C compiler); CI builds it (nativeDecoder.test.ts fails there without it).
        t.skip(engine.graph.note ?? 'no native step');
        return;
      }
      if (engine.graph.nativeDecode === 'scalar') {
        assert.equal(engine.graph.promptFile, 'model_int8_fused_prompt.onnx');
        return;
      }
      assert.equal(engine.graph.promptFile, undefined);
      assert.match(engine.graph.note ?? '', /prompt chunks run in the native step, not in int8/);
      const stats = await engine.complete({ slot: 'a', prompt: 'def add(a, b):\n    return a + b\n'.repeat(4), maxNewTokens: 4, stopTokenIds: [] });
      assert.equal(stats.tokens.length, 4);
    } finally {
      await engine.dispose();
    }
  });
});
