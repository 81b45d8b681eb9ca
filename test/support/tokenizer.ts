/**
 * @file Loads SmolLM2's real tokenizer for tests from ../shared/smollm2-tokenizer (or
 * SMOLCODE_TOKENIZER_DIR), through transformers.js with remote models disabled.
 */
import '../../src/runtime/telemetry';
import { resolve } from 'node:path';

/** Folder with the real SmolLM2 tokenizer files. */
export const TOKENIZER_DIR = resolve(process.env.SMOLCODE_TOKENIZER_DIR ?? '../shared/smollm2-tokenizer');

/** The real SmolLM2 tokenizer (Instruct config, with its chat template). */
export async function loadTestTokenizer() {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  return AutoTokenizer.from_pretrained(TOKENIZER_DIR);
}
