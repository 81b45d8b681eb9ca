/**
 * @file The trainer end to end on a tiny generated model and real code (ESLint's rule sources
 * from node_modules, tokenized with the real SmolLM2 tokenizer): validation loss falls well
 * below its start, and a run cancelled mid-way and resumed from its checkpoint ends with the
 * byte-identical adapter of an uninterrupted run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADAPTER_WEIGHTS_FILE, loadAdapter } from '../../../src/finetune/adapter';
import { runFinetune, type FinetuneEvent } from '../../../src/finetune/trainer';
import type { FinetuneOptions } from '../../../src/finetune/plan';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

/** Mid-sized .js files under `dir`, sorted, so the set is the same on every machine with the same lockfile. */
function codeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (name.endsWith('.js') && stat.size > 1500 && stat.size < 8000) out.push(path);
    }
  };
  walk(dir);
  return out;
}

describe('LoRA training', () => {
  let model: TempModel;
  let dir: string;
  let train: string;
  let val: string;
  before(() => {
    model = makeTempModel();
    dir = mkdtempSync(join(tmpdir(), 'smolcode-train-'));
    const files = codeFiles('node_modules/eslint/lib/rules');
    const jsonl = (paths: string[]) => paths.map((p) => JSON.stringify({ text: readFileSync(p, 'utf8') })).join('\n') + '\n';
    train = join(dir, 'train.jsonl');
    val = join(dir, 'val.jsonl');
    writeFileSync(train, jsonl(files.slice(0, 80)));
    writeFileSync(val, jsonl(files.slice(80, 92)));
  });
  after(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lowers the validation loss on real code well below its start', async (ctx) => {
    const out = join(dir, 'adapter');
    const result = await runFinetune({
      modelDir: model.dir,
      dataPath: train,
      valPath: val,
      outDir: out,
      seqLen: 128,
      steps: 150,
      batchSize: 1,
      gradAccum: 4,
      lr: 1e-2,
      rank: 16,
      evalEvery: 50,
      threads: 2,
    });
    ctx.diagnostic(`validation loss ${result.initialValLoss} -> ${result.bestValLoss}; train loss ${result.trainLosses[0].loss} -> ${result.trainLosses.at(-1)!.loss}`);
    assert.equal(result.status, 'completed');
    assert.ok(result.bestValLoss! < result.initialValLoss! - 1.0, `validation loss ${result.initialValLoss} -> ${result.bestValLoss}`);
    assert.equal(loadAdapter(out, model.config).lora.rank, 16);
  });

  it('a run cancelled mid-way and resumed ends with the same adapter bytes as an uninterrupted run', async () => {
    const options = (outDir: string): FinetuneOptions => ({
      modelDir: model.dir,
      dataPath: train,
      valPath: val,
      outDir,
      seqLen: 64,
      steps: 7,
      batchSize: 2,
      gradAccum: 2,
      lr: 5e-3,
      rank: 4,
      evalEvery: 2,
      checkpointEvery: 2,
      threads: 2,
    });
    const whole = await runFinetune(options(join(dir, 'whole')));
    assert.equal(whole.status, 'completed');

    const controller = new AbortController();
    const onProgress = (e: FinetuneEvent) => {
      if (e.type === 'step' && e.step === 3) controller.abort();
    };
    const first = await runFinetune(options(join(dir, 'split')), { signal: controller.signal, onProgress });
    assert.equal(first.status, 'cancelled');
    assert.equal(first.steps, 3);
    const resumed = await runFinetune({ ...options(join(dir, 'split')), resume: true });
    assert.equal(resumed.status, 'completed');
    assert.equal(resumed.steps, 7);
    assert.deepEqual(resumed.valLosses, whole.valLosses);
    assert.ok(readFileSync(join(dir, 'split', ADAPTER_WEIGHTS_FILE)).equals(readFileSync(join(dir, 'whole', ADAPTER_WEIGHTS_FILE))));
  });

  it('a low-memory run with validation feeds both sessions one copy of the frozen weights and matches a fast run', async () => {
    const options = (outDir: string, memory: 'low' | 'fast'): FinetuneOptions => ({
      modelDir: model.dir,
      dataPath: train,
      valPath: val,
      outDir,
      seqLen: 64,
      steps: 4,
      batchSize: 1,
      gradAccum: 2,
      lr: 5e-3,
      rank: 4,
      evalEvery: 2,
      threads: 2,
      memory,
    });
    const shared: boolean[] = [];
    const onProgress = (e: FinetuneEvent) => {
      if (e.type === 'start') shared.push(e.memory.shareFrozenWeights);
    };
    const low = await runFinetune(options(join(dir, 'low'), 'low'), { onProgress });
    const fast = await runFinetune(options(join(dir, 'fast'), 'fast'), { onProgress });
    assert.deepEqual(shared, [true, false]);
    assert.equal(low.valLosses.length, 3);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b);
    low.valLosses.forEach((v, i) => assert.ok(close(v.loss, fast.valLosses[i]!.loss), `validation ${i}: ${v.loss} vs ${fast.valLosses[i]!.loss}`));
    low.trainLosses.forEach((v, i) => assert.ok(close(v.loss, fast.trainLosses[i]!.loss), `step ${i}: ${v.loss} vs ${fast.trainLosses[i]!.loss}`));
  });

  it('refuses to resume with different settings', async () => {
    await assert.rejects(
      runFinetune({ modelDir: model.dir, dataPath: train, outDir: join(dir, 'split'), seqLen: 64, steps: 9, batchSize: 2, gradAccum: 2, lr: 5e-3, rank: 4, resume: true }),
      /cannot resume .*steps: checkpoint 7, now 9/,
    );
  });
});
