/**
 * @file A small ONNX graph builder over the `onnx-proto` protobuf classes. It owns naming
 * (scoped, unique value names), graph inputs and outputs with symbolic dims, and initializers
 * whose bytes are produced lazily, so a writer can stream multi-GB weights one tensor at a
 * time. Typed op helpers live in `ops.ts`; architectures (`llama.ts`) and later training
 * graphs (autodiff, LoRA) and fused contrib-op graphs are all written against this class.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types used by SmolCode graphs (values of `TensorProto.DataType`). */
export const DataType = {
  float: onnx.TensorProto.DataType.FLOAT,
  double: onnx.TensorProto.DataType.DOUBLE,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  float16: onnx.TensorProto.DataType.FLOAT16,
  bfloat16: onnx.TensorProto.DataType.BFLOAT16,
} as const;
/** One ONNX element type. */
export type DataType = (typeof DataType)[keyof typeof DataType];

const BYTES_PER_ELEMENT: Record<DataType, number> = {
  [DataType.float]: 4,
  [DataType.double]: 8,
  [DataType.uint8]: 1,
  [DataType.int8]: 1,
  [DataType.int32]: 4,
  [DataType.int64]: 8,
  [DataType.bool]: 1,
  [DataType.float16]: 2,
  [DataType.bfloat16]: 2,
};

/** A dimension: a fixed size or a symbolic name such as `batch_size`. */
export type Dim = number | string;

/**
 * An attribute value. Bare numbers and number lists are INT/INTS; wrap floats with `float()`
 * so that a float that happens to be whole (alpha = 1.0) keeps its type.
 */
export type AttributeValue = number | string | readonly number[] | FloatAttribute | Subgraph | onnxProto.onnx.ITensorProto;

/** A FLOAT or FLOATS attribute value; make one with `float()`. */
export class FloatAttribute {
  constructor(readonly value: number | readonly number[]) {}
}

/** A GRAPH attribute value (a branch of `If`); make one with `GraphBuilder.subgraph`. */
export class Subgraph {
  constructor(readonly graph: onnxProto.onnx.IGraphProto) {}
}

/** Marks a number or number list as a FLOAT/FLOATS attribute. */
export function float(value: number | readonly number[]): FloatAttribute {
  return new FloatAttribute(value);
}

/** An initializer whose bytes are produced only when the model is written. */
export interface Initializer {
  readonly name: string;
  readonly dataType: DataType;
  readonly dims: readonly number[];
  /** Little-endian raw bytes, exactly `byteLength` long. */
  readonly bytes: () => Uint8Array;
  readonly byteLength: number;
}

/** Options of one node. */
export interface NodeOptions {
  /** Number of outputs (default 1). */
  readonly outputs?: number;
  /** Operator domain, e.g. `com.microsoft`; empty for the default ONNX domain. */
  readonly domain?: string;
  /** Explicit output names, for graph outputs such as `logits`; undefined entries get generated names. */
  readonly outputNames?: readonly (string | undefined)[];
}

/** Byte size of `count` elements of `dataType`. */
export function byteSize(dataType: DataType, count: number): number {
  return BYTES_PER_ELEMENT[dataType] * count;
}

/** Builds one ONNX graph; see the file header. */
export class GraphBuilder {
  private nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializerList: Initializer[] = [];
  private readonly usedNames = new Set<string>();
  private readonly domains = new Map<string, number>();
  private scopes: string[] = [];

  /** `opset` is the default-domain opset version (17 or later). */
  constructor(
    readonly graphName: string,
    readonly opset = 17,
  ) {}

  /** Runs `body` with `name` appended to the node-name scope (e.g. `layers.3/attn`). */
  scope<T>(name: string, body: () => T): T {
    this.scopes.push(name);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * The nodes `body` adds, as a subgraph for a control-flow attribute (`If`'s branches), with the
   * values `body` returns as its outputs. Its nodes may read any value of this graph; names stay
   * unique across both, as ONNX requires.
   */
  subgraph(name: string, body: () => readonly { readonly name: string; readonly dataType: DataType }[]): Subgraph {
    const outer = this.nodes;
    this.nodes = [];
    try {
      const outputs = body().map((o) => ({ name: o.name, type: { tensorType: { elemType: o.dataType } } }));
      return new Subgraph({ name: this.uniqueName(name), node: this.nodes, output: outputs });
    } finally {
      this.nodes = outer;
    }
  }

  /** Declares a graph input and returns its value name. */
  input(name: string, dataType: DataType, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dataType, dims));
    return name;
  }

  /** Declares the value `name` as a graph output; give the producing node that name via `NodeOptions.outputNames`. */
  output(name: string, dataType: DataType, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, dataType, dims));
  }

  /** Adds an initializer whose bytes come from `bytes()` at write time; returns its name. */
  initializer(name: string, dataType: DataType, dims: readonly number[], bytes: () => Uint8Array): string {
    this.claim(name);
    return this.addInitializer(name, dataType, dims, bytes);
  }

  /** Adds a small constant initializer from typed-array data; `name` defaults to a scoped unique name. */
  constant(dataType: DataType, dims: readonly number[], data: ArrayBufferView, name?: string): string {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    if (name !== undefined) return this.initializer(name, dataType, dims, () => bytes);
    return this.addInitializer(this.uniqueName('const'), dataType, dims, () => bytes);
  }

  /** Adds a node and returns its output value names. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, options: NodeOptions = {}): string[] {
    const name = this.uniqueName(opType);
    const count = options.outputNames?.length ?? options.outputs ?? 1;
    const outputs = Array.from({ length: count }, (_, i) => {
      const explicit = options.outputNames?.[i];
      if (explicit !== undefined) {
        this.claim(explicit);
        return explicit;
      }
      return count === 1 ? name : `${name}:${i}`;
    });
    const domain = options.domain ?? '';
    if (domain !== '' && !this.domains.has(domain)) this.domains.set(domain, 1);
    this.nodes.push({
      name,
      opType,
      domain,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputs;
  }

  /** All initializers in insertion order. */
  get initializers(): readonly Initializer[] {
    return this.initializerList;
  }

  /** The graph's nodes (for tests and analysis). */
  get nodeList(): readonly onnxProto.onnx.INodeProto[] {
    return this.nodes;
  }

  /**
   * The ModelProto with initializers left out; `writeOnnxModel` adds them, inline or as
   * external data.
   */
  modelSkeleton(): onnxProto.onnx.IModelProto {
    const opsetImport = [{ domain: '', version: this.opset }, ...[...this.domains].map(([domain, version]) => ({ domain, version }))];
    return {
      // IR version 8 is what onnx-proto's schema describes; ORT 1.30 reads IR 3 through 10.
      irVersion: onnx.Version.IR_VERSION,
      producerName: 'smolcode',
      opsetImport,
      graph: { name: this.graphName, node: this.nodes, input: this.inputs, output: this.outputs, initializer: [] },
    };
  }

  private addInitializer(name: string, dataType: DataType, dims: readonly number[], bytes: () => Uint8Array): string {
    const byteLength = byteSize(dataType, dims.reduce((a, b) => a * b, 1));
    this.initializerList.push({ name, dataType, dims: [...dims], bytes, byteLength });
    return name;
  }

  private uniqueName(base: string): string {
    const prefix = this.scopes.length > 0 ? `/${this.scopes.join('/')}/${base}` : `/${base}`;
    let candidate = prefix;
    for (let i = 1; this.usedNames.has(candidate); i++) candidate = `${prefix}_${i}`;
    this.usedNames.add(candidate);
    return candidate;
  }

  private claim(name: string): void {
    if (this.usedNames.has(name)) throw new Error(`duplicate value name "${name}" in graph ${this.graphName}`);
    this.usedNames.add(name);
  }
}

function valueInfo(name: string, elemType: DataType, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}=${value} is not an integer; wrap floats with float()`);
    return { name, type: T.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (value instanceof FloatAttribute) {
    return typeof value.value === 'number' ? { name, type: T.FLOAT, f: value.value } : { name, type: T.FLOATS, floats: [...value.value] };
  }
  if (Array.isArray(value)) return { name, type: T.INTS, ints: [...value] };
  if (value instanceof Subgraph) return { name, type: T.GRAPH, g: value.graph };
  return { name, type: T.TENSOR, t: value as onnxProto.onnx.ITensorProto };
}
