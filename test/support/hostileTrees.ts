/**
 * @file Workspace trees that break naive file walkers: a folder nested past the OS path limit,
 * and a folder replaced by a symbolic link that leads out of the workspace. Built with the
 * shell, one level at a time (`cd -P`, so the shell does not spell out the over-long absolute path).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Levels of 200-character folder names: 25 of them pass Linux's PATH_MAX of 4096 bytes. */
const LEVELS = 25;
const SEGMENT = 'd'.repeat(200);

/** Creates `root/top/d…/d…/…/deep.py`, whose path is longer than the OS allows, and returns the path of `top` relative to `root`. */
export function makeFolderPastPathLimit(root: string, top = 'deep'): string {
  const script = `mkdir -p ${top} && cd ${top} && for i in $(seq 1 ${LEVELS}); do mkdir ${SEGMENT} && cd -P ${SEGMENT}; done && printf 'x = 1\\n' > deep.py`;
  execFileSync('sh', ['-c', script], { cwd: root });
  return top;
}

/** Removes a tree that may hold paths past the OS limit (Node's `rm` opens them by full path). */
export function removeTree(path: string): void {
  execFileSync('rm', ['-rf', path]);
}

/** Makes `root/folder` a symbolic link to the folder `outside`, created to hold `files`. */
export async function linkFolderOutside(root: string, folder: string, outside: string, files: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(outside, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(outside, name), text);
  await symlink(outside, join(root, folder), 'dir');
}
