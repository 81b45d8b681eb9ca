/**
 * @file The LoRA training graph on a tiny generated model: its loss equals the cross-entropy of
 * the plain TypeScript reference forward (with the adapter merged into the weights), and its
 * LoRA gradients equal central finite differences of the loss in float64 (1e-6 relative; see
 * autodiff/gradCheck.ts) and the float32 graph's gradients within 1e-3 relative; recomputed
 * layers and the chunked head change neither.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LoraGraphSession, readFrozenWeights, type MicroBatch } from '../../../src/finetune/graphSession';
import { loraModules, loraScale, type LoraConfig, type LoraModule } from '../../../src/model/lora';
import { Rng } from '../../../src/graph/rng';
import { buildTrainingGraph } from '../../../src/model/trainingGraph';
import { SafetensorsFile } from '../../../src/graph/safetensors';
import { safetensorsSource } from '../../../src/model/weights';
import { referenceForward } from '../../support/referenceForward';
import { loadWeights, makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';

const LORA: LoraConfig = { rank: 2, alpha: 4, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], useRslora: false };
const B = 2;
const S = 6;
// Row 2 is right-padded after 4 tokens; its padding and one prompt token are ignored (-100).
const IDS = [
  [5, 17, 99, 3, 64, 120],
  [7, 7, 42, 1, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0],
];
const LABELS = [
  [5, 17, 99, 3, 64, 120],
  [-100, 7, 42, 1, -100, -100],
];

function batch(): MicroBatch {
  const flat = (rows: number[][]) => BigInt64Array.from(rows.flat(), BigInt);
  return { batchSize: B, seqLen: S, inputIds: flat(IDS), attentionMask: flat(MASK), labels: flat(LABELS) };
}

/** Random LoRA matrices (B nonzero too, so every gradient is exercised). */
function randomLora(modules: readonly LoraModule[], seed: number): Map<string, Float64Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float64Array>();
  for (const m of modules) {
    out.set(m.a, Float64Array.from({ length: m.aShape[0] * m.aShape[1] }, () => (rng.next() * 2 - 1) * 0.3));
    out.set(m.b, Float64Array.from({ length: m.bShape[0] * m.bShape[1] }, () => (rng.next() * 2 - 1) * 0.3));
  }
  return out;
}

/** HF's shifted, ignore-index mean cross-entropy of reference logits. */
function referenceLoss(logits: Float32Array, vocab: number): number {
  let sum = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S - 1; s++) {
      const label = LABELS[b][s + 1];
      if (label === -100) continue;
      const row = logits.subarray((b * S + s) * vocab, (b * S + s + 1) * vocab);
      const max = Math.max(...row);
      const logSum = Math.log(row.reduce((acc, v) => acc + Math.exp(v - max), 0)) + max;
      sum += logSum - row[label];
      count++;
    }
  }
  return sum / count;
}

describe('LoRA training graph on a tiny model', () => {
  let model: TempModel;
  let file: SafetensorsFile;
  const config = tinyConfig({ vocabSize: 128 });
  const modules = loraModules(config, LORA);

  before(() => {
    model = makeTempModel({ config });
    file = SafetensorsFile.open(join(model.dir, 'model.safetensors'));
  });
  after(() => {
    file.close();
    model.dispose();
  });

  it('its loss equals the reference cross-entropy with the adapter merged into the weights', async () => {
    const lora = randomLora(modules, 3);
    const base = loadWeights(model.dir);
    const scale = loraScale(LORA);
    const merged = (name: string): Float32Array => {
      const m = modules.find((x) => `${x.module}.weight` === name);
      if (!m) return base(name);
      const [out, r] = m.bShape;
      const inp = m.aShape[1];
      const w = Float32Array.from(base(name));
      const a = lora.get(m.a)!;
      const bm = lora.get(m.b)!;
      for (let o = 0; o < out; o++)
        for (let i = 0; i < inp; i++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += bm[o * r + k] * a[k * inp + i];
          w[o * inp + i] += scale * s;
        }
      return w;
    };
    const positions = IDS.map((row) => row.map((_, i) => i));
    const expected = referenceLoss(referenceForward(config, merged, { inputIds: IDS, attentionMask: MASK, positionIds: positions }).logits, config.vocabSize);
    const graph = buildTrainingGraph(config, safetensorsSource(file), { batchSize: B, seqLen: S, lora: LORA, gradients: false });
    const session = await LoraGraphSession.open(graph, { device: 'cpu', threads: 1 });
    try {
      const { loss } = await session.run(batch(), lora);
      assert.ok(Math.abs(loss - expected) < 1e-4, `loss ${loss} vs reference ${expected}`);
    } finally {
      await session.dispose();
    }
  });

  it("with lora_dropout, drops each module's LoRA input while training and never in the evaluation graph", async () => {
    const lora = randomLora(modules, 7);
    const dropped: LoraConfig = { ...LORA, dropout: 0.5 };
    const build = (gradients: boolean, config_: LoraConfig = dropped) => buildTrainingGraph(config, safetensorsSource(file), { batchSize: B, seqLen: S, lora: config_, gradients, dropoutSeed: 1 });
    const count = (graph: ReturnType<typeof build>) => graph.graph.nodeList.filter((n) => n.opType === 'Dropout').length;
    const train = build(true);
    assert.equal(count(train), modules.length, 'one mask per adapted module, as PEFT has one nn.Dropout per layer');
    assert.equal(count(build(false)), 0);
    assert.equal(count(build(true, LORA)), 0, 'no dropout nodes at 0');
    const evalSession = await LoraGraphSession.open(build(false), { device: 'cpu', threads: 1 });
    const trainSession = await LoraGraphSession.open(train, { device: 'cpu', threads: 1 });
    try {
      const clean = (await evalSession.run(batch(), lora)).loss;
      const first = (await trainSession.run(batch(), lora)).loss;
      const second = (await trainSession.run(batch(), lora)).loss;
      assert.ok(Number.isFinite(first) && first !== clean && second !== first, `losses ${clean}, ${first}, ${second}: dropout changes the loss, differently each step`);
    } finally {
      await evalSession.dispose();
      await trainSession.dispose();
    }
  });

  it('its LoRA gradients match central finite differences in float64', async () => {
    const lora = randomLora(modules, 5);
    const graph = buildTrainingGraph(config, safetensorsSource(file), { batchSize: B, seqLen: S, lora: LORA, gradients: true, dtype: 'double' });
    const session = await LoraGraphSession.open(graph, { device: 'cpu', threads: 1, double: true });
    try {
      const { grads } = await session.run(batch(), lora);
      const eps = 1e-6;
      let maxError = 0;
      let checked = 0;
      const rng = new Rng(11);
      for (const m of modules) {
        for (const name of [m.a, m.b]) {
          const values = lora.get(name)!;
          for (let n = 0; n < 2; n++) {
            const i = Math.floor(rng.next() * values.length);
            const saved = values[i];
            values[i] = saved + eps;
            const plus = (await session.run(batch(), lora)).loss;
            values[i] = saved - eps;
            const minus = (await session.run(batch(), lora)).loss;
            values[i] = saved;
            const numeric = (plus - minus) / (2 * eps);
            const analytic = grads.get(name)![i];
            maxError = Math.max(maxError, Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric), Math.abs(analytic)));
            checked++;
          }
        }
      }
      assert.ok(maxError < 1e-5, `max relative error ${maxError} over ${checked} elements`);
    } finally {
      await session.dispose();
    }
  });

  for (const variant of [
    { name: 'recomputed layers', options: { recompute: true, lossChunkRows: 0 } },
    { name: 'the head and loss in chunks of 5 rows', options: { recompute: false, lossChunkRows: 5 } },
    { name: 'both (the defaults, with chunks of 5 rows)', options: { lossChunkRows: 5 } },
    { name: "the loss chunks' log-probabilities stored for backward (fast memory mode)", options: { recompute: false, lossChunkRows: 5, storeLogProbs: true } },
  ]) {
    it(`${variant.name} give the stored-activation, whole-head graph's loss and gradients within 1e-12 relative`, async () => {
      const lora = randomLora(modules, 9);
      const open = async (extra: { recompute?: boolean; lossChunkRows?: number; storeLogProbs?: boolean }) =>
        LoraGraphSession.open(
          buildTrainingGraph(config, safetensorsSource(file), { batchSize: B, seqLen: S, lora: LORA, gradients: true, dtype: 'double', ...extra }),
          { device: 'cpu', threads: 1, double: true },
        );
      const [plain, changed] = [await open({ recompute: false, lossChunkRows: 0 }), await open(variant.options)];
      try {
        const a = await plain.run(batch(), lora);
        const b = await changed.run(batch(), lora);
        assert.ok(Math.abs(a.loss - b.loss) <= 1e-12 * Math.abs(a.loss), `loss ${b.loss} vs ${a.loss}`);
        let maxError = 0;
        for (const [name, ga] of a.grads) {
          const gb = b.grads.get(name)!;
          const scale = Math.max(...ga.map(Math.abs));
          for (let i = 0; i < ga.length; i++) maxError = Math.max(maxError, Math.abs(gb[i] - ga[i]) / scale);
        }
        assert.ok(maxError <= 1e-12, `max gradient difference ${maxError} of each tensor's largest`);
      } finally {
        await plain.dispose();
        await changed.dispose();
      }
    });
  }

  it('frozen weights fed as inputs, one copy for a training and a validation session, give the initializer graphs\' loss and gradients within 1e-12 relative', async () => {
    const lora = randomLora(modules, 13);
    const weights = safetensorsSource(file);
    const build = (gradients: boolean, frozenInputs: boolean) =>
      buildTrainingGraph(config, weights, { batchSize: B, seqLen: S, lora: LORA, gradients, dtype: 'double', lossChunkRows: 5, frozenInputs });
    const [train, validation] = [build(true, true), build(false, true)];
    assert.equal(build(true, false).frozenInputs.length, 0);
    // Every frozen tensor once: a tied model's embedding table is also its head.
    const names = train.frozenInputs.map((x) => x.name);
    assert.deepEqual(new Set(names).size, names.length);
    assert.ok(names.includes('model.embed_tokens.weight') && names.includes('model.layers.0.self_attn.q_proj.weight'), names.join(', '));
    const frozen = readFrozenWeights([train, validation], weights, true);
    const sessions = [
      await LoraGraphSession.open(build(true, false), { device: 'cpu', threads: 1, double: true }),
      await LoraGraphSession.open(train, { device: 'cpu', threads: 1, double: true, frozen }),
      await LoraGraphSession.open(build(false, false), { device: 'cpu', threads: 1, double: true }),
      await LoraGraphSession.open(validation, { device: 'cpu', threads: 1, double: true, frozen }),
    ];
    try {
      const [a, b, evalA, evalB] = await Promise.all(sessions.map((s) => s.run(batch(), lora)));
      assert.ok(Math.abs(a!.loss - b!.loss) <= 1e-12 * Math.abs(a!.loss), `loss ${b!.loss} vs ${a!.loss}`);
      assert.ok(Math.abs(evalA!.loss - evalB!.loss) <= 1e-12 * Math.abs(evalA!.loss), `validation loss ${evalB!.loss} vs ${evalA!.loss}`);
      assert.ok(Math.abs(a!.loss - evalA!.loss) <= 1e-12 * Math.abs(a!.loss));
      for (const [name, ga] of a!.grads) {
        const gb = b!.grads.get(name)!;
        const scale = Math.max(...ga.map(Math.abs));
        for (let i = 0; i < ga.length; i++) assert.ok(Math.abs(gb[i] - ga[i]) <= 1e-12 * scale, `${name}[${i}]: ${gb[i]} vs ${ga[i]}`);
      }
    } finally {
      for (const s of sessions) await s.dispose();
    }
  });

  it('a graph that takes its frozen weights as inputs will not open without them, and names the first missing one', async () => {
    const graph = buildTrainingGraph(config, safetensorsSource(file), { batchSize: B, seqLen: S, lora: LORA, gradients: false, frozenInputs: true });
    await assert.rejects(LoraGraphSession.open(graph, { device: 'cpu', threads: 1 }), /frozen weight model\.embed_tokens\.weight as an input, and none was given/);
    const short = new Map([...readFrozenWeights([graph], safetensorsSource(file))].map(([name, values]) => [name, values.subarray(1)]));
    await assert.rejects(LoraGraphSession.open(graph, { device: 'cpu', threads: 1, frozen: short }), /frozen weight model\.embed_tokens\.weight has \d+ values, the graph wants/);
  });

  it('the float32 graph gives the float64 loss and gradients within 1e-3 relative', async () => {
    const lora = randomLora(modules, 7);
    const open = async (double: boolean) =>
      LoraGraphSession.open(
        buildTrainingGraph(config, safetensorsSource(file), { batchSize: B, seqLen: S, lora: LORA, gradients: true, dtype: double ? 'double' : 'float' }),
        { device: 'cpu', threads: 1, double },
      );
    const [s32, s64] = [await open(false), await open(true)];
    try {
      const r32 = await s32.run(batch(), lora);
      const r64 = await s64.run(batch(), lora);
      assert.ok(Math.abs(r32.loss - r64.loss) < 1e-4 * Math.abs(r64.loss));
      for (const [name, g64] of r64.grads) {
        const g32 = r32.grads.get(name)!;
        const scale = Math.max(...g64.map(Math.abs));
        for (let i = 0; i < g64.length; i++) assert.ok(Math.abs(g32[i] - g64[i]) <= 1e-3 * scale + 1e-7, `${name}[${i}]: ${g32[i]} vs ${g64[i]}`);
      }
    } finally {
      await s32.dispose();
      await s64.dispose();
    }
  });
});
