import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../src/graph/rng';
import { packedLlamaWeights } from '../../../src/model/llamaFused';
import type { LowRankUpdate, WeightSource } from '../../../src/model/weights';
import { tinyConfig } from '../../support/tinyModel';

const config = tinyConfig();

/** B·A as a dense `[out, in]` matrix. */
function dense(u: LowRankUpdate, out: number, inp: number): Float64Array {
  const d = new Float64Array(out * inp);
  for (let o = 0; o < out; o++) for (let r = 0; r < u.rank; r++) for (let i = 0; i < inp; i++) d[o * inp + i] += u.b[o * u.rank + r] * u.a[r * inp + i];
  return d;
}

/** Shapes of the tiny model's projections; updates (of different ranks) on the weights in `updated` only. */
function source(updated: Record<string, number>): WeightSource {
  const rng = new Rng(4);
  const h = config.hiddenSize;
  const shapes: Record<string, [number, number]> = {
    q_proj: [config.numAttentionHeads * config.headDim, h],
    k_proj: [config.numKeyValueHeads * config.headDim, h],
    v_proj: [config.numKeyValueHeads * config.headDim, h],
    gate_proj: [config.intermediateSize, h],
    up_proj: [config.intermediateSize, h],
  };
  const shapeOf = (name: string) => shapes[name.split('.').at(-2)!];
  const updates = new Map(
    Object.entries(updated).map(([name, rank]) => {
      const [out, inp] = shapeOf(name);
      const values = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
      return [name, { rank, a: values(rank * inp), b: values(out * rank) }];
    }),
  );
  return {
    label: 'test',
    has: () => true,
    shape: shapeOf,
    read: () => {
      throw new Error('not read');
    },
    lowRank: (name) => updates.get(name),
  };
}

describe('low-rank updates of packed projections', () => {
  const p = 'model.layers.1';
  it('stacks q, k and v as one update: each part gets its own rows, a part without one gets zeros', () => {
    const weights = source({ [`${p}.self_attn.q_proj.weight`]: 3, [`${p}.self_attn.v_proj.weight`]: 2 });
    const packed = packedLlamaWeights(config, weights);
    const name = `${p}.self_attn.qkv_proj.weight`;
    const [out, inp] = packed.shape(name);
    const stacked = packed.lowRank!(name)!;
    assert.equal(stacked.rank, 5);
    const got = dense(stacked, out, inp);
    let row = 0;
    for (const part of ['q_proj', 'k_proj', 'v_proj']) {
      const partName = `${p}.self_attn.${part}.weight`;
      const [rows] = weights.shape(partName);
      const update = weights.lowRank!(partName);
      const want = update ? dense(update, rows, inp) : new Float64Array(rows * inp);
      for (let i = 0; i < rows * inp; i++) assert.ok(Math.abs(got[row * inp + i] - want[i]) < 1e-5, `${part} value ${i}`);
      row += rows;
    }
    assert.equal(row, out);
  });

  it('has none where no part has one, and passes unpacked weights through', () => {
    const weights = source({ [`${p}.mlp.up_proj.weight`]: 2 });
    const packed = packedLlamaWeights(config, weights);
    assert.equal(packed.lowRank!(`${p}.self_attn.qkv_proj.weight`), undefined);
    assert.equal(packed.lowRank!(`${p}.mlp.gate_up_proj.weight`)!.rank, 2);
    assert.equal(packed.lowRank!(`${p}.mlp.up_proj.weight`), weights.lowRank!(`${p}.mlp.up_proj.weight`));
  });
});
