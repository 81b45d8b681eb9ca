/**
 * @file Where graph builders get weights from: a name-addressed source of float32 tensors in
 * Hugging Face layout and naming (`model.layers.0.self_attn.q_proj.weight`, `[out, in]`).
 * Sources read lazily, so a graph over a multi-GB checkpoint holds one tensor at a time.
 */
import type { QuantBits, StoredQuantized } from '../graph/quantize';
import { SafetensorsError, type SafetensorsFile } from '../graph/safetensors';
import { nonFiniteProblem } from '../graph/finite';

/** Float32 tensors by HF name; `read` may be called more than once and must return the same values. */
export interface WeightSource {
  /** Display name for errors, usually the file path. */
  readonly label: string;
  has(name: string): boolean;
  shape(name: string): readonly number[];
  read(name: string): Float32Array;
  /**
   * The weight's own blocks in MatMulNBits' layout, when the checkpoint stored it quantized in
   * exactly that shape (a GGUF's Q4_0 and Q4_1 blocks of 32); undefined otherwise, and then the
   * graph quantizes `read(name)` itself.
   */
  quantized?(name: string, bits: QuantBits, blockSize: number): StoredQuantized | undefined;
  /**
   * A low-rank update the graph adds to this Linear's output instead of to its weight (a LoRA
   * adapter beside quantized base weights, see `LowRankUpdate`); undefined for most weights.
   */
  lowRank?(name: string): LowRankUpdate | undefined;
}

/**
 * y = x·Wᵀ + (x·Aᵀ)·Bᵀ with A `[rank, in]` (the LoRA scale folded in) and B `[out, rank]`. A
 * quantized graph keeps an adapter this way: added to W before quantizing, an update smaller than
 * a 4-bit step would mostly round away.
 */
export interface LowRankUpdate {
  readonly rank: number;
  readonly a: Float32Array;
  readonly b: Float32Array;
}

/**
 * A `WeightSource` over an open safetensors file. Each tensor is checked for NaN and infinity
 * the first time it is read (graph/finite.ts), so a corrupt checkpoint fails naming the file
 * and tensor instead of producing a model that only ever says end-of-sequence.
 */
export function safetensorsSource(file: SafetensorsFile): WeightSource {
  const names = new Set(file.names());
  const checked = new Set<string>();
  return {
    label: file.path,
    has: (name) => names.has(name),
    shape: (name) => file.info(name).shape,
    read: (name) => {
      const values = file.readFloat32(name);
      if (!checked.has(name)) {
        const problem = nonFiniteProblem(name, values);
        if (problem) throw new SafetensorsError(file.path, problem);
        checked.add(name);
      }
      return values;
    },
  };
}

/** Transposes a row-major `[rows, cols]` matrix. */
export function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  }
  return out;
}
