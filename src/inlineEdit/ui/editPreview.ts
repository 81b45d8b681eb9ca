/**
 * @file Proposed edits shown as diffs: a read-only virtual document (scheme `smolcode-edit`)
 * holds the file with the selection replaced, and `vscode.diff` shows it beside the file.
 * Accept applies one WorkspaceEdit to the original range (one undo step), and only if the file
 * has not changed since the request; Reject, or closing the diff, drops the proposal.
 */
import * as vscode from 'vscode';

/** The virtual documents' scheme; package.json's Accept/Reject title buttons match on it. */
export const EDIT_SCHEME = 'smolcode-edit';

/** An edit the model proposed for a range of a document. */
export interface Proposal {
  readonly document: vscode.TextDocument;
  /** The document's version when the edit was requested. */
  readonly version: number;
  readonly range: vscode.Range;
  /** The replacement of `range`, with the document's line endings. */
  readonly code: string;
  readonly instruction: string;
}

interface Shown extends Proposal {
  readonly uri: vscode.Uri;
  /** The whole file with the replacement, as the diff's right side shows it. */
  readonly text: string;
}

export class EditPreviews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  private next = 1;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscriptions = [
      vscode.workspace.registerTextDocumentContentProvider(EDIT_SCHEME, this),
      // Closing the diff by hand is a Reject.
      vscode.window.tabGroups.onDidChangeTabs((event) => {
        for (const tab of event.closed) {
          const uri = tab.input instanceof vscode.TabInputTextDiff ? tab.input.modified : undefined;
          if (uri?.scheme === EDIT_SCHEME && this.shown.delete(uri.toString())) this.log.info(`inline edit: the diff of ${uri.path} was closed; nothing applied`);
        }
      }),
    ];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.shown.get(uri.toString())?.text ?? '';
  }

  /** Opens the diff of `proposal` against its file. */
  async show(proposal: Proposal): Promise<void> {
    const { document, range, code } = proposal;
    const original = document.getText();
    const text = original.slice(0, document.offsetAt(range.start)) + code + original.slice(document.offsetAt(range.end));
    const name = document.uri.path.split('/').at(-1) ?? 'file';
    // The file's own name last, so the virtual document gets the file's language.
    const uri = vscode.Uri.from({ scheme: EDIT_SCHEME, path: `/${this.next++}/${name}` });
    this.shown.set(uri.toString(), { ...proposal, uri, text });
    await vscode.commands.executeCommand('vscode.diff', document.uri, uri, `${name} ↔ SmolCode: ${proposal.instruction}`, {
      preview: false,
      viewColumn: vscode.ViewColumn.Active,
    });
  }

  /** The proposal of `uri` (the diff's title button passes it), else of the active diff, else the latest. */
  private find(uri?: vscode.Uri): Shown | undefined {
    if (uri?.scheme === EDIT_SCHEME) return this.shown.get(uri.toString());
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === EDIT_SCHEME) return this.shown.get(input.modified.toString());
    return [...this.shown.values()].at(-1);
  }

  /** Applies the proposal as one edit, unless its file changed since the request. */
  async accept(uri?: vscode.Uri): Promise<void> {
    const proposal = this.find(uri);
    if (!proposal) return void vscode.window.showInformationMessage('SmolCode: there is no proposed edit to accept.');
    const { document } = proposal;
    if (document.isClosed || document.version !== proposal.version) {
      await this.close(proposal);
      this.log.info(`inline edit: ${document.uri.path} changed (version ${proposal.version} → ${document.version}); not applied`);
      return void vscode.window.showWarningMessage(
        `SmolCode: ${vscode.workspace.asRelativePath(document.uri)} changed after the edit was requested, so it was not applied. Run Edit Selection again.`,
      );
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, proposal.range, proposal.code);
    const start = document.offsetAt(proposal.range.start);
    if (!(await vscode.workspace.applyEdit(edit))) {
      return void vscode.window.showErrorMessage(`SmolCode: VS Code refused the edit of ${vscode.workspace.asRelativePath(document.uri)}; the file is unchanged.`);
    }
    await this.close(proposal);
    const end = document.positionAt(start + proposal.code.length);
    await vscode.window.showTextDocument(document, { selection: new vscode.Selection(proposal.range.start, end) });
    this.log.info(`inline edit: applied to ${document.uri.path} lines ${proposal.range.start.line + 1}-${end.line + 1}`);
  }

  /** Drops the proposal and closes its diff; the file stays as it is. */
  async reject(uri?: vscode.Uri): Promise<void> {
    const proposal = this.find(uri);
    if (!proposal) return;
    await this.close(proposal);
    await vscode.window.showTextDocument(proposal.document, { selection: new vscode.Selection(proposal.range.start, proposal.range.end) });
    this.log.info(`inline edit: rejected for ${proposal.document.uri.path}`);
  }

  /** Drops every proposal (a new edit replaces the ones still open). */
  async rejectAll(): Promise<void> {
    for (const proposal of [...this.shown.values()]) await this.close(proposal);
  }

  private async close(proposal: Shown): Promise<void> {
    this.shown.delete(proposal.uri.toString());
    const tabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposal.uri.toString());
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.shown.clear();
  }
}
