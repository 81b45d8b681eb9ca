/**
 * @file The language-model head and its loss in one op, row chunk by row chunk: loss =
 * crossEntropy(x·Wᵀ, labels) with crossEntropy.ts's ignore-index mean, but the [N, V] logits
 * (512 × 49,152 floats = 96 MiB for SmolLM2) are never all live. Forward computes each chunk's
 * logits, takes its log-softmax at the labels and drops them; backward recomputes each chunk's
 * logits, turns them into dlogits = (softmax - onehot(label)) · weight · dloss, and multiplies
 * by W at once; with a frozen W it computes (softmax·W − W[label]) · weight · dloss instead,
 * which needs no second [C, V] tensor (two 25 MB passes per chunk fewer). The unchunked head
 * kept log-probabilities, their exp, the scaled copy and the scattered gradient alive together
 * (4 × 96 MiB) at the moment every layer's gradient state was live too.
 * Shapes (legend: N rows, K hidden, V vocabulary, C chunk rows): x [N, K], w [V, K] (HF's
 * [out, in]), labels [N] (int64), loss [] (a scalar); per chunk logits [C, V].
 * Saves for backward: x, w, the labels with ignored ones set to 0, and each row's weight
 * valid / count; no V-sized tensor.
 */
import { IGNORE_INDEX } from './crossEntropy';
import type { Tape, Tensor } from '../tape';

/** Row ranges [start, end) of `chunkRows` rows (the last may be shorter). */
function chunks(n: number, chunkRows: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += chunkRows) out.push([start, Math.min(n, start + chunkRows)]);
  return out;
}

/**
 * `storeLogProbs`: keep each chunk's log-probabilities for backward ([N, V] floats in all: 96 MiB
 * at 512 tokens) instead of recomputing the head there, which costs another 2·N·K·V FLOPs, a
 * tenth of a 135M step. PyTorch keeps them too; training's fast memory mode does.
 */
export function forward(t: Tape, x: Tensor, w: Tensor, labels: Tensor, chunkRows: number, storeLogProbs = false): Tensor {
  const { op } = t;
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[1] || labels.shape.length !== 1 || labels.shape[0] !== x.shape[0]) {
    throw new Error(`linearCrossEntropy needs x [N, K], w [V, K] and labels [N], got [${x.shape}], [${w.shape}] and [${labels.shape}]`);
  }
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`);
  const valid = op.not(op.equal(labels.name, op.int64([IGNORE_INDEX], true)));
  const safeLabels = op.unsqueeze(op.where(valid, labels.name, op.int64([0], true)), [1]); // [N, 1]
  const validF = op.cast(valid, t.dtype);
  const weight = op.div(validF, op.max(op.reduceSum(validF, [0]), t.scalar(1))); // [N]
  // A chain of adds, so ONNX Runtime (which orders nodes depth-first from the outputs) finishes
  // one chunk's logits before it starts the next.
  let total: string | undefined;
  const logProbs: string[] = [];
  for (const [start, end] of chunks(x.shape[0]!, chunkRows)) {
    const logits = op.gemm(op.slice(x.name, [start], [end], [0]), w.name, { transB: true });
    const chunkLogProbs = op.logSoftmax(logits, -1);
    if (storeLogProbs) logProbs.push(chunkLogProbs);
    const picked = op.reshape(op.gatherElements(chunkLogProbs, op.slice(safeLabels, [start], [end], [0]), 1), [-1]);
    const part = op.reduceSum(op.mul(picked, op.slice(weight, [start], [end], [0])), [0]);
    total = total === undefined ? part : op.add(total, part);
  }
  const loss = t.result(op.reshape(op.neg(total!), []), [], [x, w]);
  t.record([loss], ([dLoss]) => backward(t, x, w, safeLabels, weight, chunkRows, dLoss!, storeLogProbs ? logProbs : undefined));
  return loss;
}

export function backward(t: Tape, x: Tensor, w: Tensor, safeLabels: string, weight: string, chunkRows: number, dLoss: string, logProbs?: readonly string[]): void {
  const { op } = t;
  // x + 0·dloss: the same rows, but a value ONNX Runtime cannot merge with the forward's slices
  // (common-subexpression elimination would keep each chunk's forward logits for backward).
  // Stored log-probabilities with a frozen head need no rows at all.
  const rows = logProbs === undefined || w.requiresGrad ? op.add(x.name, op.mul(dLoss, t.scalar(0))) : undefined;
  const dxs: string[] = [];
  for (const [index, [start, end]] of chunks(x.shape[0]!, chunkRows).entries()) {
    const xc = rows === undefined ? undefined : op.slice(rows, [start], [end], [0]);
    const stored = logProbs?.[index];
    const probs = stored === undefined ? op.softmax(op.gemm(xc!, w.name, { transB: true }), -1) : op.exp(stored);
    const rowScale = op.unsqueeze(op.mul(op.slice(weight, [start], [end], [0]), dLoss), [1]);
    const labelsC = op.slice(safeLabels, [start], [end], [0]);
    if (!w.requiresGrad) {
      // dx = rowScale · (softmax·W − W[label]): the label's row of W is Gemm's C input and the
      // row scale applies to [C, K], so no other [C, V] tensor is made (a frozen head, as in LoRA).
      dxs.push(op.mul(op.gemm(probs, w.name, { c: op.gather(w.name, op.reshape(labelsC, [-1])), beta: -1 }), rowScale));
      continue;
    }
    // dlogits = softmax · w·dloss, with -w·dloss added at each row's label column.
    const dLogits = op.scatterElementsAdd(op.mul(probs, rowScale), labelsC, op.neg(rowScale), 1);
    if (x.requiresGrad) dxs.push(op.gemm(dLogits, w.name));
    t.accumulate(w, () => op.gemm(dLogits, xc!, { transA: true })); // w.grad += dlogitsᵀ·x, chunk by chunk
  }
  t.accumulate(x, () => (dxs.length === 1 ? dxs[0]! : op.concat(dxs, 0))); // x.grad += dlogits·W
}
