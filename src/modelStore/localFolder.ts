/**
 * @file Model folders already on disk: checks that a user's local model folder has what the
 * engine loads, and finds tokenizer files for a folder that lacks them in the configured
 * tokenizer folder. Nothing here touches the network.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TOKENIZER_FILES } from './catalog';
import { MissingModelFilesError } from './errors';
import { processEnv, tokenizerDirFromEnv, TOKENIZER_DIR_ENV, type Env } from '../env';


/** The tokenizer fallback folder: the `smolcode.tokenizerPath` setting, else `$SMOLCODE_TOKENIZER_DIR`. */
export function resolveTokenizerPath(
  setting: string | undefined,
  env: Env = processEnv(),
): string | undefined {
  const chosen = setting?.trim() || tokenizerDirFromEnv(env);
  return chosen ? resolve(chosen) : undefined;
}

/** Whether `dir` holds every tokenizer file the engine loads. */
export function hasTokenizer(dir: string | undefined): dir is string {
  return dir !== undefined && TOKENIZER_FILES.every((name) => existsSync(join(dir, name)));
}

/** The first of `dirs` that holds the tokenizer files, if any. */
export function findTokenizerDir(dirs: readonly (string | undefined)[]): string | undefined {
  return dirs.find(hasTokenizer);
}

/**
 * Checks a local model folder for `config.json` and `onnxFile`, and returns the tokenizer
 * folder: the model folder itself, else `tokenizerPath`, else `undefined` (the caller may
 * fetch the tokenizer). Throws `MissingModelFilesError` listing every missing model file.
 */
export function checkLocalModelFolder(dir: string, onnxFile: string, tokenizerPath?: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`local model folder "${dir}" does not exist or is not a folder (setting smolcode.localModelPath)`);
  }
  const missing = ['config.json', onnxFile].filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) {
    throw new MissingModelFilesError(
      dir,
      missing,
      'a model folder needs the Hugging Face layout (config.json, tokenizer files, onnx/model*.onnx); fix or clear smolcode.localModelPath',
    );
  }
  return findTokenizerDir([dir, tokenizerPath]);
}

/** The error for a model folder whose tokenizer is nowhere to be found. */
export function missingTokenizerError(dir: string, tokenizerPath: string | undefined, why: string): MissingModelFilesError {
  const looked = tokenizerPath ? `not in ${tokenizerPath} (smolcode.tokenizerPath / ${TOKENIZER_DIR_ENV}) either` : `and smolcode.tokenizerPath / ${TOKENIZER_DIR_ENV} is not set`;
  const absent = TOKENIZER_FILES.filter((name) => !existsSync(join(dir, name)));
  return new MissingModelFilesError(dir, absent, `${looked}; ${why}`);
}
