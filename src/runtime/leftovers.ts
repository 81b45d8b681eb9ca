/**
 * @file Temporary names owned by a process, and the startup sweep that removes those of dead
 * processes. Every multi-step writer (merge, adapter save, fused-graph build, GGUF import,
 * download markers) works under `<name>.partial-<pid>` (folders) or `<name>.tmp-<pid>` (files)
 * and renames when complete; a killed process leaves them behind, and an interrupted 1.7B
 * fused build alone is about 1.5 GB, so they are swept when the worker or extension starts.
 * The owner's pid says whether the entry may still be in use; an entry older than a day is
 * swept anyway, in case the pid was reused.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `<name>.partial-<pid>` or `<name>.tmp-<pid>`, and the owner's pid. */
const OWNED = /\.(?:partial|tmp)-(\d+)$/;

/** Age past which a temporary entry is swept even when its pid is alive (pid reuse). */
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Folders not worth walking into: nothing of ours is written there. */
const SKIPPED = new Set(['node_modules', '.git']);

/** The folder name this process builds `path` under before renaming it into place. */
export function partialPath(path: string): string {
  return `${path}.partial-${process.pid}`;
}

/** The file name this process writes `path` under before renaming it into place. */
export function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the temporary entry `name` at `path` belongs to no running process (or is too old to). */
export function isLeftover(name: string, path: string, now = Date.now()): boolean {
  const match = OWNED.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  if (!isProcessAlive(pid)) return true;
  try {
    return now - statSync(path).mtimeMs > MAX_AGE_MS;
  } catch {
    return false;
  }
}

/**
 * The leftovers of dead processes below `root` (at most `maxDepth` folders deep, no symbolic
 * links followed, not inside a leftover; only names `accept` takes). Reads folder listings only,
 * so a caller that must not block can remove the (possibly gigabytes of) entries asynchronously.
 */
export function findLeftovers(root: string, maxDepth = 6, accept: (name: string) => boolean = () => true): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (accept(entry.name) && isLeftover(entry.name, path)) found.push(path);
      else if (entry.isDirectory() && depth < maxDepth && !SKIPPED.has(entry.name)) walk(path, depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

/**
 * Removes what `findLeftovers` finds and returns the removed paths. Entries that vanish or
 * resist removal meanwhile are skipped: another process may be sweeping too.
 */
export function removeLeftovers(root: string, maxDepth = 6, accept: (name: string) => boolean = () => true): string[] {
  return findLeftovers(root, maxDepth, accept).filter((path) => {
    try {
      rmSync(path, { recursive: true, force: true });
      return true;
    } catch {
      // Still in use or not ours to remove; the next start tries again.
      return false;
    }
  });
}

/**
 * Removes the leftovers of a model folder about to be loaded: inside it (fused-graph builds,
 * half-saved adapter files) and the temporary folder a killed merge into it left beside it.
 */
export function removeModelFolderLeftovers(dir: string): string[] {
  const staging = `.${basename(dir)}.partial-`;
  return [...removeLeftovers(dir, 3), ...removeLeftovers(dirname(dir), 0, (name) => name.startsWith(staging))];
}
