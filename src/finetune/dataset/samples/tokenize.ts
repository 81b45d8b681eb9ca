/**
 * @file The tokenised form of samples, `{"input_ids", "labels"}`, with -100 (PyTorch's
 * `ignore_index`, which TRL and transformers use) on tokens that carry no loss. transformers.js
 * has no `return_assistant_tokens_mask`, and SmolLM2's template has no `{% generation %}` marks
 * anyway, so each turn is located by rendering the conversation one message longer at a time
 * with the real template; the assistant's content and its `<|im_end|>` carry loss, everything
 * else (system and user turns, the `<|im_start|>assistant\n` header, the newline after) does
 * not. Every sample is checked to encode to exactly the ids of the whole rendered conversation.
 */
import type { ChatMessage } from '../../../runtime/tokenizer';
import type { SampleTokenizer } from './sampleTokenizer';

/** The label of a token that carries no loss. */
export const IGNORE_INDEX = -100;

/** A training sample in token ids. */
export interface TokenizedSample {
  readonly input_ids: readonly number[];
  readonly labels: readonly number[];
}

const sameIds = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A code sample: every token carries loss; `<|endoftext|>` ends the last chunk of a file. */
export function tokenizeText(tokenizer: SampleTokenizer, text: string, endOfDocument: boolean): TokenizedSample {
  const ids = tokenizer.encode(endOfDocument ? `${text}<|endoftext|>` : text);
  return { input_ids: ids, labels: ids };
}

/** A conversation with loss only on the assistant's content and end-of-turn token. */
export function tokenizeChat(tokenizer: SampleTokenizer, messages: readonly ChatMessage[]): TokenizedSample {
  const inputIds: number[] = [];
  const labels: number[] = [];
  let rendered = '';
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as ChatMessage;
    const next = tokenizer.renderChat(messages.slice(0, i + 1));
    if (!next.startsWith(rendered)) throw new Error(`the chat template does not render message ${i} as an extension of the ones before; it cannot be masked per turn`);
    const segment = next.slice(rendered.length);
    rendered = next;
    const at = segment.indexOf(message.content);
    if (message.role !== 'assistant' || at < 0) {
      const ids = tokenizer.encode(segment);
      inputIds.push(...ids);
      labels.push(...ids.map(() => IGNORE_INDEX));
      continue;
    }
    const header = tokenizer.encode(segment.slice(0, at));
    const content = tokenizer.encode(message.content);
    const trailer = tokenizer.encode(segment.slice(at + message.content.length));
    if (!sameIds([...header, ...content, ...trailer], tokenizer.encode(segment))) {
      throw new Error(`assistant message ${i} does not tokenise on its own as it does inside its turn; its first or last characters merge with the template`);
    }
    inputIds.push(...header, ...content, ...trailer);
    labels.push(...header.map(() => IGNORE_INDEX), ...content, ...trailer.map((id) => (id === tokenizer.endOfTurnId ? id : IGNORE_INDEX)));
  }
  if (!sameIds(inputIds, tokenizer.encode(rendered))) throw new Error('the turns do not tokenise to the ids of the whole conversation');
  return { input_ids: inputIds, labels };
}

/**
 * Pads a sample to `length` for fixed-shape batches: `pad` ids with -100 labels and a 0
 * attention mask (SmolLM2's pad token is `<|im_end|>`, id 2, so the mask is what tells them apart).
 */
export function padSample(sample: TokenizedSample, length: number, pad: number): TokenizedSample & { attention_mask: number[] } {
  const extra = length - sample.input_ids.length;
  if (extra < 0) throw new Error(`a sample of ${sample.input_ids.length} tokens does not fit ${length}`);
  return {
    input_ids: [...sample.input_ids, ...Array<number>(extra).fill(pad)],
    labels: [...sample.labels, ...Array<number>(extra).fill(IGNORE_INDEX)],
    attention_mask: [...sample.input_ids.map(() => 1), ...Array<number>(extra).fill(0)],
  };
}
