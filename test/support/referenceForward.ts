/**
 * @file A plain TypeScript forward pass of LlamaForCausalLM, written as directly as possible
 * from Hugging Face's modeling_llama.py (eager attention) with nested loops and no ONNX Runtime.
 * It is slow and only for tests: the ONNX graphs are checked against it.
 */
import type { ModelConfig } from '../../src/model/config';

/** float32 min, the value HF adds for masked positions. */
const MASK_MIN = -3.4028234663852886e38;

/** KV cache of one layer: `[batch, kvHeads, length, headDim]` row-major. */
export interface LayerCache {
  readonly key: Float32Array;
  readonly value: Float32Array;
  readonly length: number;
}

/** Inputs of one forward call; every row of `inputIds` has the same length. */
export interface ReferenceInputs {
  readonly inputIds: readonly (readonly number[])[];
  /** `[batch, past + seq]` of 0/1. */
  readonly attentionMask: readonly (readonly number[])[];
  readonly positionIds: readonly (readonly number[])[];
  readonly past?: readonly LayerCache[];
}

/** Logits `[batch, seq, vocab]` and the updated cache. */
export interface ReferenceOutputs {
  readonly logits: Float32Array;
  readonly present: LayerCache[];
}

type Weights = (name: string) => Float32Array;

/** y[o] = sum_i W[o, i] x[i] for HF Linear weight W `[out, in]`. */
function linear(w: Float32Array, x: Float32Array, out: number): Float32Array {
  const inp = x.length;
  const y = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    for (let i = 0; i < inp; i++) s += w[o * inp + i] * x[i];
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: Float32Array, w: Float32Array, eps: number): Float32Array {
  let sum = 0;
  for (const v of x) sum += v * v;
  const r = 1 / Math.sqrt(sum / x.length + eps);
  return x.map((v, i) => w[i] * v * r);
}

/** Runs the model on a batch; see `ReferenceInputs`. */
export function referenceForward(c: ModelConfig, weight: Weights, inputs: ReferenceInputs): ReferenceOutputs {
  const B = inputs.inputIds.length;
  const S = inputs.inputIds[0].length;
  const { headDim: D, numAttentionHeads: nH, numKeyValueHeads: nKv, hiddenSize: H, vocabSize: V } = c;
  const P = inputs.past?.[0]?.length ?? 0;
  const T = P + S;
  const groups = nH / nKv;
  const scaling = D ** -0.5;
  const invFreq = Array.from({ length: D / 2 }, (_, i) => Math.fround(1 / Math.fround(c.ropeTheta ** Math.fround((2 * i) / D))));
  const embed = weight('model.embed_tokens.weight');
  const lmHead = c.tieWordEmbeddings ? embed : weight('lm_head.weight');

  // hidden[b][s] is one token's hidden vector.
  let hidden: Float32Array[][] = inputs.inputIds.map((row) => row.map((id) => embed.slice(id * H, (id + 1) * H)));
  const present: LayerCache[] = [];

  const rope = (vec: Float32Array, pos: number): Float32Array => {
    const out = new Float32Array(D);
    for (let j = 0; j < D; j++) {
      const angle = Math.fround(pos * invFreq[j % (D / 2)]);
      const rotated = j < D / 2 ? -vec[j + D / 2] : vec[j - D / 2];
      out[j] = vec[j] * Math.fround(Math.cos(angle)) + rotated * Math.fround(Math.sin(angle));
    }
    return out;
  };

  for (let layer = 0; layer < c.numHiddenLayers; layer++) {
    const p = `model.layers.${layer}`;
    const keys = new Float32Array(B * nKv * T * D);
    const values = new Float32Array(B * nKv * T * D);
    const past = inputs.past?.[layer];
    if (past) {
      for (let b = 0; b < B; b++)
        for (let h = 0; h < nKv; h++)
          for (let t = 0; t < P; t++)
            for (let d = 0; d < D; d++) {
              keys[((b * nKv + h) * T + t) * D + d] = past.key[((b * nKv + h) * P + t) * D + d];
              values[((b * nKv + h) * T + t) * D + d] = past.value[((b * nKv + h) * P + t) * D + d];
            }
    }
    const queries: Float32Array[][] = [];
    for (let b = 0; b < B; b++) {
      queries.push([]);
      for (let s = 0; s < S; s++) {
        const x = rmsNorm(hidden[b][s], weight(`${p}.input_layernorm.weight`), c.rmsNormEps);
        const pos = inputs.positionIds[b][s];
        const q = linear(weight(`${p}.self_attn.q_proj.weight`), x, nH * D);
        const k = linear(weight(`${p}.self_attn.k_proj.weight`), x, nKv * D);
        const v = linear(weight(`${p}.self_attn.v_proj.weight`), x, nKv * D);
        const qr = new Float32Array(nH * D);
        for (let h = 0; h < nH; h++) qr.set(rope(q.subarray(h * D, (h + 1) * D), pos), h * D);
        queries[b].push(qr);
        for (let h = 0; h < nKv; h++) {
          keys.set(rope(k.subarray(h * D, (h + 1) * D), pos), ((b * nKv + h) * T + P + s) * D);
          values.set(v.subarray(h * D, (h + 1) * D), ((b * nKv + h) * T + P + s) * D);
        }
      }
    }
    present.push({ key: keys, value: values, length: T });

    const next: Float32Array[][] = [];
    for (let b = 0; b < B; b++) {
      next.push([]);
      for (let s = 0; s < S; s++) {
        const context = new Float32Array(nH * D);
        for (let h = 0; h < nH; h++) {
          const kvh = Math.floor(h / groups);
          const scores = new Float32Array(T);
          for (let t = 0; t < T; t++) {
            let dot = 0;
            for (let d = 0; d < D; d++) dot += queries[b][s][h * D + d] * keys[((b * nKv + kvh) * T + t) * D + d];
            const visible = t <= P + s && inputs.attentionMask[b][t] === 1;
            // Adding finfo.min in float32, as HF does, makes a fully masked row uniform, not NaN.
            scores[t] = Math.fround(dot * scaling) + (visible ? 0 : MASK_MIN);
          }
          const max = Math.max(...scores);
          const exps = scores.map((x) => Math.exp(x - max));
          const total = exps.reduce((a, e) => a + e, 0);
          for (let t = 0; t < T; t++) {
            const prob = exps[t] / total;
            for (let d = 0; d < D; d++) context[h * D + d] += prob * values[((b * nKv + kvh) * T + t) * D + d];
          }
        }
        const attn = linear(weight(`${p}.self_attn.o_proj.weight`), context, H);
        const h1 = hidden[b][s].map((v, i) => v + attn[i]);
        const x = rmsNorm(h1, weight(`${p}.post_attention_layernorm.weight`), c.rmsNormEps);
        const gate = linear(weight(`${p}.mlp.gate_proj.weight`), x, c.intermediateSize);
        const up = linear(weight(`${p}.mlp.up_proj.weight`), x, c.intermediateSize);
        const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
        const down = linear(weight(`${p}.mlp.down_proj.weight`), act, H);
        next[b].push(h1.map((v, i) => v + down[i]));
      }
    }
    hidden = next;
  }

  const logits = new Float32Array(B * S * V);
  for (let b = 0; b < B; b++)
    for (let s = 0; s < S; s++) {
      const x = rmsNorm(hidden[b][s], weight('model.norm.weight'), c.rmsNormEps);
      logits.set(linear(lmHead, x, V), (b * S + s) * V);
    }
  return { logits, present };
}
