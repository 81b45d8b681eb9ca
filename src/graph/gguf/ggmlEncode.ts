/**
 * @file Float32 values encoded as the ggml types SmolCode writes: F32, F16 (round to nearest
 * even, as numpy's astype(float16) in llama.cpp's converter) and Q8_0. Q8_0 follows ggml's
 * `quantize_row_q8_0_ref` (ggml-quants.c) step for step in float32: per block of 32,
 * d = max|x| / 127, q = roundf(x · (1/d)) (halves away from zero), stored as d in f16 and 32 int8;
 * so our blocks are byte-identical to the ones llama.cpp's own converter writes. Q4_0 follows
 * `quantize_row_q4_0_ref` likewise: d = (the value of largest magnitude, with its sign) / -8,
 * q = min(15, trunc(x/d + 8.5)), two 4-bit values per byte (j and j + 16).
 */
import { floatToHalfBits } from '../half';
import { GgmlType } from './ggmlTypes';

const f = Math.fround;

/** C's roundf: halves away from zero. */
function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Q8_0 blocks of `values`, whose length must be a multiple of 32. */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`Q8_0 needs whole blocks of 32 values; got ${values.length}`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(values[b * 32 + i]));
    const d = f(amax / 127);
    const id = d !== 0 ? f(1 / d) : 0;
    view.setUint16(b * 34, floatToHalfBits(d), true);
    for (let i = 0; i < 32; i++) view.setInt8(b * 34 + 2 + i, roundAway(f(values[b * 32 + i] * id)));
  }
  return out;
}

/** Q4_0 blocks of `values`, whose length must be a multiple of 32. */
export function quantizeQ4_0(values: Float32Array): Uint8Array {
  if (values.length % 32 !== 0) throw new Error(`Q4_0 needs whole blocks of 32 values; got ${values.length}`);
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 18);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const x = values.subarray(b * 32, b * 32 + 32);
    let amax = 0;
    let max = 0;
    for (let i = 0; i < 32; i++) {
      if (Math.abs(x[i]!) > amax) {
        amax = Math.abs(x[i]!);
        max = x[i]!;
      }
    }
    const d = f(max / -8);
    const id = d !== 0 ? f(1 / d) : 0;
    view.setUint16(b * 18, floatToHalfBits(d), true);
    for (let j = 0; j < 16; j++) {
      // C's (int8_t) cast truncates toward zero; x·id + 8.5 lies in [0.5, 16.5].
      const lo = Math.min(15, Math.trunc(f(f(x[j]! * id) + 8.5)));
      const hi = Math.min(15, Math.trunc(f(f(x[j + 16]! * id) + 8.5)));
      out[b * 18 + 2 + j] = lo | (hi << 4);
    }
  }
  return out;
}

/** Bytes of `values` as half floats. */
export function encodeF16(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalfBits(values[i]);
  return new Uint8Array(out.buffer);
}

/** The types a tensor may be written as. */
export type WritableGgmlType = typeof GgmlType.F32 | typeof GgmlType.F16 | typeof GgmlType.Q8_0 | typeof GgmlType.Q4_0;

/** `values` encoded as `type`. */
export function encodeGgml(values: Float32Array, type: WritableGgmlType): Uint8Array {
  switch (type) {
    case GgmlType.F32: return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case GgmlType.F16: return encodeF16(values);
    case GgmlType.Q8_0: return quantizeQ8_0(values);
    case GgmlType.Q4_0: return quantizeQ4_0(values);
  }
}
