/**
 * @file The bench's training table: one row per shape with medians of the runs, ours beside
 * PyTorch + PEFT with the ratios, and the skip line when PyTorch did not run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainingTable, type TrainingResult } from '../../../../scripts/bench/trainingSection';

function result(shape: '135M' | '360M', tps: number, peft?: { tps: number; rss: number; cpu: number }): TrainingResult {
  return {
    shape,
    seqLen: 512,
    batchSize: 1,
    steps: 2,
    threads: 2,
    loraRank: 8,
    targets: 7,
    provider: 'cpu',
    trainTokensPerSecond: tps,
    secondsPerMicroBatch: 512 / tps,
    cpuSecondsPerStep: 10,
    setupSeconds: 3,
    firstLoss: 11.25,
    trainPeakRssMiB: 1000,
    fastTrainTokensPerSecond: tps * 2,
    fastTrainPeakRssMiB: 2500,
    prefillTokensPerSecond: 300,
    prefillTokens: 512,
    prefillPeakRssMiB: 900,
    ...(peft
      ? { peftTorchVersion: '2.15.0', peftTrainTokensPerSecond: peft.tps, peftTrainPeakRssMiB: peft.rss, peftCpuSecondsPerStep: peft.cpu, peftFirstLoss: 11.25 }
      : { peftSkipped: 'PyTorch + PEFT skipped: no prepared venv (run scripts/python/prepare.sh)' }),
  };
}

describe('training bench table', () => {
  it('puts each shape on one row with medians, ours beside PyTorch, and the ratios', () => {
    const table = trainingTable([
      result('135M', 50, { tps: 100, rss: 2000, cpu: 20 }),
      result('135M', 60, { tps: 100, rss: 2000, cpu: 20 }),
      result('135M', 70, { tps: 100, rss: 2000, cpu: 20 }),
      result('360M', 30, { tps: 15, rss: 4000, cpu: 40 }),
    ]);
    const rows = table.split('\n').filter((line) => line.startsWith('| 1') || line.startsWith('| 3'));
    assert.deepEqual(rows, [
      '| 135M | 60 | 120 | 100 | 0.60 | 1.20 | 10.0 | 20.0 | 2.00 | 1000 | 2500 | 2000 | 0.50 | 11.2500 | 11.2500 | 300 | – |',
      '| 360M | 30 | 60 | 15 | 2.00 | 4.00 | 10.0 | 40.0 | 4.00 | 1000 | 2500 | 4000 | 0.25 | 11.2500 | 11.2500 | 300 | – |',
    ]);
    assert.match(table, /medians of 3 run\(s\)/);
    assert.match(table, /PyTorch 2\.15\.0/);
  });

  it('leaves the PyTorch columns empty and says why when it was skipped', () => {
    const table = trainingTable([result('135M', 60)]);
    assert.match(table, /\| 135M \| 60 \| 120 \| – \| – \| – \| 10\.0 \| – \| – \| 1000 \| 2500 \| – \| – \| 11\.2500 \| – \| 300 \| – \|/);
    assert.match(table, /- PyTorch \+ PEFT skipped: no prepared venv/);
  });
});
