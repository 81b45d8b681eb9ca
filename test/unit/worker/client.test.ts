import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WorkerCrashLoopError, WorkerExitedError } from '../../../src/worker/client';
import { ANSWERING_WORKER, DYING_WORKER, rejections, WorkerHarness } from '../../support/workerHarness';

describe('worker client restarts after crashes', () => {
  let harness: WorkerHarness;

  afterEach(() => harness.dispose());

  it('starts 3 processes for 20 requests to a worker that dies on start, waiting 0.5 s then 1 s between them', async () => {
    harness = new WorkerHarness({ path: DYING_WORKER });
    const results = await harness.requestInTurn(20);
    assert.equal(harness.starts.length, 3);
    assert.deepEqual(harness.delays, [500, 1000]);
    const errors = rejections(results);
    assert.equal(errors.length, 20);
    assert.ok(errors.slice(0, 2).every((error) => error instanceof WorkerExitedError && !(error instanceof WorkerCrashLoopError)));
    assert.match(errors[0]!.message, /stopped unexpectedly \(exit code 1\).*Try again/);
    // The third crash stops the restarts: its request and every later one get the same error at once.
    const stopped = errors[2];
    assert.ok(stopped instanceof WorkerCrashLoopError);
    assert.ok(errors.slice(2).every((error) => error === stopped));
    assert.deepEqual(harness.notices, [stopped], 'one notice for the crash loop, not one per request');
    assert.equal(harness.logs.filter((line) => line.startsWith('error:') && line.includes('crashed 3 times')).length, 1);
  });

  it('quotes the crashed worker\'s last stderr lines and its exit in the crash-loop error', async () => {
    harness = new WorkerHarness({ path: DYING_WORKER });
    const [error] = rejections(await harness.requestInTurn(3)).slice(-1);
    assert.ok(error instanceof WorkerCrashLoopError);
    assert.deepEqual(error.stderr, [
      'smolcode test worker: starting',
      'Error: libonnxruntime.so.1: cannot open shared object file: No such file or directory',
    ]);
    assert.equal(error.lastExit, 'exit code 1');
    assert.equal(error.crashes, 3);
    assert.match(error.message, /crashed 3 times within 60 s \(last: exit code 1\).*choose Restart/);
    assert.ok(error.message.endsWith('Error: libonnxruntime.so.1: cannot open shared object file: No such file or directory'));
  });

  it('starts a fixed worker again on Restart, with the crashes forgotten', async () => {
    harness = new WorkerHarness({ path: DYING_WORKER });
    await harness.requestInTurn(5);
    assert.equal(harness.starts.length, 3);
    harness.script = { path: ANSWERING_WORKER };
    harness.client.restart();
    const info = await harness.client.runtimeInfo();
    assert.equal(harness.starts.length, 4);
    assert.equal(info.pid, harness.starts[3]);
    assert.deepEqual(harness.delays, [500, 1000], 'a restart asked for by the user does not wait');
    // Forgotten: the next crash waits the first delay again instead of stopping at once.
    harness.script = { path: DYING_WORKER, args: ['signal'] };
    process.kill(info.pid, 'SIGKILL');
    while (harness.client.isRunning) await new Promise((resolve) => setTimeout(resolve, 5));
    const [lost] = rejections(await harness.requestInTurn(1));
    assert.ok(lost instanceof WorkerExitedError && !(lost instanceof WorkerCrashLoopError));
    assert.match(lost.message, /signal SIGKILL/);
    assert.deepEqual(harness.delays, [500, 1000, 500]);
    assert.equal(harness.notices.length, 1);
  });

  it('shares one start among the requests that arrive during a backoff', async () => {
    harness = new WorkerHarness({ path: DYING_WORKER });
    await harness.requestInTurn(1);
    harness.script = { path: ANSWERING_WORKER };
    const infos = await Promise.all(Array.from({ length: 5 }, () => harness.client.runtimeInfo()));
    assert.equal(harness.starts.length, 2);
    assert.deepEqual(harness.delays, [500]);
    assert.deepEqual(new Set(infos.map((info) => info.pid)), new Set([harness.starts[1]]));
  });

  it('starts no process when disposed during a backoff', async () => {
    harness = new WorkerHarness({ path: DYING_WORKER });
    await harness.requestInTurn(1);
    harness.holdSleeps = new Promise(() => undefined);
    const waiting = harness.client.runtimeInfo();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(harness.delays, [500]);
    harness.client.dispose();
    await assert.rejects(waiting, /shut down/);
    assert.equal(harness.starts.length, 1);
  });
});
