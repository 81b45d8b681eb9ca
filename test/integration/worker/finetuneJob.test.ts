/**
 * @file Fine-tuning and merging as jobs in the worker process, driven through a WorkerClient
 * the way the extension drives them: progress events stream back, the adapter and the merged
 * model land in the adapter folder, the merged model loads in the worker's engine and
 * generates, and cancelling a run rejects with an AbortError.
 */
import { fusedVariantFile } from '../../../src/model/configTypes';
import { cudaProviderInstalled, fusedAttentionFor } from '../../../src/runtime/providers';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../../src/finetune/adapter';
import { CHECKPOINT_FILE } from '../../../src/finetune/checkpoint';
import type { FinetuneEvent } from '../../../src/finetune/trainer';
import { WorkerClient } from '../../../src/worker/client';
import { adapterMergeRequest, finetuneRunRequest } from '../../../src/worker/protocol';
import type { MergeProgress } from '../../../src/finetune/stages';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

/** A few small TypeScript snippets, one JSONL line each. */
const SNIPPETS = Array.from({ length: 6 }, (_, i) =>
  [`/** Adds ${i} to a number. */`, `export function add${i}(x: number): number {`, `  return x + ${i};`, '}', ''].join('\n'),
);

describe('fine-tuning and merging as worker jobs', () => {
  let model: TempModel;
  let dir: string;
  let jobs: WorkerClient;
  let train: string;
  let val: string;

  before(() => {
    model = makeTempModel();
    dir = mkdtempSync(join(tmpdir(), 'smolcode-ftjob-'));
    const jsonl = (texts: string[]) => texts.map((text) => JSON.stringify({ text })).join('\n') + '\n';
    train = join(dir, 'train.jsonl');
    val = join(dir, 'val.jsonl');
    writeFileSync(train, jsonl(SNIPPETS.slice(0, 4)));
    writeFileSync(val, jsonl(SNIPPETS.slice(4)));
    jobs = new WorkerClient({ workerPath: 'src/worker/main.ts', execArgv: ['--import', 'tsx'], log: () => undefined });
  });

  after(() => {
    jobs.dispose();
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains an adapter with progress, merges it, and the merged model generates', async () => {
    const out = join(dir, 'adapter');
    const events: FinetuneEvent[] = [];
    const options = { modelDir: model.dir, dataPath: train, valPath: val, outDir: out, steps: 2, seqLen: 32, rank: 2, threads: 1, device: 'cpu' } as const;
    const result = await jobs.job(finetuneRunRequest, { options }, (event: FinetuneEvent) => events.push(event));
    assert.equal(result.status, 'completed');
    assert.equal(result.steps, 2);
    assert.ok(result.initialValLoss !== null && result.bestValLoss !== null);
    assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), ['checkpoint', 'eval', 'start', 'step']);
    assert.deepEqual(
      events.filter((e) => e.type === 'step').map((e) => e.step),
      [1, 2],
    );
    for (const file of [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'training_log.json']) assert.ok(existsSync(join(out, file)), file);
    assert.equal(JSON.parse(readFileSync(join(out, ADAPTER_CONFIG_FILE), 'utf8')).r, 2);

    const progress: MergeProgress[] = [];
    const written = await jobs.job(adapterMergeRequest, { options: { modelDir: model.dir, adapterDir: out, variants: ['fp32'] } }, (p: MergeProgress) => progress.push(p));
    assert.deepEqual(progress, [{ variant: 'fp32', index: 0, total: 1 }]);
    assert.deepEqual(
      written.map((f) => f.path),
      [join(out, 'onnx', 'model.onnx'), join(out, 'onnx', fusedVariantFile('fp32', fusedAttentionFor('auto', process.platform, cudaProviderInstalled())))],
    );

    const loaded = await jobs.load('completion', { modelDir: out, dtype: 'fp32', device: 'cpu', threads: 1 });
    assert.equal(loaded.provider, 'cpu');
    let text = '';
    const stats = await jobs.generate('completion', { slot: 'completion', prompt: 'export function add', maxNewTokens: 4 }, (chunk) => (text += chunk));
    assert.ok(stats.promptTokens > 0);
    assert.equal(typeof text, 'string');
  });

  it('rejects with an AbortError when a training run is cancelled, keeping its checkpoint', async () => {
    const out = join(dir, 'cancelled');
    const controller = new AbortController();
    const options = { modelDir: model.dir, dataPath: train, outDir: out, steps: 500, seqLen: 32, rank: 2, threads: 1, device: 'cpu' } as const;
    const run = jobs.job(finetuneRunRequest, { options }, (event: FinetuneEvent) => event.type === 'step' && controller.abort(), controller.signal);
    await assert.rejects(run, (error: Error) => error.name === 'AbortError');
    assert.equal(existsSync(join(out, ADAPTER_WEIGHTS_FILE)), false, 'a cancelled run writes no adapter');
    assert.ok(existsSync(join(out, CHECKPOINT_FILE)), 'but keeps a checkpoint to resume from');
  });

  it('rejects with an AbortError when a merge is cancelled between variants', async () => {
    const controller = new AbortController();
    const options = { modelDir: model.dir, adapterDir: join(dir, 'adapter'), outDir: join(dir, 'merged-cancelled'), variants: ['fp32', 'fp16', 'q4', 'int8'] } as const;
    const run = jobs.job(adapterMergeRequest, { options }, () => controller.abort(), controller.signal);
    await assert.rejects(run, (error: Error) => error.name === 'AbortError');
  });
});
