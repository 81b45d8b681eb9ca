/**
 * @file The part of VS Code's built-in Git extension API (`vscode.git`, API version 1) that the
 * commit message and the chat's `@diff` need, typed narrowly after its `git.d.ts`
 * (https://github.com/microsoft/vscode/blob/main/extensions/git/src/api/git.d.ts), and how to
 * reach it with a message for each way it can be missing.
 */
import * as vscode from 'vscode';

/** A repository as the Git extension shows it in Source Control. */
export interface GitRepository {
  readonly rootUri: vscode.Uri;
  /** The Source Control input box, where the commit message is written. */
  readonly inputBox: { value: string };
  /** `git diff` (`cached`: `git diff --cached`, the staged changes) as text. */
  diff(cached?: boolean): Promise<string>;
  /** Changes of the working tree against HEAD (staged and not). */
  diffWithHEAD(): Promise<{ readonly uri: vscode.Uri }[]>;
  /** `git diff HEAD -- path`. */
  diffWithHEAD(path: string): Promise<string>;
}

/** The Git extension's API object. */
export interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: readonly GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
}

interface GitExtensionExports {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

/** How long to wait for the Git extension to find the repositories after it activates. */
const INITIALIZE_MS = 15_000;

/** The Git API once it has looked for repositories, or a sentence saying why there is none. */
export async function gitApi(): Promise<GitApi | string> {
  const extension = vscode.extensions.getExtension<GitExtensionExports>('vscode.git');
  if (!extension) return 'VS Code\'s built-in Git extension (vscode.git) is not installed or is disabled.';
  const exports = extension.isActive ? extension.exports : await extension.activate();
  if (!exports?.enabled) return 'Git is turned off (the "git.enabled" setting), or VS Code cannot find git on this machine.';
  const api = exports.getAPI(1);
  if (api.state !== 'initialized') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, INITIALIZE_MS);
      const listener = api.onDidChangeState((state) => {
        if (state === 'initialized') done();
      });
      function done(): void {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      }
    });
  }
  return api;
}

/** The repository whose Source Control title bar ran the command, if `arg` is its `SourceControl`. */
export function repositoryOfScmArgument(api: GitApi, arg: unknown): GitRepository | undefined {
  const rootUri = (arg as { rootUri?: unknown } | undefined)?.rootUri;
  return rootUri instanceof vscode.Uri ? api.getRepository(rootUri) ?? undefined : undefined;
}
