/**
 * @file The Python toolchain for tests (scripts/python/prepare.sh: torch, transformers, PEFT,
 * TRL, gguf-py in a cached venv). Tests ask for it here: a machine that has not prepared it
 * skips them, and CI, where `npm run test:prepare` prepares it, fails them instead.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { preparedBy } from './provided';

/** The venv's python, or undefined after skipping (or failing, under CI) `t` when it is not prepared. */
export function preparedPython(t: TestContext): string | undefined {
  return preparedBy(t, 'scripts/python/prepare.sh', 'SMOLCODE_PYTHON', 'the Python toolchain');
}

/** Runs `script` with the venv's `python`, `input` as JSON on stdin; returns its stdout parsed as JSON. */
export function runPythonJson<T>(python: string, script: string, input: unknown): T {
  const run = spawnSync(python, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    // One thread: reproducible sums, and the machine has two cores.
    env: { ...process.env, OMP_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (run.status !== 0) throw new Error(`python exited ${run.status}: ${run.stderr.slice(-4000)}`);
  return JSON.parse(run.stdout) as T;
}
