/**
 * @file runFinetunePipeline's FIM record with stand-in stages: written into the adapter folder
 * from MIN_FIM_TRAIN_SAMPLES FIM training samples on, else left out (an old one removed) with
 * the reason in smolcode_run.json and report.md.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { emptySplitCounts, type DatasetReport } from '../../../src/finetune/dataset/report';
import { DEFAULT_MIXTURE } from '../../../src/finetune/dataset/types';
import { MIN_FIM_TRAIN_SAMPLES } from '../../../src/finetune/fimRecordRule';
import { resolvePlan } from '../../../src/finetune/plan';
import { runFinetunePipeline, type FinetuneRunRequest } from '../../../src/finetune/run';
import { REPORT_FILE, RUN_FILE, type RunSummary } from '../../../src/finetune/runReport';
import type { FinetuneStages } from '../../../src/finetune/stages';
import { FIM_RECORD_FILE, fimRecord, readFimRecord } from '../../../src/model/fim';

const root = mkdtempSync(join(tmpdir(), 'smolcode-run-fim-'));

/** Stages that build a report with `fimSamples` FIM training samples among 40 code samples, train 2 steps and merge nothing. */
function stages(fimRate: number, fimSamples: number): FinetuneStages {
  const train = { ...emptySplitCounts(), samples: { ...emptySplitCounts().samples, code: 40 }, tokens: 40_000, trainedTokens: 40_000, fimSamples };
  const report: DatasetReport = {
    repoName: 'app',
    listing: 'git',
    settings: { seed: 0, seqLen: 2048, minScore: 2.5, validationFraction: 0.1, languages: ['Python'], mixture: DEFAULT_MIXTURE, fimRate, fimSeqLen: 128 },
    files: { seen: 40, kept: 40, dropped: 0 },
    keptByLanguage: {},
    droppedByReason: {},
    scoreHistogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 40],
    splits: { train, validation: emptySplitCounts() },
    skipped: { tooLong: 0, specialTokens: 0, changed: 0 },
    kept: [],
    dropped: [],
    examples: [],
  };
  return {
    buildDataset: () => Promise.resolve(report),
    train: (options) =>
      Promise.resolve({
        status: 'completed',
        steps: 2,
        outDir: options.outDir,
        adapterWritten: true,
        initialValLoss: null,
        bestValLoss: null,
        trainLosses: [{ step: 1, loss: 2 }, { step: 2, loss: 1.5 }],
        valLosses: [],
        plan: resolvePlan(options, 40, 128),
      }),
    merge: () => Promise.resolve([]),
  };
}

function request(outDir: string, fimRate: number): FinetuneRunRequest {
  return {
    role: 'completion',
    workspace: { name: 'app', dataset: { workspace: join(root, 'ws'), out: join(outDir, 'dataset'), fimRate } },
    baseModelName: 'base',
    chatTokenizerDir: join(root, 'tokenizer'),
    training: { modelDir: join(root, 'model'), outDir, steps: 2, seqLen: 128 },
    merge: { variant: 'fp32', dtype: 'fp32' },
  };
}

async function run(name: string, fimRate: number, fimSamples: number): Promise<{ out: string; summary: RunSummary }> {
  const out = join(root, name);
  mkdirSync(out, { recursive: true });
  // A record left by an earlier run into the same folder must not survive a run that writes none.
  writeFileSync(join(out, FIM_RECORD_FILE), JSON.stringify(fimRecord(1)));
  const summary = await runFinetunePipeline(request(out, fimRate), stages(fimRate, fimSamples), () => {}, new AbortController().signal);
  assert.deepEqual(JSON.parse(readFileSync(join(out, RUN_FILE), 'utf8')), JSON.parse(JSON.stringify(summary)), 'smolcode_run.json is the summary');
  return { out, summary };
}

describe('the FIM record of a fine-tuning run', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is written from the minimum of FIM training samples on', async () => {
    const { out, summary } = await run('enough', 0.5, MIN_FIM_TRAIN_SAMPLES);
    assert.deepEqual(readFimRecord(out), fimRecord(0.5));
    assert.deepEqual(summary.fim, { format: 'smolcode-fim-spm', version: 1, rate: 0.5, trainSamples: MIN_FIM_TRAIN_SAMPLES });
    assert.equal(summary.fimNotRecorded, null);
  });

  it('is left out below it, and the run JSON and report say why', async () => {
    const { out, summary } = await run('too-few', 0.5, MIN_FIM_TRAIN_SAMPLES - 1);
    assert.equal(existsSync(join(out, FIM_RECORD_FILE)), false);
    assert.equal(summary.fim, null);
    assert.deepEqual({ ...summary.fimNotRecorded, note: undefined }, { rate: 0.5, trainSamples: MIN_FIM_TRAIN_SAMPLES - 1, minTrainSamples: MIN_FIM_TRAIN_SAMPLES, note: undefined });
    assert.match(readFileSync(join(out, REPORT_FILE), 'utf8'), /\*\*Note:\*\* Fill-in-the-middle is not recorded: the training set has 15 FIM training samples, fewer than the 16 /);
  });

  it('is neither written nor reported missing without FIM samples asked for', async () => {
    const { out, summary } = await run('no-fim', 0, 0);
    assert.equal(existsSync(join(out, FIM_RECORD_FILE)), false);
    assert.deepEqual([summary.fim, summary.fimNotRecorded], [null, null]);
    assert.doesNotMatch(readFileSync(join(out, REPORT_FILE), 'utf8'), /Fill-in-the-middle/);
  });
});
