/**
 * @file The four projections of one decoder layer (qkv, o, gate_up, down) of a SmolLM2 shape, as
 * ONNX Runtime's CPU kernels run them at several row counts: one row is a decode step, 16 the
 * matmul path's largest chunk, 512 a prompt chunk. Each kernel holds the same random weights:
 *
 * - `nbits4`: MatMulNBits, 4-bit blocks of 32, int8 activations (accuracy_level 4): the q4 graphs';
 * - `nbits4-f32`: the same blocks computed in float32 (accuracy_level 0);
 * - `fp32`: MatMul on float32 weights;
 * - `dq-s8`: DynamicQuantizeMatMul, int8 weights with one scale per output column (symmetric),
 *   activations quantized per call: the u8·s8 GEMM that MLAS runs on AMX or VNNI where the
 *   processor has them.
 *
 * Kernels take turns within each round; the report gives the median time, the rate, and each
 * kernel's largest output error against float32 weights relative to the largest output, so
 * speed and quantization error are read side by side.
 *
 *   node --import tsx scripts/bench/matmulKernels.ts [--shape 135M] [--rows 1,16,64,512] [--rounds 15] [--threads 2]
 */
import '../../src/runtime/telemetry';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as OrtModule from 'onnxruntime-node';
import { DataType, GraphBuilder } from '../../src/graph/graphBuilder';
import { writeOnnxModel } from '../../src/graph/onnxWriter';
import { quantizeBlockwise } from '../../src/graph/quantize';
import { Rng } from '../../src/graph/rng';
import { transpose2d } from '../../src/model/weights';
import { SHAPES } from '../../src/model/shapes';
import type { ShapeName } from '../../src/model/configTypes';
import { loadOrt } from '../../src/runtime/session';
import { quantizeColumnsInt8 } from '../../src/graph/quantize';
import { median } from './metrics';

export const KERNELS = ['nbits4', 'nbits4-f32', 'fp32', 'dq-s8'] as const;
export type Kernel = (typeof KERNELS)[number];

/** `[out, in]` of qkv, o, gate_up and down for a shape. */
export function layerProjections(shape: ShapeName): { name: string; out: number; inp: number }[] {
  const c = SHAPES[shape];
  const h = c.hiddenSize;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  return [
    { name: 'qkv', out: q + 2 * kv, inp: h },
    { name: 'o', out: h, inp: q },
    { name: 'gate_up', out: 2 * c.intermediateSize, inp: h },
    { name: 'down', out: h, inp: c.intermediateSize },
  ];
}

const bytes = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

/** One graph with every projection fed from its own input, its outputs as `y_<name>`. */
function kernelGraph(kernel: Kernel, projections: ReturnType<typeof layerProjections>, weights: Float32Array[]): GraphBuilder {
  const g = new GraphBuilder(`projections_${kernel}`);
  projections.forEach(({ name, out, inp }, index) => {
    const x = g.input(`x_${name}`, DataType.float, ['rows', inp]);
    const w = weights[index];
    let y: string;
    if (kernel === 'nbits4' || kernel === 'nbits4-f32') {
      const q = quantizeBlockwise(w, out, inp, 4, 32);
      const data = g.initializer(`${name}_Q4`, DataType.uint8, [out, inp / 32, 16], () => q.packed);
      const scales = g.initializer(`${name}_scales`, DataType.float, [out * (inp / 32)], () => bytes(q.scales));
      y = g.node('MatMulNBits', [x, data, scales], { K: inp, N: out, bits: 4, block_size: 32, accuracy_level: kernel === 'nbits4' ? 4 : 0 }, { domain: 'com.microsoft' })[0];
    } else if (kernel === 'fp32') {
      y = g.node('MatMul', [x, g.initializer(name, DataType.float, [inp, out], () => bytes(transpose2d(w, out, inp)))])[0];
    } else {
      const q = quantizeColumnsInt8(w, out, inp);
      const b = g.initializer(`${name}_s8`, DataType.int8, [inp, out], () => bytes(q.values));
      const scales = g.initializer(`${name}_s8_scales`, DataType.float, [out], () => bytes(q.scales));
      const zero = g.initializer(`${name}_s8_zero`, DataType.int8, [out], () => new Uint8Array(out));
      y = g.node('DynamicQuantizeMatMul', [x, b, scales, zero], {}, { domain: 'com.microsoft' })[0];
    }
    g.node('Identity', [y], {}, { outputNames: [`y_${name}`] });
    g.output(`y_${name}`, DataType.float, ['rows', out]);
  });
  return g;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { shape: { type: 'string', default: '135M' }, rows: { type: 'string', default: '1,16,64,512' }, rounds: { type: 'string', default: '15' }, threads: { type: 'string', default: '2' } },
  });
  const shape = values.shape as ShapeName;
  if (!(shape in SHAPES)) throw new Error(`--shape must be one of ${Object.keys(SHAPES).join(', ')}`);
  const rowsList = values.rows.split(',').map(Number);
  const rounds = Number(values.rounds);
  const threads = Number(values.threads);
  const ort: typeof OrtModule = await loadOrt();
  const projections = layerProjections(shape);
  const rng = new Rng(7);
  // HF-like weights: small, roughly normal (a sum of uniforms), so block and column maxima vary.
  const weights = projections.map(({ out, inp }) => Float32Array.from({ length: out * inp }, () => (rng.next() + rng.next() + rng.next() - 1.5) * 0.04));
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-kernels-'));
  try {
    const sessions = new Map<Kernel, OrtModule.InferenceSession>();
    for (const kernel of KERNELS) {
      const path = join(dir, `${kernel}.onnx`);
      writeOnnxModel(kernelGraph(kernel, projections, weights), path);
      sessions.set(kernel, await ort.InferenceSession.create(path, { intraOpNumThreads: threads, interOpNumThreads: 1 }));
    }
    console.log(`${shape}: one layer's projections (${projections.map((p) => `${p.name} ${p.out}x${p.inp}`).join(', ')}), ${threads} threads, ${rounds} rounds\n`);
    console.log('| rows | kernel | median ms | GFLOP/s | largest error / largest output |');
    console.log('|---:|---|---:|---:|---:|');
    for (const rows of rowsList) {
      const feeds = Object.fromEntries(projections.map(({ name, inp }) => [`x_${name}`, new ort.Tensor('float32', Float32Array.from({ length: rows * inp }, (_, i) => Math.sin(i * 0.37)), [rows, inp])]));
      const outputs = new Map<Kernel, Float32Array[]>();
      const times = new Map<Kernel, number[]>(KERNELS.map((k) => [k, []]));
      for (let round = 0; round <= rounds; round++) {
        for (const kernel of KERNELS) {
          const start = performance.now();
          const result = await sessions.get(kernel)!.run(feeds);
          const ms = performance.now() - start;
          if (round === 0) outputs.set(kernel, projections.map(({ name }) => result[`y_${name}`].data as Float32Array));
          else times.get(kernel)!.push(ms);
        }
      }
      const reference = outputs.get('fp32')!;
      const largest = reference.reduce((m, y) => y.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0);
      const flops = 2 * rows * projections.reduce((sum, p) => sum + p.out * p.inp, 0);
      for (const kernel of KERNELS) {
        const error = outputs.get(kernel)!.reduce((m, y, p) => y.reduce((a, v, i) => Math.max(a, Math.abs(v - reference[p][i])), m), 0);
        const ms = median(times.get(kernel)!);
        console.log(`| ${rows} | ${kernel} | ${ms.toFixed(2)} | ${(flops / ms / 1e6).toFixed(0)} | ${(error / largest).toExponential(1)} |`);
      }
    }
    for (const session of sessions.values()) await session.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) await main();
