/**
 * @file The markers that record a finished, verified download: `{"files": {path: bytes}}`.
 * Sizes are recorded because a file can be damaged after its marker was written (a 7-byte
 * `model_q4.onnx` was once accepted and every load then failed in the protobuf parser), and a
 * stat per file is cheap enough for every load while hashing 538 MB is not. Markers written
 * before sizes were recorded are a plain list of paths; their files are re-checked against the
 * hub once (see modelStore.ts). Markers are written under a temporary name and renamed, so two
 * windows finishing the same download never leave a half-written one.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPath } from '../runtime/leftovers';

/** Recorded size by file path; `undefined` for a marker that predates sizes. */
export type MarkedFiles = ReadonlyMap<string, number | undefined>;

/** A marked file whose size on disk is not the recorded one (`actual` undefined: missing). */
export interface DamagedFile {
  readonly file: string;
  readonly expected?: number;
  readonly actual?: number;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** The files `marker` in `dir` records, or undefined when it is absent or unreadable. */
export async function readMarker(dir: string, marker: string): Promise<MarkedFiles | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, marker), 'utf8'));
  } catch {
    return undefined;
  }
  if (Array.isArray(raw)) {
    return raw.every((f) => typeof f === 'string') ? new Map(raw.map((f: string) => [f, undefined])) : undefined;
  }
  const files = (raw as { files?: unknown } | null)?.files;
  if (!files || typeof files !== 'object') return undefined;
  const entries = Object.entries(files as Record<string, unknown>);
  return entries.every(([, size]) => Number.isInteger(size)) ? new Map(entries as [string, number][]) : undefined;
}

/** The marked files that are missing or whose size differs from the recorded one. */
export async function damagedFiles(dir: string, files: MarkedFiles): Promise<DamagedFile[]> {
  const damaged: DamagedFile[] = [];
  for (const [file, expected] of files) {
    const actual = await sizeOf(join(dir, file));
    if (actual === undefined || (expected !== undefined && actual !== expected)) damaged.push({ file, expected, actual });
  }
  return damaged;
}

/** A sentence per damaged file, for error messages. */
export function describeDamage(damaged: readonly DamagedFile[]): string {
  return damaged
    .map(({ file, expected, actual }) => (actual === undefined ? `${file} is missing` : `${file} is ${actual} bytes, ${expected} were downloaded`))
    .join('; ');
}

/** Records `files` of `dir`, with their current sizes, in `marker`. */
export async function writeMarker(dir: string, marker: string, files: readonly string[]): Promise<void> {
  const sizes: Record<string, number> = {};
  for (const file of files) sizes[file] = (await stat(join(dir, file))).size;
  const path = join(dir, marker);
  // A name per call: two downloads in one process may finish together.
  const tmp = tempPath(`${path}.${randomBytes(4).toString('hex')}`);
  await writeFile(tmp, JSON.stringify({ files: sizes }));
  await rename(tmp, path);
}
