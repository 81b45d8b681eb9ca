/**
 * @file "SmolCode: Edit Selection" (Ctrl+I / Cmd+I on a selection): asks for an instruction,
 * lets the chat model rewrite the selected lines under a progress notification with Cancel,
 * and shows the result as a diff to accept or reject (editPreview.ts). The file is only ever
 * changed by Accept.
 */
import * as vscode from 'vscode';
import type { ChatBackend } from '../../chat/chatBackend';
import { withCancellableProgress } from '../../host/progress';
import { MAX_CONTEXT_LINES } from '../editBudget';
import type { EditRequest } from '../editPrompt';
import { rewriteSelection, type EditOutcome } from '../rewriteSelection';
import type { EditPreviews } from './editPreview';
import { askInstruction } from './instructionInput';

export interface EditSelectionDeps {
  readonly backend: ChatBackend;
  readonly previews: EditPreviews;
  /** Where recent instructions are kept (`context.globalState`). */
  readonly state: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
}

/**
 * The selection widened to whole lines (a selection ending at column 0 leaves that line out),
 * without the last line break: a rewrite of whole lines keeps the indentation simple.
 */
export function selectedLines(document: vscode.TextDocument, selection: vscode.Selection): vscode.Range {
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
  return new vscode.Range(selection.start.line, 0, endLine, document.lineAt(endLine).text.length);
}

function lines(document: vscode.TextDocument, from: number, to: number): string[] {
  const out: string[] = [];
  for (let line = Math.max(0, from); line < Math.min(document.lineCount, to); line++) out.push(document.lineAt(line).text);
  return out;
}

/** Runs the command on the active editor. */
export async function editSelection(deps: EditSelectionDeps, running: { busy: boolean }): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) {
    return void vscode.window.showInformationMessage('SmolCode: select the code to edit first, then run Edit Selection (Ctrl+I).');
  }
  if (running.busy) return void vscode.window.showInformationMessage('SmolCode is already editing a selection; cancel it or wait for its diff.');
  const { document } = editor;
  const range = selectedLines(document, editor.selection);
  const relativePath = vscode.workspace.asRelativePath(document.uri);
  const instruction = await askInstruction(deps.state, relativePath.split('/').at(-1) ?? relativePath);
  if (!instruction) return;
  // The version the diff is made from: Accept refuses if the file changes in between.
  const version = document.version;
  const request: EditRequest = {
    languageId: document.languageId,
    selection: document.getText(range).replace(/\r\n/g, '\n'),
    before: lines(document, range.start.line - MAX_CONTEXT_LINES, range.start.line),
    after: lines(document, range.end.line + 1, range.end.line + 1 + MAX_CONTEXT_LINES),
    instruction,
  };
  const where = `${relativePath} lines ${range.start.line + 1}-${range.end.line + 1}`;
  deps.log.info(`inline edit: ${where}, "${instruction}"`);

  running.busy = true;
  let outcome: EditOutcome;
  try {
    await deps.previews.rejectAll();
    outcome = await withCancellableProgress(`SmolCode: editing ${relativePath}`, (progress, signal) => {
      progress.report({ message: `"${instruction}": waiting for the model…` });
      return rewriteSelection(deps.backend, request, ({ lines: written }) => progress.report({ message: `"${instruction}": ${written} lines written` }), signal);
    });
  } catch (error) {
    deps.log.error(`inline edit: ${where} failed: ${(error as Error).message}`);
    return void vscode.window.showErrorMessage(`SmolCode: the edit failed: ${(error as Error).message}`, 'Show Log').then((pick) => {
      if (pick) deps.log.show();
    });
  } finally {
    running.busy = false;
  }
  deps.log.info(`inline edit: ${where}: ${outcome.kind}${outcome.kind === 'rewritten' ? ` (${outcome.finishReason}, ${outcome.promptTokens} prompt tokens)` : ''}`);
  await report(deps, outcome, { document, version, range, instruction });
}

async function report(
  deps: EditSelectionDeps,
  outcome: EditOutcome,
  target: { document: vscode.TextDocument; version: number; range: vscode.Range; instruction: string },
): Promise<void> {
  switch (outcome.kind) {
    case 'cancelled':
      vscode.window.setStatusBarMessage('SmolCode: edit cancelled; the file is unchanged', 4000);
      return;
    case 'too-long':
      return void vscode.window.showErrorMessage(
        `SmolCode: the selection is too long for the chat model: ${outcome.baseTokens} tokens plus ${outcome.replyTokens} for the rewrite, ` +
          `and its window holds ${outcome.windowTokens}. Select fewer lines.`,
      );
    case 'no-code':
      deps.log.info(`inline edit: reply without code: ${JSON.stringify(outcome.reply)}`);
      return void vscode.window.showWarningMessage('SmolCode: the model answered without code. Try the instruction in other words.');
    case 'unchanged':
      return void vscode.window.showInformationMessage('SmolCode: the model left the selection as it was.');
    case 'rewritten': {
      const eol = target.document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
      await deps.previews.show({ ...target, code: outcome.code.replace(/\n/g, eol) });
      if (outcome.finishReason === 'max-tokens') {
        void vscode.window.showWarningMessage('SmolCode: the rewrite reached its length limit and may be cut off; check the end of the diff.');
      }
    }
  }
}
