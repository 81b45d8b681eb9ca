/**
 * @file SmolLM2's tokenizer through transformers.js (`AutoTokenizer` from a local folder, with
 * remote loading off): encoding, decoding and the chat template from tokenizer_config.json.
 */
import './telemetry';
import { join } from 'node:path';
import { SegmentedEncoder, segmentableTokenizer, type TokenizerJson } from './segmentedEncoder';
import { FileError, readJsonFile } from '../graph/fileError';

/** A tokenizer file that cannot be used; the message starts with its path. */
export class TokenizerFileError extends FileError {
  override readonly name = 'TokenizerFileError';
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;

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
  // Parsed here first so a broken file is named; transformers.js reports only the parse error.
  const [json] = TOKENIZER_FILES.map((name) => readJsonFile(join(dir, name), TokenizerFileError)) as [TokenizerJson, unknown];
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(dir);
  } catch (error) {
    throw new TokenizerFileError(join(dir, 'tokenizer.json'), `cannot be loaded as a tokenizer (${(error as Error).message})`);
  }
  const encodeWhole = (text: string) => tokenizer.encode(text, { add_special_tokens: false });
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
