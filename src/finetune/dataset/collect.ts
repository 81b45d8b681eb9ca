/**
 * @file Lists the workspace's candidate files in a stable order. In a git repository the list
 * is git's own (`git ls-files --cached --others --exclude-standard`: tracked files plus new
 * files git does not ignore), so every `.gitignore`, `.git/info/exclude` and the global excludes
 * apply exactly as git applies them. Elsewhere the tree is walked with every `.gitignore` on the
 * way applied by the `ignore` package (https://github.com/kaelzhang/node-ignore), and vendored
 * or build folders are skipped whole; so is a folder inside a repository that git ignores as a
 * whole. A `.smolcodeignore` (gitignore syntax) at the root
 * applies in both cases. Symbolic links are not followed, so cycles cannot occur.
 */
import { execFile } from 'node:child_process';
import { opendir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ignore, { type Ignore } from 'ignore';
import { isVendoredDir } from './filters';

/** A listed path: a file to look at, a vendored folder skipped whole, or a folder that cannot be read. */
export interface Candidate {
  /** Relative to the workspace, with `/` separators; folders end with `/`. */
  readonly path: string;
  readonly kind: 'file' | 'vendored-dir' | 'unreadable-dir';
  /** Why an unreadable folder could not be read: the error code, never the OS message (which repeats the path). */
  readonly code?: string;
}

/**
 * Errors that make one folder unreadable without saying anything about the rest of the tree:
 * a path past the OS limit (PATH_MAX, 4096 bytes on Linux), a folder the user may not list, or
 * one replaced while listing. The build skips such a folder and reports it.
 */
const FOLDER_ERRORS = new Set(['ENAMETOOLONG', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'ELOOP']);

/** How the files were listed. */
export type ListingSource = 'git' | 'walk';

const run = promisify(execFile);

/** Git's file list for `root`, or undefined when `root` is not inside a work tree or git is missing. */
async function gitFiles(root: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await run('git', ['-c', 'core.quotepath=off', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      maxBuffer: 512 * 2 ** 20,
    });
    return [...new Set(stdout.split('\0').filter((p) => p !== ''))].sort();
  } catch {
    return undefined;
  }
}

async function readIgnore(file: string): Promise<Ignore | undefined> {
  try {
    return ignore().add(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

interface Matcher {
  /** The folder the ignore file lives in, relative, '' or ending with `/`. */
  readonly base: string;
  readonly rules: Ignore;
}

const ignoredBy = (matchers: readonly Matcher[], path: string) =>
  matchers.some((m) => path.startsWith(m.base) && m.rules.ignores(path.slice(m.base.length)));

async function* walk(root: string, dir: string, matchers: readonly Matcher[]): AsyncGenerator<Candidate> {
  let own: Ignore | undefined;
  const entries: { name: string; isDir: boolean }[] = [];
  try {
    own = await readIgnore(join(root, dir, '.gitignore'));
    for await (const entry of await opendir(join(root, dir))) {
      if (entry.isDirectory() || entry.isFile()) entries.push({ name: entry.name, isDir: entry.isDirectory() });
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !FOLDER_ERRORS.has(code) || dir === '') throw error;
    yield { path: dir, kind: 'unreadable-dir', code };
    return;
  }
  const active = own ? [...matchers, { base: dir, rules: own }] : matchers;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, isDir } of entries) {
    const path = `${dir}${name}${isDir ? '/' : ''}`;
    if (name === '.git' || ignoredBy(active, path)) continue;
    if (!isDir) yield { path, kind: 'file' };
    else if (isVendoredDir(name)) yield { path, kind: 'vendored-dir' };
    else yield* walk(root, path, active);
  }
}

/** The listing source and the candidates of `root`, in a stable order. */
export async function listCandidates(root: string): Promise<{ source: ListingSource; candidates: AsyncIterable<Candidate> }> {
  const smolcodeIgnore = await readIgnore(join(root, '.smolcodeignore'));
  const rootMatchers: Matcher[] = smolcodeIgnore ? [{ base: '', rules: smolcodeIgnore }] : [];
  const tracked = await gitFiles(root);
  // An empty list means a folder git ignores as a whole (say, node_modules inside a
  // repository): the user chose it, so walk it rather than build nothing.
  if (tracked && tracked.length > 0) {
    async function* fromGit(list: string[]): AsyncGenerator<Candidate> {
      for (const path of list) if (!ignoredBy(rootMatchers, path)) yield { path, kind: 'file' };
    }
    return { source: 'git', candidates: fromGit(tracked) };
  }
  return { source: 'walk', candidates: walk(root, '', rootMatchers) };
}
