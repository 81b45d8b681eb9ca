/**
 * @file Reads and writes the safetensors format (https://huggingface.co/docs/safetensors):
 * an 8-byte little-endian header length, a JSON header mapping tensor names to
 * `{dtype, shape, data_offsets}`, then the raw little-endian tensor bytes. Reads go through a
 * file descriptor one tensor at a time and writes stream tensor by tensor, so multi-GB files
 * never have to fit in memory at once. Every malformed-file error names the file.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { fromBf16Array, fromHalfArray, toBf16Array, toHalfArray } from './half';
import { FileError } from './fileError';

/** The element types SmolCode reads and writes. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

const ELEMENT_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const SUPPORTED = Object.keys(ELEMENT_BYTES) as SafetensorsDtype[];
/** Headers beyond this are not real model files; refusing them avoids huge allocations. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** One tensor's entry in the header. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Byte range relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

/** A malformed or unsupported safetensors file; the message names the file. */
export class SafetensorsError extends FileError {
  override readonly name = 'SafetensorsError';
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An open safetensors file; call `close()` when done. */
export class SafetensorsFile {
  private readonly tensors = new Map<string, TensorInfo>();
  /** The `__metadata__` string map, if any. */
  readonly metadata: Readonly<Record<string, string>>;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly dataStart: number,
    header: Record<string, unknown>,
    fileSize: number,
  ) {
    const meta = header.__metadata__;
    this.metadata = (meta && typeof meta === 'object' ? meta : {}) as Record<string, string>;
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      this.tensors.set(name, validateEntry(path, name, entry, fileSize - dataStart));
    }
  }

  /** Opens and validates `path`; throws `SafetensorsError` naming the file and the problem. */
  static open(path: string): SafetensorsFile {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < 8) throw new SafetensorsError(path, `truncated: ${size} bytes, shorter than the 8-byte header length`);
      const lenBuf = Buffer.alloc(8);
      readSync(fd, lenBuf, 0, 8, 0);
      const headerLen = Number(lenBuf.readBigUInt64LE(0));
      if (headerLen > MAX_HEADER_BYTES) throw new SafetensorsError(path, `header length ${headerLen} exceeds ${MAX_HEADER_BYTES} bytes`);
      if (8 + headerLen > size) {
        throw new SafetensorsError(path, `truncated: header says ${headerLen} bytes but only ${size - 8} follow`);
      }
      const headerBuf = Buffer.alloc(headerLen);
      readSync(fd, headerBuf, 0, headerLen, 8);
      let header: unknown;
      try {
        header = JSON.parse(headerBuf.toString('utf8'));
      } catch (error) {
        throw new SafetensorsError(path, `header is not valid JSON (${(error as Error).message})`);
      }
      if (!header || typeof header !== 'object' || Array.isArray(header)) {
        throw new SafetensorsError(path, 'header is not a JSON object');
      }
      return new SafetensorsFile(path, fd, 8 + headerLen, header as Record<string, unknown>, size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** The header entry of `name`; throws naming the file when it is absent. */
  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new SafetensorsError(this.path, `no tensor named "${name}"`);
    return info;
  }

  /** Reads the raw bytes of `name`. */
  readBytes(name: string): Uint8Array {
    const info = this.info(name);
    const out = new Uint8Array(info.end - info.begin);
    let done = 0;
    // readSync moves at most ~2 GB per call, so large tensors are read in pieces.
    while (done < out.length) {
      const n = readSync(this.fd, out, done, Math.min(out.length - done, 1 << 30), this.dataStart + info.begin + done);
      if (n === 0) throw new SafetensorsError(this.path, `unexpected end of file in tensor "${name}"`);
      done += n;
    }
    return out;
  }

  /** Reads `name` converted to float32. */
  readFloat32(name: string): Float32Array {
    const { dtype } = this.info(name);
    const bytes = this.readBytes(name);
    if (dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    const bits = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    return dtype === 'F16' ? fromHalfArray(bits) : fromBf16Array(bits);
  }

  /** Closes the file descriptor. */
  close(): void {
    closeSync(this.fd);
  }
}

function validateEntry(file: string, name: string, entry: unknown, dataBytes: number): TensorInfo {
  const bad = (problem: string) => new SafetensorsError(file, `tensor "${name}": ${problem}`);
  if (!entry || typeof entry !== 'object') throw bad('header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(SUPPORTED as string[]).includes(dtype)) {
    throw bad(`unsupported dtype ${JSON.stringify(dtype)}; supported: ${SUPPORTED.join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataBytes) {
    throw bad(`data_offsets [${begin}, ${end}] out of range: the data section has ${dataBytes} bytes`);
  }
  const expected = elementCount(shape) * ELEMENT_BYTES[dtype as SafetensorsDtype];
  if (end - begin !== expected) throw bad(`data_offsets span ${end - begin} bytes but shape ${JSON.stringify(shape)} ${dtype} needs ${expected}`);
  return { name, dtype: dtype as SafetensorsDtype, shape, begin, end };
}

/** One tensor to write; `values` is called only when its bytes are due, so callers can stream. */
export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: () => Float32Array;
}

/** Encodes float32 values as `dtype` bytes. */
export function encodeValues(values: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  const encoded = dtype === 'F32' ? values : dtype === 'F16' ? toHalfArray(values) : toBf16Array(values);
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** Writes a safetensors file tensor by tensor, storing every tensor as `dtype`. */
export function writeSafetensors(
  path: string,
  tensors: readonly TensorToWrite[],
  dtype: SafetensorsDtype,
  metadata: Record<string, string> = { format: 'pt' },
): void {
  for (const written of tensorWrites(path, tensors, dtype, metadata)) void written;
}

/**
 * `writeSafetensors` for long writes (a model dequantized while it is written): between tensors
 * it reports how many are written and lets the event loop run, so a cancel through `signal` stops
 * it within one tensor. An aborted write leaves a partial file for the caller to remove.
 */
export async function writeSafetensorsAsync(
  path: string,
  tensors: readonly TensorToWrite[],
  dtype: SafetensorsDtype,
  metadata: Record<string, string> = { format: 'pt' },
  hooks: { readonly onTensor?: (written: number, total: number) => void; readonly signal?: AbortSignal } = {},
): Promise<void> {
  for (const written of tensorWrites(path, tensors, dtype, metadata)) {
    hooks.onTensor?.(written, tensors.length);
    await new Promise((resolve) => setImmediate(resolve));
    hooks.signal?.throwIfAborted();
  }
}

/** Writes the file, yielding the number of tensors written after each one (and 0 after the header). */
function* tensorWrites(path: string, tensors: readonly TensorToWrite[], dtype: SafetensorsDtype, metadata: Record<string, string>): Generator<number> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = elementCount(t.shape) * ELEMENT_BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // The data section must start 8-byte aligned; the format pads the header with spaces.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const fd = openSync(path, 'w');
  try {
    const lenBuf = Buffer.alloc(8);
    lenBuf.writeBigUInt64LE(BigInt(headerBytes.length));
    writeSync(fd, lenBuf);
    writeSync(fd, headerBytes);
    yield 0;
    for (const [i, t] of tensors.entries()) {
      const values = t.values();
      if (values.length !== elementCount(t.shape)) {
        throw new Error(`${path}: tensor "${t.name}" has ${values.length} values for shape ${JSON.stringify(t.shape)}`);
      }
      writeAll(fd, encodeValues(values, dtype));
      yield i + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `bytes`, looping because one `writeSync` may write less. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
}
