import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SampleTokenizer } from '../../../../../src/finetune/dataset/samples/sampleTokenizer';
import { IGNORE_INDEX, padSample, tokenizeChat, tokenizeText } from '../../../../../src/finetune/dataset/samples/tokenize';

/** One id per character, with `<|im_end|>` as 2 and `<|endoftext|>` as 0, over a ChatML rendering. */
const fakeTokenizer: SampleTokenizer = {
  encode: (text) => text.split(/(<\|im_end\|>|<\|endoftext\|>)/).flatMap((part) => (part === '<|im_end|>' ? [2] : part === '<|endoftext|>' ? [0] : Array.from(part, (c) => c.charCodeAt(0)))),
  renderChat: (messages) => messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join(''),
  endOfTurnId: 2,
};

describe('tokenised samples (with a character tokenizer)', () => {
  it('trains on every token of code and ends a file with <|endoftext|>', () => {
    assert.deepEqual(tokenizeText(fakeTokenizer, 'ab', true), { input_ids: [97, 98, 0], labels: [97, 98, 0] });
    assert.deepEqual(tokenizeText(fakeTokenizer, 'ab', false).input_ids, [97, 98]);
  });

  it('trains only on the assistant content and its <|im_end|>', () => {
    const sample = tokenizeChat(fakeTokenizer, [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'ok' },
    ]);
    const trained = sample.input_ids.filter((_, i) => sample.labels[i] !== IGNORE_INDEX);
    assert.deepEqual(trained, [111, 107, 2]);
    assert.equal(sample.input_ids.length, fakeTokenizer.encode(fakeTokenizer.renderChat([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'ok' }])).length);
  });

  it('pads with the pad id, -100 labels and a zero attention mask', () => {
    const padded = padSample({ input_ids: [5, 6], labels: [IGNORE_INDEX, 6] }, 4, 2);
    assert.deepEqual(padded, { input_ids: [5, 6, 2, 2], labels: [IGNORE_INDEX, 6, IGNORE_INDEX, IGNORE_INDEX], attention_mask: [1, 1, 0, 0] });
    assert.throws(() => padSample({ input_ids: [1, 2, 3], labels: [1, 2, 3] }, 2, 0), /a sample of 3 tokens does not fit 2/);
  });
});
