/**
 * @file Hostile model workers: processes that die on start in every way seen or feared (a
 * missing entry file, runtime or native library, a kill from outside, a clean exit nobody asked
 * for, megabytes of stderr, one endless line, binary garbage). However a worker dies, 20
 * requests start at most 3 processes, the user gets one notice, and its error names the exit
 * and quotes a bounded, readable tail of stderr.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WorkerCrashLoopError } from '../../src/worker/client';
import { DYING_WORKER, rejections, WorkerHarness, type WorkerScript } from '../support/workerHarness';

interface HostileWorker {
  readonly description: string;
  readonly script: WorkerScript;
  readonly lastExit: string;
  /** What the quoted stderr lines must show (none: the error must say the worker wrote nothing). */
  readonly quotes: RegExp | undefined;
}

const CASES: readonly HostileWorker[] = [
  { description: 'an entry file that does not exist', script: { path: `${DYING_WORKER}.missing` }, lastExit: 'exit code 1', quotes: /^Error: Cannot find module .*dyingWorker\.mjs\.missing'$/m },
  { description: 'a runtime that cannot be spawned', script: { path: DYING_WORKER, execPath: '/nonexistent/node' }, lastExit: 'exit code -2', quotes: /^spawn \/nonexistent\/node ENOENT$/ },
  { description: 'a native library that does not load', script: { path: DYING_WORKER }, lastExit: 'exit code 1', quotes: /libonnxruntime\.so\.1: cannot open shared object file/ },
  { description: 'a kill from outside', script: { path: DYING_WORKER, args: ['signal'] }, lastExit: 'signal SIGKILL', quotes: undefined },
  { description: 'a clean exit nobody asked for', script: { path: DYING_WORKER, args: ['silent-exit-0'] }, lastExit: 'exit code 0', quotes: undefined },
  { description: '5 MB of stderr', script: { path: DYING_WORKER, args: ['stderr-flood'] }, lastExit: 'exit code 1', quotes: /\nflood: last line$/ },
  { description: 'one 1 MB stderr line', script: { path: DYING_WORKER, args: ['one-long-line'] }, lastExit: 'exit code 1', quotes: /^y{300}…$/ },
  { description: 'binary bytes on stderr', script: { path: DYING_WORKER, args: ['binary'] }, lastExit: 'exit code 3', quotes: /\nbinary: last line$/ },
];

/** The code points below space (other than tab and newline) and DEL in `text`. */
function controlCharacters(text: string): number[] {
  return [...text].map((ch) => ch.codePointAt(0) ?? 0).filter((code) => (code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f);
}

/** Long enough for 8 stderr lines of 300 characters and the sentence around them, short enough to read. */
const MAX_MESSAGE_CHARS = 3000;

describe('hostile model workers', () => {
  let harness: WorkerHarness;

  afterEach(() => harness.dispose());

  for (const hostile of CASES) {
    it(`stops restarting a worker with ${hostile.description} after 3 processes, with one readable error`, async () => {
      harness = new WorkerHarness(hostile.script);
      const errors = rejections(await harness.requestInTurn(20));
      assert.equal(errors.length, 20);
      assert.equal(harness.starts.length, 3);
      assert.equal(harness.notices.length, 1);
      const [notice] = harness.notices;
      assert.ok(notice instanceof WorkerCrashLoopError);
      assert.equal(errors.at(-1), notice);
      assert.equal(notice.lastExit, hostile.lastExit);
      assert.ok(notice.message.length <= MAX_MESSAGE_CHARS, `the message has ${notice.message.length} characters`);
      assert.deepEqual(controlCharacters(notice.message), [], 'no control characters reach the notification');
      if (hostile.quotes) assert.match(notice.stderr.join('\n'), hostile.quotes);
      else assert.match(notice.message, /It wrote nothing on stderr\.$/);
    });
  }
});
