/**
 * @file Commands the manifest already contributes whose feature has not landed yet. Running
 * one says so plainly instead of pretending to work; each row names what is missing.
 */
import * as vscode from 'vscode';

interface PendingCommand {
  readonly id: string;
  readonly feature: string;
}

const PENDING: readonly PendingCommand[] = [
  { id: 'smolcode.finetuneWorkspace', feature: 'Fine-tuning' },
  { id: 'smolcode.cancelFinetune', feature: 'Fine-tuning (and so cancelling it)' },
  { id: 'smolcode.selectAdapter', feature: 'LoRA adapters' },
];

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
