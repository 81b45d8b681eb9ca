import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { WorkerClient, WorkerCrashLoopError, WorkerExitedError } from '../../../src/worker/client';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { WorkerHarness } from '../../support/workerHarness';

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

  it('cancels a generation whose signal aborted before it was sent (Cancel while the model loaded)', async () => {
    const controller = new AbortController();
    controller.abort();
    const chunks: string[] = [];
    const stats = await client.generate(
      'completion',
      { slot: 'completion', prompt: PROMPT, maxNewTokens: 200, stopTokenIds: [], reuseCache: false },
      (t) => chunks.push(t),
      controller.signal,
    );
    assert.equal(stats.finishReason, 'cancelled');
    assert.ok(stats.tokens.length < 200, `stopped early, got ${stats.tokens.length} tokens`);
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

describe('worker client over a real worker that keeps crashing', () => {
  let model: TempModel;
  let harness: WorkerHarness;

  before(() => {
    model = makeTempModel();
    harness = new WorkerHarness({ path: 'src/worker/main.ts', execArgv: ['--import', 'tsx'] });
  });

  after(() => {
    harness.dispose();
    model.dispose();
  });

  /** Kills the worker serving a request from outside (before it has loaded ONNX Runtime, to keep this fast). */
  async function crash(): Promise<void> {
    const pending = harness.client.runtimeInfo().catch((error: unknown) => error);
    while (!harness.client.isRunning) await new Promise((resolve) => setImmediate(resolve));
    const pid = harness.starts.at(-1);
    assert.ok(pid !== undefined && pid > 0, `no worker process to kill (pid ${pid})`);
    process.kill(pid, 'SIGKILL');
    assert.ok((await pending) instanceof WorkerExitedError);
  }

  it('stops after 3 crashes with one notice, then generates again after Restart with its model reloaded', async () => {
    const client = harness.client;
    await client.load('completion', { modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1 });
    for (let i = 0; i < 3; i++) await crash();
    assert.equal(harness.starts.length, 3);
    assert.deepEqual(harness.delays, [500, 1000]);
    assert.equal(harness.notices.length, 1);
    const request = { slot: 'completion', prompt: PROMPT, maxNewTokens: 5, stopTokenIds: [] };
    for (let i = 0; i < 5; i++) {
      await assert.rejects(client.generate('completion', request, () => undefined), (error) => error === harness.notices[0]);
    }
    assert.ok(harness.notices[0] instanceof WorkerCrashLoopError);
    assert.equal(harness.notices[0].lastExit, 'signal SIGKILL');
    assert.equal(harness.starts.length, 3);
    client.restart();
    const stats = await client.generate('completion', request, () => undefined);
    assert.equal(stats.tokens.length, 5);
    assert.equal(harness.starts.length, 4);
    assert.equal(harness.notices.length, 1);
  });
});

describe('a worker client with a priority', () => {
  it('runs its worker at that niceness (the jobs worker runs below the editor)', async () => {
    const client = new WorkerClient({ workerPath: 'src/worker/main.ts', execArgv: ['--import', 'tsx'], log: () => undefined, priority: 10 });
    try {
      const { pid } = await client.runtimeInfo();
      assert.equal(getPriority(pid), 10);
    } finally {
      client.dispose();
    }
  });
});
