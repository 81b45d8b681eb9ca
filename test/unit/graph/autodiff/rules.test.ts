/**
 * @file Every autodiff rule against central finite differences in float64 (see gradCheck.ts for
 * why 1e-6 relative), on small shapes that exercise broadcasting, repeated ids and ignored
 * labels. The composite cases (RMSNorm, SiLU gate, attention) check that rules chain.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functions, IGNORE_INDEX, type Tape, type Tensor } from '../../../../src/graph/autodiff/index';
import { DataType } from '../../../../src/graph/graphBuilder';
import { gradCheck, type CheckCase } from './gradCheck';

/** A boolean constant as a (non-differentiable) tensor. */
function boolConstant(t: Tape, shape: number[], values: boolean[]): Tensor {
  return t.leaf(t.g.constant(DataType.bool, shape, Uint8Array.from(values, Number)), shape);
}

/** A float constant of the tape's type (cos/sin tables). */
function floatConstant(t: Tape, shape: number[], values: number[]): string {
  return t.g.constant(t.dtype, shape, t.dtype === DataType.double ? Float64Array.from(values) : Float32Array.from(values));
}

const cases: Record<string, CheckCase> = {
  'add broadcasts and sums back': { inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], build: (t, [a, b]) => functions(t).add(a, b) },
  'sub negates the second gradient': { inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 1] }], build: (t, [a, b]) => functions(t).sub(a, b) },
  'mul swaps the factors': { inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [1, 3] }], build: (t, [a, b]) => functions(t).mul(a, b) },
  'div uses the saved output': {
    inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 1], offset: 2 }],
    build: (t, [a, b]) => functions(t).div(a, b),
  },
  'neg': { inputs: [{ name: 'x', shape: [4] }], build: (t, [x]) => functions(t).neg(x) },
  'pow with exponent 2': { inputs: [{ name: 'x', shape: [2, 3] }], build: (t, [x]) => functions(t).pow(x, 2) },
  'pow with exponent 3': { inputs: [{ name: 'x', shape: [2, 3] }], build: (t, [x]) => functions(t).pow(x, 3) },
  'sqrt of positive values': { inputs: [{ name: 'x', shape: [5], offset: 2 }], build: (t, [x]) => functions(t).sqrt(x) },
  'sigmoid': { inputs: [{ name: 'x', shape: [2, 4], scale: 3 }], build: (t, [x]) => functions(t).sigmoid(x) },
  'reduceMean over the last axis': { inputs: [{ name: 'x', shape: [2, 3, 4] }], build: (t, [x]) => functions(t).reduceMean(x, [-1]) },
  'softmax over the last axis': { inputs: [{ name: 'x', shape: [2, 5], scale: 2 }], build: (t, [x]) => functions(t).softmax(x, -1) },
  'where routes the gradient by the condition': {
    inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }],
    build: (t, [a, b]) => functions(t).where(boolConstant(t, [2, 3], [true, false, true, false, false, true]), a, b),
  },
  'matMul with broadcast batch dims': {
    inputs: [{ name: 'a', shape: [2, 1, 3, 4] }, { name: 'b', shape: [1, 2, 4, 5] }],
    build: (t, [a, b]) => functions(t).matMul(a, b),
  },
  'matMul as grouped-query attention (one KV head per group)': {
    inputs: [{ name: 'q', shape: [1, 2, 2, 3, 4] }, { name: 'k', shape: [1, 2, 1, 4, 3] }],
    build: (t, [q, k]) => functions(t).matMul(q, k),
  },
  'linear with a scale': { inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [5, 4] }], build: (t, [x, w]) => functions(t).linear(x, w, 0.5) },
  'linear with a frozen weight gives it no gradient': {
    inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [5, 4], frozen: true }],
    build: (t, [x, w]) => functions(t).linear(x, w),
  },
  'linear with a residual (a LoRA branch summed in Gemm\'s C) and an input used twice': {
    inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [5, 4] }, { name: 'a', shape: [2, 4] }, { name: 'b', shape: [5, 2] }],
    build: (t, [x, w, a, b]) => {
      const f = functions(t);
      return f.linear(f.linear(x!, a!), b!, 0.5, f.linear(x!, w!));
    },
  },
  'gather adds the rows of repeated ids': {
    inputs: [{ name: 'table', shape: [6, 3] }, { name: 'ids', shape: [2, 3], ints: [0, 5, 2, 2, 5, 1] }],
    build: (t, [table, ids]) => functions(t).gather(table, ids),
  },
  'reshape': { inputs: [{ name: 'x', shape: [2, 6] }], build: (t, [x]) => functions(t).reshape(x, [3, -1, 2]) },
  'transpose': { inputs: [{ name: 'x', shape: [2, 3, 4] }], build: (t, [x]) => functions(t).transpose(x, [1, 2, 0]) },
  'unsqueeze': { inputs: [{ name: 'x', shape: [2, 3] }], build: (t, [x]) => functions(t).unsqueeze(x, [0, 2]) },
  'expand': { inputs: [{ name: 'x', shape: [3, 1] }], build: (t, [x]) => functions(t).expand(x, [2, 3, 4]) },
  'concat': {
    inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 1] }],
    build: (t, [a, b]) => functions(t).concat([a, b, a], -1),
  },
  'split with one part unused': { inputs: [{ name: 'x', shape: [2, 6] }], build: (t, [x]) => functions(t).split(x, 1, 3)[2] },
  'split with all parts used': {
    inputs: [{ name: 'x', shape: [2, 4] }],
    build: (t, [x]) => {
      const f = functions(t);
      const [a, b] = f.split(x, -1, 2);
      return f.mul(a, b);
    },
  },
  'slice': { inputs: [{ name: 'x', shape: [3, 5] }], build: (t, [x]) => functions(t).slice(x, 1, 1, -1) },
  'rope': {
    inputs: [{ name: 'x', shape: [1, 2, 3, 4] }],
    build: (t, [x]) => {
      const angles = [0, 0, 0, 0, 1, 0.1, 1, 0.1, 2, 0.2, 2, 0.2];
      const cos = floatConstant(t, [1, 1, 3, 4], angles.map(Math.cos));
      const sin = floatConstant(t, [1, 1, 3, 4], angles.map(Math.sin));
      return functions(t).rope(x, cos, sin);
    },
  },
  'crossEntropy skips ignored labels': {
    inputs: [{ name: 'logits', shape: [5, 7], scale: 3 }, { name: 'labels', shape: [5], ints: [3, IGNORE_INDEX, 0, 6, IGNORE_INDEX] }],
    build: (t, [logits, labels]) => functions(t).crossEntropy(logits, labels),
  },
  'crossEntropy with every label ignored': {
    inputs: [{ name: 'logits', shape: [2, 3] }, { name: 'labels', shape: [2], ints: [IGNORE_INDEX, IGNORE_INDEX] }],
    build: (t, [logits, labels]) => functions(t).crossEntropy(logits, labels),
  },
  'RMSNorm chain (pow, reduceMean, add, sqrt, div, mul)': {
    inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [4], offset: 1 }],
    build: (t, [x, w]) => {
      const f = functions(t);
      const eps = t.leaf(t.scalar(1e-5), []);
      return f.mul(f.div(x, f.sqrt(f.add(f.reduceMean(f.pow(x, 2), [-1]), eps))), w);
    },
  },
  'SiLU gate (x·σ(x)·up)': {
    inputs: [{ name: 'gate', shape: [2, 3], scale: 3 }, { name: 'up', shape: [2, 3] }],
    build: (t, [gate, up]) => {
      const f = functions(t);
      return f.mul(f.mul(gate, f.sigmoid(gate)), up);
    },
  },
  'linearCrossEntropy in chunks that do not divide the rows, with ignored labels and a trainable head': {
    inputs: [{ name: 'x', shape: [5, 3] }, { name: 'w', shape: [4, 3] }, { name: 'labels', shape: [5], ints: [2, IGNORE_INDEX, 0, 3, 3] }],
    build: (t, [x, w, labels]) => functions(t).linearCrossEntropy(x!, w!, labels!, 2),
  },
  'linearCrossEntropy with a frozen head in one chunk': {
    inputs: [{ name: 'x', shape: [3, 3], scale: 2 }, { name: 'w', shape: [4, 3], frozen: true }, { name: 'labels', shape: [3], ints: [1, 0, 3] }],
    build: (t, [x, w, labels]) => functions(t).linearCrossEntropy(x!, w!, labels!, 8),
  },
  'linearCrossEntropy with stored log-probabilities, a trainable head and ignored labels': {
    inputs: [{ name: 'x', shape: [5, 3] }, { name: 'w', shape: [4, 3] }, { name: 'labels', shape: [5], ints: [2, IGNORE_INDEX, 0, 3, 3] }],
    build: (t, [x, w, labels]) => functions(t).linearCrossEntropy(x!, w!, labels!, 2, true),
  },
  'linearCrossEntropy with stored log-probabilities and a frozen head': {
    inputs: [{ name: 'x', shape: [5, 3], scale: 2 }, { name: 'w', shape: [4, 3], frozen: true }, { name: 'labels', shape: [5], ints: [1, 0, IGNORE_INDEX, 3, 2] }],
    build: (t, [x, w, labels]) => functions(t).linearCrossEntropy(x!, w!, labels!, 2, true),
  },
  'checkpoint recomputes in backward (two outputs, a closed-over weight)': {
    inputs: [{ name: 'x', shape: [2, 3] }, { name: 'w', shape: [3] }],
    build: (t, [x, w]) => {
      const f = functions(t);
      const [a, b] = t.checkpoint([x], ([y]) => [f.mul(f.sigmoid(f.mul(y!, w!)), w!), f.pow(y!, 3)]);
      return f.mul(a!, b!);
    },
  },
  'masked attention (scores, mask add, softmax, weighted values)': {
    inputs: [{ name: 'q', shape: [1, 2, 3, 4] }, { name: 'k', shape: [1, 2, 3, 4] }, { name: 'v', shape: [1, 2, 3, 4] }],
    build: (t, [q, k, v]) => {
      const f = functions(t);
      const min = -3.4028234663852886e38;
      const bias = t.leaf(floatConstant(t, [1, 1, 3, 3], [0, min, min, 0, 0, min, 0, 0, 0]), [1, 1, 3, 3]);
      const scores = f.add(f.matMul(q, f.transpose(k, [0, 1, 3, 2])), bias);
      return f.matMul(f.softmax(scores, -1), v);
    },
  },
};

describe('autodiff rules match central finite differences in float64', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async (ctx) => {
      const result = await gradCheck(c);
      ctx.diagnostic(`max relative error ${result.maxError.toExponential(2)} over ${result.checked} elements (tolerance ${result.tolerance})`);
      assert.ok(result.maxError <= result.tolerance, `max relative error ${result.maxError} > ${result.tolerance}`);
      assert.deepEqual(result.frozenGrads, []);
    });
  }
});

describe('autodiff rules in float32', () => {
  it('the RMSNorm chain also checks in float32 at its looser tolerance', async () => {
    const result = await gradCheck({ ...cases['RMSNorm chain (pow, reduceMean, add, sqrt, div, mul)'], dtype: 'float' });
    assert.ok(result.maxError <= result.tolerance, `max relative error ${result.maxError} > ${result.tolerance}`);
  });
});
