/**
 * @file Writes small GGUF v3 files for tests: typed metadata and raw tensor bytes, laid out as
 * llama.cpp lays them out (aligned data section), so the reader can be tested on files built to
 * be right, and on files cut short or corrupted on purpose.
 */
import { writeFileSync } from 'node:fs';

/** A metadata value with its GGUF type code (arrays: item type and items). */
export type TestValue = { readonly type: number; readonly value: number | bigint | boolean | string } | { readonly type: 9; readonly itemType: number; readonly items: readonly (number | string | boolean)[] };

export interface TestTensor {
  readonly name: string;
  /** ggml order: dims[0] varies fastest. */
  readonly dims: readonly number[];
  readonly type: number;
  readonly data: Uint8Array;
}

class Bytes {
  private readonly parts: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.parts.push(buffer);
    this.length += buffer.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  scalar(type: number, value: number | bigint | boolean | string): void {
    const b = Buffer.alloc(8);
    switch (type) {
      case 0: b.writeUInt8(Number(value)); return this.push(b.subarray(0, 1));
      case 1: b.writeInt8(Number(value)); return this.push(b.subarray(0, 1));
      case 2: b.writeUInt16LE(Number(value)); return this.push(b.subarray(0, 2));
      case 3: b.writeInt16LE(Number(value)); return this.push(b.subarray(0, 2));
      case 4: b.writeUInt32LE(Number(value)); return this.push(b.subarray(0, 4));
      case 5: b.writeInt32LE(Number(value)); return this.push(b.subarray(0, 4));
      case 6: b.writeFloatLE(Number(value)); return this.push(b.subarray(0, 4));
      case 7: b.writeUInt8(value ? 1 : 0); return this.push(b.subarray(0, 1));
      case 8: return this.string(String(value));
      case 10: b.writeBigUInt64LE(BigInt(value)); return this.push(b);
      case 11: b.writeBigInt64LE(BigInt(value)); return this.push(b);
      case 12: b.writeDoubleLE(Number(value)); return this.push(b);
      default: throw new Error(`test writer: type ${type}`);
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** The bytes of a GGUF v3 file with `metadata` and `tensors`. */
export function ggufBytes(metadata: Record<string, TestValue>, tensors: readonly TestTensor[], alignment = 32): Buffer {
  const out = new Bytes();
  out.push(Buffer.from('GGUF', 'latin1'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(Object.keys(metadata).length);
  for (const [key, entry] of Object.entries(metadata)) {
    out.string(key);
    out.u32(entry.type);
    if (entry.type === 9 && 'items' in entry) {
      out.u32(entry.itemType);
      out.u64(entry.items.length);
      for (const item of entry.items) out.scalar(entry.itemType, item);
    } else if ('value' in entry) {
      out.scalar(entry.type, entry.value);
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offset = Math.ceil(offset / alignment) * alignment;
    offsets.push(offset);
    offset += t.data.length;
  }
  for (const [i, t] of tensors.entries()) {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offsets[i]);
  }
  const pad = (Math.ceil(out.length / alignment) * alignment) - out.length;
  out.push(Buffer.alloc(pad));
  const start = out.length;
  for (const [i, t] of tensors.entries()) {
    out.push(Buffer.alloc(start + offsets[i] - out.length));
    out.push(Buffer.from(t.data));
  }
  return out.concat();
}

/** Writes `ggufBytes(...)` to `path`. */
export function writeGguf(path: string, metadata: Record<string, TestValue>, tensors: readonly TestTensor[]): void {
  writeFileSync(path, ggufBytes(metadata, tensors));
}
