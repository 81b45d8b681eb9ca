import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkerClient, WorkerExitedError } from '../../../src/worker/client';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const PROMPT = 'import os\n\ndef list_files(path):\n';

describe('worker client over a real worker process', () => {
  let model: TempModel;
  let client: WorkerClient;
  const logs: string[] = [];

  before(() => {
    model = makeTempModel();
    client = new WorkerClient({
      workerPath: 'src/worker/main.ts',
      execArgv: ['--import', 'tsx'],
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
  });

  after(() => {
    client.dispose();
    model.dispose();
  });

  const engineOptions = () => ({ modelDir: model.dir, dtype: 'fp32' as const, device: 'cpu' as const, threads: 1 });

  it('starts lazily, loads a model and streams generated text', async () => {
    assert.equal(client.isRunning, false);
    const loaded = await client.load('completion', engineOptions());
    assert.equal(loaded.provider, 'cpu');
    const chunks: string[] = [];
    const stats = await client.generate('completion', { slot: 'completion', prompt: PROMPT, maxNewTokens: 12, stopTokenIds: [] }, (t) => chunks.push(t));
    assert.ok(chunks.length > 1, 'expected several streamed chunks');
    assert.equal(chunks.join(''), stats.text);
    assert.equal(stats.tokens.length, 12);
    const [count] = await client.countTokens('completion', [PROMPT]);
    assert.equal(count, stats.promptTokens);
  });

  it('cancels a generation through an AbortSignal', async () => {
    const controller = new AbortController();
    let seen = 0;
    const stats = await client.generate(
      'completion',
      { slot: 'completion', prompt: PROMPT, maxNewTokens: 200, stopTokenIds: [], reuseCache: false },
      () => {
        if (++seen === 2) controller.abort();
      },
      controller.signal,
    );
    assert.equal(stats.finishReason, 'cancelled');
    assert.ok(stats.tokens.length < 200);
  });

  it('fails requests in flight when the worker dies, logs it, and restarts on the next request', async () => {
    const { pid } = await client.runtimeInfo();
    const pending = client.generate('completion', { slot: 'completion', prompt: PROMPT, maxNewTokens: 100000, stopTokenIds: [], reuseCache: false }, () => {
      process.kill(pid, 'SIGKILL');
    });
    await assert.rejects(pending, (error: Error) => error instanceof WorkerExitedError && /stopped unexpectedly \(signal SIGKILL\)/.test(error.message));
    assert.ok(logs.some((line) => line.startsWith('error:') && line.includes(`pid ${pid}`)), logs.join('\n'));
    const stats = await client.generate('completion', { slot: 'completion', prompt: PROMPT, maxNewTokens: 5, stopTokenIds: [] }, () => undefined);
    assert.equal(stats.tokens.length, 5);
    const info = await client.runtimeInfo();
    assert.notEqual(info.pid, pid);
  });
});
