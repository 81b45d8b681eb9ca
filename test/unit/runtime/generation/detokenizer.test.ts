import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { IncrementalDetokenizer, type Decode } from '../../../../src/runtime/generation/detokenizer';
import { loadTestTokenizer } from '../../../support/tokenizer';

describe('incremental detokenisation with the SmolLM2 tokenizer', () => {
  let decode: Decode;
  let encode: (text: string) => number[];

  before(async () => {
    const tokenizer = await loadTestTokenizer();
    decode = (ids) => tokenizer.decode([...ids], { skip_special_tokens: false });
    encode = (text) => tokenizer.encode(text, { add_special_tokens: false });
  });

  for (const text of ['héllo 世界\nfoo ✓ done', 'emoji 🦀🚀 in code // ünïcödé\n\n  return x;', 'plain ascii only']) {
    it(`streams ${JSON.stringify(text.slice(0, 12))}… without splitting a character`, () => {
      const ids = encode(text);
      const detok = new IncrementalDetokenizer(decode);
      const chunks = ids.map((id) => detok.push(id));
      chunks.push(detok.flush());
      for (const chunk of chunks) assert.ok(!chunk.includes('\uFFFD'), `chunk ${JSON.stringify(chunk)} splits a character`);
      assert.equal(chunks.join(''), text);
    });
  }

  it('holds back a partial character until it completes', () => {
    const ids = encode('世');
    assert.ok(ids.length > 1, 'expected 世 to span several byte-level tokens');
    const detok = new IncrementalDetokenizer(decode);
    const chunks = ids.map((id) => detok.push(id));
    assert.deepEqual(chunks.slice(0, -1).filter((c) => c !== ''), []);
    assert.equal(chunks.at(-1), '世');
  });

  it('flushes nothing without decoding when no token is pending', () => {
    const detok = new IncrementalDetokenizer(() => {
      throw new Error('decode must not be called with no tokens');
    });
    assert.equal(detok.flush(), '');
  });

  it('emits an incomplete trailing character on flush', () => {
    const ids = encode('a世');
    const detok = new IncrementalDetokenizer(decode);
    const text = ids.slice(0, -1).map((id) => detok.push(id)).join('');
    assert.equal(text, 'a');
    assert.equal(detok.flush(), '\uFFFD');
  });
});
