/**
 * @file What chat mentions read from VS Code: a quick pick of workspace files for `@file`
 * (honouring `files.exclude` and `search.exclude`), the file's bytes, the last active editor's
 * selection, its diagnostics for `@problems`, and the Git extension's diff for `@diff`. The
 * formatting and budgets are mentionBlocks.ts's.
 */
import { extname } from 'node:path';
import * as vscode from 'vscode';
import type { EditorSnapshot } from '../contextAssembly';
import { looksBinary, MAX_MENTION_FILE_BYTES, type Problem } from '../mentionBlocks';
import type { DiffRead, FileRead, MentionResolver, PickedFile } from '../mentionList';
import { snapshot, type EditorContext } from './editorContext';
import { workingTreeDiff } from './gitDiff';

/** Most files listed in the `@file` quick pick (its filter narrows them as the user types). */
const MAX_PICK_FILES = 5000;

const SEVERITY: Readonly<Record<vscode.DiagnosticSeverity, Problem['severity']>> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'info',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

/**
 * One glob of everything `files.exclude` and `search.exclude` switch on. Passing an exclude
 * to `findFiles` replaces its default (files.exclude only), so both are merged here.
 */
function excludeGlob(): string | undefined {
  const patterns = new Set<string>();
  for (const section of ['files', 'search']) {
    const excluded = vscode.workspace.getConfiguration(section).get<Record<string, unknown>>('exclude') ?? {};
    for (const [pattern, on] of Object.entries(excluded)) if (on === true) patterns.add(pattern);
  }
  return patterns.size === 0 ? undefined : `{${[...patterns].join(',')}}`;
}

function toProblem(diagnostic: vscode.Diagnostic): Problem {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  return {
    severity: SEVERITY[diagnostic.severity],
    line: diagnostic.range.start.line,
    column: diagnostic.range.start.character,
    message: diagnostic.message,
    ...(diagnostic.source && { source: diagnostic.source }),
    ...(code !== undefined && { code: String(code) }),
  };
}

export class VsCodeMentionResolver implements MentionResolver {
  constructor(private readonly editors: EditorContext) {}

  async pickFile(): Promise<PickedFile | undefined> {
    if (!vscode.workspace.workspaceFolders?.length) {
      void vscode.window.showInformationMessage('SmolCode: @file needs an open folder to pick a file from.');
      return undefined;
    }
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { uri: vscode.Uri }>();
    pick.title = 'SmolCode: attach a file to the question';
    pick.placeholder = 'Type to find a workspace file';
    pick.matchOnDescription = true;
    pick.busy = true;
    pick.show();
    const chosen = new Promise<vscode.Uri | undefined>((resolve) => {
      pick.onDidAccept(() => resolve(pick.selectedItems[0]?.uri));
      pick.onDidHide(() => resolve(undefined));
    });
    const uris = await vscode.workspace.findFiles('**/*', excludeGlob(), MAX_PICK_FILES);
    pick.items = uris
      .map((uri) => ({ uri, path: vscode.workspace.asRelativePath(uri) }))
      .sort((a, b) => a.path.localeCompare(b.path))
      .map(({ uri, path }) => ({ uri, label: path.split('/').pop() ?? path, description: path }));
    pick.busy = false;
    const uri = await chosen;
    pick.dispose();
    return uri && { uri: uri.toString(), path: vscode.workspace.asRelativePath(uri) };
  }

  async readFile(file: PickedFile): Promise<FileRead> {
    const uri = vscode.Uri.parse(file.uri, true);
    // An open document may have unsaved edits; those are what the user sees.
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === file.uri);
    if (open) return { kind: 'text', text: open.getText(), languageId: open.languageId };
    try {
      const { size } = await vscode.workspace.fs.stat(uri);
      if (size > MAX_MENTION_FILE_BYTES) return { kind: 'tooLarge', bytes: size };
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (looksBinary(bytes)) return { kind: 'binary' };
      return { kind: 'text', text: new TextDecoder().decode(bytes), languageId: extname(file.path).slice(1) };
    } catch (error) {
      return { kind: 'unreadable', reason: (error as Error).message };
    }
  }

  activeEditor(): EditorSnapshot | undefined {
    const editor = this.editors.current();
    return editor && snapshot(editor);
  }

  problems(): { path: string; problems: Problem[] } | undefined {
    const document = this.editors.current()?.document;
    if (!document) return undefined;
    return { path: vscode.workspace.asRelativePath(document.uri), problems: vscode.languages.getDiagnostics(document.uri).map(toProblem) };
  }

  diff(): Promise<DiffRead> {
    return workingTreeDiff(this.editors.current()?.document.uri);
  }
}
