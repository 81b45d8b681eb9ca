/**
 * @file The chat's view of the text editors: remembers the last active text editor (focus is
 * in the webview when a code block's button is clicked), offers its file and selection as
 * context chips, and applies Insert / Replace edits to it.
 */
import * as vscode from 'vscode';
import type { ContextChip } from '../../shared/protocol';
import { contextChip, fileItem, selectionItem, type ContextItem, type EditorSnapshot } from '../contextAssembly';
import type { ContextSource } from '../chatController';

/** Schemes of documents worth chatting about (not output channels, SCM input, …). */
const CONTEXT_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);

/** The editor's file and selection as plain data. */
export function snapshot(editor: vscode.TextEditor): EditorSnapshot {
  const document = editor.document;
  const selection = editor.selection;
  // A selection ending at column 0 of a line does not include that line.
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
  return {
    path: vscode.workspace.asRelativePath(document.uri),
    languageId: document.languageId,
    text: document.getText(),
    ...(!selection.isEmpty && {
      selection: { startLine: selection.start.line, endLine, text: document.getText(selection) },
    }),
  };
}

export class EditorContext implements ContextSource, vscode.Disposable {
  private editor: vscode.TextEditor | undefined;
  /** What the user removed: a chip stays hidden until the file or selection changes. */
  private hiddenFile: string | undefined;
  private hiddenSelection: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[];

  /** Fires when the chips may have changed. */
  readonly onDidChange = this.changed.event;

  constructor() {
    this.track(vscode.window.activeTextEditor);
    this.subscriptions = [
      this.changed,
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        // Focus moving to a panel or webview leaves the last editor as the target.
        if (editor) this.track(editor);
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.textEditor === this.editor) this.changed.fire();
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document === this.editor?.document) {
          this.editor = undefined;
          this.changed.fire();
        }
      }),
    ];
  }

  /** Makes `editor` the context and edit target, showing its selection even if hidden before. */
  use(editor: vscode.TextEditor): void {
    this.track(editor);
    this.hiddenSelection = undefined;
    this.hiddenFile = undefined;
  }

  /** The editor the chat last saw active (focus may be in the chat now), if still open. */
  current(): vscode.TextEditor | undefined {
    return this.editor;
  }

  chips(): ContextChip[] {
    if (!this.editor) return [];
    const shot = snapshot(this.editor);
    const chips: ContextChip[] = [];
    if (this.hiddenFile !== this.fileKey()) chips.push(contextChip('file', shot) as ContextChip);
    const selection = contextChip('selection', shot);
    if (selection && this.hiddenSelection !== this.selectionKey()) chips.push(selection);
    return chips;
  }

  async read(): Promise<ContextItem[]> {
    if (!this.editor) return [];
    const shot = snapshot(this.editor);
    const shown = new Set(this.chips().map((chip) => chip.id));
    const items: ContextItem[] = [];
    if (shown.has('file')) items.push(fileItem(shot));
    const selection = shown.has('selection') ? selectionItem(shot) : undefined;
    if (selection) items.push(selection);
    return items;
  }

  remove(id: string): void {
    if (id === 'file') this.hiddenFile = this.fileKey();
    if (id === 'selection') this.hiddenSelection = this.selectionKey();
  }

  /** Inserts `text` at the cursor of the last active editor, or replaces its selection. */
  async edit(text: string, mode: 'insert' | 'replace'): Promise<boolean> {
    const last = this.editor;
    if (!last) {
      void vscode.window.showInformationMessage('SmolCode: open a file in an editor first, then insert the code.');
      return false;
    }
    // The webview has focus; show the editor again (it may be in the background) and edit there.
    const editor = await vscode.window.showTextDocument(last.document, { viewColumn: last.viewColumn, selection: last.selection });
    const selection = editor.selection;
    const done = await editor.edit((builder) => {
      if (mode === 'replace') builder.replace(selection, text);
      else builder.insert(selection.active, text);
    });
    if (!done) void vscode.window.showWarningMessage(`SmolCode: could not edit ${vscode.workspace.asRelativePath(editor.document.uri)}.`);
    return done;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private track(editor: vscode.TextEditor | undefined): void {
    if (editor && !CONTEXT_SCHEMES.has(editor.document.uri.scheme)) return;
    this.editor = editor;
    this.changed.fire();
  }

  private fileKey(): string | undefined {
    return this.editor?.document.uri.toString();
  }

  private selectionKey(): string | undefined {
    if (!this.editor) return undefined;
    const { start, end } = this.editor.selection;
    return `${this.fileKey()}#${start.line}:${start.character}-${end.line}:${end.character}`;
  }
}
