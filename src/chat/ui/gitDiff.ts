/**
 * @file The working tree diff for `@diff`, read through VS Code's built-in Git extension
 * (`vscode.git`, API version 1) rather than by running git: it already knows the workspace's
 * repositories, the git binary and its settings. Only the few members used are typed here.
 */
import * as vscode from 'vscode';
import type { DiffRead } from '../mentionList';

interface GitChange {
  readonly uri: vscode.Uri;
}

interface GitRepository {
  readonly rootUri: vscode.Uri;
  /** Changes of the working tree against HEAD (staged and not). */
  diffWithHEAD(): Promise<GitChange[]>;
  /** `git diff HEAD -- path`. */
  diffWithHEAD(path: string): Promise<string>;
}

interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: readonly GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
}

interface GitExtension {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

/** Most changed files whose diffs are read; the budget keeps only a few of them anyway. */
const MAX_FILES = 100;
/** How long to wait for the Git extension to finish finding the repositories. */
const INIT_WAIT_MS = 5000;

async function gitApi(): Promise<GitApi | string> {
  const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
  if (!extension) return 'the Git extension is not available';
  const exports = extension.isActive ? extension.exports : await extension.activate();
  if (!exports?.enabled) return 'Git is disabled (setting git.enabled)';
  const api = exports.getAPI(1);
  if (api.state === 'uninitialized') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, INIT_WAIT_MS);
      const listener = api.onDidChangeState(done);
      function done() {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      }
    });
  }
  return api;
}

/** The diff against HEAD of the repository holding `near` (the active file), else the first one. */
export async function workingTreeDiff(near: vscode.Uri | undefined): Promise<DiffRead> {
  const api = await gitApi();
  if (typeof api === 'string') return { kind: 'unavailable', reason: api };
  const repository = (near && api.getRepository(near)) ?? api.repositories[0];
  if (!repository) return { kind: 'unavailable', reason: 'the workspace is not a git repository' };
  try {
    const changes = (await repository.diffWithHEAD()).slice(0, MAX_FILES);
    const parts: string[] = [];
    for (const change of changes) parts.push(await repository.diffWithHEAD(change.uri.fsPath));
    return { kind: 'diff', text: parts.filter((part) => part.trim() !== '').join('\n') };
  } catch (error) {
    // A repository without commits has no HEAD to compare with.
    return { kind: 'unavailable', reason: `git could not diff against HEAD (${(error as Error).message.split('\n')[0]})` };
  }
}
