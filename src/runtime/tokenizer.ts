/**
 * @file SmolLM2's tokenizer through transformers.js (`AutoTokenizer` from a local folder, with
 * remote loading off): encoding, decoding and the chat template from tokenizer_config.json.
 */
import './telemetry';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SegmentedEncoder, segmentableTokenizer, type TokenizerJson } from './segmentedEncoder';

/** A chat message in the `messages` convention of transformers and TRL. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** The tokenizer operations the engine needs. */
export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The prompt text for `messages`, ending with the assistant turn's opening. */
  chatPrompt(messages: readonly ChatMessage[]): string;
  readonly eosTokenId: number | undefined;
}

/** Loads the tokenizer files in `dir` (tokenizer.json, tokenizer_config.json). */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  const encodeWhole = (text: string) => tokenizer.encode(text, { add_special_tokens: false });
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson;
  const segmented = segmentableTokenizer(json) ? new SegmentedEncoder(encodeWhole) : undefined;
  return {
    encode: (text) => (segmented ? segmented.encode(text) : encodeWhole(text)),
    decode: (ids) => tokenizer.decode([...ids], { skip_special_tokens: false }),
    chatPrompt: (messages) => {
      if (!tokenizer.chat_template) {
        throw new Error(`the tokenizer in ${dir} has no chat template; chat needs an Instruct model`);
      }
      return tokenizer.apply_chat_template(
        messages.map((m) => ({ role: m.role, content: m.content })),
        { tokenize: false, add_generation_prompt: true },
      ) as string;
    },
    eosTokenId: tokenizer.eos_token_id ?? undefined,
  };
}
