/**
 * @file The differentiable operations, bound to one tape, so model code reads like the math:
 * `f.mul(gate, f.sigmoid(gate))`. Each method is the `forward` of one file under `ops/`, where
 * its `backward` sits next to it.
 */
import * as add from './ops/add';
import * as concat from './ops/concat';
import * as crossEntropy from './ops/crossEntropy';
import * as div from './ops/div';
import * as dropout from './ops/dropout';
import * as expand from './ops/expand';
import * as gather from './ops/gather';
import * as linear from './ops/linear';
import * as linearCrossEntropy from './ops/linearCrossEntropy';
import * as matMul from './ops/matMul';
import * as mul from './ops/mul';
import * as neg from './ops/neg';
import * as pow from './ops/pow';
import * as reduceMean from './ops/reduceMean';
import * as reshape from './ops/reshape';
import * as rope from './ops/rope';
import * as sigmoid from './ops/sigmoid';
import * as slice from './ops/slice';
import * as softmax from './ops/softmax';
import * as split from './ops/split';
import * as sqrt from './ops/sqrt';
import * as sub from './ops/sub';
import * as transpose from './ops/transpose';
import * as unsqueeze from './ops/unsqueeze';
import * as where from './ops/where';
import type { Tape, Tensor } from './tape';

export { Tape, type Tensor } from './tape';
export { IGNORE_INDEX } from './ops/crossEntropy';

/** The differentiable ops over `t`; see the file header. */
export function functions(t: Tape) {
  return {
    add: (a: Tensor, b: Tensor) => add.forward(t, a, b),
    sub: (a: Tensor, b: Tensor) => sub.forward(t, a, b),
    mul: (a: Tensor, b: Tensor) => mul.forward(t, a, b),
    div: (a: Tensor, b: Tensor) => div.forward(t, a, b),
    neg: (x: Tensor) => neg.forward(t, x),
    pow: (x: Tensor, p: number) => pow.forward(t, x, p),
    sqrt: (x: Tensor) => sqrt.forward(t, x),
    sigmoid: (x: Tensor) => sigmoid.forward(t, x),
    dropout: (x: Tensor, ratio: number, seed: number) => dropout.forward(t, x, ratio, seed),
    reduceMean: (x: Tensor, axes: readonly number[]) => reduceMean.forward(t, x, axes),
    softmax: (x: Tensor, axis: number) => softmax.forward(t, x, axis),
    where: (condition: Tensor, a: Tensor, b: Tensor) => where.forward(t, condition, a, b),
    matMul: (a: Tensor, b: Tensor) => matMul.forward(t, a, b),
    linear: (x: Tensor, w: Tensor, scale?: number, residual?: Tensor) => linear.forward(t, x, w, scale, residual),
    gather: (table: Tensor, ids: Tensor) => gather.forward(t, table, ids),
    reshape: (x: Tensor, shape: readonly number[]) => reshape.forward(t, x, shape),
    transpose: (x: Tensor, perm: readonly number[]) => transpose.forward(t, x, perm),
    unsqueeze: (x: Tensor, axes: readonly number[]) => unsqueeze.forward(t, x, axes),
    expand: (x: Tensor, shape: readonly number[]) => expand.forward(t, x, shape),
    concat: (xs: readonly Tensor[], axis: number) => concat.forward(t, xs, axis),
    split: (x: Tensor, axis: number, parts: number) => split.forward(t, x, axis, parts),
    slice: (x: Tensor, axis: number, start: number, end: number) => slice.forward(t, x, axis, start, end),
    rope: (x: Tensor, cos: string, sin: string) => rope.forward(t, x, cos, sin),
    crossEntropy: (logits: Tensor, labels: Tensor) => crossEntropy.forward(t, logits, labels),
    linearCrossEntropy: (x: Tensor, w: Tensor, labels: Tensor, chunkRows: number, storeLogProbs?: boolean) =>
      linearCrossEntropy.forward(t, x, w, labels, chunkRows, storeLogProbs),
  };
}

/** The object `functions` returns. */
export type Functions = ReturnType<typeof functions>;
