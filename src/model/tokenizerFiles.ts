/**
 * @file Finds the real SmolLM2 tokenizer files and copies the ones a generated model folder
 * needs. The files are data shared between checkouts (`../shared/smollm2-tokenizer` beside the
 * repository) and never copied into the repository; `SMOLCODE_TOKENIZER_DIR` or `--tokenizer`
 * point elsewhere.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ModelFlavour } from './configTypes';

/** Environment variable that overrides the tokenizer directory. */
export const TOKENIZER_DIR_ENV = 'SMOLCODE_TOKENIZER_DIR';

/** A tokenizer directory that lacks a needed file. */
export class TokenizerFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerFilesError';
  }
}

/** Destination name → source name in the shared folder, per flavour, as in the released repos. */
const FILES: Record<ModelFlavour, Record<string, string>> = {
  base: {
    'tokenizer.json': 'tokenizer.json',
    'tokenizer_config.json': 'tokenizer_config.base.json',
  },
  instruct: {
    'tokenizer.json': 'tokenizer.json',
    'tokenizer_config.json': 'tokenizer_config.json',
    'special_tokens_map.json': 'special_tokens_map.json',
    'generation_config.json': 'generation_config.instruct.json',
  },
};

/** The nearest ancestor of `start` holding a package.json, or `start` itself. */
function projectRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

/** The tokenizer directory: `explicit`, else `$SMOLCODE_TOKENIZER_DIR`, else `../shared/smollm2-tokenizer` beside the project root. */
export function resolveTokenizerDir(explicit?: string, cwd = process.cwd()): string {
  const chosen = explicit ?? process.env[TOKENIZER_DIR_ENV];
  if (chosen) return resolve(cwd, chosen);
  return resolve(projectRoot(cwd), '..', 'shared', 'smollm2-tokenizer');
}

/** Throws naming the directory and every missing file unless `dir` has all files of `flavour`. */
export function checkTokenizerDir(dir: string, flavour: ModelFlavour): void {
  const missing = Object.values(FILES[flavour]).filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0) {
    throw new TokenizerFilesError(
      `tokenizer files missing in ${dir}: ${missing.join(', ')} (pass --tokenizer DIR or set ${TOKENIZER_DIR_ENV})`,
    );
  }
}

/** Copies the tokenizer (and, for instruct, generation config) files of `flavour` into `outDir`; returns the names written. */
export function copyTokenizerFiles(dir: string, flavour: ModelFlavour, outDir: string): string[] {
  checkTokenizerDir(dir, flavour);
  // Read and write rather than copy: a copy keeps the shared files' read-only mode, and a
  // later make-model into the same folder could not overwrite them.
  for (const [dest, src] of Object.entries(FILES[flavour])) writeFileSync(join(outDir, dest), readFileSync(join(dir, src)));
  return Object.keys(FILES[flavour]);
}
