import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { speedReport, type SpeedRun } from '../../../../scripts/bench/speed';

const run: SpeedRun = { shape: '135M', threads: 2, rounds: 3, cores: 2, bandwidth: 40, rows: [] };

describe('speed report', () => {
  it("names llama.cpp's thread count only where it differs from ours", () => {
    assert.match(speedReport(run), /CPU \(2 cores\), 2 ORT threads; medians/);
    assert.match(speedReport({ ...run, llamaCppThreads: 1 }), /CPU \(2 cores\), 2 ORT threads, 1 llama\.cpp threads; medians/);
  });
});
