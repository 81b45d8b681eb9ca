/**
 * @file Reads GGUF files, the format llama.cpp, Ollama and LM Studio keep models in: a
 * little-endian header (magic, version, tensor and key counts), typed metadata (scalars,
 * strings, nested arrays), tensor infos (name, dims, type, offset), then the tensor data from the
 * aligned data offset (`general.alignment`, 32 by default). Only the header is read up front, in
 * chunks; a tensor's bytes are read when asked for, so a multi-gigabyte file costs its header.
 * Versions 2 and 3 are read (64-bit counts); every count, length and offset is checked against
 * the file's size before it is used, and each problem is a GgufError naming the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FileError } from '../fileError';
import { blockLayout, GgmlType, ggmlTypeName, tensorByteLength } from './ggmlTypes';

const SUPPORTED = Object.keys(GgmlType).join(', ');

/** A GGUF file that cannot be read, with the reason. */
export class GgufError extends FileError {
  override readonly name = 'GgufError';
}

/** A metadata value: numbers (64-bit integers as bigint), booleans, strings, and arrays of them. */
export type GgufValue = number | bigint | boolean | string | readonly GgufValue[];

/** One tensor's entry in the header. */
export interface GgufTensorInfo {
  readonly name: string;
  /** ggml's order: dims[0] varies fastest (a matrix's input dimension). */
  readonly dims: readonly number[];
  readonly type: GgmlType;
  /** Absolute byte offset of the data in the file. */
  readonly offset: number;
  readonly byteLength: number;
}

const MAGIC = 0x46554747; // "GGUF" little-endian
const HEADER_CHUNK = 1 << 20;
/** Far above any real file's counts; guards allocations driven by a corrupt header. */
const MAX_COUNT = 1 << 24;

/** Header reader over a file descriptor: reads ahead in chunks and never past the file's end. */
class HeaderCursor {
  private buffer = Buffer.alloc(0);
  private start = 0;
  position = 0;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    readonly size: number,
  ) {}

  fail(problem: string): never {
    throw new GgufError(this.path, problem);
  }

  private need(bytes: number, what: string): number {
    if (this.position + bytes > this.size) this.fail(`truncated: ${what} at byte ${this.position} runs past the end of the file (${this.size} bytes)`);
    const end = this.start + this.buffer.length;
    if (this.position + bytes > end) {
      const length = Math.min(this.size - this.position, Math.max(bytes, HEADER_CHUNK));
      this.buffer = Buffer.alloc(length);
      const read = readSync(this.fd, this.buffer, 0, length, this.position);
      if (read < bytes) this.fail(`truncated: could read only ${read} of ${bytes} bytes at byte ${this.position}`);
      this.start = this.position;
    }
    const at = this.position - this.start;
    this.position += bytes;
    return at;
  }

  // Each reader takes the offset first: `need` may swap in a new buffer.
  u32(what: string): number {
    const at = this.need(4, what);
    return this.buffer.readUInt32LE(at);
  }
  u64(what: string): bigint {
    const at = this.need(8, what);
    return this.buffer.readBigUInt64LE(at);
  }
  /** A u64 that must be a count or offset JavaScript can hold exactly and the file can contain. */
  size64(what: string, max = this.size): number {
    const value = this.u64(what);
    if (value > BigInt(max)) this.fail(`${what} is ${value}, beyond ${max}`);
    return Number(value);
  }
  bytes(length: number, what: string): Buffer {
    const at = this.need(length, what);
    return this.buffer.subarray(at, at + length);
  }
  string(what: string): string {
    const length = this.size64(`length of ${what}`);
    return this.bytes(length, what).toString('utf8');
  }

  /** A typed metadata value of type `type` (GGUF's value type codes). */
  value(type: number, what: string, depth = 0): GgufValue {
    if (type === 8) return this.string(what);
    if (type === 9) {
      if (depth > 4) this.fail(`${what}: arrays nested deeper than 4`);
      const itemType = this.u32(`item type of ${what}`);
      const count = this.size64(`length of ${what}`, MAX_COUNT);
      const items: GgufValue[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = this.value(itemType, what, depth + 1);
      return items;
    }
    const scalar = SCALARS[type];
    if (!scalar) return this.fail(`${what}: unknown metadata value type ${type}`);
    // The offset first: `need` may swap in a new buffer.
    const at = this.need(scalar.size, what);
    const value = scalar.read(this.buffer, at);
    if (type === 7 && value !== 0 && value !== 1) this.fail(`${what}: boolean byte ${String(value)}`);
    return type === 7 ? value === 1 : value;
  }
}

/** GGUF's scalar value types: size in bytes and reader. */
const SCALARS: Readonly<Record<number, { readonly size: number; readonly read: (b: Buffer, at: number) => number | bigint }>> = {
  0: { size: 1, read: (b, at) => b.readUInt8(at) },
  1: { size: 1, read: (b, at) => b.readInt8(at) },
  2: { size: 2, read: (b, at) => b.readUInt16LE(at) },
  3: { size: 2, read: (b, at) => b.readInt16LE(at) },
  4: { size: 4, read: (b, at) => b.readUInt32LE(at) },
  5: { size: 4, read: (b, at) => b.readInt32LE(at) },
  6: { size: 4, read: (b, at) => b.readFloatLE(at) },
  7: { size: 1, read: (b, at) => b.readUInt8(at) },
  10: { size: 8, read: (b, at) => b.readBigUInt64LE(at) },
  11: { size: 8, read: (b, at) => b.readBigInt64LE(at) },
  12: { size: 8, read: (b, at) => b.readDoubleLE(at) },
};

/** An open GGUF file: its metadata and tensor infos; `read` fetches a tensor's raw bytes. */
export class GgufFile {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly version: number,
    readonly metadata: ReadonlyMap<string, GgufValue>,
    readonly tensors: readonly GgufTensorInfo[],
    readonly dataOffset: number,
  ) {}

  /** Opens and checks `path`; throws a GgufError naming the file and the problem. */
  static open(path: string): GgufFile {
    const fd = openSync(path, 'r');
    try {
      // Typed explicitly so that TypeScript narrows after `cursor.fail(...)` (which never returns).
      const cursor: HeaderCursor = new HeaderCursor(fd, path, fstatSync(fd).size);
      if (cursor.size < 24) cursor.fail(`not a GGUF file: ${cursor.size} bytes`);
      if (cursor.u32('magic') !== MAGIC) cursor.fail('not a GGUF file (no "GGUF" magic)');
      const version = cursor.u32('version');
      if (version !== 2 && version !== 3) cursor.fail(`GGUF version ${version} is not supported (2 and 3 are)`);
      const tensorCount = cursor.size64('tensor count', MAX_COUNT);
      const kvCount = cursor.size64('metadata count', MAX_COUNT);
      const metadata = new Map<string, GgufValue>();
      for (let i = 0; i < kvCount; i++) {
        const key = cursor.string(`metadata key ${i}`);
        metadata.set(key, cursor.value(cursor.u32(`type of ${key}`), key));
      }
      const infos: Omit<GgufTensorInfo, 'offset' | 'byteLength'>[] = [];
      const relative: number[] = [];
      for (let i = 0; i < tensorCount; i++) {
        const name = cursor.string(`name of tensor ${i}`);
        const nDims = cursor.u32(`dims of ${name}`);
        if (nDims < 1 || nDims > 4) cursor.fail(`tensor ${name} has ${nDims} dims (1 to 4 expected)`);
        const dims = Array.from({ length: nDims }, (_, d) => cursor.size64(`dim ${d} of ${name}`, Number.MAX_SAFE_INTEGER));
        const type = cursor.u32(`type of ${name}`);
        if (blockLayout(type) === undefined) cursor.fail(`tensor ${name} is ${ggmlTypeName(type)}, a quantization type SmolCode cannot read (it reads ${SUPPORTED})`);
        infos.push({ name, dims, type: type as GgmlType });
        relative.push(cursor.size64(`offset of ${name}`));
      }
      const alignment = metadata.get('general.alignment') ?? 32;
      if (typeof alignment !== 'number' || alignment <= 0 || alignment % 8 !== 0) cursor.fail(`general.alignment ${String(alignment)} is not a positive multiple of 8`);
      const dataOffset = Math.ceil(cursor.position / alignment) * alignment;
      const tensors = infos.map((info, i) => {
        const byteLength = tensorByteLength(info.type, info.dims.reduce((a, b) => a * b, 1));
        if (byteLength === undefined) cursor.fail(`tensor ${info.name}: ${info.dims.join('x')} elements do not fill whole blocks of its type`);
        const offset = dataOffset + relative[i];
        if (offset + byteLength > cursor.size) cursor.fail(`truncated: tensor ${info.name} needs bytes ${offset}..${offset + byteLength}, the file has ${cursor.size}`);
        return { ...info, offset, byteLength };
      });
      return new GgufFile(path, fd, version, metadata, tensors, dataOffset);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The metadata value at `key`, or undefined. */
  get(key: string): GgufValue | undefined {
    return this.metadata.get(key);
  }

  /** The tensor named `name`, or undefined. */
  tensor(name: string): GgufTensorInfo | undefined {
    return this.tensors.find((t) => t.name === name);
  }

  /** The raw bytes of `tensor`. */
  read(tensor: GgufTensorInfo): Uint8Array {
    const bytes = new Uint8Array(tensor.byteLength);
    const read = readSync(this.fd, bytes, 0, bytes.length, tensor.offset);
    if (read !== bytes.length) throw new GgufError(this.path, `truncated: read ${read} of ${bytes.length} bytes of ${tensor.name}`);
    return bytes;
  }

  close(): void {
    closeSync(this.fd);
  }
}
