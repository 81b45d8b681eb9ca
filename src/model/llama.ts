/**
 * @file The inference graph of LlamaForCausalLM (SmolLM2), matching Hugging Face's eager
 * implementation (transformers/models/llama/modeling_llama.py): RMSNorm in float32, rotary
 * embeddings with rotate_half on non-interleaved halves, grouped-query attention, a causal plus
 * padding mask with finfo.min as HF builds it, softmax in float32, SiLU-gated MLP, final norm
 * and a (tied) lm_head. I/O names and dims follow the hub's ONNX exports so transformers.js
 * loads the result: inputs `input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.{i}.key|value`; outputs `logits`, `present.{i}.key|value`.
 */
import type { ModelConfig } from './config';
import { DataType, GraphBuilder } from '../graph/graphBuilder';
import { Ops } from '../graph/ops';
import { checkLlamaWeights, FLOAT32_MIN, ropeInvFreq } from './llamaMath';
import type { Precision } from './precision';
import type { WeightSource } from './weights';

/** Builds the inference graph of `config` over `weights` in `precision`. */
export function buildLlamaGraph(config: ModelConfig, weights: WeightSource, precision: Precision): GraphBuilder {
  checkLlamaWeights(config, weights);
  const g = new GraphBuilder('smollm2');
  const op = new Ops(g);
  const ft = precision.floatType;
  const { headDim: D, numAttentionHeads: nH, numKeyValueHeads: nKv } = config;
  const kvDims = ['batch_size', nKv, 'past_sequence_length', D];

  const inputIds = g.input('input_ids', DataType.int64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', DataType.int64, ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', DataType.int64, ['batch_size', 'sequence_length']);
  const past = Array.from({ length: config.numHiddenLayers }, (_, i) => ({
    key: g.input(`past_key_values.${i}.key`, ft, kvDims),
    value: g.input(`past_key_values.${i}.value`, ft, kvDims),
  }));

  const embedTokens = precision.floatTensor(g, weights, 'model.embed_tokens.weight');
  let hidden = op.gather(embedTokens, inputIds);
  const rope = g.scope('rotary_emb', () => rotaryCosSin(op, positionIds, config, ft));
  const mask = g.scope('mask', () => attentionBias(op, inputIds, attentionMask, nH / nKv));

  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    g.scope(`layers.${i}`, () => {
      const normed = rmsNorm(op, hidden, precision.floatTensor(g, weights, `${p}.input_layernorm.weight`), config.rmsNormEps, ft);
      const attn = g.scope('self_attn', () => attention(op, normed, i, past[i], rope, mask, config, precision, weights));
      hidden = op.add(hidden, attn);
      const normed2 = rmsNorm(op, hidden, precision.floatTensor(g, weights, `${p}.post_attention_layernorm.weight`), config.rmsNormEps, ft);
      const mlp = g.scope('mlp', () => {
        const gate = precision.linear(op, normed2, weights, `${p}.mlp.gate_proj.weight`);
        const up = precision.linear(op, normed2, weights, `${p}.mlp.up_proj.weight`);
        return precision.linear(op, op.mul(op.mul(gate, op.sigmoid(gate)), up), weights, `${p}.mlp.down_proj.weight`);
      });
      hidden = op.add(hidden, mlp);
    });
  }

  hidden = rmsNorm(op, hidden, precision.floatTensor(g, weights, 'model.norm.weight'), config.rmsNormEps, ft);
  const logits = g.scope('lm_head', () => {
    if (!config.tieWordEmbeddings) return precision.linear(op, hidden, weights, 'lm_head.weight');
    // Tied: reuse the embedding table through Gemm(transB) on 2-D rows, so the weights are
    // stored once (exact parameter count) and never transposed into a copy.
    const rows = op.reshape(hidden, [-1, config.hiddenSize]);
    const flat = op.gemmTransB(rows, embedTokens);
    const outShape = op.concat([op.shape(hidden, 0, 2), op.int64([config.vocabSize])], 0);
    return g.node('Reshape', [flat, outShape])[0];
  });
  g.node('Identity', [logits], {}, { outputNames: ['logits'] });
  g.output('logits', ft, ['batch_size', 'sequence_length', config.vocabSize]);
  return g;
}

interface Rope {
  readonly cos: string;
  readonly sin: string;
}

/** cos/sin of `position_ids · inv_freq`, duplicated over both halves, as `[B, 1, S, D]`. */
function rotaryCosSin(op: Ops, positionIds: string, c: ModelConfig, ft: DataType): Rope {
  const invFreq = op.g.constant(DataType.float, [c.headDim / 2], ropeInvFreq(c.headDim, c.ropeTheta), 'rotary_emb.inv_freq');
  const freqs = op.mul(op.unsqueeze(op.cast(positionIds, DataType.float), [-1]), invFreq);
  const emb = op.unsqueeze(op.concat([freqs, freqs], -1), [1]);
  // HF computes cos/sin in float32 and casts them to the activation dtype afterwards.
  const toFt = (x: string) => (ft === DataType.float ? x : op.cast(x, ft));
  return { cos: toFt(op.cos(emb)), sin: toFt(op.sin(emb)) };
}

/**
 * The additive float32 mask: 0 where key j is visible to query i (j ≤ past + i and
 * attention_mask[b, j] = 1), finfo.min elsewhere. Shape `[B, 1, S, T]`, or `[B, 1, 1, S, T]` for
 * grouped attention. A fully masked row (a left-padding query) becomes all finfo.min, whose
 * softmax is uniform rather than NaN, exactly as in HF's eager attention.
 */
function attentionBias(op: Ops, inputIds: string, attentionMask: string, groups: number): string {
  const seqLen = op.shape(inputIds, 1, 2);
  const totalLen = op.shape(attentionMask, 1, 2);
  const pastLen = op.squeeze(op.sub(totalLen, seqLen), [0]);
  const total = op.squeeze(totalLen, [0]);
  const one = op.int64([1], true);
  const keyPos = op.unsqueeze(op.range(op.int64([0], true), total, one), [0]);
  const queryPos = op.unsqueeze(op.range(pastLen, total, one), [1]);
  const causal = op.lessOrEqual(keyPos, queryPos);
  const padding = op.unsqueeze(op.cast(attentionMask, DataType.bool), [1, 2]);
  const bias = op.where(op.and(causal, padding), op.scalar(0), op.scalar(FLOAT32_MIN));
  return groups > 1 ? op.unsqueeze(bias, [1]) : bias;
}

/** RMSNorm in float32: x / sqrt(mean(x²) + eps), cast back, times the weight. */
function rmsNorm(op: Ops, x: string, weight: string, eps: number, ft: DataType): string {
  return op.g.scope('norm', () => {
    const xf = ft === DataType.float ? x : op.cast(x, DataType.float);
    const variance = op.reduceMean(op.pow(xf, op.scalar(2)), [-1]);
    // Pow/ReduceMean/Add/Sqrt/Div is the pattern ORT fuses into SimplifiedLayerNormalization.
    const normed = op.div(xf, op.sqrt(op.add(variance, op.scalar(eps))));
    return op.mul(ft === DataType.float ? normed : op.cast(normed, ft), weight);
  });
}

/** x·cos + rotate_half(x)·sin, where rotate_half([x1, x2]) = [-x2, x1] over the last dim. */
function applyRope(op: Ops, x: string, rope: Rope): string {
  const [x1, x2] = op.split(x, -1, 2);
  return op.add(op.mul(x, rope.cos), op.mul(op.concat([op.neg(x2), x1], -1), rope.sin));
}

function attention(
  op: Ops,
  x: string,
  layer: number,
  past: { key: string; value: string },
  rope: Rope,
  mask: string,
  c: ModelConfig,
  precision: Precision,
  weights: WeightSource,
): string {
  const p = `model.layers.${layer}.self_attn`;
  const { headDim: D, numAttentionHeads: nH, numKeyValueHeads: nKv } = c;
  const ft = precision.floatType;
  const heads = (y: string, n: number) => op.transpose(op.reshape(y, [0, 0, n, D]), [0, 2, 1, 3]);
  const q = applyRope(op, heads(precision.linear(op, x, weights, `${p}.q_proj.weight`), nH), rope);
  const k = applyRope(op, heads(precision.linear(op, x, weights, `${p}.k_proj.weight`), nKv), rope);
  const v = heads(precision.linear(op, x, weights, `${p}.v_proj.weight`), nKv);
  const [presentKey] = op.g.node('Concat', [past.key, k], { axis: 2 }, { outputNames: [`present.${layer}.key`] });
  const [presentValue] = op.g.node('Concat', [past.value, v], { axis: 2 }, { outputNames: [`present.${layer}.value`] });
  const presentDims = ['batch_size', nKv, 'total_sequence_length', D];
  op.g.output(presentKey, ft, presentDims);
  op.g.output(presentValue, ft, presentDims);

  // GQA without copying KV: view the query heads as [B, nKv, groups, S, D] so each group of
  // query heads meets its shared KV head by MatMul broadcasting (HF's repeat_kv, head h uses
  // KV head h / groups).
  const groups = nH / nKv;
  const grouped = groups > 1;
  const qg = grouped ? op.reshape(q, [0, nKv, groups, -1, D]) : q;
  const kg = grouped ? op.unsqueeze(presentKey, [2]) : presentKey;
  const vg = grouped ? op.unsqueeze(presentValue, [2]) : presentValue;
  const kT = op.transpose(kg, grouped ? [0, 1, 2, 4, 3] : [0, 1, 3, 2]);
  const scores = op.mul(op.matMul(qg, kT), op.scalar(1 / Math.sqrt(D), ft));
  // Softmax in float32 as HF does; the mask is added in float32 too, so finfo(float32).min
  // cannot overflow half precision to -inf (an all -inf row would give NaN).
  const scoresF = ft === DataType.float ? scores : op.cast(scores, DataType.float);
  const probsF = op.softmax(op.add(scoresF, mask), -1);
  const probs = ft === DataType.float ? probsF : op.cast(probsF, ft);
  const context = op.matMul(probs, vg);
  const merged = grouped ? op.reshape(context, [0, nH, -1, D]) : context;
  const flat = op.reshape(op.transpose(merged, [0, 2, 1, 3]), [0, 0, nH * D]);
  return precision.linear(op, flat, weights, `${p}.o_proj.weight`);
}
