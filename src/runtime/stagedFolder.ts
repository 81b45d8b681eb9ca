/**
 * @file Publishing a folder written under a temporary name (leftovers.ts): a killed `merge`
 * once left a 27 MB head of a 538 MB `onnx/model.onnx` beside `config.json`, and every later
 * load failed in the protobuf parser. A new output folder is renamed into place whole; into an
 * existing one (an adapter folder, which becomes a model folder by merging) each finished file
 * is renamed, external-data files before their graphs and `config.json` last, so a kill between
 * renames leaves only complete files and no config naming graphs that are not there yet.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files under `dir`, relative to it (by hand: VS Code's older Node lacks `parentPath`). */
function filesBelow(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const file = join(prefix, entry.name);
    if (entry.isDirectory()) return filesBelow(dir, file);
    return entry.isFile() ? [file] : [];
  });
}

/** Rename order: data, then graphs, then other files, then config.json (what makes the folder a model). */
function rank(file: string): number {
  if (file === 'config.json') return 3;
  if (file.endsWith('.onnx_data') || file.endsWith('.data')) return 0;
  return file.endsWith('.onnx') ? 1 : 2;
}

/**
 * Moves everything in `staging` to `outDir` as described above and removes `staging`. Returns
 * the published files relative to `outDir`.
 */
export function publishStagedFolder(staging: string, outDir: string): string[] {
  const files = filesBelow(staging).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (!existsSync(outDir) || readdirSync(outDir).length === 0) {
    if (existsSync(outDir)) rmdirSync(outDir);
    mkdirSync(dirname(outDir), { recursive: true });
    renameSync(staging, outDir);
    return files;
  }
  for (const file of files) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    renameSync(join(staging, file), join(outDir, file));
  }
  return files;
}
