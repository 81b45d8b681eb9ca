/**
 * @file The int8 product probe (runtime/int8Products.ts): MatMulInteger of all-255 rows by
 * all-127 columns gives the exact sum, or less where 16-bit pair sums clip (32767 a pair with
 * AVX2's vpmaddubsw); and `session.x64quantprecision`, which `createSession` sets where they clip,
 * gives the int8 projections' results unchanged here, where it converts their weights to u8.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataType, GraphBuilder } from '../../../src/graph/graphBuilder';
import { writeOnnxModel } from '../../../src/graph/onnxWriter';
import { Ops } from '../../../src/graph/ops';
import { Rng } from '../../../src/graph/rng';
import { columnInt8Precision } from '../../../src/model/precision';
import type { WeightSource } from '../../../src/model/weights';
import { CLIPPED_PRODUCT, EXACT_PRODUCT, int8ProbeProduct, int8ProductsClip } from '../../../src/runtime/int8Products';
import { createSession, loadOrt } from '../../../src/runtime/session';

const root = mkdtempSync(join(tmpdir(), 'smolcode-int8-probe-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('int8 product probe', () => {
  it('measures the exact product, or a clipped one, and says which', async () => {
    const runtime = await loadOrt();
    const product = await int8ProbeProduct(runtime);
    assert.equal(EXACT_PRODUCT, 2_072_640);
    assert.equal(CLIPPED_PRODUCT, 1_048_544);
    assert.ok(product === EXACT_PRODUCT || (product > 0 && product < EXACT_PRODUCT), `product ${product}`);
    assert.equal(await int8ProductsClip(runtime), product !== EXACT_PRODUCT);
  });

  it('gives the same int8 projections with int8 weights stored as u8 (x64quantprecision)', async () => {
    const [rows, inp, out] = [6, 256, 40];
    const rng = new Rng(5);
    const w = Float32Array.from({ length: out * inp }, () => (rng.next() * 2 - 1) * 0.1);
    const x = Float32Array.from({ length: rows * inp }, () => (rng.next() * 2 - 1) * 3);
    const weights: WeightSource = { label: 'test', has: () => true, shape: () => [out, inp], read: () => w };
    const g = new GraphBuilder('int8_pair');
    const op = new Ops(g);
    const input = g.input('x', DataType.float, [rows, inp]);
    const precision = columnInt8Precision();
    // down_proj rounds per token (MatMulInteger), the other DynamicQuantizeMatMul.
    g.node('Identity', [precision.linear(op, input, weights, 'model.layers.0.mlp.down_proj.weight')], {}, { outputNames: ['rows'] });
    g.node('Identity', [precision.linear(op, input, weights, 'model.layers.0.self_attn.o_proj.weight')], {}, { outputNames: ['tensor'] });
    g.output('rows', DataType.float, [rows, out]);
    g.output('tensor', DataType.float, [rows, out]);
    const path = join(root, 'pair.onnx');
    writeOnnxModel(g, path);
    const runtime = await loadOrt();
    const results: Float32Array[][] = [];
    for (const exactInt8 of [false, true]) {
      const { session } = await createSession(runtime, path, { device: 'cpu', threads: 1, exactInt8 });
      try {
        const y = await session.run({ x: new runtime.Tensor('float32', x, [rows, inp]) });
        results.push([y.rows!.data as Float32Array, y.tensor!.data as Float32Array]);
      } finally {
        await session.release();
      }
    }
    for (const k of [0, 1]) {
      const [plain, exact] = [results[0]![k]!, results[1]![k]!];
      const largest = plain.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const diff = plain.reduce((m, v, i) => Math.max(m, Math.abs(v - exact[i]!)), 0);
      assert.ok(largest > 0.5 && diff <= 1e-5 * largest, `output ${k}: difference ${diff} of ${largest}`);
    }
  });
});
