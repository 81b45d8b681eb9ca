/**
 * @file A sample tokenizer with one id per character over a ChatML rendering: fast, needs no
 * tokenizer files, and is enough for the dataset pipeline's logic.
 */
import type { SampleTokenizer } from '../../src/finetune/dataset/samples/sampleTokenizer';

export const charTokenizer: SampleTokenizer = {
  encode: (text) => Array.from(text, (c) => c.charCodeAt(0)),
  renderChat: (messages) => messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join(''),
  endOfTurnId: 2,
};
