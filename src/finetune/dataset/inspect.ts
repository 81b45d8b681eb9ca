/**
 * @file Looks at one candidate file and decides: dropped with a reason, or kept with its
 * language, score and content hash. Cheap checks run first and a file is opened only when
 * its path and size pass, so secret files and huge files are never read. A file is read only
 * at its real path, and only when that lies inside the workspace.
 */
import type { Stats } from 'node:fs';
import { lstat, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { sha256 } from './dedup';
import { decodeUtf8, isBinary, pathVerdict, sizeVerdict, textVerdict, type FilterLimits, type Verdict } from './filters';
import { languageOfPath, languageOfShebang, type Language, type LanguageName } from './languages';
import { qualityScore, qualitySignals } from './quality';
import { findCodeUnits } from './samples/codeUnits';

/** A file that passed the per-file filters, before the quality threshold and deduplication. */
export interface Inspected {
  readonly language: Language;
  readonly text: string;
  readonly bytes: number;
  readonly score: number;
  readonly sha256: string;
}

/** What the inspection found: a verdict, a kept file, or nothing (not a regular file). */
export type Inspection = { readonly verdict: Verdict } | { readonly file: Inspected } | undefined;

/** Inspects `path` (relative to `root`). */
export async function inspectFile(root: string, path: string, languages: ReadonlySet<LanguageName>, limits: FilterLimits): Promise<Inspection> {
  const byPath = pathVerdict(path);
  if (byPath) return { verdict: byPath };
  const base = path.slice(path.lastIndexOf('/') + 1);
  let language = languageOfPath(path);
  // A file with an unknown extension (or a dotfile such as .gitignore) is not read; one without
  // an extension may have a `#!` line.
  if (!language && base.includes('.')) return { verdict: { reason: 'unsupported-language', detail: base.slice(base.lastIndexOf('.')) } };
  const full = join(root, path);
  let stats: Stats;
  try {
    stats = await lstat(full);
  } catch (error) {
    // Listed by git but gone, or unreachable: skipped, and reported when the path is the reason.
    if ((error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return { verdict: { reason: 'path-too-long', detail: 'its path is longer than the OS allows' } };
    return undefined;
  }
  if (!stats.isFile()) return undefined;
  // `lstat` sees only the last component: a tracked file whose folder was since replaced by a
  // symbolic link would be read from wherever the link points.
  const real = await realpath(full).catch(() => undefined);
  if (real === undefined) return undefined;
  const inside = relative(await realpath(root), real);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return { verdict: { reason: 'outside-workspace', detail: 'a folder on its path is a link that leads out of the workspace' } };
  const bySize = sizeVerdict(stats.size, limits);
  if (bySize) return { verdict: bySize };
  const bytes = await readFile(real);
  if (isBinary(bytes)) return { verdict: { reason: 'binary' } };
  const text = decodeUtf8(bytes);
  if (text === undefined) return { verdict: { reason: 'not-utf8' } };
  language ??= languageOfShebang(text.split('\n', 1)[0] ?? '');
  if (!language) return { verdict: { reason: 'unsupported-language', detail: 'no extension or #! line' } };
  if (!languages.has(language.name)) return { verdict: { reason: 'unsupported-language', detail: `${language.name} is not in the configured languages` } };
  const byText = textVerdict(text, limits);
  if (byText) return { verdict: byText };
  const score = qualityScore(qualitySignals(path, text, language, findCodeUnits(text, language)));
  return { file: { language, text, bytes: bytes.length, score, sha256: sha256(bytes) } };
}
