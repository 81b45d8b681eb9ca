/**
 * @file The GGUF metadata of a model folder, as llama.cpp's converter (convert_hf_to_gguf.py)
 * writes it for SmolLM2 and as llama.cpp, Ollama and LM Studio read it: `general.*`, the
 * `llama.*` hyperparameters with the converter's value types (u32 counts, f32 floats), and the
 * tokenizer as `tokenizer.ggml.*` from tokenizer.json (vocabulary by id, token kinds, merges,
 * special ids, the pre-tokenizer's llama.cpp key) plus the chat template. The keys and types
 * were read off the released SmolLM2-135M-Instruct GGUF; the test compares them with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GgufValueType as T, type GgufMetadataEntry } from '../graph/gguf/ggufWriter';
import type { ModelConfig } from './config';
import { ggufPreTokenizerKey, TOKEN_CONTROL, TOKEN_NORMAL, TOKEN_USER_DEFINED } from './ggufTokenizer';

type Metadata = Record<string, GgufMetadataEntry>;

const u32 = (value: number): GgufMetadataEntry => ({ type: T.U32, value });
const f32 = (value: number): GgufMetadataEntry => ({ type: T.F32, value });
const str = (value: string): GgufMetadataEntry => ({ type: T.STRING, value });

/** The `general.*` keys that come first; `general.quantization_version` goes last, as the converter writes it. */
export function generalMetadata(name: string, fileType: number): Metadata {
  return { 'general.architecture': str('llama'), 'general.type': str('model'), 'general.name': str(name), 'general.file_type': u32(fileType) };
}

/** The `llama.*` hyperparameters of `config`. */
export function llamaMetadata(config: ModelConfig): Metadata {
  const metadata: Metadata = {
    'llama.block_count': u32(config.numHiddenLayers),
    'llama.context_length': u32(config.maxPositionEmbeddings),
    'llama.embedding_length': u32(config.hiddenSize),
    'llama.feed_forward_length': u32(config.intermediateSize),
    'llama.attention.head_count': u32(config.numAttentionHeads),
    'llama.attention.head_count_kv': u32(config.numKeyValueHeads),
    'llama.rope.freq_base': f32(config.ropeTheta),
    'llama.attention.layer_norm_rms_epsilon': f32(config.rmsNormEps),
    'llama.vocab_size': u32(config.vocabSize),
    'llama.rope.dimension_count': u32(config.headDim),
  };
  // llama.cpp assumes head_dim = hidden / heads unless told otherwise.
  if (config.headDim * config.numAttentionHeads !== config.hiddenSize) {
    metadata['llama.attention.key_length'] = u32(config.headDim);
    metadata['llama.attention.value_length'] = u32(config.headDim);
  }
  return metadata;
}

/** A model folder whose tokenizer cannot be written as GGUF metadata. */
export class TokenizerExportError extends Error {
  override readonly name = 'TokenizerExportError';
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** A special token's text in tokenizer_config.json: a string or `{ content }`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special?: boolean;
}

/**
 * The `tokenizer.*` keys for the folder `modelDir`, a byte-level BPE tokenizer of `config`'s
 * vocabulary size. Token kinds as the converter assigns them: added special tokens are control
 * tokens, other added tokens user-defined, ids the tokenizer lacks become `[PAD<id>]`.
 */
export function tokenizerMetadata(modelDir: string, config: ModelConfig): Metadata {
  const tokenizerPath = join(modelDir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) throw new TokenizerExportError(`${modelDir} has no tokenizer.json; a GGUF carries its tokenizer, so copy the base model's tokenizer files into the folder`);
  const tokenizer = readJson(tokenizerPath);
  const model = tokenizer.model as { type?: unknown; vocab?: Record<string, number>; merges?: unknown[] } | undefined;
  if (model?.type !== 'BPE' || !model.vocab || !Array.isArray(model.merges)) throw new TokenizerExportError(`${tokenizerPath}: the tokenizer is not byte-level BPE (model.type ${JSON.stringify(model?.type ?? null)}); SmolCode exports SmolLM2's`);
  const pre = ggufPreTokenizerKey(tokenizer.pre_tokenizer);
  if (!pre) throw new TokenizerExportError(`${tokenizerPath}: its pre_tokenizer is not one llama.cpp knows by a key SmolCode can name (SmolLM2's Digits + ByteLevel is)`);
  const configPath = join(modelDir, 'tokenizer_config.json');
  const tokenizerConfig = existsSync(configPath) ? readJson(configPath) : {};
  const modelConfig = readJson(join(modelDir, 'config.json'));

  const added = new Map(((tokenizer.added_tokens ?? []) as AddedToken[]).map((t) => [t.id, t]));
  const tokens: string[] = new Array<string>(config.vocabSize);
  const kinds: number[] = new Array<number>(config.vocabSize).fill(TOKEN_NORMAL);
  for (const [token, id] of Object.entries(model.vocab)) if (id < config.vocabSize) tokens[id] = token;
  for (const [id, token] of added) {
    if (id >= config.vocabSize) continue;
    tokens[id] = token.content;
    kinds[id] = token.special ? TOKEN_CONTROL : TOKEN_USER_DEFINED;
  }
  for (let id = 0; id < config.vocabSize; id++) {
    if (tokens[id] !== undefined) continue;
    tokens[id] = `[PAD${id}]`;
    kinds[id] = TOKEN_USER_DEFINED;
  }
  const idOf = new Map(tokens.map((token, id) => [token, id]));
  const merges = model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : String(m)));

  const metadata: Metadata = {
    'tokenizer.ggml.add_space_prefix': { type: T.BOOL, value: false },
    'tokenizer.ggml.add_bos_token': { type: T.BOOL, value: tokenizerConfig.add_bos_token === true },
    'tokenizer.ggml.model': str('gpt2'),
    'tokenizer.ggml.pre': str(pre),
    'tokenizer.ggml.tokens': { type: T.ARRAY, itemType: T.STRING, items: tokens },
    'tokenizer.ggml.token_type': { type: T.ARRAY, itemType: T.I32, items: kinds },
    'tokenizer.ggml.merges': { type: T.ARRAY, itemType: T.STRING, items: merges },
  };
  // As the converter's SpecialVocab: tokenizer_config.json's token names first, config.json's ids after.
  for (const [kind, key] of [['bos', 'bos'], ['eos', 'eos'], ['unk', 'unknown'], ['pad', 'padding']] as const) {
    const named = tokenText(tokenizerConfig[`${kind}_token`]);
    const fromConfig = modelConfig[`${kind}_token_id`];
    const id = named !== undefined ? idOf.get(named) : Array.isArray(fromConfig) ? fromConfig[0] : fromConfig;
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < config.vocabSize) metadata[`tokenizer.ggml.${key}_token_id`] = u32(id);
  }
  if (typeof tokenizerConfig.chat_template === 'string') metadata['tokenizer.chat_template'] = str(tokenizerConfig.chat_template);
  return metadata;
}
