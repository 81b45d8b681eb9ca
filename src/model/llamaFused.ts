/**
 * @file The fused inference graph of LlamaForCausalLM, built the way ONNX Runtime's generative-AI
 * model builder builds Llama (onnxruntime-genai src/python/py/models/builder.py): ORT contrib ops
 * with fast CPU kernels instead of plain ONNX ops.
 *
 * - `SimplifiedLayerNormalization` / `com.microsoft.SkipSimplifiedLayerNormalization`: RMSNorm,
 *   with the residual add folded into the next norm.
 * - `com.microsoft.GroupQueryAttention` on a packed QKV projection, with the rotary embedding
 *   applied inside (`do_rotary`, cos/sin caches as initializers) and the KV cache in BNSH layout.
 *   The past tensors may be preallocated buffers longer than the valid length (GQA reads
 *   `seqlens_k + 1` positions).
 * - The new positions' keys (rotated by `com.microsoft.RotaryEmbedding` exactly as GQA rotates
 *   them) and values are one more output, `new_key_values` `[2 · layers · batch, seq, kvHeads ·
 *   headDim]` (key then value of layer 0, then of layer 1, …; each block is `[batch, seq, …]`),
 *   so a caller that keeps the cache in its own buffers appends those few rows instead of
 *   fetching `present.*`: the onnxruntime-node binding copies every fetched output into a fresh
 *   JavaScript buffer, and a whole-cache copy per token (plus the garbage it leaves) cost more
 *   than the step itself. One output rather than one per layer saves the binding 59 of them.
 * - Packed gate/up projection; `MatMulNBits` at `accuracy_level` 4 (int8 activations) for q4,
 *   and a 4-bit lm_head, so decoding reads about a sixth of the bytes of a float32 lm_head. A
 *   tied model's embedding lookup reads the same 4-bit initializers (`GatherBlockQuantized`),
 *   so the float32 table is not held at all.
 * - Logits only for the last `num_logits_to_keep` positions (0 keeps all, as transformers.js
 *   and HF use the input): prefill needs one row, not a `[S, 49152]` matrix.
 * - Attention comes in two kinds (`FusedGraphOptions.attention`):
 *   - `gqa`: `GroupQueryAttention` as above, with hub-style `present.*` outputs. transformers.js
 *     runs this graph, and on WebGPU the engine keeps `present.*` in GPU memory.
 *   - `matmul`, for callers that keep the cache themselves (fusedSession.ts on CPU): no
 *     `present.*` outputs, and `If` nodes per layer. Prompt chunks and short sequences take GQA;
 *     steps of up to 16 new tokens after longer ones take `attentionOverBuffers`, MatMul and
 *     Softmax over the cache buffers with stale positions masked. ORT 1.30's CPU GQA copies the whole valid
 *     past into its present output on every step unless present and past share one buffer, and
 *     sharing needs `present.*` fetched, which the binding copies again; the matmul path reads the
 *     cache once and writes only the new rows (135M q4, one step at 1500 positions on 2 cores:
 *     8.0 to 8.5 ms against GQA's 10.9). GQA stays the prompt path because its kernel skips
 *     stale positions and the causal half: a 256-token chunk after 1280 positions took about
 *     255 ms with it and 309 to 324 ms on MatMuls. For quantized weights the cache is 8-bit
 *     (`FusedGraphOptions.kvCache`, int8KvAttention.ts): a quarter of the bytes per step.
 *
 * I/O: `input_ids`, `attention_mask` (GQA's `seqlens_k` and `total_sequence_length`, and the
 * rotary position offset, are derived from it in the graph), `num_logits_to_keep`,
 * `past_key_values.{i}.key|value` (and `….key_scale|value_scale` for an 8-bit cache) → `logits`,
 * `present.{i}.key|value` (GQA only),
 * `new_key_values` (a prompt graph, `FusedGraphOptions.promptOnly`: only `new_key_values`).
 * transformers.js can run the GQA graph (it feeds `num_logits_to_keep` when the graph declares
 * it), not the matmul one (no `present.*`); the attention assumes an unpadded batch (GQA takes
 * per-row lengths, not arbitrary masks), so left-padded batches are not exact.
 */
import type { ModelConfig } from './config';
import { defaultKvCache, type FusedAttention, type FusedVariant, type KvCacheType } from './configTypes';
import { DataType, float, GraphBuilder } from '../graph/graphBuilder';
import { checkLlamaWeights, rotaryTable } from './llamaMath';
import { Ops } from '../graph/ops';
import { columnInt8Precision, precisionFor, quantizedPrecision, type Precision } from './precision';
import type { LowRankUpdate, WeightSource } from './weights';
import { stackQuantizedRows } from '../graph/quantize';
import { dequantizedCache, int8CacheScores, int8CacheValues, type Int8Past } from './int8KvAttention';

const MS = 'com.microsoft';

/** matmul graphs run steps of up to this many new positions on the matmul path (see `attentionOverBuffers`). */
const MATMUL_MAX_NEW = 16;

/** Version of the fused graph's I/O and structure; graphs built by another version are rebuilt (runtime/fusedGraphCache.ts). */
export const FUSED_GRAPH_VERSION = 10;

/**
 * The precision of each fused variant. q4 computes with int8 activations (accuracy_level 4),
 * ORT's fast path for 4-bit weights on x86 and ARM; the plain q4 graph stays at level 0 (exact to
 * the dequantized weights) as the reference. int8 holds one scale per output column for
 * DynamicQuantizeMatMul, whose int8 GEMM prefills 2.4-3.3x faster than q4 (README "int8:
 * prompts at llama.cpp's speed"), with down_proj's input rounded per token (see `columnInt8Precision`);
 * the plain int8 graph keeps MatMulNBits' 8-bit blocks.
 */
export function fusedPrecisionFor(variant: FusedVariant): Precision {
  if (variant === 'q4') return quantizedPrecision('q4', 4, 4);
  if (variant === 'int8') return columnInt8Precision();
  return precisionFor(variant);
}

/**
 * `weights` plus the packed tensors the fused graph reads: `…self_attn.qkv_proj.weight` (q, k, v
 * rows stacked, HF `[out, in]` layout), `…mlp.gate_up_proj.weight`, and `lm_head.weight` for tied
 * embeddings. Quantizing a stacked matrix gives exactly the blocks of its parts, since blocks run
 * along the input dimension of each row.
 */
export function packedLlamaWeights(c: ModelConfig, weights: WeightSource): WeightSource {
  const packs = new Map<string, string[]>();
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    packs.set(`${p}.self_attn.qkv_proj.weight`, ['q', 'k', 'v'].map((x) => `${p}.self_attn.${x}_proj.weight`));
    packs.set(`${p}.mlp.gate_up_proj.weight`, [`${p}.mlp.gate_proj.weight`, `${p}.mlp.up_proj.weight`]);
  }
  if (c.tieWordEmbeddings) packs.set('lm_head.weight', ['model.embed_tokens.weight']);
  return {
    label: weights.label,
    has: (name) => packs.has(name) || weights.has(name),
    shape(name) {
      const parts = packs.get(name);
      if (!parts) return weights.shape(name);
      const shapes = parts.map((n) => weights.shape(n));
      return [shapes.reduce((sum, s) => sum + s[0], 0), shapes[0][1]];
    },
    read(name) {
      const parts = packs.get(name);
      if (!parts) return weights.read(name);
      if (parts.length === 1) return weights.read(parts[0]);
      const tensors = parts.map((n) => weights.read(n));
      const out = new Float32Array(tensors.reduce((sum, t) => sum + t.length, 0));
      let offset = 0;
      for (const t of tensors) {
        out.set(t, offset);
        offset += t.length;
      }
      return out;
    },
    quantized(name, bits, blockSize) {
      const parts = packs.get(name) ?? [name];
      const own = parts.map((n) => weights.quantized?.(n, bits, blockSize));
      // Stacked blocks only when every part has its own; else the graph quantizes the stacked floats.
      if (!own.every((m) => m !== undefined)) return undefined;
      return { hasOffsets: own.some((m) => m.hasOffsets), load: () => stackQuantizedRows(own.map((m) => m.load())) };
    },
    lowRank(name) {
      const parts = packs.get(name) ?? [name];
      if (parts.length === 1) return weights.lowRank?.(parts[0]);
      const updates = parts.map((n) => weights.lowRank?.(n));
      if (updates.every((u) => u === undefined)) return undefined;
      return stackLowRank(updates, parts.map((n) => weights.shape(n)[0]), weights.shape(parts[0])[1]);
    },
  };
}

/**
 * The update of rows stacked from several Linears (q, k, v): A stacked, B block-diagonal, so
 * each part's rows see only its own rank. A part without an update contributes no rank.
 */
function stackLowRank(updates: readonly (LowRankUpdate | undefined)[], outs: readonly number[], inp: number): LowRankUpdate {
  const rank = updates.reduce((sum, u) => sum + (u?.rank ?? 0), 0);
  const out = outs.reduce((sum, o) => sum + o, 0);
  const a = new Float32Array(rank * inp);
  const b = new Float32Array(out * rank);
  let row = 0;
  let col = 0;
  updates.forEach((u, i) => {
    if (u) {
      a.set(u.a, col * inp);
      for (let o = 0; o < outs[i]; o++) b.set(u.b.subarray(o * u.rank, (o + 1) * u.rank), (row + o) * rank + col);
      col += u.rank;
    }
    row += outs[i];
  });
  return { rank, a, b };
}

/**
 * Most positions the rotary caches are built for: 2^18 (Llama 3.1's 131072 fits) is 64 MB of
 * tables at head_dim 64, while a config claiming 1e9 positions would ask for 256 GB.
 */
export const MAX_ROTARY_POSITIONS = 2 ** 18;

/** GQA's rotary caches: cos and sin of `position · inv_freq`, `[maxPositions, headDim / 2]`, float32 as HF computes them. */
export function rotaryCaches(c: ModelConfig): { cos: Float32Array; sin: Float32Array } {
  if (c.maxPositionEmbeddings > MAX_ROTARY_POSITIONS) {
    throw new RangeError(`max_position_embeddings ${c.maxPositionEmbeddings} is more than a fused graph's rotary tables hold (${MAX_ROTARY_POSITIONS})`);
  }
  return rotaryTable(c, c.maxPositionEmbeddings, 'half');
}

/** One layer's cache inputs: float32 buffers, or 8-bit ones with scales (int8KvAttention.ts). */
type LayerPast = { readonly key: string; readonly value: string } | Int8Past;

/** Options of `buildLlamaFusedGraph`. */
export interface FusedGraphOptions {
  /**
   * matmul graphs: the cache buffers' type (default: configTypes.ts `defaultKvCache`, 8-bit for
   * quantized weights). `int8` reads a quarter of float32's bytes per step (int8KvAttention.ts),
   * within a stated drift of float32's results; gqa graphs always keep float32.
   */
  readonly kvCache?: KvCacheType;
  /**
   * A tied lm_head under a quantized precision: `quantized` (default) stores a 4/8-bit copy of
   * the embedding table for the lm_head; `float` reads the float32 table, as the plain graph does.
   */
  readonly tiedLmHead?: 'quantized' | 'float';
  /** How attention is computed (default `gqa`; see the file header). */
  readonly attention?: FusedAttention;
  /**
   * matmul graphs: steps of a few tokens take GroupQueryAttention while the sequence (cache
   * plus new tokens) is shorter than this. Default 256: 135M q4 on 2 cores, one token, GQA
   * against the matmul path, 4.0 against 4.6 ms at 64 positions, 6.7 against 5.7 at 512, 11.2
   * against 8.5 at 1500; the difference crosses zero near 250. Tests set 0 to run the matmul
   * path on every step it can take.
   */
  readonly gqaBelowPositions?: number;
  /**
   * A prompt graph, for an engine that runs prompt chunks through it and each chunk's last token
   * through its decode graph (runtime/fusedSession.ts): no final norm, no lm_head and no `logits`
   * output, and a tied table looked up as the q4 graph looks it up (its 4-bit blocks, or the
   * checkpoint's own). In int8 at 135M the file shrinks from 170 to 124 MB and the speed bench's
   * peak RSS with prompts in int8 from 758 to 707-710 MB (706-716 with down_proj rounded per token).
   */
  readonly promptOnly?: boolean;
}

/**
 * Attention of a few new positions as MatMul and Softmax over the caller's cache buffers, for
 * `matmul` graphs: buffers `[batch, kvHeads, capacity, headDim]` with the first `pastLength`
 * positions valid and the rest masked. The new keys and values never enter the buffers here:
 * they are scored as a second block with a causal mask, and one Softmax spans both. The query
 * rows of all heads sharing a KV head form one matrix, and `FusedMatMul` multiplies by the
 * transposed key buffer without copying it, so each buffer is read once per step. Returns a
 * function from one layer's rotated query `[batch, seq, heads·headDim]`, rotated key and value
 * (`[batch, seq, kvHeads·headDim]`) and past buffers to the attention output
 * `[batch, seq, heads·headDim]`.
 */
function attentionOverBuffers(op: Ops, c: ModelConfig, firstPastValue: string, pastLength: string, inputIds: string) {
  const { g } = op;
  const { headDim: D, numAttentionHeads: nH, numKeyValueHeads: nKv } = c;
  const group = nH / nKv;
  // Values are [batch, kvHeads, capacity, headDim] in both cache types.
  const capacity = op.shape(firstPastValue, 2, 3);
  const seq = op.shape(inputIds, 1, 2);
  const masks = g.scope('attn_masks', () => {
    const scalar = (x: string) => op.squeeze(x, [0]);
    const blocked = (condition: string) => op.where(condition, op.scalar(-Infinity), op.scalar(0));
    const zero = op.int64([0], true);
    const one = op.int64([1], true);
    const positions = op.range(zero, scalar(capacity), one);
    const newPositions = op.range(zero, scalar(seq), one);
    // Row r of a KV head's query matrix is query head (r / seq) at new position (r mod seq).
    const rowPositions = g.node('Mod', [op.range(zero, op.mul(scalar(seq), op.int64([group], true)), one), scalar(seq)])[0];
    return {
      past: op.unsqueeze(blocked(g.node('GreaterOrEqual', [positions, pastLength])[0]), [0, 1, 2]),
      causal: op.unsqueeze(blocked(g.node('Greater', [op.unsqueeze(newPositions, [0]), op.unsqueeze(rowPositions, [1])])[0]), [0, 1]),
      split: op.concat([capacity, seq], 0),
    };
  });
  const scale = 1 / Math.sqrt(D);
  const scores = (rows: string, keys: string, alpha = scale) => g.node('FusedMatMul', [rows, keys], { transB: 1, alpha: float(alpha) }, { domain: MS })[0];
  // One position needs no transposes and no causal mask, so it has a branch of its own. Its
  // products run one query head at a time ([.., 1, D] rows, the KV head's buffer broadcast over
  // its group) with alpha 1, the query scaled beforehand: MLAS multiplies a single row with
  // alpha 1 by streaming the buffer, while several rows or another alpha first copy it into
  // packed panels. Attention over 1500 cached positions, 30 layers of the 135M shape, took
  // 4.2-4.8 ms after idle against 5.5-6.0 ms with a row per group member (README, "Where the
  // time goes").
  const singleToken = (query: string, key: string, value: string, past: { key: string; value: string }): string => {
    const perHead = (x: string) => op.reshape(x, [0, nKv, 1, 1, D]);
    const rows = op.reshape(op.mul(query, op.scalar(scale)), [0, nKv, group, 1, D]);
    const both = op.concat([op.add(scores(rows, op.unsqueeze(past.key, [2]), 1), masks.past), scores(rows, perHead(key), 1)], -1);
    const [pastProbs, newProbs] = g.node('Split', [op.softmax(both, -1), masks.split], { axis: -1 }, { outputs: 2 });
    const out = op.add(op.matMul(pastProbs, op.unsqueeze(past.value, [2])), op.matMul(newProbs, perHead(value)));
    return op.reshape(out, [0, 1, nH * D]);
  };
  // An 8-bit cache (int8KvAttention.ts) takes a KV head's whole query group as rows for one token
  // too, since MLAS packs the cache for MatMulInteger whatever the row count; one token's rows
  // and heads are reshapes alone and need no causal mask (fewer nodes per step).
  const overInt8 = (query: string, key: string, value: string, past: Int8Past, single: boolean): string => {
    const heads = (x: string) => (single ? op.reshape(x, [0, nKv, 1, D]) : op.transpose(op.reshape(x, [0, 0, nKv, D]), [0, 2, 1, 3]));
    const scaled = op.mul(query, op.scalar(scale));
    const rows = single ? op.reshape(scaled, [0, nKv, group, D]) : op.reshape(op.transpose(op.reshape(scaled, [0, 0, nKv, group, D]), [0, 2, 3, 1, 4]), [0, 0, -1, D]);
    const newScores = scores(rows, heads(key), 1);
    const both = op.concat([op.add(int8CacheScores(op, rows, past), masks.past), single ? newScores : op.add(newScores, masks.causal)], -1);
    const [pastProbs, newProbs] = g.node('Split', [op.softmax(both, -1), masks.split], { axis: -1 }, { outputs: 2 });
    const out = op.add(int8CacheValues(op, pastProbs, past), op.matMul(newProbs, heads(value)));
    return single ? op.reshape(out, [0, 1, nH * D]) : op.reshape(op.transpose(op.reshape(out, [0, 0, group, -1, D]), [0, 3, 1, 2, 4]), [0, 0, nH * D]);
  };
  return (query: string, key: string, value: string, past: LayerPast, single: boolean): string => {
    if ('keyT' in past) return overInt8(query, key, value, past, single);
    if (single) return singleToken(query, key, value, past);
    const heads = (x: string) => op.transpose(op.reshape(x, [0, 0, nKv, D]), [0, 2, 1, 3]);
    const rows = op.reshape(op.transpose(op.reshape(query, [0, 0, nKv, group, D]), [0, 2, 3, 1, 4]), [0, 0, -1, D]);
    const both = op.concat([op.add(scores(rows, past.key), masks.past), op.add(scores(rows, heads(key)), masks.causal)], -1);
    const [pastProbs, newProbs] = g.node('Split', [op.softmax(both, -1), masks.split], { axis: -1 }, { outputs: 2 });
    const out = op.add(op.matMul(pastProbs, past.value), op.matMul(newProbs, heads(value)));
    return op.reshape(op.transpose(op.reshape(out, [0, 0, group, -1, D]), [0, 3, 1, 2, 4]), [0, 0, nH * D]);
  };
}

/** Builds the fused inference graph of `config` over `weights` in `precision` (see the file header). */
export function buildLlamaFusedGraph(config: ModelConfig, weights: WeightSource, precision: Precision, options: FusedGraphOptions = {}): GraphBuilder {
  checkLlamaWeights(config, weights);
  if (precision.floatType !== DataType.float) throw new Error(`the fused graph computes in float32; variant ${precision.variant} is not supported`);
  if (config.headDim % 16 !== 0) throw new Error(`GroupQueryAttention's rotary needs head_dim divisible by 16, got ${config.headDim}`);
  const g = new GraphBuilder('smollm2_fused');
  const op = new Ops(g);
  const w = packedLlamaWeights(config, weights);
  const { headDim: D, numAttentionHeads: nH, numKeyValueHeads: nKv, rmsNormEps: eps, hiddenSize: H } = config;
  const matmulAttention = options.attention === 'matmul';
  if (options.promptOnly && !matmulAttention) throw new Error('a prompt graph feeds a cache the caller keeps: it needs matmul attention');
  const kvDims = ['batch_size', nKv, 'past_sequence_length', D];

  const inputIds = g.input('input_ids', DataType.int64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', DataType.int64, ['batch_size', 'total_sequence_length']);
  const keep = g.input('num_logits_to_keep', DataType.int64, []);
  const int8Cache = (options.kvCache ?? (matmulAttention ? defaultKvCache(precision.variant as FusedVariant) : 'float32')) === 'int8';
  if (int8Cache && !matmulAttention) throw new Error('an 8-bit KV cache is read by the matmul attention only');
  const past: LayerPast[] = Array.from({ length: config.numHiddenLayers }, (_, i) => {
    const name = `past_key_values.${i}`;
    if (!int8Cache) return { key: g.input(`${name}.key`, DataType.float, kvDims), value: g.input(`${name}.value`, DataType.float, kvDims) };
    const scaleDims = ['batch_size', nKv, 1, 'past_sequence_length'];
    return {
      keyT: g.input(`${name}.key`, DataType.int8, ['batch_size', nKv, D, 'past_sequence_length']),
      keyScale: g.input(`${name}.key_scale`, DataType.float, scaleDims),
      value: g.input(`${name}.value`, DataType.int8, kvDims),
      valueScale: g.input(`${name}.value_scale`, DataType.float, scaleDims),
    };
  });

  // GQA's lengths: seqlens_k = (tokens per row) - 1, total_sequence_length = mask width, as int32;
  // the rotary offset of the new tokens: mask width - sequence length (one value for the batch).
  const lengths = g.scope('attn_lengths', () => {
    const rowTokens = g.node('ReduceSum', [attentionMask, op.int64([1])], { keepdims: 0 })[0];
    const total = op.shape(attentionMask, 1, 2);
    return {
      seqlensK: op.cast(op.sub(rowTokens, op.int64([1], true)), DataType.int32),
      total: op.cast(total, DataType.int32),
      positionOffset: op.sub(total, op.shape(inputIds, 1, 2)),
    };
  });
  const caches = rotaryCaches(config);
  const cosCache = g.constant(DataType.float, [config.maxPositionEmbeddings, D / 2], caches.cos, 'rotary_emb.cos_cache');
  const sinCache = g.constant(DataType.float, [config.maxPositionEmbeddings, D / 2], caches.sin, 'rotary_emb.sin_cache');

  // matmul graphs pick per step: GQA for prompt chunks (its kernel skips stale positions and the
  // causal half) and for short sequences (where its copy of the past costs less than the matmul
  // path's extra nodes), the matmul path for a single token or a few (a keystroke that changes the
  // last token reruns it) after longer ones.
  const bufferAttention = matmulAttention
    ? g.scope('attn_path', () => {
        const S = op.shape(inputIds, 1, 2);
        const long = g.node('GreaterOrEqual', [op.shape(attentionMask, 1, 2), op.int64([options.gqaBelowPositions ?? 256])])[0];
        const when = (condition: string) => op.squeeze(g.node('And', [condition, long])[0], [0]);
        return {
          attend: attentionOverBuffers(op, config, past[0].value, lengths.positionOffset, inputIds),
          single: when(op.equal(S, op.int64([1]))),
          few: when(g.node('LessOrEqual', [S, op.int64([MATMUL_MAX_NEW])])[0]),
        };
      })
    : undefined;

  // A tied model under a quantized precision looks its embeddings up in quantized blocks
  // (GatherBlockQuantized) instead of holding a float32 table beside the quantized lm_head (135M:
  // 113 MB; 1.7B: 403 MB): the lm_head's own 4-bit initializers, or a checkpoint's 8-bit blocks
  // (see Precision.embedding). A float checkpoint's table is quantized as its tied head already
  // is; a checkpoint with blocks of its own (a GGUF) is never quantized again here.
  const floatHead = precision.variant === 'fp32' || options.tiedLmHead === 'float';
  const lookup = options.promptOnly ? fusedPrecisionFor('q4') : precision;
  const quantizedRows = config.tieWordEmbeddings && !floatHead ? lookup.embedding?.(op, w, 'lm_head.weight', inputIds, weights.quantized !== undefined) : undefined;
  const embedTokens = quantizedRows === undefined ? precision.floatTensor(g, weights, 'model.embed_tokens.weight') : undefined;
  let residual = quantizedRows ?? op.gather(embedTokens!, inputIds);
  let pending: string | undefined;
  // x = norm(residual + pending); the sum becomes the new residual. The first norm has no skip.
  const addNorm = (weightName: string): string => {
    const gamma = precision.floatTensor(g, weights, weightName);
    if (pending === undefined) return g.node('SimplifiedLayerNormalization', [residual, gamma], { axis: -1, epsilon: float(eps), stash_type: 1 })[0];
    const [normed, , , sum] = g.node('SkipSimplifiedLayerNormalization', [pending, residual, gamma], { epsilon: float(eps) }, { domain: MS, outputs: 4 });
    residual = sum;
    return normed;
  };

  const newRows: string[] = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    // A prompt graph's last layer is needed only for its keys and values.
    const rowsOnly = options.promptOnly === true && i === config.numHiddenLayers - 1;
    g.scope(`layers.${i}`, () => {
      const normed = addNorm(`${p}.input_layernorm.weight`);
      const attended = g.scope('self_attn', () => {
        const qkv = precision.linear(op, normed, w, `${p}.self_attn.qkv_proj.weight`);
        const [q, k, v] = g.node('Split', [qkv, op.int64([nH * D, nKv * D, nKv * D])], { axis: -1 }, { outputs: 3 });
        const rotate = (x: string, heads: number) =>
          g.node('RotaryEmbedding', [x, lengths.positionOffset, cosCache, sinCache], { num_heads: heads, interleaved: 0 }, { domain: MS })[0];
        // GQA rotates the new query and key itself; the cache rows get the same rotation here.
        const rotatedKey = rotate(k, nKv);
        newRows.push(rotatedKey, v);
        if (rowsOnly) return undefined;
        const gqa = () => {
          const layer = past[i];
          // An 8-bit cache is widened for GQA inside its branch, so single tokens never pay for it.
          const floats = 'keyT' in layer ? dequantizedCache(op, layer, lengths.positionOffset) : layer;
          return g.node(
            'GroupQueryAttention',
            [qkv, '', '', floats.key, floats.value, lengths.seqlensK, lengths.total, cosCache, sinCache],
            { num_heads: nH, kv_num_heads: nKv, do_rotary: 1, rotary_interleaved: 0, scale: float(1 / Math.sqrt(D)) },
            // A matmul graph's GQA presents are internal (the engine appends new_key_values).
            { domain: MS, outputNames: bufferAttention ? undefined : [`${p}.attn_out`, `present.${i}.key`, `present.${i}.value`], outputs: 3 },
          )[0];
        };
        const branch = (name: string, body: () => string) => g.subgraph(name, () => [{ name: body(), dataType: DataType.float }]);
        const attention = (): string => {
          if (!bufferAttention) return gqa();
          const { attend, single, few } = bufferAttention;
          const matmul = (one: boolean) => () => attend(rotate(q, nH), rotatedKey, v, past[i], one);
          const chunk = () => g.node('If', [few], { then_branch: branch('few_tokens', matmul(false)), else_branch: branch('prompt', gqa) })[0];
          return g.node('If', [single], { then_branch: branch('one_token', matmul(true)), else_branch: branch('chunk', chunk) })[0];
        };
        return precision.linear(op, attention(), w, `${p}.self_attn.o_proj.weight`);
      });
      if (attended === undefined) return;
      pending = attended;
      if (!matmulAttention) {
        const presentDims = ['batch_size', nKv, 'present_sequence_length', D];
        g.output(`present.${i}.key`, DataType.float, presentDims);
        g.output(`present.${i}.value`, DataType.float, presentDims);
      }
      const normed2 = addNorm(`${p}.post_attention_layernorm.weight`);
      pending = g.scope('mlp', () => {
        const [gate, up] = op.split(precision.linear(op, normed2, w, `${p}.mlp.gate_up_proj.weight`), -1, 2);
        return precision.linear(op, op.mul(op.mul(gate, op.sigmoid(gate)), up), w, `${p}.mlp.down_proj.weight`);
      });
    });
  }

  g.node('Concat', newRows, { axis: 0 }, { outputNames: ['new_key_values'] });
  g.output('new_key_values', DataType.float, ['new_rows', 'sequence_length', nKv * D]);
  if (options.promptOnly) return g;

  const normed = addNorm('model.norm.weight');
  const logits = g.scope('lm_head', () => {
    // Rows [-keep:] of the sequence; keep = 0 gives start 0, i.e. every row.
    const start = op.unsqueeze(op.neg(keep), [0]);
    const kept = g.node('Slice', [normed, start, op.int64([Number.MAX_SAFE_INTEGER]), op.int64([1])])[0];
    if (!config.tieWordEmbeddings || !floatHead || !embedTokens) return precision.linear(op, kept, w, 'lm_head.weight');
    // Tied float32: Gemm(transB) over the embedding table, stored once (ORT prepacks it at load).
    const flat = op.gemmTransB(op.reshape(kept, [-1, H]), embedTokens);
    return g.node('Reshape', [flat, op.concat([op.shape(kept, 0, 2), op.int64([config.vocabSize])], 0)])[0];
  });
  g.node('Identity', [logits], {}, { outputNames: ['logits'] });
  g.output('logits', DataType.float, ['batch_size', 'logits_length', config.vocabSize]);
  return g;
}
