/**
 * @file The texts an evaluation scores: files named one by one, and the source files of folders,
 * listed as the dataset builder lists a workspace (finetune/dataset/collect.ts: git's file list
 * or a walk that honours .gitignore and skips node_modules, .git and other vendored or build
 * folders) and kept when their name says a known language. Binary, non-UTF-8, empty and huge
 * files are skipped with the reason. A cap on the bytes per language keeps a run short and the
 * languages comparable: files are taken in order, and the one that crosses the cap is cut at
 * its last line break that still fits.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { listCandidates } from '../finetune/dataset/collect';
import { decodeUtf8, isBinary } from '../finetune/dataset/filters';
import { languageOfPath } from '../finetune/dataset/languages';
import type { EvalText } from './bitsPerByte';

/** Files larger than this are skipped (1 MiB). */
export const MAX_FILE_BYTES = 1 << 20;

/** A file that was not scored, and why. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface SourceOptions {
  /** Most bytes scored per language; unset: no cap. */
  readonly maxBytesPerLanguage?: number;
  readonly maxFileBytes?: number;
  readonly signal?: AbortSignal;
}

/** The texts to score, and the files that were skipped or left over the cap. */
export interface Sources {
  readonly texts: readonly EvalText[];
  readonly skipped: readonly SkippedFile[];
}

/** The group a file is reported under: its language, else its extension, else `other`. */
export function languageLabel(path: string): string {
  return languageOfPath(path)?.name ?? (extname(path) || 'other');
}

/** The source files below `dir`, in the dataset builder's stable order. */
async function* sourceFiles(dir: string): AsyncGenerator<string> {
  const { candidates } = await listCandidates(dir);
  for await (const candidate of candidates) {
    if (candidate.kind === 'file' && languageOfPath(candidate.path)) yield join(dir, candidate.path);
  }
}

/** The UTF-8 prefix of `bytes` that ends at a line break and has at most `budget` bytes ('' if none). */
function linesWithin(bytes: Uint8Array, budget: number): Uint8Array {
  if (bytes.length <= budget) return bytes;
  const cut = bytes.subarray(0, budget).lastIndexOf(0x0a);
  return bytes.subarray(0, cut + 1);
}

/** The text of `path` within `budget` bytes, or why it is skipped. */
async function readSource(path: string, budget: number, maxFileBytes: number): Promise<{ text: string; bytes: number } | { reason: string }> {
  const info = await stat(path);
  if (!info.isFile()) return { reason: 'not a regular file' };
  if (info.size > maxFileBytes) return { reason: `${info.size} bytes > ${maxFileBytes}` };
  if (info.size === 0) return { reason: 'empty' };
  const bytes = await readFile(path);
  if (isBinary(bytes)) return { reason: 'binary' };
  const kept = linesWithin(bytes, budget);
  const text = decodeUtf8(kept);
  if (text === undefined) return { reason: 'not UTF-8' };
  if (text === '') return { reason: `no whole line fits the ${budget} bytes left of the language's cap` };
  return { text, bytes: kept.length };
}

/** Reads `paths` (files and folders) into texts to score. */
export async function collectSources(paths: readonly string[], options: SourceOptions = {}): Promise<Sources> {
  const cap = options.maxBytesPerLanguage ?? Infinity;
  const used = new Map<string, number>();
  const texts: EvalText[] = [];
  const skipped: SkippedFile[] = [];
  const take = async (path: string) => {
    options.signal?.throwIfAborted();
    const language = languageLabel(path);
    const budget = cap - (used.get(language) ?? 0);
    const read = budget > 0 ? await readSource(path, budget, options.maxFileBytes ?? MAX_FILE_BYTES) : { reason: `the ${language} cap is reached` };
    if ('reason' in read) {
      skipped.push({ path, reason: read.reason });
    } else {
      used.set(language, (used.get(language) ?? 0) + read.bytes);
      texts.push({ path, language, text: read.text });
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new Error(`${path}: no such file or folder`);
    if (!info.isDirectory()) await take(path);
    else for await (const file of sourceFiles(path)) await take(file);
  }
  return { texts, skipped };
}
