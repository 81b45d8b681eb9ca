/**
 * @file Gather along axis 0: y = table[ids] (the token embedding lookup).
 * Shapes (legend: V rows, H row width, I index shape): table [V, H], ids [I] (int64), y [I, H].
 * Saves for backward: ids; the gradient scatters each dy row back onto its table row, adding
 * where an id repeats.
 */
import type { Tape, Tensor } from '../tape';

export function forward(t: Tape, table: Tensor, ids: Tensor): Tensor {
  const y = t.result(t.op.gather(table.name, ids.name), [...ids.shape, ...table.shape.slice(1)], [table]);
  t.record([y], ([dy]) => backward(t, table, ids, dy!));
  return y;
}

export function backward(t: Tape, table: Tensor, ids: Tensor, dy: string): void {
  // table.grad += scatter_add(zeros, ids, dy)
  t.accumulate(table, () => t.op.scatterNdAdd(t.op.expand(t.scalar(0), table.shape), t.op.unsqueeze(ids.name, [-1]), dy));
}
