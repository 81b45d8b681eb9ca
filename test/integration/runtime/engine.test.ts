import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { transformersGreedy } from '../../support/transformersGenerate';

const PROMPT = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n';

describe('engine on a generated tiny model', () => {
  let model: TempModel;
  let engine: Engine;

  before(async () => {
    model = makeTempModel({ variants: ['fp32', 'q4'] });
    engine = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1 });
  });

  after(async () => {
    await engine.dispose();
    model.dispose();
  });

  for (const dtype of ['fp32', 'q4'] as const) {
    it(`greedy output equals transformers.js generate token for token (${dtype})`, async () => {
      const local = dtype === 'fp32' ? engine : await Engine.load({ modelDir: model.dir, dtype, device: 'cpu', threads: 1 });
      try {
        const ids = local.promptIds(PROMPT);
        const expected = await transformersGreedy(model.dir, dtype, ids, 24);
        // EOS may occur early in a random model; the engine treats it as a stop, so ignore it here.
        const ours = await local.complete({ slot: `greedy-${dtype}`, prompt: PROMPT, maxNewTokens: 24, stopTokenIds: [], reuseCache: false });
        assert.deepEqual(ours.tokens, expected.slice(0, ours.tokens.length));
        assert.ok(ours.tokens.length >= 8, `only ${ours.tokens.length} tokens before EOS`);
        assert.ok(ours.tokens.length === 24 || ours.finishReason === 'eos');
        const again = await local.complete({ slot: `greedy-${dtype}`, prompt: PROMPT, maxNewTokens: 24 });
        // The same prompt again: its kept logits serve it, no prompt token runs.
        assert.equal(again.reusedTokens, ids.length);
        assert.deepEqual(again.tokens, ours.tokens);
      } finally {
        if (local !== engine) await local.dispose();
      }
    });
  }

  it('reuses only the common prefix after an edit in the middle of the prompt', async () => {
    const base = 'function add(a, b) {\n  return a + b;\n}\n\nfunction mul(a, b) {\n  return a * b;\n}\n';
    const edited = base.replace('a + b', 'a - b');
    const first = await engine.complete({ slot: 'edit', prompt: base, maxNewTokens: 4 });
    assert.equal(first.reusedTokens, 0);
    const baseIds = engine.promptIds(base);
    const editedIds = engine.promptIds(edited);
    let common = 0;
    while (baseIds[common] === editedIds[common]) common++;
    assert.ok(common > 3 && common < editedIds.length - 3, 'the edit should be in the middle');
    const second = await engine.complete({ slot: 'edit', prompt: edited, maxNewTokens: 4 });
    assert.equal(second.reusedTokens, common);
    const fresh = await engine.complete({ slot: 'other', prompt: edited, maxNewTokens: 4, reuseCache: false });
    assert.deepEqual(second.tokens, fresh.tokens);
  });

  it('reuses the cache across keystrokes: one new token runs one step', async () => {
    const text = 'const values = [1, 2, 3];\nconst total = values.reduce(';
    await engine.complete({ slot: 'keys', prompt: text, maxNewTokens: 2 });
    const next = await engine.complete({ slot: 'keys', prompt: `${text}(a`, maxNewTokens: 2 });
    assert.ok(next.reusedTokens >= engine.promptIds(text).length - 2, `reused ${next.reusedTokens}`);
  });

  it('stops mid-stream when cancelled and gives the same tokens as before on the next request', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    const stream = engine.generate({ slot: 'cancel', prompt: PROMPT, maxNewTokens: 40, stopTokenIds: [] }, controller.signal);
    let result = await stream.next();
    while (!result.done) {
      chunks.push(result.value);
      if (chunks.length === 3) controller.abort();
      result = await stream.next();
    }
    assert.equal(result.value.finishReason, 'cancelled');
    assert.ok(result.value.tokens.length < 40);
    const full = await engine.complete({ slot: 'cancel', prompt: PROMPT, maxNewTokens: 12, stopTokenIds: [] });
    const reference = await engine.complete({ slot: 'fresh', prompt: PROMPT, maxNewTokens: 12, stopTokenIds: [], reuseCache: false });
    assert.deepEqual(full.tokens, reference.tokens);
  });

  it('ends on a stop string without emitting it', async () => {
    const reference = await engine.complete({ slot: 'stop', prompt: PROMPT, maxNewTokens: 16, stopTokenIds: [], reuseCache: false });
    assert.ok(reference.text.length > 6);
    const stop = reference.text.slice(3, 6);
    const stopped = await engine.complete({ slot: 'stop', prompt: PROMPT, maxNewTokens: 16, stopTokenIds: [], stopStrings: [stop] });
    assert.equal(stopped.finishReason, 'stop-string');
    assert.equal(stopped.text, reference.text.slice(0, reference.text.indexOf(stop)));
  });

  it('samples reproducibly for a seed', async () => {
    const request = { slot: 'sample', prompt: PROMPT, maxNewTokens: 10, stopTokenIds: [], sampling: { temperature: 0.9, topK: 50, topP: 0.95, seed: 5 } };
    const a = await engine.complete(request);
    const b = await engine.complete({ ...request, reuseCache: false });
    assert.deepEqual(a.tokens, b.tokens);
  });

  it('names the file when the model is corrupt', async () => {
    const broken = makeTempModel();
    try {
      writeFileSync(join(broken.dir, 'onnx', 'model.onnx'), 'this is not a protobuf');
      await assert.rejects(
        Engine.load({ modelDir: broken.dir, dtype: 'fp32', device: 'cpu', threads: 1 }),
        (error: Error) => error.message.includes(join(broken.dir, 'onnx', 'model.onnx')) && /could not load/.test(error.message),
      );
      await assert.rejects(
        Engine.load({ modelDir: broken.dir, dtype: 'fp16', device: 'cpu', threads: 1 }),
        /has no onnx\/model_fp16\.onnx for dtype "fp16"; it has: fp32/,
      );
    } finally {
      broken.dispose();
    }
  });
});
