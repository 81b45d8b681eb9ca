/**
 * @file Runs a generated ONNX model with onnxruntime-node for tests: one forward call with an
 * explicit KV cache, and a plain greedy loop over the cache ("ours", compared with
 * transformers.js). float16 models take and return float16 KV and logits; this helper converts
 * so tests always see float32.
 */
import '../../src/runtime/telemetry';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { fromHalfArray, toHalfArray } from '../../src/graph/half';
import type { LayerCache } from './referenceForward';

const ort = await import('onnxruntime-node');

/** An ORT session plus what the helpers need to know about its I/O. */
export interface OrtModel {
  readonly session: InferenceSession;
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly half: boolean;
}

/** Opens `path` and reads the cache layout from the input metadata. */
export async function openOrtModel(path: string): Promise<OrtModel> {
  const session = await ort.InferenceSession.create(path);
  const pastInputs = session.inputMetadata.filter((m) => m.name.startsWith('past_key_values.'));
  const first = pastInputs[0];
  if (!first?.isTensor) throw new Error(`${path}: no past_key_values inputs`);
  return {
    session,
    layers: pastInputs.length / 2,
    kvHeads: first.shape[1] as number,
    headDim: first.shape[3] as number,
    half: first.type === 'float16',
  };
}

function floats(t: Tensor): Float32Array {
  return t.type === 'float16' ? fromHalfArray(t.data as Uint16Array) : (t.data as Float32Array);
}

function int64(rows: readonly (readonly number[])[]): Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
}

/** One forward call; returns float32 logits `[B, S, V]` and the present cache. */
export async function runOrt(
  model: OrtModel,
  inputIds: readonly (readonly number[])[],
  attentionMask: readonly (readonly number[])[],
  positionIds: readonly (readonly number[])[],
  past?: readonly LayerCache[],
): Promise<{ logits: Float32Array; present: LayerCache[] }> {
  const B = inputIds.length;
  const P = past?.[0]?.length ?? 0;
  const feeds: Record<string, Tensor> = {
    input_ids: int64(inputIds),
    attention_mask: int64(attentionMask),
    position_ids: int64(positionIds),
  };
  const dims = [B, model.kvHeads, P, model.headDim];
  const cacheTensor = (values: Float32Array | undefined) => {
    const data = values ?? new Float32Array(0);
    return model.half ? new ort.Tensor('float16', toHalfArray(data), dims) : new ort.Tensor('float32', data, dims);
  };
  for (let i = 0; i < model.layers; i++) {
    feeds[`past_key_values.${i}.key`] = cacheTensor(past?.[i].key);
    feeds[`past_key_values.${i}.value`] = cacheTensor(past?.[i].value);
  }
  const out = await model.session.run(feeds);
  const present = Array.from({ length: model.layers }, (_, i) => {
    const key = out[`present.${i}.key`];
    return { key: floats(key), value: floats(out[`present.${i}.value`]), length: key.dims[2] };
  });
  return { logits: floats(out.logits), present };
}

/** Index of the largest value in `values[offset, offset + length)`. */
export function argmax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

/** Greedy decoding of one prompt through the KV cache; returns only the new tokens. */
export async function greedyGenerate(model: OrtModel, prompt: readonly number[], maxNewTokens: number, vocab: number): Promise<number[]> {
  const tokens = [...prompt];
  let past: LayerCache[] | undefined;
  let step = prompt;
  for (let n = 0; n < maxNewTokens; n++) {
    const start = tokens.length - step.length;
    const positions = step.map((_, i) => start + i);
    const { logits, present } = await runOrt(model, [step], [tokens.map(() => 1)], [positions], past);
    const next = argmax(logits, (step.length - 1) * vocab, vocab);
    tokens.push(next);
    past = present;
    step = [next];
  }
  return tokens.slice(prompt.length);
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
