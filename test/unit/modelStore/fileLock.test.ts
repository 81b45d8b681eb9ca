/**
 * @file The per-file lock: one holder at a time, waiters run after it, and stale locks (dead
 * holder, or untouched for too long) are taken over instead of waited on forever.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { withFileLock } from '../../../src/modelStore/fileLock';
import { deadPid } from '../../support/processes';

const dir = mkdtempSync(join(tmpdir(), 'smolcode-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
const lockPath = () => join(dir, `file-${count++}.lock`);

describe('file locks', () => {
  it('writes the holder pid into the lock and removes it afterwards', async () => {
    const lock = lockPath();
    const seen = await withFileLock(lock, async () => readFileSync(lock, 'utf8'));
    assert.match(seen, new RegExp(`^${process.pid} [0-9a-f]{16}\\n$`));
    assert.equal(existsSync(lock), false);
  });

  it('runs the second caller only after the first finished, in order', async () => {
    const lock = lockPath();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = withFileLock(lock, async () => {
      events.push('first start');
      await gate;
      events.push('first end');
    });
    const waits: (number | undefined)[] = [];
    const second = withFileLock(lock, async () => void events.push('second'), { pollMs: 5, onWait: (pid) => waits.push(pid) });
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.push('released');
    release();
    await Promise.all([first, second]);
    assert.deepEqual(events, ['first start', 'released', 'first end', 'second']);
    assert.deepEqual(waits, [process.pid]);
  });

  it('takes over a lock whose holder died', async () => {
    const lock = lockPath();
    writeFileSync(lock, `${deadPid()} 0123456789abcdef\n`);
    assert.equal(await withFileLock(lock, async () => 'ran', { pollMs: 5 }), 'ran');
    assert.equal(existsSync(lock), false);
  });

  it('takes over a lock untouched for longer than staleMs, even with a running pid or garbage in it', async () => {
    for (const content of [`${process.ppid} 0123456789abcdef\n`, '', 'not a pid\n']) {
      const lock = lockPath();
      writeFileSync(lock, content);
      const old = new Date(Date.now() - 120_000);
      utimesSync(lock, old, old);
      assert.equal(await withFileLock(lock, async () => 'ran', { pollMs: 5, staleMs: 60_000 }), 'ran', JSON.stringify(content));
    }
  });

  it('stops waiting when the signal aborts, leaving the holder\'s lock alone', async () => {
    const lock = lockPath();
    const held = `${process.ppid} 0123456789abcdef\n`;
    writeFileSync(lock, held);
    const controller = new AbortController();
    const waiting = withFileLock(lock, async () => 'ran', { pollMs: 5, signal: controller.signal, onWait: () => controller.abort(new Error('stop')) });
    await assert.rejects(waiting, { message: 'stop' });
    assert.equal(readFileSync(lock, 'utf8'), held);
  });
});
