/**
 * @file The dropout rule. Its mask is random, so finite differences (which rerun the graph and
 * so draw new masks) cannot check it; instead one run gives y, the mask it drew (y ≠ 0, since x
 * has no zeros) and the gradient, which must be x·m/(1-p) and dy·m/(1-p) to the last bits of a double.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { functions, Tape } from '../../../../src/graph/autodiff/index';
import { DataType, GraphBuilder } from '../../../../src/graph/graphBuilder';
import { writeOnnxModel } from '../../../../src/graph/onnxWriter';
import { GraphSession } from '../../../../src/runtime/session';

const N = 400;
const RATIO = 0.25;
const dir = mkdtempSync(join(tmpdir(), 'smolcode-dropout-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function dropoutGraph(seed: number): string {
  const g = new GraphBuilder('dropout');
  const t = new Tape(g, DataType.double);
  const x = t.leaf(g.input('x', DataType.double, [N]), [N], true);
  const y = functions(t).dropout(x, RATIO, seed);
  t.backward(y, g.input('dy', DataType.double, [N]));
  g.node('Identity', [y.name], {}, { outputNames: ['y'] });
  g.output('y', DataType.double, [N]);
  g.node('Identity', [t.grad(x)!], {}, { outputNames: ['dx'] });
  g.output('dx', DataType.double, [N]);
  const path = join(dir, `dropout-${seed}.onnx`);
  writeOnnxModel(g, path);
  return path;
}

const x = Float64Array.from({ length: N }, (_, i) => 1 + (i % 7));
const dy = Float64Array.from({ length: N }, (_, i) => ((i * 37) % 11) - 5.5);
const feeds = { x: { data: x, dims: [N] }, dy: { data: dy, dims: [N] } };

describe('dropout', () => {
  it('scales kept values by 1/(1-p) and routes the gradient through the same mask', async () => {
    const session = await GraphSession.open(dropoutGraph(5), { device: 'cpu', threads: 1 });
    try {
      const { y, dx } = await session.run(feeds);
      let kept = 0;
      for (let i = 0; i < N; i++) {
        const m = y![i] !== 0 ? 1 : 0;
        kept += m;
        assert.equal(y![i], (x[i]! * m) / (1 - RATIO), `y[${i}]`);
        assert.ok(Math.abs(dx![i]! - (dy[i]! * m) / (1 - RATIO)) <= 1e-12 * Math.abs(dy[i]!), `dx[${i}] = ${dx![i]}`);
      }
      // 300 expected; 5 standard deviations (8.7 each) either side.
      assert.ok(kept > 256 && kept < 344, `kept ${kept} of ${N} at p = ${RATIO}`);
    } finally {
      await session.dispose();
    }
  });

  it('draws a new mask on every run, the same sequence for the same seed, another for another seed', async () => {
    const masks = async (seed: number) => {
      const session = await GraphSession.open(dropoutGraph(seed), { device: 'cpu', threads: 1 });
      try {
        const runs: string[] = [];
        for (let r = 0; r < 2; r++) runs.push(Array.from((await session.run(feeds)).y!, (v) => (v === 0 ? '0' : '1')).join(''));
        return runs;
      } finally {
        await session.dispose();
      }
    };
    const [first, second] = await masks(5);
    assert.notEqual(first, second, 'each training step gets its own mask');
    assert.deepEqual(await masks(5), [first, second], 'a seed repeats its masks');
    assert.notEqual((await masks(6))[0], first);
  });

  it('refuses a ratio outside (0, 1)', () => {
    const t = new Tape(new GraphBuilder('bad'), DataType.float);
    const x = t.leaf(t.g.input('x', DataType.float, [2]), [2], true);
    for (const ratio of [0, 1, -0.1, Number.NaN]) assert.throws(() => functions(t).dropout(x, ratio, 1), /dropout ratio must be above 0 and below 1/);
  });
});
