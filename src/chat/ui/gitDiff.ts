/**
 * @file The working tree diff for `@diff`, read through VS Code's built-in Git extension
 * (`vscode.git`, API version 1) rather than by running git: it already knows the workspace's
 * repositories, the git binary and its settings (`host/gitApi.ts` types the members used).
 */
import type * as vscode from 'vscode';
import { gitApi } from '../../host/gitApi';
import type { DiffRead } from '../mentionList';

/** Most changed files whose diffs are read; the budget keeps only a few of them anyway. */
const MAX_FILES = 100;

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
