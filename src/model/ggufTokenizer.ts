/**
 * @file Hugging Face tokenizer files rebuilt from a GGUF's `tokenizer.ggml.*` metadata and its
 * chat template. A GGUF keeps the vocabulary, merges, token kinds and special ids, but names the
 * pre-tokenizer only by a short key (`tokenizer.ggml.pre`) whose regular expressions live in
 * llama.cpp's code; so the keys whose Hugging Face pre-tokenizer is known are listed here, and
 * any other is refused by name. For SmolLM2 the result is equivalent to the released files (the
 * same ids for the same text, the same chat rendering; tested against them).
 */
import { isDeepStrictEqual } from 'node:util';
import { GgufError, type GgufFile } from '../graph/gguf/ggufFile';

/** llama.cpp's pre-tokenizer keys with the Hugging Face pre-tokenizer each stands for. */
const PRE_TOKENIZERS: Readonly<Record<string, unknown>> = {
  // SmolLM2 (and StarCoder-style vocabularies): one token per digit, then byte-level BPE.
  smollm: {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Digits', individual_digits: true },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    ],
  },
};

/** llama.cpp's key for a tokenizer.json `pre_tokenizer`, or undefined when none is known to match (the exporter's direction). */
export function ggufPreTokenizerKey(preTokenizer: unknown): string | undefined {
  return Object.entries(PRE_TOKENIZERS).find(([, known]) => isDeepStrictEqual(known, preTokenizer))?.[0];
}

/** llama.cpp's token kinds (llama_token_type): control and user-defined tokens are special. */
export const TOKEN_NORMAL = 1;
export const TOKEN_CONTROL = 3;
export const TOKEN_USER_DEFINED = 4;

/** The files a model folder needs for its tokenizer, as file name → JSON. */
export interface TokenizerFiles {
  readonly 'tokenizer.json': unknown;
  readonly 'tokenizer_config.json': unknown;
  readonly 'special_tokens_map.json': unknown;
  /** bos/eos/pad ids for generation_config.json and config.json. */
  readonly specialIds: { readonly bos_token_id?: number; readonly eos_token_id?: number; readonly pad_token_id?: number };
}

function strings(file: GgufFile, key: string): string[] {
  const value = file.get(key);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new GgufError(file.path, `the metadata has no tokenizer (${key} is missing or not a list of strings)`);
  return value as string[];
}

function optionalId(file: GgufFile, key: string, vocab: number): number | undefined {
  const value = file.get(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= vocab) throw new GgufError(file.path, `${key} ${String(value)} is not a token id`);
  return value;
}

/** The tokenizer files of `file`; throws naming what is missing or unsupported. */
export function tokenizerFilesFromGguf(file: GgufFile): TokenizerFiles {
  const model = file.get('tokenizer.ggml.model');
  if (model !== 'gpt2') throw new GgufError(file.path, `tokenizer model ${JSON.stringify(model ?? null)} is not supported (byte-level BPE, "gpt2", is)`);
  const pre = file.get('tokenizer.ggml.pre');
  const preTokenizer = typeof pre === 'string' ? PRE_TOKENIZERS[pre] : undefined;
  if (!preTokenizer) {
    throw new GgufError(file.path, `pre-tokenizer ${JSON.stringify(pre ?? null)} is not one SmolCode can rebuild (known: ${Object.keys(PRE_TOKENIZERS).join(', ')}); pass the model's tokenizer files with --tokenizer`);
  }
  const tokens = strings(file, 'tokenizer.ggml.tokens');
  const merges = strings(file, 'tokenizer.ggml.merges');
  const kinds = file.get('tokenizer.ggml.token_type');
  const kindOf = (id: number) => (Array.isArray(kinds) && typeof kinds[id] === 'number' ? (kinds[id] as number) : 1);
  const bos = optionalId(file, 'tokenizer.ggml.bos_token_id', tokens.length);
  const eos = optionalId(file, 'tokenizer.ggml.eos_token_id', tokens.length);
  const unk = optionalId(file, 'tokenizer.ggml.unknown_token_id', tokens.length);
  const pad = optionalId(file, 'tokenizer.ggml.padding_token_id', tokens.length);
  const special = tokens.flatMap((content, id) => (kindOf(id) === TOKEN_CONTROL || kindOf(id) === TOKEN_USER_DEFINED ? [{ id, content }] : []));
  const addedTokens = special.map(({ id, content }) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(tokens.map((token, id) => [token, id])),
      merges,
    },
  };
  const name = (id: number | undefined) => (id === undefined ? undefined : tokens[id]);
  const template = file.get('tokenizer.chat_template');
  const tokenizerConfig: Record<string, unknown> = {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...rest }) => [String(id), rest])),
    additional_special_tokens: special.map((s) => s.content),
    bos_token: name(bos),
    clean_up_tokenization_spaces: false,
    eos_token: name(eos),
    model_max_length: typeof file.get('llama.context_length') === 'number' ? file.get('llama.context_length') : 8192,
    pad_token: name(pad),
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: name(unk),
    vocab_size: tokens.length,
  };
  if (typeof template === 'string') tokenizerConfig.chat_template = template;
  const specialTokensMap = Object.fromEntries(
    Object.entries({ bos_token: name(bos), eos_token: name(eos), pad_token: name(pad), unk_token: name(unk) }).filter(([, v]) => v !== undefined),
  );
  return {
    'tokenizer.json': tokenizerJson,
    'tokenizer_config.json': tokenizerConfig,
    'special_tokens_map.json': { ...specialTokensMap, additional_special_tokens: special.map((s) => s.content) },
    specialIds: { bos_token_id: bos, eos_token_id: eos, pad_token_id: pad },
  };
}
