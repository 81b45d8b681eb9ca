/**
 * @file Serialises a `GraphBuilder` to an `.onnx` file with `onnx-proto` (protobufjs). A
 * protobuf message cannot exceed 2 GB, so when the initializers would push the file past that
 * (SmolLM2-1.7B in fp32 or fp16), tensors go to a side file `<name>_data` instead, written one
 * at a time and referenced by location/offset/length as the ONNX external-data spec describes
 * (https://onnx.ai/onnx/repo-docs/ExternalData.html).
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
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

/** Writes the model of `graph` to `path`, inline or with `path + '_data'` external data. */
export function writeOnnxModel(graph: GraphBuilder, path: string, options: WriteOptions = {}): WrittenModel {
  const initializerBytes = graph.initializers.reduce((sum, t) => sum + t.byteLength, 0);
  const external = options.externalData ?? initializerBytes > INLINE_LIMIT_BYTES;
  const model = graph.modelSkeleton();
  if (!external) {
    model.graph!.initializer = graph.initializers.map((t) => tensorProto(t, checkedBytes(t)));
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
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

function tensorProto(t: Initializer, rawData?: Uint8Array): onnxProto.onnx.ITensorProto {
  return { name: t.name, dataType: t.dataType, dims: [...t.dims], ...(rawData ? { rawData } : {}) };
}

function checkedBytes(t: Initializer): Uint8Array {
  const bytes = t.bytes();
  if (bytes.length !== t.byteLength) throw new Error(`initializer ${t.name}: got ${bytes.length} bytes, expected ${t.byteLength}`);
  return bytes;
}
