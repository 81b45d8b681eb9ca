/**
 * @file Serialises a `GraphBuilder` to an `.onnx` file with `onnx-proto` (protobufjs). A
 * protobuf message cannot exceed 2 GB, so when the initializers would push the file past that
 * (SmolLM2-1.7B in fp32 or fp16), tensors go to a side file `<name>_data` instead, written one
 * at a time and referenced by location/offset/length as the ONNX external-data spec describes
 * (https://onnx.ai/onnx/repo-docs/ExternalData.html). Inline files are streamed one tensor at a
 * time too (`writeInline`).
 */
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import onnxProto from 'onnx-proto';
import type { GraphBuilder, Initializer } from './graphBuilder';
import { writeAll } from './safetensors';

const { onnx } = onnxProto;

/** Keep a margin below protobuf's 2^31-1 byte limit for the graph itself. */
const INLINE_LIMIT_BYTES = 2 ** 31 - 64 * 1024 * 1024;
/** Tensors smaller than this stay inline even in external-data models, as onnx does. */
const EXTERNAL_MIN_BYTES = 1024;
/** ORT memory-maps external tensors whose offsets are aligned to the allocation granularity. */
const EXTERNAL_ALIGN = 65536;

/** What `writeOnnxModel` wrote. */
export interface WrittenModel {
  readonly path: string;
  /** The external data file, when one was needed. */
  readonly dataPath?: string;
  readonly initializerBytes: number;
}

/** Options of `writeOnnxModel`. */
export interface WriteOptions {
  /** Force external data (true) or inline (false); by default external only above the 2 GB limit. */
  readonly externalData?: boolean;
}

/** The model of a small `graph` as ONNX bytes, initializers inline (for probes built in memory). */
export function encodeOnnxModel(graph: GraphBuilder): Uint8Array {
  const model = graph.modelSkeleton();
  model.graph!.initializer = graph.initializers.map((t) => tensorProto(t, checkedBytes(t)));
  return onnx.ModelProto.encode(model).finish();
}

/** Writes the model of `graph` to `path`, inline or with `path + '_data'` external data. */
export function writeOnnxModel(graph: GraphBuilder, path: string, options: WriteOptions = {}): WrittenModel {
  const initializerBytes = graph.initializers.reduce((sum, t) => sum + t.byteLength, 0);
  const external = options.externalData ?? initializerBytes > INLINE_LIMIT_BYTES;
  const model = graph.modelSkeleton();
  if (!external) {
    writeInline(model, graph.initializers, path);
    return { path, initializerBytes };
  }
  const dataPath = `${path}_data`;
  const location = basename(dataPath);
  const fd = openSync(dataPath, 'w');
  const tensors: onnxProto.onnx.ITensorProto[] = [];
  try {
    let offset = 0;
    for (const t of graph.initializers) {
      if (t.byteLength < EXTERNAL_MIN_BYTES) {
        tensors.push(tensorProto(t, checkedBytes(t)));
        continue;
      }
      const aligned = Math.ceil(offset / EXTERNAL_ALIGN) * EXTERNAL_ALIGN;
      if (aligned > offset) writeAll(fd, new Uint8Array(aligned - offset));
      writeAll(fd, checkedBytes(t));
      tensors.push({
        ...tensorProto(t),
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: String(aligned) },
          { key: 'length', value: String(t.byteLength) },
        ],
      });
      offset = aligned + t.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  model.graph!.initializer = tensors;
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return { path, dataPath, initializerBytes };
}

// Protobuf field numbers (onnx.proto) and length-delimited tags, (field << 3) | 2.
const MODEL_GRAPH_TAG = (7 << 3) | 2;
const GRAPH_INITIALIZER_TAG = (5 << 3) | 2;
const TENSOR_RAW_DATA_TAG = (9 << 3) | 2;

/**
 * Writes the model with its initializers inline, one tensor's bytes at a time. Encoding the whole
 * ModelProto at once held every initializer twice (the tensors and the encoded buffer: 135M in
 * fp32 took about 700 MiB more while a merge wrote it). Protobuf lets a message's fields come in any
 * order, so the graph field goes last and its initializers after its other fields; their lengths
 * are known before their bytes are made.
 */
function writeInline(model: onnxProto.onnx.IModelProto, initializers: readonly Initializer[], path: string): void {
  // Each tensor's fields but its bytes (name, type, dims): small, so all are encoded up front.
  const headers = initializers.map((t) => onnx.TensorProto.encode(tensorProto(t)).finish());
  const lengths = initializers.map((t, i) => headers[i]!.length + 1 + varint(t.byteLength).length + t.byteLength);
  const graph = onnx.GraphProto.encode({ ...model.graph, initializer: [] }).finish();
  const graphLength = lengths.reduce((sum, length) => sum + 1 + varint(length).length + length, graph.length);
  const fd = openSync(path, 'w');
  let complete = false;
  try {
    writeAll(fd, onnx.ModelProto.encode({ ...model, graph: undefined }).finish());
    writeAll(fd, Uint8Array.of(MODEL_GRAPH_TAG, ...varint(graphLength)));
    writeAll(fd, graph);
    for (const [i, t] of initializers.entries()) {
      writeAll(fd, Uint8Array.of(GRAPH_INITIALIZER_TAG, ...varint(lengths[i]!)));
      writeAll(fd, headers[i]!);
      writeAll(fd, Uint8Array.of(TENSOR_RAW_DATA_TAG, ...varint(t.byteLength)));
      writeAll(fd, checkedBytes(t));
    }
    complete = true;
  } finally {
    closeSync(fd);
    // A tensor that failed to load (a corrupt checkpoint) must not leave a truncated model behind.
    if (!complete) rmSync(path, { force: true });
  }
}

/** A protobuf base-128 varint of a non-negative integer below 2^53. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function tensorProto(t: Initializer, rawData?: Uint8Array): onnxProto.onnx.ITensorProto {
  return { name: t.name, dataType: t.dataType, dims: [...t.dims], ...(rawData ? { rawData } : {}) };
}

function checkedBytes(t: Initializer): Uint8Array {
  const bytes = t.bytes();
  if (bytes.length !== t.byteLength) throw new Error(`initializer ${t.name}: got ${bytes.length} bytes, expected ${t.byteLength}`);
  return bytes;
}
