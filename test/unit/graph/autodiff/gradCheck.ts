/**
 * @file Gradient checking for the autodiff rules: builds a graph from a small forward, seeds
 * the backward with a fixed random cotangent R (so the checked scalar is L = Σ y·R and every
 * output element matters), runs it once in ONNX Runtime for the analytic gradients, then
 * perturbs each input element by ±eps and compares with the central difference
 * (L(x+eps) - L(x-eps)) / 2eps.
 *
 * Tolerances: in float64 the central difference has truncation error O(eps²·L''') ≈ 1e-12 and
 * rounding error O(1e-16 / eps) ≈ 1e-10 at eps = 1e-6, so 1e-6 (relative to max(1, |g|)) is
 * loose by orders of magnitude yet catches any wrong rule (a wrong rule is off by O(|g|)). In
 * float32, rounding error is O(6e-8 / eps) ≈ 6e-6 relative at eps = 1e-2 plus truncation
 * O(eps²) ≈ 1e-4, so 1e-2 relative.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tape, type Tensor } from '../../../../src/graph/autodiff/index';
import { DataType, GraphBuilder } from '../../../../src/graph/graphBuilder';
import { writeOnnxModel } from '../../../../src/graph/onnxWriter';
import { GraphSession, type GraphFeed } from '../../../../src/runtime/session';
import { seededRandom } from '../../../../src/graph/random';

/** A float input (differentiable unless `frozen`) or an int64 input (ids, labels). */
export type CheckInput =
  | { readonly name: string; readonly shape: readonly number[]; readonly frozen?: boolean; readonly scale?: number; readonly offset?: number }
  | { readonly name: string; readonly shape: readonly number[]; readonly ints: readonly number[] };

/** One gradient-check case. */
export interface CheckCase {
  readonly inputs: readonly CheckInput[];
  readonly build: (t: Tape, xs: Tensor[]) => Tensor;
  readonly dtype?: 'double' | 'float';
}

/** Worst relative error over all checked elements, and how many were checked. */
export interface CheckResult {
  readonly maxError: number;
  readonly checked: number;
  readonly tolerance: number;
  /** Gradients of frozen inputs that the graph (wrongly) produced. */
  readonly frozenGrads: readonly string[];
}

/** Uniform floats in [-1, 1) for a seed. */
function random(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => uniform() * 2 - 1;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs the check; see the file header. `maxElements` bounds the elements perturbed per input. */
export async function gradCheck(c: CheckCase, seed = 1, maxElements = 48): Promise<CheckResult> {
  const double = (c.dtype ?? 'double') === 'double';
  const dtype = double ? DataType.double : DataType.float;
  const fill = (n: number, value: () => number) => (double ? Float64Array.from({ length: n }, value) : Float32Array.from({ length: n }, value));
  const eps = double ? 1e-6 : 1e-2;
  const tolerance = double ? 1e-6 : 1e-2;
  const rand = random(seed);

  const g = new GraphBuilder('gradcheck');
  const t = new Tape(g, dtype);
  const feeds: Record<string, GraphFeed> = {};
  const xs = c.inputs.map((input) => {
    if ('ints' in input) {
      feeds[input.name] = { data: BigInt64Array.from(input.ints, BigInt), dims: input.shape };
      return t.leaf(g.input(input.name, DataType.int64, input.shape), input.shape);
    }
    const values = fill(size(input.shape), () => (input.offset ?? 0) + rand() * (input.scale ?? 1));
    feeds[input.name] = { data: values, dims: input.shape };
    return t.leaf(g.input(input.name, dtype, input.shape), input.shape, !input.frozen);
  });
  const y = c.build(t, xs);
  const cotangent = fill(size(y.shape), () => rand());
  t.backward(y, g.input('cotangent', dtype, y.shape));
  feeds.cotangent = { data: cotangent, dims: y.shape };
  g.node('Identity', [y.name], {}, { outputNames: ['y'] });
  g.output('y', dtype, y.shape);
  const checked = xs.filter((x, i) => x.requiresGrad && !('ints' in c.inputs[i]));
  const frozenGrads = xs.filter((x, i) => !x.requiresGrad && !('ints' in c.inputs[i]) && t.grad(x) !== undefined).map((x) => x.name);
  for (const x of checked) {
    const grad = t.grad(x);
    if (grad === undefined) throw new Error(`no gradient reached ${x.name}`);
    g.node('Identity', [grad], {}, { outputNames: [`grad.${x.name}`] });
    g.output(`grad.${x.name}`, dtype, x.shape);
  }

  const dir = mkdtempSync(join(tmpdir(), 'smolcode-gradcheck-'));
  const path = join(dir, 'check.onnx');
  writeOnnxModel(g, path);
  const session = await GraphSession.open(path, { device: 'cpu', threads: 1 });
  try {
    const objective = async (): Promise<number> => {
      const out = (await session.run(feeds, ['y'])).y;
      let sum = 0;
      for (let i = 0; i < out.length; i++) sum += out[i] * cotangent[i];
      return sum;
    };
    const analytic = await session.run(feeds);
    let maxError = 0;
    let count = 0;
    for (const x of checked) {
      const grad = analytic[`grad.${x.name}`];
      const values = feeds[x.name].data as Float64Array | Float32Array;
      const stride = Math.max(1, Math.floor(values.length / maxElements));
      for (let i = 0; i < values.length; i += stride) {
        const saved = values[i];
        values[i] = saved + eps;
        const plus = await objective();
        values[i] = saved - eps;
        const minus = await objective();
        values[i] = saved;
        const numeric = (plus - minus) / (2 * eps);
        maxError = Math.max(maxError, Math.abs(numeric - grad[i]) / Math.max(1, Math.abs(numeric), Math.abs(grad[i])));
        count++;
      }
    }
    return { maxError, checked: count, tolerance, frozenGrads };
  } finally {
    await session.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
