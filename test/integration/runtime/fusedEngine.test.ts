/**
 * @file The engine on fused graphs of both attentions (in-place KV cache, logits of the last
 * position only; the CPU picks matmul attention when the folder has it, GQA otherwise): fp32
 * greedy output equals transformers.js on the plain graph token for token (and transformers.js
 * runs the fused file itself with the same output), prefix reuse and
 * cancellation keep the cache exact, concurrent requests on one slot do not share buffers, a
 * cache grown past its first capacity stays exact, a new cache is sized in whole blocks (so the
 * keystroke after a prompt does not copy it), and the second load comes from the
 * optimised-graph cache.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FUSED_ATTENTIONS, fusedVariantFile } from '../../../src/model/configTypes';
import { writeFusedOnnxVariant } from '../../../src/model/modelFolder';
import { Engine } from '../../../src/runtime/engine';
import { FusedLmSession } from '../../../src/runtime/fusedSession';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { transformersGreedy } from '../../support/transformersGenerate';

const PROMPT = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n';

for (const attention of FUSED_ATTENTIONS) describe(`engine on a fused tiny model (${attention} attention)`, () => {
  let model: TempModel;
  let fused: Engine;
  let plain: Engine;

  before(async () => {
    model = makeTempModel({ variants: ['fp32', 'q4'] });
    // transformers.js runs the GQA file; the CPU engine prefers matmul when it is there.
    const attentions = attention === 'gqa' ? (['gqa'] as const) : FUSED_ATTENTIONS;
    // gqaBelowPositions 0: every single token past the prompt takes the matmul path.
    for (const a of attentions) {
      writeFusedOnnxVariant(model.dir, 'fp32', { attention: a, gqaBelowPositions: 0 });
      writeFusedOnnxVariant(model.dir, 'q4', { attention: a, gqaBelowPositions: 0 });
    }
    fused = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1 });
    plain = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1, graph: 'plain' });
  });

  after(async () => {
    await fused.dispose();
    await plain.dispose();
    model.dispose();
  });

  it('greedy output equals transformers.js generate on the plain graph token for token (fp32)', async () => {
    assert.equal(fused.graph.file, fusedVariantFile('fp32', attention));
    const ids = fused.promptIds(PROMPT);
    const expected = await transformersGreedy(model.dir, 'fp32', ids, 24);
    const ours = await fused.complete({ slot: 'greedy', prompt: PROMPT, maxNewTokens: 24, stopTokenIds: [], reuseCache: false });
    assert.ok(ours.tokens.length >= 8, `only ${ours.tokens.length} tokens before EOS`);
    assert.deepEqual(ours.tokens, expected.slice(0, ours.tokens.length));
    const again = await fused.complete({ slot: 'greedy', prompt: PROMPT, maxNewTokens: 24, stopTokenIds: [] });
    // The same prompt again: its kept logits serve it, no prompt token runs.
    assert.equal(again.reusedTokens, ids.length);
    assert.deepEqual(again.tokens, ours.tokens);
  });

  it('loads in transformers.js too (model_file_name), with the same greedy tokens as its plain graph', async () => {
    const { AutoModelForCausalLM, Tensor, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    const ids = fused.promptIds(PROMPT);
    const tjs = await AutoModelForCausalLM.from_pretrained(model.dir, { dtype: 'fp32', device: 'cpu', model_file_name: 'model_fused' });
    try {
      const output = (await tjs.generate({
        input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
        attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
        max_new_tokens: 12,
        min_new_tokens: 12,
        do_sample: false,
      })) as { data: BigInt64Array };
      assert.deepEqual(Array.from(output.data.slice(ids.length), Number), await transformersGreedy(model.dir, 'fp32', ids, 12));
    } finally {
      await tjs.dispose();
    }
  });

  it('q4 fused runs and its agreement with plain q4 is reported', async () => {
    const fusedQ4 = await Engine.load({ modelDir: model.dir, dtype: 'q4', device: 'cpu', threads: 1 });
    const plainQ4 = await Engine.load({ modelDir: model.dir, dtype: 'q4', device: 'cpu', threads: 1, graph: 'plain' });
    try {
      const request = { slot: 'q4', prompt: PROMPT, maxNewTokens: 24, stopTokenIds: [], reuseCache: false };
      const a = await fusedQ4.complete(request);
      const b = await plainQ4.complete(request);
      let same = 0;
      while (same < Math.min(a.tokens.length, b.tokens.length) && a.tokens[same] === b.tokens[same]) same++;
      console.log(`fused q4 (${attention}) vs plain q4: first ${same} of ${Math.min(a.tokens.length, b.tokens.length)} greedy tokens equal`);
      assert.ok(a.tokens.length > 0);
    } finally {
      await fusedQ4.dispose();
      await plainQ4.dispose();
    }
  });

  it('reuses only the common prefix after an edit and then equals a fresh run', async () => {
    const base = 'function add(a, b) {\n  return a + b;\n}\n\nfunction mul(a, b) {\n  return a * b;\n}\n';
    const edited = base.replace('a + b', 'a - b');
    await fused.complete({ slot: 'edit', prompt: base, maxNewTokens: 6, stopTokenIds: [] });
    const second = await fused.complete({ slot: 'edit', prompt: edited, maxNewTokens: 6, stopTokenIds: [] });
    assert.ok(second.reusedTokens > 3, `reused ${second.reusedTokens}`);
    const reference = await plain.complete({ slot: 'edit', prompt: edited, maxNewTokens: 6, stopTokenIds: [], reuseCache: false });
    assert.deepEqual(second.tokens, reference.tokens);
  });

  it('leaves an exact cache after cancellation', async () => {
    const controller = new AbortController();
    const stream = fused.generate({ slot: 'cancel', prompt: PROMPT, maxNewTokens: 40, stopTokenIds: [] }, controller.signal);
    let chunks = 0;
    let result = await stream.next();
    while (!result.done) {
      if (++chunks === 3) controller.abort();
      result = await stream.next();
    }
    assert.equal(result.value.finishReason, 'cancelled');
    const next = await fused.complete({ slot: 'cancel', prompt: PROMPT, maxNewTokens: 12, stopTokenIds: [] });
    const reference = await plain.complete({ slot: 'fresh', prompt: PROMPT, maxNewTokens: 12, stopTokenIds: [], reuseCache: false });
    assert.ok(next.reusedTokens > 0);
    assert.deepEqual(next.tokens, reference.tokens);
  });

  it('gives concurrent requests on one slot caches of their own', async () => {
    const other = 'class Stack:\n    def __init__(self):\n';
    await fused.complete({ slot: 'shared', prompt: PROMPT, maxNewTokens: 2 });
    const [a, b] = await Promise.all([
      fused.complete({ slot: 'shared', prompt: PROMPT, maxNewTokens: 10, stopTokenIds: [] }),
      fused.complete({ slot: 'shared', prompt: other, maxNewTokens: 10, stopTokenIds: [] }),
    ]);
    const refA = await plain.complete({ slot: 'a', prompt: PROMPT, maxNewTokens: 10, stopTokenIds: [], reuseCache: false });
    const refB = await plain.complete({ slot: 'b', prompt: other, maxNewTokens: 10, stopTokenIds: [], reuseCache: false });
    assert.deepEqual(a.tokens, refA.tokens);
    assert.deepEqual(b.tokens, refB.tokens);
  });

  it('stays exact when a reused cache grows past its capacity', async () => {
    const long = `${PROMPT}${'    x = x + 1\n'.repeat(60)}`;
    assert.ok(fused.promptIds(long).length > 300, 'the prompt should exceed the first 256-position block');
    await fused.complete({ slot: 'grow', prompt: PROMPT, maxNewTokens: 1 });
    const grown = await fused.complete({ slot: 'grow', prompt: long, maxNewTokens: 6, stopTokenIds: [] });
    assert.ok(grown.reusedTokens > 0);
    const reference = await plain.complete({ slot: 'grow', prompt: long, maxNewTokens: 6, stopTokenIds: [], reuseCache: false });
    assert.deepEqual(grown.tokens, reference.tokens);
  });

  it('sizes a new cache in whole blocks, so the next keystroke runs in the same buffers', async () => {
    const { num_hidden_layers: layers } = JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8')) as { num_hidden_layers: number };
    const session = await FusedLmSession.open(join(model.dir, 'onnx', fusedVariantFile('fp32', attention)), { device: 'cpu', threads: 1 }, 2048, layers);
    assert.ok(session instanceof FusedLmSession);
    try {
      // A prompt of 70 tokens plus one to generate, then one more token typed.
      const kv = session.emptyKv(71);
      assert.equal(kv.capacity, 128);
      assert.equal(session.reserveKv(kv, 72), kv, 'one more position reallocated (and copied) the whole cache');
      assert.equal(session.emptyKv(2048).capacity, 2048);
      assert.equal(session.emptyKv(0).capacity, 64);
    } finally {
      await session.dispose();
    }
  });

  it('loads the second time from the optimised-graph cache with the same output', async () => {
    const cacheDir = join(model.dir, 'onnx', '.optimized');
    // The optimised copy is named after the file that ran.
    const ran = fusedVariantFile('fp32', attention).replace(/\.onnx$/, '-');
    assert.ok(readdirSync(cacheDir).some((f) => f.startsWith(ran) && f.endsWith('.onnx.done')), `no committed cache entry of ${ran}`);
    const again = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1 });
    try {
      const request = { slot: 'load', prompt: PROMPT, maxNewTokens: 8, stopTokenIds: [], reuseCache: false };
      assert.deepEqual((await again.complete(request)).tokens, (await fused.complete(request)).tokens);
    } finally {
      await again.dispose();
    }
    assert.ok(existsSync(cacheDir));
  });
});
