/**
 * @file Typed helpers for the ONNX operators SmolCode graphs use, one method per operator over
 * a `GraphBuilder`. They exist so that graph code reads like the math (`op.mul(x, op.sigmoid(x))`)
 * and so that opset differences (ReduceMean's axes moved from attribute to input in opset 18)
 * are handled in one place. Small constants are deduplicated by value.
 */
import { DataType, float, type AttributeValue, type GraphBuilder } from './graphBuilder';
import { floatToHalfBits } from './half';

/** Operator helpers bound to one graph; see the file header. */
export class Ops {
  private readonly constants = new Map<string, string>();

  constructor(readonly g: GraphBuilder) {}

  /** An int64 constant; a scalar when `scalar` is true, else a 1-D tensor. */
  int64(values: readonly number[], scalar = false): string {
    return this.cached(`i64:${scalar}:${values.join(',')}`, () =>
      this.g.constant(DataType.int64, scalar ? [] : [values.length], BigInt64Array.from(values, (v) => BigInt(v))),
    );
  }

  /** A scalar float constant of `dataType` (float, float16 or double). */
  scalar(value: number, dataType: DataType = DataType.float): string {
    return this.cached(`f:${dataType}:${value}`, () => {
      if (dataType === DataType.float16) return this.g.constant(dataType, [], Uint16Array.of(floatToHalfBits(value)));
      if (dataType === DataType.float) return this.g.constant(dataType, [], Float32Array.of(value));
      if (dataType === DataType.double) return this.g.constant(dataType, [], Float64Array.of(value));
      throw new Error(`scalar(): unsupported data type ${dataType}; use float, float16 or double`);
    });
  }

  add(a: string, b: string): string {
    return this.one('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.one('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.one('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.one('Div', [a, b]);
  }
  pow(a: string, b: string): string {
    return this.one('Pow', [a, b]);
  }
  neg(x: string): string {
    return this.one('Neg', [x]);
  }
  sqrt(x: string): string {
    return this.one('Sqrt', [x]);
  }
  sigmoid(x: string): string {
    return this.one('Sigmoid', [x]);
  }
  cos(x: string): string {
    return this.one('Cos', [x]);
  }
  sin(x: string): string {
    return this.one('Sin', [x]);
  }
  matMul(a: string, b: string): string {
    return this.one('MatMul', [a, b]);
  }
  /** Rows of `table` picked by integer `indices` along axis 0. */
  gather(table: string, indices: string): string {
    return this.one('Gather', [table, indices], { axis: 0 });
  }
  /** Reshape to `shape` (0 copies the input dim, -1 infers one dim). */
  reshape(x: string, shape: readonly number[]): string {
    return this.one('Reshape', [x, this.int64(shape)]);
  }
  transpose(x: string, perm: readonly number[]): string {
    return this.one('Transpose', [x], { perm });
  }
  concat(xs: readonly string[], axis: number): string {
    return this.one('Concat', xs, { axis });
  }
  /** Splits `x` into `parts` equal pieces along `axis`. */
  split(x: string, axis: number, parts: number): string[] {
    // Opset 18 requires num_outputs; before it the output count alone sets equal parts.
    const attributes: Record<string, number> = this.g.opset >= 18 ? { axis, num_outputs: parts } : { axis };
    return this.g.node('Split', [x], attributes, { outputs: parts });
  }
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.one('Unsqueeze', [x, this.int64(axes)]);
  }
  squeeze(x: string, axes: readonly number[]): string {
    return this.one('Squeeze', [x, this.int64(axes)]);
  }
  /** Mean over `axes`, keeping them as size-1 dims. */
  reduceMean(x: string, axes: readonly number[]): string {
    if (this.g.opset >= 18) return this.one('ReduceMean', [x, this.int64(axes)], { keepdims: 1 });
    return this.one('ReduceMean', [x], { axes, keepdims: 1 });
  }
  softmax(x: string, axis: number): string {
    return this.one('Softmax', [x], { axis });
  }
  /**
   * Dropout in training mode, `[y, mask]`: ONNX Runtime draws a fresh mask on every run from a
   * generator seeded once per session by `seed`, so training steps differ and runs repeat.
   */
  dropout(x: string, ratio: string, seed: number): [string, string] {
    const training = this.g.constant(DataType.bool, [], Uint8Array.of(1));
    const [y, mask] = this.g.node('Dropout', [x, ratio, training], { seed }, { outputs: 2 });
    return [y!, mask!];
  }
  cast(x: string, to: DataType): string {
    return this.one('Cast', [x], { to });
  }
  /** The dims `[start, end)` of `x`'s shape as a 1-D int64 tensor. */
  shape(x: string, start: number, end: number): string {
    return this.one('Shape', [x], { start, end });
  }
  /** `[start, start + delta, ...)` below `limit`; all three are scalars. */
  range(start: string, limit: string, delta: string): string {
    return this.one('Range', [start, limit, delta]);
  }
  lessOrEqual(a: string, b: string): string {
    return this.one('LessOrEqual', [a, b]);
  }
  and(a: string, b: string): string {
    return this.one('And', [a, b]);
  }
  where(condition: string, a: string, b: string): string {
    return this.one('Where', [condition, a, b]);
  }
  exp(x: string): string {
    return this.one('Exp', [x]);
  }
  /** log(softmax(x)) along `axis`, computed stably. */
  logSoftmax(x: string, axis: number): string {
    return this.one('LogSoftmax', [x], { axis });
  }
  /** Sum over `axes`, keeping them as size-1 dims (axes are an input since opset 13). */
  reduceSum(x: string, axes: readonly number[]): string {
    return this.one('ReduceSum', [x, this.int64(axes)], { keepdims: 1 });
  }
  /** Broadcasts `x` to `shape` (numpy rules). */
  expand(x: string, shape: readonly number[]): string {
    return this.one('Expand', [x, this.int64(shape)]);
  }
  /** `x[starts:ends]` along `axes` (step 1). */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[]): string {
    return this.one('Slice', [x, this.int64(starts), this.int64(ends), this.int64(axes)]);
  }
  /** Zero-pads `x`; `pads` lists all begins, then all ends, as ONNX Pad does. */
  pad(x: string, pads: readonly number[]): string {
    return this.one('Pad', [x, this.int64(pads)]);
  }
  equal(a: string, b: string): string {
    return this.one('Equal', [a, b]);
  }
  not(x: string): string {
    return this.one('Not', [x]);
  }
  /** Elements of `x` picked by `indices` along `axis` (indices have the rank of `x`). */
  gatherElements(x: string, indices: string, axis: number): string {
    return this.one('GatherElements', [x, indices], { axis });
  }
  /** Zeros of `data` with `updates` added at `indices` (ScatterND, reduction add: repeats sum). */
  scatterNdAdd(data: string, indices: string, updates: string): string {
    return this.one('ScatterND', [data, indices, updates], { reduction: 'add' });
  }
  /** Elementwise maximum. */
  max(a: string, b: string): string {
    return this.one('Max', [a, b]);
  }
  abs(x: string): string {
    return this.one('Abs', [x]);
  }
  /** Rounds half to even, as ONNX defines Round. */
  round(x: string): string {
    return this.one('Round', [x]);
  }
  /** Maximum over `axes`, keeping them as size-1 dims (axes became an input in opset 18). */
  reduceMax(x: string, axes: readonly number[]): string {
    if (this.g.opset >= 18) return this.one('ReduceMax', [x, this.int64(axes)], { keepdims: 1 });
    return this.one('ReduceMax', [x], { axes, keepdims: 1 });
  }
  /** `data` with `updates` added at `indices` along `axis` (ScatterElements, reduction add). */
  scatterElementsAdd(data: string, indices: string, updates: string, axis: number): string {
    return this.one('ScatterElements', [data, indices, updates], { axis, reduction: 'add' });
  }
  /**
   * `alpha·op(A)·op(B) + beta·C` for 2-D `a`, `b`, with optional transposes; without `c`, no
   * sum. Gemm writes the sum in its own output, where a separate Add would allocate and read
   * another product-sized tensor.
   */
  gemm(a: string, b: string, options: { transA?: boolean; transB?: boolean; alpha?: number; c?: string; beta?: number } = {}): string {
    const attributes = { transA: options.transA ? 1 : 0, transB: options.transB ? 1 : 0, alpha: float(options.alpha ?? 1) };
    if (options.c === undefined) return this.one('Gemm', [a, b], attributes);
    return this.one('Gemm', [a, b, options.c], { ...attributes, beta: float(options.beta ?? 1) });
  }
  /** `A·Bᵀ` for 2-D `a`; used where B is stored as [out, in] and must not be copied. */
  gemmTransB(a: string, b: string, alpha = 1): string {
    return this.one('Gemm', [a, b], { transB: 1, alpha: float(alpha) });
  }

  private one(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.g.node(opType, inputs, attributes)[0];
  }

  private cached(key: string, make: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = make();
      this.constants.set(key, name);
    }
    return name;
  }
}
