/**
 * @file Bits per byte with fake models: the windows cover every token once with the promised
 * context, a uniform model costs exactly log2(vocab) bits per token, bytes are UTF-8 bytes, the
 * windows feed the right slices and read the right rows, and a run stops when aborted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkWindow, documentStartId, planWindows, scoreBitsPerByte, type LogitsModel } from '../../../src/eval/bitsPerByte';

/** One token per character: its code point modulo `vocab`. */
const charEncode = (vocab: number) => (text: string) => [...text].map((c) => (c.codePointAt(0) as number) % vocab);

/** A model whose every row is `row(ids, position)`, recording the ids of each call. */
function fakeModel(vocab: number, row: (ids: readonly number[], position: number) => Float32Array): LogitsModel & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    calls,
    logits: (ids) => {
      calls.push([...ids]);
      const out = new Float32Array(ids.length * vocab);
      ids.forEach((_, p) => out.set(row(ids, p), p * vocab));
      return Promise.resolve(out);
    },
  };
}

describe('planWindows', () => {
  it('scores the first window whole and later windows by their last stride tokens', () => {
    assert.deepEqual(planWindows(10, 4, 2), [
      { start: 0, end: 4, from: 1 },
      { start: 2, end: 6, from: 4 },
      { start: 4, end: 8, from: 6 },
      { start: 6, end: 10, from: 8 },
    ]);
    assert.deepEqual(planWindows(3, 512, 256), [{ start: 0, end: 3, from: 1 }]);
    assert.deepEqual(planWindows(1, 4, 2), []);
  });

  it('scores every target once, within the window, with at least window − stride tokens of context', () => {
    for (const [length, window, stride] of [[2, 2, 1], [7, 3, 1], [100, 16, 8], [101, 16, 15], [1000, 64, 5], [17, 16, 8]] as const) {
      const scored = new Array<number>(length).fill(0);
      for (const [i, w] of planWindows(length, window, stride).entries()) {
        assert.ok(w.end - w.start <= window && w.start < w.from && w.from < w.end, JSON.stringify(w));
        if (i > 0) assert.ok(w.from - w.start >= window - stride, `${JSON.stringify(w)} of ${length}/${window}/${stride}`);
        else assert.equal(w.start, 0);
        for (let t = w.from; t < w.end; t++) scored[t] = (scored[t] as number) + 1;
      }
      assert.deepEqual(scored, [0, ...new Array<number>(length - 1).fill(1)], `${length}/${window}/${stride}`);
    }
  });

  it('names a window or stride it cannot use', () => {
    assert.throws(() => checkWindow(1, 1), /window must be an integer of at least 2 tokens, got 1/);
    assert.throws(() => checkWindow(8, 8), /stride must be an integer from 1 to the window minus one \(7\), got 8/);
    assert.throws(() => checkWindow(8, 0), /got 0/);
  });
});

describe('scoreBitsPerByte', () => {
  it('gives exactly log2(vocab) bits per token under uniform logits, over UTF-8 bytes', async () => {
    const vocab = 8;
    const model = fakeModel(vocab, () => new Float32Array(vocab));
    // 'héllo wörld' is 11 characters (11 tokens) in 13 UTF-8 bytes; 'abc' is 3 in 3.
    const texts = [
      { path: 'a.py', language: 'Python', text: 'héllo wörld' },
      { path: 'b.py', language: 'Python', text: 'abc' },
      { path: 'c.h', language: 'C', text: 'int x;\n' },
    ];
    const report = await scoreBitsPerByte(model, charEncode(vocab), texts, { startId: 0, window: 4, stride: 2 });
    const [a, b, c] = report.files;
    assert.deepEqual([a?.bytes, a?.tokens, b?.bytes, b?.tokens, c?.bytes, c?.tokens], [13, 11, 3, 3, 7, 7]);
    for (const f of report.files) assert.ok(Math.abs((f.bitsPerToken) - 3) < 1e-12, `${f.path}: ${f.bitsPerToken}`);
    assert.ok(Math.abs((a?.bitsPerByte as number) - (3 * 11) / 13) < 1e-12);
    const python = report.languages.Python;
    assert.deepEqual([python?.files, python?.bytes, python?.tokens], [2, 16, 14]);
    assert.ok(Math.abs((python?.bitsPerByte as number) - (3 * 14) / 16) < 1e-12);
    assert.deepEqual(Object.keys(report.languages), ['C', 'Python']);
    assert.deepEqual([report.total.files, report.total.bytes, report.total.tokens], [3, 23, 21]);
    assert.ok(Math.abs(report.total.nats - 21 * Math.log(8)) < 1e-9);
    assert.deepEqual([report.window, report.stride], [4, 2]);
  });

  it('feeds each window its slice after the start token and scores each target by its own row', async () => {
    // The model puts logit 5 on "the input token + 1", so a counting text is predicted right at
    // every position but the first (after the start token 7, it expects 0 and sees 1).
    const vocab = 8;
    const model = fakeModel(vocab, (ids, p) => {
      const row = new Float32Array(vocab);
      row[((ids[p] as number) + 1) % vocab] = 5;
      return row;
    });
    const ids = [1, 2, 3, 4, 5, 6, 7, 0, 1, 2];
    const report = await scoreBitsPerByte(model, () => ids, [{ path: 'count', language: 'x', text: 'ten bytes!' }], { startId: 7, window: 4, stride: 2 });
    assert.deepEqual(model.calls, [[7, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6, 7], [6, 7, 0, 1], [7, 0, 1, 2]]);
    const right = -Math.log(Math.exp(5) / (Math.exp(5) + vocab - 1));
    const wrong = -Math.log(1 / (Math.exp(5) + vocab - 1));
    assert.ok(Math.abs(report.total.nats - (wrong + 9 * right)) < 1e-9, `${report.total.nats}`);
    assert.equal(report.total.bytes, 10);
  });

  it('reports progress by tokens and stops before the next window when aborted', async () => {
    const vocab = 4;
    const controller = new AbortController();
    const seen: number[] = [];
    const model = fakeModel(vocab, () => new Float32Array(vocab));
    const run = scoreBitsPerByte(model, charEncode(vocab), [{ path: 'p', language: 'x', text: 'abcdefghij' }], {
      startId: 0,
      window: 4,
      stride: 2,
      signal: controller.signal,
      onProgress: ({ tokensDone, tokens }) => {
        seen.push(tokensDone);
        assert.equal(tokens, 10);
        if (tokensDone >= 5) controller.abort();
      },
    });
    await assert.rejects(run, { name: 'AbortError' });
    assert.deepEqual(seen, [3, 5]);
    assert.equal(model.calls.length, 2);
  });

  it('refuses a text with no tokens and a tokenizer without one <|endoftext|> token', async () => {
    const model = fakeModel(4, () => new Float32Array(4));
    await assert.rejects(scoreBitsPerByte(model, () => [], [{ path: 'empty.py', language: 'Python', text: '' }], { startId: 0 }), /empty\.py has no text to score/);
    assert.equal(documentStartId(() => [0]), 0);
    assert.throws(() => documentStartId(() => [1, 2]), /encodes <\|endoftext\|> as 2 tokens, not one/);
  });
});
