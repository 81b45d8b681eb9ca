/**
 * @file Wires inline edit: the diff previews, Edit Selection, and the Accept / Reject commands
 * of the diff's title bar.
 */
import * as vscode from 'vscode';
import type { ChatBackend } from '../../chat/chatBackend';
import { EditPreviews } from './editPreview';
import { editSelection } from './editSelectionCommand';

export interface InlineEditDeps {
  readonly backend: ChatBackend;
  /** Where recent instructions are kept (`context.globalState`). */
  readonly state: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
}

/** Registers inline edit; returns everything to dispose. */
export function registerInlineEdit(deps: InlineEditDeps): vscode.Disposable[] {
  const previews = new EditPreviews(deps.log);
  const running = { busy: false };
  return [
    previews,
    vscode.commands.registerCommand('smolcode.editSelection', () => editSelection({ ...deps, previews }, running)),
    vscode.commands.registerCommand('smolcode.acceptEdit', (uri?: vscode.Uri) => previews.accept(uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand('smolcode.rejectEdit', (uri?: vscode.Uri) => previews.reject(uri instanceof vscode.Uri ? uri : undefined)),
  ];
}
