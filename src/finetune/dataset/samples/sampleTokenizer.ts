/**
 * @file The tokenizer operations the sample builders need, and its loader from a folder with
 * SmolLM2's tokenizer.json and tokenizer_config.json (the Instruct config, for its ChatML
 * template). Kept apart from `runtime/tokenizer.ts`, whose chat prompt always ends with an
 * open assistant turn; training needs the closed conversation.
 */
import '../../../runtime/telemetry';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from '../../../runtime/tokenizer';

/** Encoding and chat rendering with the model's own template. */
export interface SampleTokenizer {
  /** Token ids of `text`; special-token strings in it become their ids, nothing is added. */
  encode(text: string): number[];
  /** `messages` rendered by the chat template, without a generation prompt. */
  renderChat(messages: readonly ChatMessage[]): string;
  /** The token that ends an assistant turn and so must carry loss (`<|im_end|>`). */
  readonly endOfTurnId: number;
}

/** Loads the tokenizer in `dir`; throws when it has no chat template. */
export async function loadSampleTokenizer(dir: string): Promise<SampleTokenizer> {
  const missing = ['tokenizer.json', 'tokenizer_config.json'].filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0) throw new Error(`no SmolLM2 tokenizer in ${dir}: ${missing.join(' and ')} missing`);
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  if (!tokenizer.chat_template) throw new Error(`the tokenizer in ${dir} has no chat template; use an Instruct model's tokenizer_config.json`);
  const endOfTurnId = tokenizer.eos_token_id;
  if (endOfTurnId === undefined || endOfTurnId === null) throw new Error(`the tokenizer in ${dir} has no eos token`);
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
    renderChat: (messages) =>
      tokenizer.apply_chat_template(
        messages.map((m) => ({ role: m.role, content: m.content })),
        { tokenize: false, add_generation_prompt: false },
      ) as string,
    endOfTurnId,
  };
}
