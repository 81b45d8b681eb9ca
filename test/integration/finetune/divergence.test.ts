/**
 * @file A run whose loss stops being a number stops there: an absurd learning rate drives the
 * LoRA weights to infinity within a step or two, and the trainer ends with the step number and
 * the learning rate to lower, and writes no adapter and no training log. It used to print
 * `loss NaN`, exit 0 and write a NaN adapter.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADAPTER_WEIGHTS_FILE } from '../../../src/finetune/adapter';
import { TrainingDivergedError } from '../../../src/finetune/divergence';
import { runFinetune, type FinetuneEvent } from '../../../src/finetune/trainer';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

describe('training that diverges', () => {
  let model: TempModel;
  let dir: string;
  let data: string;
  before(() => {
    model = makeTempModel();
    dir = mkdtempSync(join(tmpdir(), 'smolcode-diverge-'));
    data = join(dir, 'train.jsonl');
    const text = 'function add(a, b) {\n  return a + b;\n}\nfunction mul(a, b) {\n  return a * b;\n}\n';
    writeFileSync(data, `${Array.from({ length: 8 }, () => JSON.stringify({ text })).join('\n')}\n`);
  });
  after(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops at the first non-finite loss, naming the step and the learning rate, and writes no adapter', async () => {
    const out = join(dir, 'adapter');
    const steps: FinetuneEvent[] = [];
    await assert.rejects(
      runFinetune({ modelDir: model.dir, dataPath: data, outDir: out, steps: 20, seqLen: 16, lr: 1e30, optimizer: 'sgd', warmupRatio: 0 }, { onProgress: (e) => e.type === 'step' && steps.push(e) }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingDivergedError, String(error));
        const at = steps.length + 1;
        assert.match(error.message, new RegExp(`^training stopped at step ${at}: the training loss is (NaN|Infinity|-Infinity), .*lower the learning rate \\(it is 1e\\+30`));
        return true;
      },
    );
    assert.ok(steps.every((e) => e.type === 'step' && Number.isFinite(e.loss)), 'every reported loss is finite');
    assert.ok(steps.length < 20, `diverged after ${steps.length} finite steps`);
    assert.equal(existsSync(join(out, ADAPTER_WEIGHTS_FILE)), false);
    assert.equal(existsSync(join(out, 'training_log.json')), false);
  });
});
