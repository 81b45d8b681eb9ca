/**
 * @file The LoRA training graph of SmolLM2 (Llama): the forward of model/llama.ts written with
 * the differentiable ops, on a fixed micro-batch [B, S], with the cross-entropy loss and, when
 * asked, the backward pass. Inputs `input_ids`, `attention_mask`, `labels` ([B, S] int64; label
 * -100 is ignored) and every LoRA matrix under its PEFT name; outputs `loss` (mean over the
 * micro-batch's predicted tokens) and `grad.<PEFT name>` for each matrix. Labels are shifted as
 * Hugging Face's ForCausalLMLoss does: position t's logits predict labels[t + 1], the last
 * position predicts nothing. Frozen weights are initializers and get no gradient.
 *
 * Positions are 0..S-1 (right padding; HF's default position_ids) so rotary cos/sin are
 * constants. Shapes (legend: B batch, S sequence, N = B·S rows, H hidden, nH/nKv heads,
 * g = nH/nKv, D head dim, V vocabulary).
 */
import type { ModelConfig } from './config';
import { DataType, GraphBuilder } from '../graph/graphBuilder';
import { causalTable, checkLlamaWeights, FLOAT32_MIN, rotaryTable } from './llamaMath';
import type { WeightSource } from './weights';
import { functions, IGNORE_INDEX, Tape, type Functions, type Tensor } from '../graph/autodiff/index';
import { gradName, loraLinear, loraModules, loraScale, type LoraConfig, type LoraModule, type LoraPair } from './lora';


/** Head and loss rows per chunk: 128 × 49,152 float32 logits are 24 MiB. */
const DEFAULT_LOSS_CHUNK_ROWS = 128;

/** What to build. */
export interface TrainingGraphOptions {
  readonly batchSize: number;
  readonly seqLen: number;
  readonly lora: LoraConfig;
  /** Emit the backward pass and `grad.*` outputs (false: a loss-only evaluation graph). */
  readonly gradients: boolean;
  /** Also output `logits` [B·S, V] (for comparing with the inference graph). */
  readonly logits?: boolean;
  /** float64 for gradient checks; float32 (default) for training. */
  readonly dtype?: 'float' | 'double';
  /** Seeds the LoRA dropout masks (with `gradients` and `lora.dropout` > 0); each module gets its own stream. */
  readonly dropoutSeed?: number;
  /**
   * Recompute each decoder layer's activations in the backward pass instead of keeping them
   * (Tape.checkpoint); default on for training graphs without LoRA dropout (a recomputed mask
   * would differ). Costs one more forward; saves every layer's attention probabilities and MLP
   * intermediates (135M at 512 tokens: ~1.2 GB).
   */
  readonly recompute?: boolean;
  /**
   * Keep each loss chunk's log-probabilities for backward instead of recomputing the head's
   * logits there (autodiff linearCrossEntropy): [B·S, V] more floats live (96 MiB at 512 tokens
   * for SmolLM2), a tenth of a 135M step's FLOPs fewer. Training's fast memory mode sets it.
   */
  readonly storeLogProbs?: boolean;
  /**
   * Rows per chunk of the head and loss (autodiff linearCrossEntropy: the [B·S, V] logits are
   * never all live); default 128; 0, or `logits`, computes the whole head at once.
   */
  readonly lossChunkRows?: number;
  /**
   * Take the frozen weights as graph inputs instead of initializers, so that two sessions (the
   * training graph and the validation graph) read one copy of them, fed by the caller (ONNX
   * Runtime wraps an input's buffer without copying it). Without it each session holds its own:
   * about 500 MiB more for 135M, 6 GiB more for 1.7B (measured peaks). Prepacking needs
   * initializers, so fast runs keep them.
   */
  readonly frozenInputs?: boolean;
}

/** A frozen weight the graph takes as an input (`frozenInputs`): the checkpoint's tensor name and shape. */
export interface FrozenInput {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The built graph and the LoRA modules whose matrices it takes as inputs. */
export interface TrainingGraph {
  readonly graph: GraphBuilder;
  readonly modules: readonly LoraModule[];
  /** With `frozenInputs`, the frozen weights to feed on every run; else empty. */
  readonly frozenInputs: readonly FrozenInput[];
}


/** Builds the graph; see the file header. */
export function buildTrainingGraph(config: ModelConfig, weights: WeightSource, options: TrainingGraphOptions): TrainingGraph {
  checkLlamaWeights(config, weights);
  const { batchSize: B, seqLen: S } = options;
  const { hiddenSize: H, numAttentionHeads: nH, numKeyValueHeads: nKv } = config;
  const N = B * S;
  const double = options.dtype === 'double';
  const ft = double ? DataType.double : DataType.float;
  const g = new GraphBuilder(options.gradients ? 'smollm2_lora_train' : 'smollm2_lora_eval');
  const t = new Tape(g, ft);
  const f = functions(t);
  const op = t.op;

  // Memoized: a recomputed layer asks for its weights again and must get the same initializer.
  const frozenByName = new Map<string, Tensor>();
  const frozenInputs: FrozenInput[] = [];
  const frozen = (name: string): Tensor => {
    const had = frozenByName.get(name);
    if (had) return had;
    const shape = weights.shape(name);
    const bytes = () => {
      const values = weights.read(name);
      const typed = double ? Float64Array.from(values) : values;
      return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    };
    if (options.frozenInputs) frozenInputs.push({ name, shape: [...shape] });
    const leaf = t.leaf(options.frozenInputs ? g.input(name, ft, shape) : g.initializer(name, ft, shape, bytes), shape);
    frozenByName.set(name, leaf);
    return leaf;
  };
  const constant = (shape: number[], values: Float64Array): string =>
    g.constant(ft, shape, double ? values : Float32Array.from(values));

  const inputIds = t.leaf(g.input('input_ids', DataType.int64, [B, S]), [B, S]);
  const attentionMask = g.input('attention_mask', DataType.int64, [B, S]);
  const labels = g.input('labels', DataType.int64, [B, S]);
  const modules = loraModules(config, options.lora);
  const scale = loraScale(options.lora);
  const pairs = new Map<string, LoraPair>();
  // Dropout is a training-time regulariser: the evaluation graph measures the adapter as it will run.
  const ratio = options.gradients ? (options.lora.dropout ?? 0) : 0;
  for (const [index, m] of modules.entries()) {
    const a = t.leaf(g.input(m.a, ft, m.aShape), m.aShape, options.gradients);
    const b = t.leaf(g.input(m.b, ft, m.bShape), m.bShape, options.gradients);
    const dropout = ratio > 0 ? { ratio, seed: (options.dropoutSeed ?? 0) * 1024 + index } : undefined;
    pairs.set(m.module, { a, b, scale, dropout });
  }

  const embed = frozen('model.embed_tokens.weight');
  let hidden = f.reshape(f.gather(embed, inputIds), [N, H]);
  const rope = g.scope('rotary_emb', () => rotaryTables(config, S, constant));
  const bias = g.scope('mask', () => t.leaf(attentionBias(t, attentionMask, S, nH / nKv), nH / nKv > 1 ? [B, 1, 1, S, S] : [B, 1, S, S]));
  const rmsEps = t.leaf(t.scalar(config.rmsNormEps), []);
  const rmsNorm = (x: Tensor, w: Tensor) => g.scope('norm', () => f.mul(f.div(x, f.sqrt(f.add(f.reduceMean(f.pow(x, 2), [-1]), rmsEps))), w));

  const recompute = options.recompute ?? (options.gradients && ratio === 0);
  if (recompute && ratio > 0) throw new Error('recompute needs lora.dropout 0: a recomputed layer would draw another mask');
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const layer = (x: Tensor): Tensor => {
      const proj = (y: Tensor, module: string) => loraLinear(f, y, frozen(`${p}.${module}.weight`), pairs.get(`${p}.${module}`));
      const normed = rmsNorm(x, frozen(`${p}.input_layernorm.weight`));
      const attn = g.scope('self_attn', () => attention(f, t, config, B, S, normed, proj, rope, bias));
      const mid = f.add(x, attn);
      const normed2 = rmsNorm(mid, frozen(`${p}.post_attention_layernorm.weight`));
      const mlp = g.scope('mlp', () => {
        const gate = proj(normed2, 'mlp.gate_proj');
        const up = proj(normed2, 'mlp.up_proj');
        return proj(f.mul(f.mul(gate, f.sigmoid(gate)), up), 'mlp.down_proj');
      });
      return f.add(mid, mlp);
    };
    hidden = g.scope(`layers.${i}`, () => (recompute ? t.checkpoint([hidden], ([x]) => [layer(x!)])[0]! : layer(hidden)));
  }
  hidden = rmsNorm(hidden, frozen('model.norm.weight'));
  const head = config.tieWordEmbeddings ? embed : frozen('lm_head.weight');

  // HF's shift: logits[:, t] predict labels[:, t + 1]; the last position gets IGNORE_INDEX.
  const shifted = g.scope('labels', () => {
    const next = op.slice(labels, [1], [S], [1]);
    const pad = g.constant(DataType.int64, [B, 1], new BigInt64Array(B).fill(BigInt(IGNORE_INDEX)));
    return op.reshape(op.concat([next, pad], 1), [N]);
  });
  const chunkRows = options.logits ? 0 : (options.lossChunkRows ?? DEFAULT_LOSS_CHUNK_ROWS);
  const logits = chunkRows > 0 ? undefined : g.scope('lm_head', () => f.linear(hidden, head));
  const loss = g.scope('loss', () =>
    logits ? f.crossEntropy(logits, t.leaf(shifted, [N])) : f.linearCrossEntropy(hidden, head, t.leaf(shifted, [N]), chunkRows, options.storeLogProbs),
  );
  if (options.logits && logits) {
    g.node('Identity', [logits.name], {}, { outputNames: ['logits'] });
    g.output('logits', ft, logits.shape);
  }
  g.node('Identity', [loss.name], {}, { outputNames: ['loss'] });
  g.output('loss', ft, []);

  if (options.gradients) {
    t.backward(loss);
    for (const m of modules) {
      const pair = pairs.get(m.module)!;
      for (const [tensor, name] of [
        [pair.a, m.a],
        [pair.b, m.b],
      ] as const) {
        const grad = t.grad(tensor);
        if (grad === undefined) throw new Error(`internal error: no gradient reached ${name}`);
        g.node('Identity', [grad], {}, { outputNames: [gradName(name)] });
        g.output(gradName(name), ft, tensor.shape);
      }
    }
  }
  return { graph: g, modules, frozenInputs };
}

interface Rope {
  readonly cos: string;
  readonly sin: string;
}

/** cos/sin of position·inv_freq for positions 0..S-1, both halves, as [1, 1, S, D] constants (float32 steps as HF). */
function rotaryTables(c: ModelConfig, S: number, constant: (shape: number[], values: Float64Array) => string): Rope {
  const { cos, sin } = rotaryTable(c, S, 'full');
  return { cos: constant([1, 1, S, c.headDim], Float64Array.from(cos)), sin: constant([1, 1, S, c.headDim], Float64Array.from(sin)) };
}

/** The additive mask [B, 1, S, S] (or [B, 1, 1, S, S] for grouped attention): 0 where key j ≤ query i and attention_mask[b, j] = 1, else float32 min. */
function attentionBias(t: Tape, attentionMask: string, S: number, groups: number): string {
  const { op, g } = t;
  const visible = op.and(g.constant(DataType.bool, [1, 1, S, S], causalTable(S)), op.unsqueeze(op.cast(attentionMask, DataType.bool), [1, 2]));
  const bias = op.where(visible, t.scalar(0), t.scalar(FLOAT32_MIN));
  return groups > 1 ? op.unsqueeze(bias, [1]) : bias;
}

/** Grouped-query self-attention on rows [N, H]; returns o_proj's output [N, H]. */
function attention(
  f: Functions,
  t: Tape,
  c: ModelConfig,
  B: number,
  S: number,
  x: Tensor,
  proj: (x: Tensor, module: string) => Tensor,
  rope: Rope,
  bias: Tensor,
): Tensor {
  const { headDim: D, numAttentionHeads: nH, numKeyValueHeads: nKv } = c;
  const groups = nH / nKv;
  const heads = (y: Tensor, n: number) => f.transpose(f.reshape(y, [B, S, n, D]), [0, 2, 1, 3]); // [B, n, S, D]
  const q = f.rope(heads(proj(x, 'self_attn.q_proj'), nH), rope.cos, rope.sin);
  const k = f.rope(heads(proj(x, 'self_attn.k_proj'), nKv), rope.cos, rope.sin);
  const v = heads(proj(x, 'self_attn.v_proj'), nKv);
  // GQA as in model/llama.ts: query heads viewed as [B, nKv, g, S, D] meet their KV head by broadcasting.
  const grouped = groups > 1;
  const qg = grouped ? f.reshape(q, [B, nKv, groups, S, D]) : q;
  const kg = grouped ? f.unsqueeze(k, [2]) : k;
  const vg = grouped ? f.unsqueeze(v, [2]) : v;
  const kT = f.transpose(kg, grouped ? [0, 1, 2, 4, 3] : [0, 1, 3, 2]);
  const scores = f.mul(f.matMul(qg, kT), t.leaf(t.scalar(1 / Math.sqrt(D)), []));
  const probs = f.softmax(f.add(scores, bias), -1);
  const context = f.matMul(probs, vg);
  const merged = grouped ? f.reshape(context, [B, nH, S, D]) : context;
  const flat = f.reshape(f.transpose(merged, [0, 2, 1, 3]), [B * S, nH * D]);
  return proj(flat, 'self_attn.o_proj');
}
