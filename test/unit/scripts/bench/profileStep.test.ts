/**
 * @file The step profile's aggregation: kernel time per operator type, per run, over the runs
 * after the warm-up, ignoring kernels outside them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelTimeByOp, type ProfileEvent } from '../../../../scripts/bench/profileStep';

const run = (ts: number, dur: number): ProfileEvent => ({ cat: 'Session', name: 'model_run', ts, dur });
const kernel = (op: string, ts: number, dur: number): ProfileEvent => ({ cat: 'Node', name: `${op}_node_kernel_time`, ts, dur, args: { op_name: op } });

describe('kernelTimeByOp', () => {
  const events: ProfileEvent[] = [
    run(0, 100),
    kernel('MatMulNBits', 10, 50), // warm-up run: skipped
    run(200, 100),
    kernel('MatMulNBits', 210, 30),
    kernel('MatMulNBits', 250, 10),
    kernel('Reshape', 260, 4),
    { cat: 'Node', name: 'Reshape_fence_before', ts: 262, dur: 1, args: { op_name: 'Reshape' } }, // not a kernel time
    run(400, 120),
    kernel('MatMulNBits', 410, 20),
    kernel('Reshape', 430, 6),
    kernel('Softmax', 600, 99), // outside every run
  ];

  it('averages each op type over the runs after the warm-up, largest first', () => {
    const { runs, runMicroseconds, ops } = kernelTimeByOp(events, 1);
    assert.equal(runs, 2);
    assert.equal(runMicroseconds, 110);
    assert.deepEqual(ops, [
      { op: 'MatMulNBits', microseconds: 30, nodes: 1.5 },
      { op: 'Reshape', microseconds: 5, nodes: 1 },
    ]);
  });

  it('orders runs by time, whatever order the file lists them in', () => {
    const { ops } = kernelTimeByOp([...events].reverse(), 2);
    assert.deepEqual(ops, [
      { op: 'MatMulNBits', microseconds: 20, nodes: 1 },
      { op: 'Reshape', microseconds: 6, nodes: 1 },
    ]);
  });

  it('refuses a profile with no run left after the warm-up', () => {
    assert.throws(() => kernelTimeByOp(events, 3), /no model_run events after the first 3/);
  });
});
