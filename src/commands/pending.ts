/**
 * @file Commands the manifest already contributes whose feature has not landed yet. Running
 * one says so plainly instead of pretending to work; each row names what is missing.
 */
import * as vscode from 'vscode';

interface PendingCommand {
  readonly id: string;
  readonly feature: string;
}

/** Empty while every contributed command is implemented; a row per command whose feature has not landed. */
const PENDING: readonly PendingCommand[] = [];

/** The message shown for a command whose feature is not in this build. */
export function pendingMessage(feature: string): string {
  return `SmolCode: ${feature} is not available in this version yet. See the README's Status section for what works today.`;
}

/** Registers every pending command; each shows an information message and logs the call. */
export function registerPendingCommands(log: vscode.LogOutputChannel): vscode.Disposable[] {
  return PENDING.map(({ id, feature }) =>
    vscode.commands.registerCommand(id, () => {
      log.info(`${id}: ${feature} is not implemented yet`);
      void vscode.window.showInformationMessage(pendingMessage(feature));
    }),
  );
}
