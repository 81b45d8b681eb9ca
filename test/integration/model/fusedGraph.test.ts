/**
 * @file The fused graphs (model/llamaFused.ts, both attentions) against the plain one on the same
 * weights: fp32 logits and KV must agree within 1e-4 for a prompt in one pass (`present.*` where
 * the graph has them, and the new rows in `new_key_values`), in chunks and token by token through
 * preallocated buffers longer than the sequence that the caller appends `new_key_values` to (as
 * fusedSession.ts does), after truncating that cache for prefix reuse, and (GQA) with
 * exact-length past tensors (how transformers.js feeds it). q4 runs int8 activations and a 4-bit
 * lm_head, so its distance to the plain q4 graph is printed and bounded relative to the logit
 * range.
 */
import '../../../src/runtime/telemetry';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { FUSED_ATTENTIONS, fusedVariantFile, VARIANT_FILE, type FusedAttention, type FusedVariant } from '../../../src/model/configTypes';
import { writeFusedGraph, writeFusedOnnxVariant } from '../../../src/model/modelFolder';
import { maxAbsDiff, openOrtModel, runOrt } from '../../support/ortModel';
import { makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';
import type { ModelConfig } from '../../../src/model/config';
import { allocateKvBuffer, appendKvRows, kvDims, type KvBuffer, type KvGeometry } from '../../../src/runtime/kvRows';

const ort = await import('onnxruntime-node');

const TOLERANCE = 1e-4;
const VOCAB = 512;
const PROMPT = [17, 3, 400, 255, 9, 77, 128, 301, 5, 42, 250, 1];

/** The plain graph's logits `[S, V]` and present KV for PROMPT in one pass. */
async function plainRun(dir: string, variant: FusedVariant) {
  const model = await openOrtModel(join(dir, 'onnx', VARIANT_FILE[variant]));
  try {
    return await runOrt(model, [PROMPT], [PROMPT.map(() => 1)], [PROMPT.map((_, i) => i)]);
  } finally {
    await model.session.release();
  }
}

/** Steps a fused session over one sequence, keeping its cache in buffers (runtime/kvRows.ts's layout for the graph's cache type). */
class FusedRunner {
  length = 0;
  readonly geometry: KvGeometry;
  readonly buffers: KvBuffer[];
  readonly tensors: Record<string, Tensor> = {};
  constructor(
    readonly session: InferenceSession,
    readonly config: ModelConfig,
    readonly capacity: number,
    attention: FusedAttention,
  ) {
    const { numKeyValueHeads: heads, headDim } = config;
    const first = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    this.geometry = { type: first?.isTensor && first.type === 'int8' ? 'int8' : 'float32', heads, headDim };
    // GQA reads only valid positions, so NaN in the others proves it. Matmul attention scores
    // every position of a single token's step and masks the stale ones; finite garbage there
    // must not change a logit.
    this.buffers = Array.from({ length: 2 * config.numHiddenLayers }, (_, i) => {
      const buffer = allocateKvBuffer(this.geometry, capacity);
      buffer.data.forEach((_, j) => (buffer.data[j] = attention === 'gqa' ? NaN : buffer.data instanceof Int8Array ? Math.round(Math.sin(j) * 100) : Math.sin(j) * 3));
      buffer.scales?.forEach((_, j) => (buffer.scales![j] = 0.01 + Math.abs(Math.cos(j)) * 0.05));
      const name = this.name(i);
      const dims = kvDims(this.geometry, capacity, i % 2 === 0);
      this.tensors[name] = buffer.data instanceof Int8Array ? new ort.Tensor('int8', buffer.data, dims.data) : new ort.Tensor('float32', buffer.data, dims.data);
      if (buffer.scales) this.tensors[`${name}_scale`] = new ort.Tensor('float32', buffer.scales, dims.scales);
      return buffer;
    });
  }

  private name(index: number): string {
    return `past_key_values.${Math.floor(index / 2)}.${index % 2 === 0 ? 'key' : 'value'}`;
  }

  /** Runs `ids` after the cached positions; returns logits of the last `keep` positions (0: all). */
  async step(ids: readonly number[], keep: number): Promise<Float32Array> {
    const total = this.length + ids.length;
    const feeds: Record<string, Tensor> = {
      ...this.tensors,
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), []),
    };
    const out = await this.session.run(feeds, { logits: null, new_key_values: null });
    this.buffers.forEach((buffer, i) => appendKvRows(this.geometry, buffer, this.capacity, i % 2 === 0, newRows(out.new_key_values, i), 0, ids.length, this.length));
    this.length = total;
    return out.logits.data as Float32Array;
  }
}

/** Entry `index` (past_key_values order) of the `new_key_values` output `[2 · layers, S, heads · d]` of a batch of one. */
function newRows(output: Tensor, index: number): Float32Array {
  const [, s, width] = output.dims as number[];
  return (output.data as Float32Array).subarray(index * s * width, (index + 1) * s * width);
}

/** `[S, heads · d]` rows as `[heads, S, d]`. */
function bnsh(rows: Float32Array, s: number, heads: number, d: number): Float32Array {
  const out = new Float32Array(rows.length);
  for (let p = 0; p < s; p++) {
    for (let h = 0; h < heads; h++) out.set(rows.subarray((p * heads + h) * d, (p * heads + h + 1) * d), (h * s + p) * d);
  }
  return out;
}

const row = (logits: Float32Array, position: number) => logits.subarray(position * VOCAB, (position + 1) * VOCAB);

describe('fused graph versus the plain graph', () => {
  const models = new Map<string, TempModel>();
  before(() => {
    const make = (name: string, config: ModelConfig, seed: number, variants: FusedVariant[]) => {
      const model = makeTempModel({ config, seed, variants });
      // gqaBelowPositions 0: every single token takes the matmul path, however short the sequence.
      for (const v of variants) for (const attention of FUSED_ATTENTIONS) writeFusedOnnxVariant(model.dir, v, { attention, gqaBelowPositions: 0 });
      models.set(name, model);
    };
    make('gqa', tinyConfig({ vocabSize: VOCAB }), 1, ['fp32', 'q4', 'int8']);
    make('mha', tinyConfig({ vocabSize: VOCAB, numKeyValueHeads: 4 }), 2, ['fp32']);
    make('untied', tinyConfig({ vocabSize: VOCAB, tieWordEmbeddings: false, ropeTheta: 10000 }), 3, ['fp32']);
  });
  after(() => {
    for (const m of models.values()) m.dispose();
  });

  for (const [name, attention] of ['gqa', 'mha', 'untied'].flatMap((n) => FUSED_ATTENTIONS.map((a) => [n, a] as const))) {
    it(`fp32 logits and KV equal the plain graph's within 1e-4 for a prompt in one pass (${name} model, ${attention} attention)`, async () => {
      const model = models.get(name)!;
      const plain = await plainRun(model.dir, 'fp32');
      const session = await ort.InferenceSession.create(join(model.dir, 'onnx', fusedVariantFile('fp32', attention)));
      try {
        const feeds: Record<string, Tensor> = {
          input_ids: new ort.Tensor('int64', BigInt64Array.from(PROMPT, BigInt), [1, PROMPT.length]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(PROMPT.length).fill(1n), [1, PROMPT.length]),
          num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(0n), []),
        };
        const { numKeyValueHeads: h, headDim: d } = model.config;
        for (let i = 0; i < model.config.numHiddenLayers; i++) {
          for (const kind of ['key', 'value']) feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, h, 0, d]);
        }
        const out = await session.run(feeds);
        const diff = maxAbsDiff(out.logits.data as Float32Array, plain.logits);
        assert.ok(diff < TOLERANCE, `logits max abs diff ${diff}`);
        assert.equal(session.outputNames.includes('present.0.key'), attention === 'gqa');
        for (let i = 0; i < model.config.numHiddenLayers; i++) {
          if (attention === 'gqa') {
            assert.ok(maxAbsDiff(out[`present.${i}.key`].data as Float32Array, plain.present[i].key) < TOLERANCE, `present.${i}.key`);
            assert.ok(maxAbsDiff(out[`present.${i}.value`].data as Float32Array, plain.present[i].value) < TOLERANCE, `present.${i}.value`);
          }
          (['key', 'value'] as const).forEach((kind, j) => {
            const rows = bnsh(newRows(out.new_key_values, 2 * i + j), PROMPT.length, h, d);
            assert.ok(maxAbsDiff(rows, plain.present[i][kind]) < TOLERANCE, `new_key_values[${2 * i + j}] (${kind} of layer ${i})`);
          });
        }
      } finally {
        await session.release();
      }
    });
  }

  for (const [name, attention] of ['gqa', 'mha'].flatMap((n) => FUSED_ATTENTIONS.map((a) => [n, a] as const))) {
    it(`fp32 in chunks and token by token through caller-kept buffers equals one pass, also after truncation (${name} model, ${attention} attention)`, async () => {
      const model = models.get(name)!;
      const plain = await plainRun(model.dir, 'fp32');
      const session = await ort.InferenceSession.create(join(model.dir, 'onnx', fusedVariantFile('fp32', attention)));
      try {
        const runner = new FusedRunner(session, model.config, 32, attention);
        const check = (logits: Float32Array, position: number, what: string) => {
          const diff = maxAbsDiff(logits, row(plain.logits, position));
          assert.ok(diff < TOLERANCE, `${what} at position ${position}: max abs diff ${diff}`);
        };
        // A first chunk, a later chunk (a "subsequent prompt" with past), then single tokens.
        check(await runner.step(PROMPT.slice(0, 4), 1), 3, 'first chunk');
        const chunk = await runner.step(PROMPT.slice(4, 8), 0);
        for (let p = 4; p < 8; p++) check(chunk.subarray((p - 4) * VOCAB, (p - 3) * VOCAB), p, 'second chunk, all rows');
        for (let p = 8; p < PROMPT.length; p++) check(await runner.step([PROMPT[p]], 1), p, 'decode');
        // Prefix reuse: keep 5 positions, overwrite the rest in place.
        runner.length = 5;
        for (let p = 5; p < PROMPT.length; p++) check(await runner.step([PROMPT[p]], 1), p, 'after truncation');
        // A chunk after truncation, into positions that still hold the old keys and values.
        runner.length = 3;
        const again = await runner.step(PROMPT.slice(3, 9), 0);
        for (let p = 3; p < 9; p++) check(again.subarray((p - 3) * VOCAB, (p - 2) * VOCAB), p, 'chunk after truncation');
      } finally {
        await session.release();
      }
    });
  }

  it('fp32 with exact-length past tensors (as transformers.js feeds them) equals one pass', async () => {
    const model = models.get('gqa')!;
    const plain = await plainRun(model.dir, 'fp32');
    const fused = await openOrtModel(join(model.dir, 'onnx', fusedVariantFile('fp32')));
    try {
      // The fused graph takes positions from the mask (no position_ids), so feeds are built here.
      const session = fused.session;
      let past: Awaited<ReturnType<typeof runOrt>>['present'] | undefined;
      for (let p = 0; p < PROMPT.length; p++) {
        const feeds: Record<string, Tensor> = {
          input_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(PROMPT[p])), [1, 1]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(p + 1).fill(1n), [1, p + 1]),
          num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []),
        };
        for (let i = 0; i < model.config.numHiddenLayers; i++) {
          const dims = [1, fused.kvHeads, p, fused.headDim];
          feeds[`past_key_values.${i}.key`] = new ort.Tensor('float32', past?.[i].key ?? new Float32Array(0), dims);
          feeds[`past_key_values.${i}.value`] = new ort.Tensor('float32', past?.[i].value ?? new Float32Array(0), dims);
        }
        const out = await session.run(feeds);
        past = Array.from({ length: model.config.numHiddenLayers }, (_, i) => ({
          key: out[`present.${i}.key`].data as Float32Array,
          value: out[`present.${i}.value`].data as Float32Array,
          length: p + 1,
        }));
        const diff = maxAbsDiff(out.logits.data as Float32Array, row(plain.logits, p));
        assert.ok(diff < TOLERANCE, `position ${p}: max abs diff ${diff}`);
      }
    } finally {
      await fused.session.release();
    }
  });

  it('fp32 matmul graph with the default switch: single tokens below and past 256 positions equal one pass', async () => {
    const model = models.get('gqa')!;
    const long = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % VOCAB);
    const plainModel = await openOrtModel(join(model.dir, 'onnx', VARIANT_FILE.fp32));
    const plain = await runOrt(plainModel, [long], [long.map(() => 1)], [long.map((_, i) => i)]).finally(() => plainModel.session.release());
    const path = join(model.dir, 'onnx', 'model_fused_matmul_default.onnx');
    writeFusedGraph(model.dir, 'fp32', path, { attention: 'matmul' });
    const session = await ort.InferenceSession.create(path);
    try {
      const runner = new FusedRunner(session, model.config, 320, 'matmul');
      await runner.step(long.slice(0, 240), 1);
      for (let p = 240; p < long.length; p++) {
        const diff = maxAbsDiff(await runner.step([long[p]], 1), row(plain.logits, p));
        assert.ok(diff < TOLERANCE, `position ${p}: max abs diff ${diff}`);
      }
    } finally {
      await session.release();
    }
  });

  it('an 8-bit cache (fp32 weights) stays within 2% of the logit range of one pass, through every attention branch', async () => {
    const model = models.get('gqa')!;
    const long = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % VOCAB);
    const plainModel = await openOrtModel(join(model.dir, 'onnx', VARIANT_FILE.fp32));
    const plain = await runOrt(plainModel, [long], [long.map(() => 1)], [long.map((_, i) => i)]).finally(() => plainModel.session.release());
    const range = plain.logits.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // gqaBelowPositions 0: chunks of up to 16 tokens and single tokens read the 8-bit cache with
    // MatMulInteger; the default (256): shorter sequences take GQA over the widened cache.
    for (const gqaBelowPositions of [0, 256]) {
      const path = join(model.dir, 'onnx', `int8kv_${gqaBelowPositions}.onnx`);
      writeFusedGraph(model.dir, 'fp32', path, { attention: 'matmul', kvCache: 'int8', gqaBelowPositions });
      const session = await ort.InferenceSession.create(path);
      try {
        const runner = new FusedRunner(session, model.config, 320, 'matmul');
        assert.equal(runner.geometry.type, 'int8');
        let worst = 0;
        const check = (logits: Float32Array, position: number) => (worst = Math.max(worst, maxAbsDiff(logits, row(plain.logits, position)) / range));
        check(await runner.step(long.slice(0, 8), 1), 7);
        const chunk = await runner.step(long.slice(8, 20), 0);
        for (let p = 8; p < 20; p++) check(chunk.subarray((p - 8) * VOCAB, (p - 7) * VOCAB), p);
        for (let p = 20; p < long.length; p++) check(await runner.step([long[p]], 1), p);
        console.log(`8-bit cache, gqaBelowPositions ${gqaBelowPositions}: worst logit difference ${(100 * worst).toFixed(3)}% of the largest logit (${range.toFixed(3)})`);
        assert.ok(worst < 0.02, `8-bit cache drifts ${worst} of the logit range`);
      } finally {
        await session.release();
      }
    }
  });

  for (const attention of FUSED_ATTENTIONS) {
    it(`q4 (int8 activations, 4-bit lm_head) stays close to the plain q4 graph (${attention} attention)`, async () => {
      const model = models.get('gqa')!;
      const plainQ4 = await plainRun(model.dir, 'q4');
      const fp32 = await plainRun(model.dir, 'fp32');
      const session = await ort.InferenceSession.create(join(model.dir, 'onnx', fusedVariantFile('q4', attention)));
      try {
        const logits = await new FusedRunner(session, model.config, 16, attention).step(PROMPT, 0);
        const scale = Math.max(...fp32.logits.map(Math.abs));
        const vsPlain = maxAbsDiff(logits, plainQ4.logits);
        const plainVsFp32 = maxAbsDiff(plainQ4.logits, fp32.logits);
        console.log(`fused q4 (${attention}) vs plain q4: max abs ${vsPlain.toExponential(3)}; plain q4 vs fp32: ${plainVsFp32.toExponential(3)}; fp32 max abs logit ${scale.toFixed(3)}`);
        // The extra error (activation and lm_head quantization) is smaller than q4's own.
        assert.ok(vsPlain < plainVsFp32, `fused q4 drifts ${vsPlain} from plain q4, more than q4 from fp32 (${plainVsFp32})`);
      } finally {
        await session.release();
      }
    });
  }

  for (const attention of FUSED_ATTENTIONS) {
    it(`int8 (one scale per column, DynamicQuantizeMatMul) stays closer to fp32 than q4 does (${attention} attention)`, async () => {
      const model = models.get('gqa')!;
      const fp32 = await plainRun(model.dir, 'fp32');
      const plainQ4 = await plainRun(model.dir, 'q4');
      const session = await ort.InferenceSession.create(join(model.dir, 'onnx', fusedVariantFile('int8', attention)));
      try {
        const nodes = await readFile(join(model.dir, 'onnx', fusedVariantFile('int8', attention)));
        assert.ok(nodes.includes('DynamicQuantizeMatMul'), 'the int8 fused graph should use DynamicQuantizeMatMul');
        const logits = await new FusedRunner(session, model.config, 16, attention).step(PROMPT, 0);
        const vsFp32 = maxAbsDiff(logits, fp32.logits);
        const q4VsFp32 = maxAbsDiff(plainQ4.logits, fp32.logits);
        console.log(`fused int8 (${attention}) vs fp32: max abs ${vsFp32.toExponential(3)}; plain q4 vs fp32: ${q4VsFp32.toExponential(3)}`);
        assert.ok(vsFp32 < q4VsFp32, `fused int8 drifts ${vsFp32} from fp32, as much as q4 (${q4VsFp32})`);
      } finally {
        await session.release();
      }
    });
  }
});
