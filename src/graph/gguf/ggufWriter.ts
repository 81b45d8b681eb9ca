/**
 * @file Writes GGUF v3 files as llama.cpp lays them out: header (magic, version, counts), typed
 * metadata, tensor infos with offsets relative to the data section, padding to the alignment,
 * then each tensor's bytes, each padded to the alignment as well. The header needs only each
 * tensor's byte length, so `writeGgufFile` asks for a tensor's bytes when they are due and a
 * multi-gigabyte model never sits in memory whole; it writes a temporary file beside the target
 * and renames it at the end, so a failed or cancelled write leaves nothing at the target.
 * `ggufBytes` builds a small file in memory (tests corrupt such files on purpose).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** GGUF's metadata value type codes (gguf.md, `gguf_metadata_value_type`). */
export const GgufValueType = {
  U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12,
} as const;

/** A metadata value with its GGUF type code; arrays carry their item type. */
export type GgufMetadataEntry =
  | { readonly type: number; readonly value: number | bigint | boolean | string }
  | { readonly type: 9; readonly itemType: number; readonly items: readonly (number | bigint | string | boolean)[] };

/** A tensor's header entry. */
export interface GgufTensorEntry {
  readonly name: string;
  /** ggml order: dims[0] varies fastest (a matrix's input dimension). */
  readonly dims: readonly number[];
  /** ggml type code (ggmlTypes.ts). */
  readonly type: number;
  readonly byteLength: number;
}

/** A tensor whose bytes are produced when they are written. */
export interface GgufTensorToWrite extends GgufTensorEntry {
  readonly data: () => Uint8Array;
}

/** A tensor given with its bytes (small files, tests). */
export interface GgufTensorBytes {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: number;
  readonly data: Uint8Array;
}

const DEFAULT_ALIGNMENT = 32;

/** Collects little-endian pieces of the header. */
class HeaderBytes {
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
  scalar(type: number, value: number | bigint | boolean | string, key: string): void {
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
      default: throw new Error(`GGUF metadata ${key}: unknown value type ${type} (0 to 12 are)`);
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const align = (n: number, alignment: number) => Math.ceil(n / alignment) * alignment;

/** The header of a GGUF v3 file, padded to the data section, and each tensor's offset in that section. */
export function ggufHeader(metadata: Readonly<Record<string, GgufMetadataEntry>>, tensors: readonly GgufTensorEntry[], alignment = DEFAULT_ALIGNMENT): { readonly header: Buffer; readonly offsets: readonly number[] } {
  const out = new HeaderBytes();
  out.push(Buffer.from('GGUF', 'latin1'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(Object.keys(metadata).length);
  for (const [key, entry] of Object.entries(metadata)) {
    out.string(key);
    out.u32(entry.type);
    if ('items' in entry) {
      out.u32(entry.itemType);
      out.u64(entry.items.length);
      for (const item of entry.items) out.scalar(entry.itemType, item, key);
    } else {
      out.scalar(entry.type, entry.value, key);
    }
  }
  let offset = 0;
  const offsets = tensors.map((t) => {
    const at = align(offset, alignment);
    offset = at + t.byteLength;
    return at;
  });
  for (const [i, t] of tensors.entries()) {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offsets[i]);
  }
  out.push(Buffer.alloc(align(out.length, alignment) - out.length));
  return { header: out.concat(), offsets };
}

/** The bytes of a GGUF v3 file with `metadata` and `tensors`, built in memory. */
export function ggufBytes(metadata: Readonly<Record<string, GgufMetadataEntry>>, tensors: readonly GgufTensorBytes[], alignment = DEFAULT_ALIGNMENT): Buffer {
  const { header, offsets } = ggufHeader(metadata, tensors.map((t) => ({ ...t, byteLength: t.data.length })), alignment);
  const parts: Buffer[] = [header];
  let length = 0;
  for (const [i, t] of tensors.entries()) {
    parts.push(Buffer.alloc(offsets[i] - length), Buffer.from(t.data));
    length = offsets[i] + t.data.length;
  }
  return Buffer.concat(parts);
}

/** Hooks of a long write: progress after each tensor, and cancellation between tensors. */
export interface GgufWriteHooks {
  readonly onTensor?: (written: number, total: number, name: string) => void;
  readonly signal?: AbortSignal;
}

/** Writes all of `bytes`, looping because one `writeSync` may write less. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
}

/** The temporary file a write to `path` goes to before it is renamed. */
export function partialGgufPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
}

/**
 * Writes a GGUF v3 file to `path` tensor by tensor (see the file header). Between tensors it
 * reports progress and lets the event loop run, so a cancel through `hooks.signal` stops it
 * within one tensor; then, as on any failure, the temporary file is removed and `path` untouched.
 */
export async function writeGgufFile(path: string, metadata: Readonly<Record<string, GgufMetadataEntry>>, tensors: readonly GgufTensorToWrite[], hooks: GgufWriteHooks = {}, alignment = DEFAULT_ALIGNMENT): Promise<void> {
  const { header, offsets } = ggufHeader(metadata, tensors, alignment);
  const partial = partialGgufPath(path);
  const fd = openSync(partial, 'w');
  let closed = false;
  try {
    writeAll(fd, header);
    let length = 0;
    for (const [i, t] of tensors.entries()) {
      hooks.signal?.throwIfAborted();
      const data = t.data();
      if (data.length !== t.byteLength) throw new Error(`${path}: tensor ${t.name} has ${data.length} bytes, its header entry says ${t.byteLength}`);
      writeAll(fd, new Uint8Array(offsets[i] - length));
      writeAll(fd, data);
      length = offsets[i] + data.length;
      hooks.onTensor?.(i + 1, tensors.length, t.name);
      await new Promise((resolve) => setImmediate(resolve));
    }
    hooks.signal?.throwIfAborted();
    closeSync(fd);
    closed = true;
    renameSync(partial, path);
  } finally {
    if (!closed) closeSync(fd);
    rmSync(partial, { force: true });
  }
}
