/**
 * @file Tests that need something from the environment (a Vulkan adapter, the Python toolchain)
 * skip on a developer's machine that lacks it, and fail under CI. The project's own setup
 * (`npm run test:prepare`) provides each of these, so in CI a missing one is a broken setup, and
 * a skip there would hide it: a cold machine once skipped both WebGPU tests for want of
 * Debian's libvulkan1 and still went green.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** The command that provides what these tests need. */
export const PREPARE_COMMAND = 'npm run test:prepare';

/** Whether this run is CI's (CI=true, as CI systems set it). */
export function underCi(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * True when nothing is `missing`. Otherwise skips `t` with the reason, or, under CI, fails it:
 * use as `if (!provided(t, missing)) return;`.
 */
export function provided(t: TestContext, missing: string | undefined, env = process.env): boolean {
  if (missing === undefined) return true;
  if (underCi(env)) assert.fail(`${missing}; ${PREPARE_COMMAND} provides it, so under CI this fails instead of skipping`);
  t.skip(`${missing} (${PREPARE_COMMAND} provides it)`);
  return false;
}

/**
 * What a test preparer has prepared: the value its `--check` prints as `VARIABLE='…'`
 * (scripts/python, scripts/models, scripts/llamacpp). Undefined after skipping, or under CI
 * failing, `t` when it is not prepared; `what` names the missing piece.
 */
export function preparedBy(t: TestContext, script: string, variable: string, what: string): string | undefined {
  const check = spawnSync('bash', [script, '--check'], { encoding: 'utf8' });
  const value = new RegExp(`^${variable}='(.*)'$`, 'm').exec(check.stdout)?.[1];
  return provided(t, check.status === 0 && value ? undefined : `${what} is not prepared (${script} --check exited ${check.status})`) ? value : undefined;
}
