/**
 * @file The cache buffers of a fused matmul graph (model/llamaFused.ts) in the engine's memory:
 * their layout per cache type, appending a step's new rows (`new_key_values`), and copying the
 * valid positions into larger buffers. float32 buffers are `[1, kvHeads, capacity, headDim]`.
 * 8-bit ones (model/int8KvAttention.ts) hold keys transposed, `[1, kvHeads, headDim, capacity]`,
 * values `[1, kvHeads, capacity, headDim]`, and one scale per position and head for each,
 * `[1, kvHeads, 1, capacity]`; a row is rounded here, once, when it is appended.
 */
import type { KvCacheType } from '../model/configTypes';

/** One layer's key or value buffer and, for an 8-bit cache, its scales. */
export interface KvBuffer {
  readonly data: Float32Array | Int8Array;
  readonly scales?: Float32Array;
}

/** The shape of every buffer of one cache. */
export interface KvGeometry {
  readonly type: KvCacheType;
  readonly heads: number;
  readonly headDim: number;
}

/** An empty buffer of `capacity` positions (keys and values take the same room; `kvDims` gives their shapes). */
export function allocateKvBuffer(geometry: KvGeometry, capacity: number): KvBuffer {
  const size = geometry.heads * capacity * geometry.headDim;
  if (geometry.type === 'float32') return { data: new Float32Array(size) };
  return { data: new Int8Array(size), scales: new Float32Array(geometry.heads * capacity) };
}

/** ONNX dims of a buffer (`data`) and of its scales. */
export function kvDims(geometry: KvGeometry, capacity: number, key: boolean): { data: number[]; scales: number[] } {
  const { heads, headDim, type } = geometry;
  const transposed = type === 'int8' && key;
  return { data: transposed ? [1, heads, headDim, capacity] : [1, heads, capacity, headDim], scales: [1, heads, 1, capacity] };
}

/**
 * Writes `count` new positions from `rows` (`[count, heads · headDim]` floats starting at
 * `offset`) into `buffer` at positions `[at, at + count)`.
 */
export function appendKvRows(geometry: KvGeometry, buffer: KvBuffer, capacity: number, key: boolean, rows: Float32Array, offset: number, count: number, at: number): void {
  const { heads, headDim } = geometry;
  if (buffer.data instanceof Float32Array) {
    for (let s = 0; s < count; s++) {
      for (let h = 0; h < heads; h++) {
        const from = offset + (s * heads + h) * headDim;
        buffer.data.set(rows.subarray(from, from + headDim), (h * capacity + at + s) * headDim);
      }
    }
    return;
  }
  const { data, scales } = buffer;
  for (let s = 0; s < count; s++) {
    const position = at + s;
    for (let h = 0; h < heads; h++) {
      const from = offset + (s * heads + h) * headDim;
      let largest = 0;
      for (let d = 0; d < headDim; d++) largest = Math.max(largest, Math.abs(rows[from + d]));
      const scale = largest / 127;
      const inverse = scale > 0 ? 1 / scale : 0;
      scales![h * capacity + position] = scale;
      if (key) {
        // Transposed: consecutive positions of one head dimension are adjacent.
        for (let d = 0; d < headDim; d++) data[(h * headDim + d) * capacity + position] = Math.round(rows[from + d] * inverse);
      } else {
        const to = (h * capacity + position) * headDim;
        for (let d = 0; d < headDim; d++) data[to + d] = Math.round(rows[from + d] * inverse);
      }
    }
  }
}

/** Copies the first `length` positions of `from` (`fromCapacity` positions) into `to` (`toCapacity`). */
export function copyKvPositions(geometry: KvGeometry, from: KvBuffer, fromCapacity: number, to: KvBuffer, toCapacity: number, key: boolean, length: number): void {
  const { heads, headDim } = geometry;
  const runs = (source: Float32Array | Int8Array, target: Float32Array | Int8Array, perHead: number, width: number) => {
    for (let r = 0; r < heads * perHead; r++) target.set(source.subarray(r * fromCapacity * width, (r * fromCapacity + length) * width), r * toCapacity * width);
  };
  if (geometry.type === 'int8' && key) runs(from.data, to.data, headDim, 1);
  else runs(from.data, to.data, 1, headDim);
  if (from.scales && to.scales) runs(from.scales, to.scales, 1, 1);
}

/** Bytes of one buffer of `capacity` positions, scales included. */
export function kvBufferBytes(geometry: KvGeometry, capacity: number): number {
  const values = geometry.heads * capacity * geometry.headDim;
  return geometry.type === 'float32' ? values * 4 : values + geometry.heads * capacity * 4;
}

/** The values of one head at one position, as float32 (an 8-bit row times its scale). */
export function readKvRow(geometry: KvGeometry, buffer: KvBuffer, capacity: number, key: boolean, head: number, position: number): Float32Array {
  const { headDim } = geometry;
  const row = new Float32Array(headDim);
  const scale = buffer.scales ? buffer.scales[head * capacity + position] : 1;
  for (let d = 0; d < headDim; d++) {
    const at = geometry.type === 'int8' && key ? (head * headDim + d) * capacity + position : (head * capacity + position) * headDim + d;
    row[d] = buffer.data[at] * scale;
  }
  return row;
}
