/**
 * @file The VS Code adapter of inline completion: turns the editor state into a
 * `CompletionInput`, asks the completion service, and shows the result as ghost text. It also
 * owns the per-request log line and the status bar's generating state.
 */
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { isLanguageEnabled } from '../../host/settingsSchema';
import { estimateTokens, prefixWindow } from '../context/budget';
import { selectSnippets } from '../context/snippets';
import type { CompletionService, RequestLog } from '../service';
import type { CompletionInput, Snippet } from '../types';
import type { EditorHistory } from './editorHistory';

/** Characters after the cursor the postprocessing looks at. */
const SUFFIX_CHARS = 4000;
/** Lines before the cursor the snippet ranking compares other files against. */
const CURSOR_WINDOW_LINES = 12;

/** Snippets are chosen once per line of a document, so keystrokes on one line keep the prompt prefix. */
interface SnippetChoice {
  readonly key: string;
  readonly snippets: readonly Snippet[];
}

export class InlineProvider implements vscode.InlineCompletionItemProvider {
  private choice: SnippetChoice | undefined;

  constructor(
    private readonly service: CompletionService,
    private readonly history: EditorHistory,
    private readonly settings: Settings,
    private readonly onBusy: (busy: boolean) => void,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[]> {
    const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
    if (automatic && !this.settings.get('completion.enabled')) return [];
    if (!isLanguageEnabled(this.settings.get('completion.languages', document), document.languageId)) return [];
    const input = this.input(document, position);
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    this.onBusy(true);
    try {
      const text = await this.service.complete(input, document.uri.toString(), controller.signal);
      if (!text || token.isCancellationRequested) return [];
      return [new vscode.InlineCompletionItem(text, new vscode.Range(position, position))];
    } finally {
      cancel.dispose();
      this.onBusy(false);
    }
  }

  private input(document: vscode.TextDocument, position: vscode.Position): CompletionInput {
    const budget = this.settings.get('completion.contextTokens');
    const fullPrefix = document.getText(new vscode.Range(new vscode.Position(0, 0), position));
    const end = document.positionAt(Math.min(document.getText().length, document.offsetAt(position) + SUFFIX_CHARS));
    const snippets = this.snippets(document, position, fullPrefix, Math.floor(budget / 3));
    const snippetTokens = snippets.reduce((sum, s) => sum + estimateTokens(`<file_sep>${s.path}\n${s.text}`), 0);
    return {
      path: vscode.workspace.asRelativePath(document.uri),
      languageId: document.languageId,
      prefix: prefixWindow(fullPrefix, budget - snippetTokens),
      suffix: document.getText(new vscode.Range(position, end)),
      repoName: vscode.workspace.getWorkspaceFolder(document.uri)?.name ?? vscode.workspace.name ?? 'workspace',
      snippets,
    };
  }

  private snippets(document: vscode.TextDocument, position: vscode.Position, prefix: string, budgetTokens: number): readonly Snippet[] {
    if (!this.settings.get('completion.useOtherFiles')) return [];
    const key = `${document.uri.toString()}:${position.line}`;
    if (this.choice?.key === key) return this.choice.snippets;
    const cursorText = prefix.split('\n').slice(-CURSOR_WINDOW_LINES).join('\n');
    const snippets = selectSnippets(this.history.candidates(document.uri), cursorText, { budgetTokens });
    this.choice = { key, snippets };
    return snippets;
  }
}

/** The debug log line of one request. */
export function describeRequest(log: RequestLog): string {
  const parts = [`completion: ${log.outcome} in ${log.ms.toFixed(0)} ms`, `${log.suggestion.length} chars`];
  if (log.model) {
    const m = log.model;
    parts.push(
      `prompt ${m.promptTokens} tokens`,
      `reused ${m.reusedTokens}`,
      `first token ${m.timeToFirstTokenMs.toFixed(0)} ms`,
      `model ${m.totalMs.toFixed(0)} ms`,
      `finish ${m.finishReason}`,
    );
  }
  if (log.error) parts.push(`error: ${log.error}`);
  return parts.join(', ');
}
