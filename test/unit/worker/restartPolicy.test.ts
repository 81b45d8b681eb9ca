import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RESTART_POLICY, RestartPolicy } from '../../../src/worker/restartPolicy';

describe('restart policy', () => {
  it('doubles the wait with each crash in the window up to its cap, then stops', () => {
    const policy = new RestartPolicy({ firstDelayMs: 500, maxDelayMs: 4000, maxCrashes: 7, windowMs: 60_000 });
    const verdicts = [0, 1, 2, 3, 4, 5, 6].map((second) => policy.recordCrash(second * 1000));
    assert.deepEqual(verdicts, [
      { restart: true, delayMs: 500 },
      { restart: true, delayMs: 1000 },
      { restart: true, delayMs: 2000 },
      { restart: true, delayMs: 4000 },
      { restart: true, delayMs: 4000 },
      { restart: true, delayMs: 4000 },
      { restart: false, crashes: 7 },
    ]);
  });

  it('stops at the third crash within 60 s by default', () => {
    const policy = new RestartPolicy();
    assert.deepEqual(DEFAULT_RESTART_POLICY, { firstDelayMs: 500, maxDelayMs: 8000, maxCrashes: 3, windowMs: 60_000 });
    assert.deepEqual(policy.recordCrash(0), { restart: true, delayMs: 500 });
    assert.deepEqual(policy.recordCrash(30_000), { restart: true, delayMs: 1000 });
    assert.deepEqual(policy.recordCrash(59_999), { restart: false, crashes: 3 });
  });

  it('makes a start wait until the backoff has passed', () => {
    const policy = new RestartPolicy();
    assert.equal(policy.waitBeforeStart(0), 0);
    policy.recordCrash(10_000);
    assert.equal(policy.waitBeforeStart(10_000), 500);
    assert.equal(policy.waitBeforeStart(10_400), 100);
    assert.equal(policy.waitBeforeStart(10_600), 0);
  });

  it('forgets crashes older than the window, so a worker that ran quietly starts from the first delay', () => {
    const policy = new RestartPolicy();
    policy.recordCrash(0);
    policy.recordCrash(1000);
    assert.deepEqual(policy.recordCrash(60_500), { restart: true, delayMs: 1000 }, 'the crash at 1 s is still in the window');
    assert.deepEqual(policy.recordCrash(200_000), { restart: true, delayMs: 500 });
  });

  it('forgets every crash and wait on reset', () => {
    const policy = new RestartPolicy();
    policy.recordCrash(0);
    policy.recordCrash(100);
    policy.reset();
    assert.equal(policy.waitBeforeStart(100), 0);
    assert.deepEqual(policy.recordCrash(200), { restart: true, delayMs: 500 });
  });

  it('rejects settings that would never restart or never stop, naming them', () => {
    assert.throws(() => new RestartPolicy({ ...DEFAULT_RESTART_POLICY, maxCrashes: 0 }), /invalid restart policy .*"maxCrashes":0.*maxCrashes >= 1/);
    assert.throws(() => new RestartPolicy({ ...DEFAULT_RESTART_POLICY, maxDelayMs: 100 }), /firstDelayMs <= maxDelayMs/);
    assert.throws(() => new RestartPolicy({ ...DEFAULT_RESTART_POLICY, windowMs: Number.NaN }), /windowMs > 0/);
  });
});
