/**
 * @file Where the running code lives, for files shipped beside the bundles (the tokenizer, the
 * native decode step): a bundle in dist/, or a source file under tsx inside the project.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest ancestor of `start` holding a package.json, or `start` itself. */
export function projectRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

/** Folder of the running module: a bundle in dist/ (ESM through import.meta, CommonJS through __dirname), or this source file's under tsx. */
export function moduleDir(): string | undefined {
  const url = (import.meta as { url?: unknown }).url;
  if (typeof url === 'string') return dirname(fileURLToPath(url));
  return typeof __dirname === 'string' ? __dirname : undefined;
}
