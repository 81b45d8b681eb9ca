/**
 * @file Finds the real SmolLM2 tokenizer files and copies the ones a generated model folder
 * needs. Every SmolLM2 size shares one tokenizer (Apache-2.0), so the build copies it beside the
 * bundles (`dist/tokenizer/`) and the VSIX and the CLI ship it: no command needs hidden setup.
 * In the repository the files are data shared between checkouts (`../shared/smollm2-tokenizer`
 * beside it) and never copied in; `SMOLCODE_TOKENIZER_DIR` or `--tokenizer` point elsewhere.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelFlavour } from './configTypes';
import { moduleDir, projectRoot } from './moduleLocation';
import { processEnv, tokenizerDirFromEnv, TOKENIZER_DIR_ENV, type Env } from '../env';


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

/** Name of the folder beside the bundles that holds the shipped tokenizer (dist/tokenizer). */
export const SHIPPED_TOKENIZER_FOLDER = 'tokenizer';

/**
 * SmolLM2's tokenizer as shipped with SmolCode: `tokenizer/` beside the running bundle; running
 * from source, the build's `dist/tokenizer/` or `../shared/smollm2-tokenizer` beside the project.
 * Undefined when none of them holds tokenizer.json.
 */
export function shippedTokenizerDir(from = moduleDir()): string | undefined {
  if (from === undefined) return undefined;
  const root = projectRoot(from);
  return [join(from, SHIPPED_TOKENIZER_FOLDER), join(root, 'dist', SHIPPED_TOKENIZER_FOLDER), resolve(root, '..', 'shared', 'smollm2-tokenizer')].find(
    (dir) => existsSync(join(dir, 'tokenizer.json')),
  );
}

/** The tokenizer to use when a command or model folder names none: `$SMOLCODE_TOKENIZER_DIR`, else the shipped one. */
export function defaultTokenizerDir(env: Env = processEnv()): string | undefined {
  const chosen = tokenizerDirFromEnv(env);
  return chosen ? resolve(chosen) : shippedTokenizerDir();
}

/** How `--help` states the default of `--tokenizer`. */
export const TOKENIZER_DEFAULT_USAGE = `$${TOKENIZER_DIR_ENV}, else the SmolLM2 tokenizer shipped with SmolCode`;

/** The tokenizer directory: `explicit`, else `defaultTokenizerDir()`; the shipped folder's expected path when there is none, so the error names it. */
export function resolveTokenizerDir(explicit?: string, cwd = process.cwd()): string {
  if (explicit) return resolve(cwd, explicit);
  return defaultTokenizerDir() ?? join(moduleDir() ?? cwd, SHIPPED_TOKENIZER_FOLDER);
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
