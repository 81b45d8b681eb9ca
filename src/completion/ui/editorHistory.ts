/**
 * @file Remembers which files the user recently edited and viewed (and where), the sources of
 * completion context besides open tabs. VS Code adapter: it listens to editor events and hands
 * plain `CandidateFile`s to the completion context stage.
 */
import * as vscode from 'vscode';
import type { CandidateFile } from '../context/snippets';

interface Visit {
  readonly uri: string;
  /** The line of the last edit, or the first visible line. */
  line: number;
}

/** Largest document offered as context; bigger ones are generated or data. */
const MAX_DOCUMENT_CHARS = 500_000;
/** Lines around an edit or a viewport that make up a candidate. */
const AROUND_LINES = 60;
const MAX_ENTRIES = 12;
/** Lines of an open tab offered as context (ranking picks the windows that matter). */
const MAX_TAB_LINES = 1000;

function remember(list: Visit[], uri: string, line: number): void {
  const existing = list.findIndex((v) => v.uri === uri);
  if (existing >= 0) list.splice(existing, 1);
  list.unshift({ uri, line });
  list.length = Math.min(list.length, MAX_ENTRIES);
}

function isCandidate(document: vscode.TextDocument): boolean {
  return (document.uri.scheme === 'file' || document.uri.scheme === 'untitled') && document.getText().length <= MAX_DOCUMENT_CHARS;
}

function around(document: vscode.TextDocument, line: number): string {
  const start = Math.max(0, line - AROUND_LINES / 2);
  const end = Math.min(document.lineCount, start + AROUND_LINES);
  return document.getText(new vscode.Range(start, 0, end, 0));
}

export class EditorHistory implements vscode.Disposable {
  private readonly edited: Visit[] = [];
  private readonly viewed: Visit[] = [];
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((event) => {
        const change = event.contentChanges[0];
        if (change && isCandidate(event.document)) remember(this.edited, event.document.uri.toString(), change.range.start.line);
      }),
      vscode.window.onDidChangeTextEditorVisibleRanges((event) => {
        const first = event.visibleRanges[0];
        if (first && isCandidate(event.textEditor.document)) remember(this.viewed, event.textEditor.document.uri.toString(), first.start.line + AROUND_LINES / 2);
      }),
    ];
  }

  /** Candidate files for a request in `current` (which is excluded): edited, open, viewed. */
  candidates(current: vscode.Uri): CandidateFile[] {
    const skip = current.toString();
    const documents = new Map(vscode.workspace.textDocuments.filter(isCandidate).map((d) => [d.uri.toString(), d]));
    const result: CandidateFile[] = [];
    const seen = new Set([skip]);
    const add = (uri: string, source: CandidateFile['source'], text: (d: vscode.TextDocument) => string) => {
      const document = documents.get(uri);
      if (!document || seen.has(uri)) return;
      seen.add(uri);
      result.push({ path: vscode.workspace.asRelativePath(document.uri), text: text(document), source });
    };
    for (const visit of this.edited) add(visit.uri, 'edited', (d) => around(d, visit.line));
    for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
      if (tab.input instanceof vscode.TabInputText) add(tab.input.uri.toString(), 'open', (d) => d.getText(new vscode.Range(0, 0, MAX_TAB_LINES, 0)));
    }
    for (const visit of this.viewed) add(visit.uri, 'viewed', (d) => around(d, visit.line));
    return result;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
