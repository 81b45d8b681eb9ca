/**
 * @file The int8 fused graphs' linear layer: int8 weights with one scale per output column,
 * multiplied by ONNX Runtime's DynamicQuantizeMatMul (activations quantized per call), and
 * down_proj's input rounded per token for MatMulInteger. Checked against float64 x·Wᵀ on ONNX
 * Runtime, with and without a low-rank update beside the weights, and with an outlier token.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataType, GraphBuilder } from '../../../src/graph/graphBuilder';
import { writeOnnxModel } from '../../../src/graph/onnxWriter';
import { Ops } from '../../../src/graph/ops';
import { Rng } from '../../../src/graph/rng';
import { quantizeColumnsInt8 } from '../../../src/graph/quantize';
import { columnInt8Precision } from '../../../src/model/precision';
import type { LowRankUpdate, WeightSource } from '../../../src/model/weights';
import { loadOrt } from '../../../src/runtime/session';
import onnxProto from 'onnx-proto';

const root = mkdtempSync(join(tmpdir(), 'smolcode-int8-'));
after(() => rmSync(root, { recursive: true, force: true }));

const OUT = 48;
const IN = 64;
const ROWS = 5;

function values(rng: Rng, count: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, () => (rng.next() * 2 - 1) * scale);
}

/** x·Wᵀ (+ x·Aᵀ·Bᵀ) in float64, for `inp` input channels. */
function reference(x: Float32Array, w: Float32Array, update?: LowRankUpdate, inp = IN): Float64Array {
  const y = new Float64Array(ROWS * OUT);
  for (let r = 0; r < ROWS; r++) {
    for (let o = 0; o < OUT; o++) {
      let sum = 0;
      for (let i = 0; i < inp; i++) sum += x[r * inp + i] * w[o * inp + i];
      if (update) {
        for (let k = 0; k < update.rank; k++) {
          let xa = 0;
          for (let i = 0; i < IN; i++) xa += x[r * IN + i] * update.a[k * IN + i];
          sum += xa * update.b[o * update.rank + k];
        }
      }
      y[r * OUT + o] = sum;
    }
  }
  return y;
}

async function runLinear(w: Float32Array, x: Float32Array, update?: LowRankUpdate, name = 'proj.weight', inp = IN): Promise<Float32Array> {
  const weights: WeightSource = { label: 'test', has: () => true, shape: () => [OUT, inp], read: () => w, lowRank: () => update };
  const g = new GraphBuilder('linear');
  const op = new Ops(g);
  const input = g.input('x', DataType.float, [ROWS, inp]);
  g.node('Identity', [columnInt8Precision().linear(op, input, weights, name)], {}, { outputNames: ['y'] });
  g.output('y', DataType.float, [ROWS, OUT]);
  const path = join(root, `linear-${update ? 'lora' : 'plain'}-${name}.onnx`);
  writeOnnxModel(g, path);
  const ops = onnxProto.onnx.ModelProto.decode(readFileSync(path)).graph!.node!.map((n) => n.opType);
  assert.ok(ops.includes(name.endsWith('down_proj.weight') ? 'MatMulInteger' : 'DynamicQuantizeMatMul'), `${name}: ${ops.join(', ')}`);
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(path);
  try {
    return (await session.run({ x: new ort.Tensor('float32', x, [ROWS, inp]) })).y.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('int8 weights per output column (DynamicQuantizeMatMul)', () => {
  it('quantizes each column to its largest magnitude / 127, in [in, out] layout, within half a step', () => {
    const rng = new Rng(1);
    const w = values(rng, OUT * IN, 0.1);
    w.fill(0, 0, IN);
    const { values: q, scales } = quantizeColumnsInt8(w, OUT, IN);
    assert.equal(scales[0], 0);
    for (let o = 1; o < OUT; o++) {
      const max = Math.max(...Array.from({ length: IN }, (_, i) => Math.abs(w[o * IN + i])));
      assert.ok(Math.abs(scales[o] - max / 127) <= 1e-9);
      for (let i = 0; i < IN; i++) assert.ok(Math.abs(q[i * OUT + o] * scales[o] - w[o * IN + i]) <= scales[o] / 2 + 1e-9, `w[${o}, ${i}]`);
    }
  });

  it('gives x·Wᵀ within 2% of the largest output, and adds a low-rank update beside it', async () => {
    const rng = new Rng(2);
    const w = values(rng, OUT * IN, 0.1);
    const x = values(rng, ROWS * IN, 1);
    const update: LowRankUpdate = { rank: 3, a: values(rng, 3 * IN, 0.2), b: values(rng, OUT * 3, 0.2) };
    for (const name of ['proj.weight', 'model.layers.0.mlp.down_proj.weight']) {
      for (const u of [undefined, update]) {
        const expected = reference(x, w, u);
        const got = await runLinear(w, x, u, name);
        const largest = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const error = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
        assert.ok(error <= 0.02 * largest, `${name} ${u ? 'with' : 'without'} the update: error ${error} of ${largest}`);
      }
    }
    // The update is really there: without it the outputs are further off than the error bound.
    const withUpdate = reference(x, w, update);
    const plain = await runLinear(w, x);
    assert.ok(plain.some((v, i) => Math.abs(v - withUpdate[i]) > 0.05 * Math.abs(withUpdate[i]) + 0.05));
  });

  it('rounds down_proj\'s input per token, so one token\'s outlier does not swamp the others', async () => {
    // down_proj's input width at 135M.
    const inp = 1536;
    const outlierRow = 2;
    const rng = new Rng(3);
    const w = values(rng, OUT * inp, 0.1);
    const x = values(rng, ROWS * inp, 1);
    // One token with one channel 200x the others, as some tokens' gated activations in the real model have.
    x[outlierRow * inp + 7] = 200;
    const expected = reference(x, w, undefined, inp);
    // Scored on the other tokens, relative to their largest output.
    const others = (i: number) => Math.floor(i / OUT) !== outlierRow;
    const largest = expected.reduce((m, v, i) => (others(i) ? Math.max(m, Math.abs(v)) : m), 0);
    const error = (got: Float32Array) => got.reduce((m, v, i) => (others(i) ? Math.max(m, Math.abs(v - expected[i])) : m), 0) / largest;
    const perTensor = error(await runLinear(w, x, undefined, 'proj.weight', inp));
    const perToken = error(await runLinear(w, x, undefined, 'model.layers.0.mlp.down_proj.weight', inp));
    assert.ok(perToken < 0.02, `per token: error ${perToken} of the other tokens' largest output`);
    assert.ok(perTensor > 10 * perToken, `per-tensor rounding (${perTensor}) loses more than per-token (${perToken})`);
  });

  it('gives down_proj of a token of zeros as zeros', async () => {
    const inp = 64;
    const rng = new Rng(4);
    const w = values(rng, OUT * inp, 0.1);
    const x = values(rng, ROWS * inp, 1);
    x.fill(0, inp, 2 * inp);
    const got = await runLinear(w, x, undefined, 'model.layers.1.mlp.down_proj.weight', inp);
    assert.deepEqual([...got.subarray(OUT, 2 * OUT)], new Array<number>(OUT).fill(0));
    assert.ok(got.subarray(0, OUT).some((v) => v !== 0));
  });
});
