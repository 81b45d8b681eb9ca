/**
 * @file Mean cross-entropy of logits against integer labels, skipping label -100 (PyTorch's
 * ignore_index, which Hugging Face uses for prompt and padding tokens): loss = -Σ_valid
 * log softmax(logits)[label] / max(#valid, 1).
 * Shapes (legend: N rows, V classes): logits [N, V], labels [N] (int64), loss [] (a scalar).
 * Saves for backward: log-probabilities, the labels with ignored ones set to 0, and each row's
 * weight valid / count; then dlogits = (softmax - onehot(label)) · weight · dloss.
 */
import type { Tape, Tensor } from '../tape';

/** The label value that contributes nothing (PyTorch's default ignore_index). */
export const IGNORE_INDEX = -100;

export function forward(t: Tape, logits: Tensor, labels: Tensor): Tensor {
  const { op } = t;
  if (logits.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy needs logits [N, V] and labels [N], got [${logits.shape}] and [${labels.shape}]`);
  }
  const logProbs = op.logSoftmax(logits.name, -1);
  const valid = op.not(op.equal(labels.name, op.int64([IGNORE_INDEX], true)));
  const safeLabels = op.unsqueeze(op.where(valid, labels.name, op.int64([0], true)), [1]);
  const picked = op.reshape(op.gatherElements(logProbs, safeLabels, 1), [-1]);
  const validF = op.cast(valid, t.dtype);
  const count = op.max(op.reduceSum(validF, [0]), t.scalar(1));
  const weight = op.div(validF, count);
  const loss = t.result(op.reshape(op.neg(op.reduceSum(op.mul(picked, weight), [0])), []), [], [logits]);
  t.record([loss], ([dLoss]) => backward(t, logits, logProbs, safeLabels, weight, dLoss!));
  return loss;
}

export function backward(t: Tape, logits: Tensor, logProbs: string, safeLabels: string, weight: string, dLoss: string): void {
  const { op } = t;
  const rowScale = op.unsqueeze(op.mul(weight, dLoss), [1]);
  // logits.grad += softmax · w·dloss, then -w·dloss added at each row's label column.
  t.accumulate(logits, () => op.scatterElementsAdd(op.mul(op.exp(logProbs), rowScale), safeLabels, op.neg(rowScale), 1));
}
