/**
 * @file "SmolCode: Generate Commit Message": reads the staged diff of a repository through the
 * Git extension, streams the chat model's message into that repository's Source Control input
 * box under a cancellable progress, and leaves the commit to the user. A draft the user had
 * typed stays below the message; cancelling or failing puts the box back as it was.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ChatBackend } from '../../chat/chatBackend';
import { writeCommitMessage } from '../commitMessageWriter';
import { inputBoxText, userDraft, type WrittenText } from '../inputBoxText';
import { gitApi, repositoryOfScmArgument, type GitApi, type GitRepository } from '../../host/gitApi';

export const GENERATE_COMMIT_MESSAGE_COMMAND = 'smolcode.generateCommitMessage';

export interface CommitMessageDeps {
  readonly backend: ChatBackend;
  readonly log: vscode.LogOutputChannel;
}

/** The repository to describe: the Source Control one clicked, the active file's, the only one, or one the user picks. */
async function chooseRepository(api: GitApi, arg: unknown): Promise<GitRepository | undefined> {
  const clicked = repositoryOfScmArgument(api, arg);
  if (clicked) return clicked;
  const active = vscode.window.activeTextEditor?.document.uri;
  const ofActive = active ? api.getRepository(active) : null;
  if (ofActive) return ofActive;
  if (api.repositories.length <= 1) return api.repositories[0];
  const picked = await vscode.window.showQuickPick(
    api.repositories.map((repository) => ({ label: basename(repository.rootUri.fsPath), description: repository.rootUri.fsPath, repository })),
    { title: 'SmolCode: Generate Commit Message', placeHolder: 'Which repository\'s staged changes?' },
  );
  return picked?.repository;
}

/** The staged diff, or the working tree's if nothing is staged and the user agrees; undefined when there is none to describe. */
async function diffToDescribe(repository: GitRepository): Promise<string | undefined> {
  const staged = await repository.diff(true);
  if (staged.trim()) return staged;
  const name = basename(repository.rootUri.fsPath);
  const useWorkingTree = 'Use Working Tree Changes';
  const choice = await vscode.window.showInformationMessage(
    `SmolCode: nothing is staged in ${name}. Stage the changes to commit first, or describe all changes in the working tree.`,
    useWorkingTree,
  );
  if (choice !== useWorkingTree) return undefined;
  const working = await repository.diff(false);
  if (working.trim()) return working;
  void vscode.window.showInformationMessage(`SmolCode: ${name} has no changes to describe (new files are described once they are staged).`);
  return undefined;
}

/** Registers the command; returns what to dispose. */
export function registerCommitMessageCommand(deps: CommitMessageDeps): vscode.Disposable {
  /** Per repository root, what SmolCode last wrote into its input box (asking again replaces it). */
  const lastWritten = new Map<string, WrittenText>();
  const running = new Set<string>();

  const run = async (arg: unknown): Promise<void> => {
    const api = await gitApi();
    if (typeof api === 'string') {
      void vscode.window.showErrorMessage(`SmolCode: cannot write a commit message: ${api}`);
      return;
    }
    const repository = await chooseRepository(api, arg);
    if (!repository) {
      if (api.repositories.length === 0) {
        void vscode.window.showErrorMessage('SmolCode: no git repository is open. Open a folder that is a git repository (or run "Git: Initialize Repository").');
      }
      return;
    }
    const root = repository.rootUri.toString();
    if (running.has(root)) {
      void vscode.window.showInformationMessage('SmolCode: a commit message is already being written for this repository.');
      return;
    }
    let diff: string | undefined;
    try {
      diff = await diffToDescribe(repository);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.log.error(`commit message: git diff failed: ${message}`);
      void vscode.window.showErrorMessage(`SmolCode: could not read the changes of ${basename(repository.rootUri.fsPath)}: ${message}`);
      return;
    }
    if (diff === undefined) return;

    running.add(root);
    const previous = repository.inputBox.value;
    const draft = userDraft(previous, lastWritten.get(root));
    const controller = new AbortController();
    try {
      await vscode.commands.executeCommand('workbench.view.scm');
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'SmolCode: writing a commit message…', cancellable: true },
        async (_progress, token) => {
          const cancel = token.onCancellationRequested(() => controller.abort());
          try {
            const written = await writeCommitMessage(
              diff,
              deps.backend,
              (message) => (repository.inputBox.value = inputBoxText(message, draft)),
              controller.signal,
            );
            const { fitted } = written;
            if (!written.message) {
              repository.inputBox.value = previous;
              deps.log.warn(`commit message: the model wrote none (${written.finishReason}): ${JSON.stringify(written.reply.slice(0, 500))}`);
              void vscode.window.showWarningMessage('SmolCode: the model\'s reply was not a commit message. Try again, or choose a larger chat model (smolcode.chat.model).');
              return;
            }
            const text = inputBoxText(written.message, draft);
            repository.inputBox.value = text;
            lastWritten.set(root, { text, draft });
            deps.log.info(
              `commit message: ${written.files} files, ${fitted.summaries.length} summarised, ${fitted.omitted.length} omitted, ` +
                `${fitted.cutHunks} hunks cut, prompt ${written.promptTokens} tokens, ${written.finishReason}`,
            );
            // The box holds the user's own draft too: its text goes to the debug level only.
            deps.log.debug(`commit message: input box: ${JSON.stringify(text)}`);
          } finally {
            cancel.dispose();
          }
        },
      );
    } catch (error) {
      repository.inputBox.value = previous;
      // The worker's error for an aborted generation varies; the signal says what happened.
      if (controller.signal.aborted) {
        deps.log.info('commit message: cancelled');
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      deps.log.error(`commit message: failed: ${message}`);
      void vscode.window.showErrorMessage(`SmolCode: could not write a commit message: ${message}`, 'Show Log').then((pick) => {
        if (pick === 'Show Log') deps.log.show();
      });
    } finally {
      running.delete(root);
    }
  };

  return vscode.commands.registerCommand(GENERATE_COMMIT_MESSAGE_COMMAND, run);
}
