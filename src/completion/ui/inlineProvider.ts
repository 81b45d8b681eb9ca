/**
 * @file The VS Code adapter of inline completion: turns the editor state into a
 * `CompletionInput`, asks the completion service, and shows the result as ghost text. It also
 * owns the per-request log line and the status bar's generating state.
 */
import * as vscode from 'vscode';
import type { Settings } from '../../host/settings';
import { isLanguageEnabled } from '../../host/settingsSchema';
import { completionInput, definitionTargets, snippetsFor, SUFFIX_CHARS, type CursorDocument } from '../context/completionInput';
import type { DefinitionResolver } from '../context/definitions';
import type { CompletionService, RequestLog } from '../service';
import type { CompletionInput, Snippet } from '../types';
import type { EditorHistory } from './editorHistory';

/**
 * Snippets are chosen once per line of a document (with definitions: per line and set of
 * definitions found), so keystrokes on one line keep the prompt prefix.
 */
interface SnippetChoice {
  readonly key: string;
  readonly snippets: readonly Snippet[];
}

export class InlineProvider implements vscode.InlineCompletionItemProvider {
  private choice: SnippetChoice | undefined;
  private definitionChoice: SnippetChoice | undefined;

  constructor(
    private readonly service: CompletionService,
    private readonly history: EditorHistory,
    private readonly settings: Settings,
    private readonly onBusy: (busy: boolean) => void,
    private readonly definitions: DefinitionResolver<vscode.TextDocument>,
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
    const cursor = this.cursor(document, position);
    const input = this.input(document, position, cursor);
    const refine = this.settings.get('completion.definitions') ? (signal: AbortSignal) => this.withDefinitions(document, position, cursor, signal) : undefined;
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    this.onBusy(true);
    try {
      // An explicit trigger (Alt+\, or Alt+] asking for more) gets several choices to step through.
      const texts = automatic
        ? [await this.service.complete(input, document.uri.toString(), controller.signal, refine)]
        : await this.service.completeChoices(input, document.uri.toString(), controller.signal, refine);
      if (token.isCancellationRequested) return [];
      return texts.filter((text) => text).map((text) => new vscode.InlineCompletionItem(text, new vscode.Range(position, position)));
    } finally {
      cancel.dispose();
      this.onBusy(false);
    }
  }

  private cursor(document: vscode.TextDocument, position: vscode.Position): CursorDocument {
    const end = document.positionAt(Math.min(document.getText().length, document.offsetAt(position) + SUFFIX_CHARS));
    return {
      path: vscode.workspace.asRelativePath(document.uri),
      languageId: document.languageId,
      before: document.getText(new vscode.Range(new vscode.Position(0, 0), position)),
      after: document.getText(new vscode.Range(position, end)),
      repoName: vscode.workspace.getWorkspaceFolder(document.uri)?.name ?? vscode.workspace.name ?? 'workspace',
    };
  }

  private input(document: vscode.TextDocument, position: vscode.Position, cursor: CursorDocument): CompletionInput {
    const contextTokens = this.settings.get('completion.contextTokens');
    return completionInput(cursor, this.snippets(document, position, cursor.before, contextTokens), { contextTokens });
  }

  /** The input with the definitions of the identifiers near the cursor (see service.complete's `refine`). */
  private async withDefinitions(document: vscode.TextDocument, position: vscode.Position, cursor: CursorDocument, signal: AbortSignal): Promise<CompletionInput> {
    const contextTokens = this.settings.get('completion.contextTokens');
    // Cached lookups answer at once; the key changes when a late one has arrived since.
    const definitions = await this.definitions.definitions(document, definitionTargets(cursor.before, contextTokens), signal);
    const key = `${document.uri.toString()}:${position.line}:${definitions.map((d) => `${d.path}:${d.startLine}-${d.endLine}`).join(',')}`;
    if (this.definitionChoice?.key !== key) {
      const candidates = this.settings.get('completion.useOtherFiles') ? this.history.candidates(document.uri) : [];
      this.definitionChoice = { key, snippets: snippetsFor(cursor.before, candidates, contextTokens, definitions) };
    }
    return completionInput(cursor, this.definitionChoice.snippets, { contextTokens });
  }

  private snippets(document: vscode.TextDocument, position: vscode.Position, before: string, contextTokens: number): readonly Snippet[] {
    if (!this.settings.get('completion.useOtherFiles')) return [];
    const key = `${document.uri.toString()}:${position.line}`;
    if (this.choice?.key === key) return this.choice.snippets;
    const snippets = snippetsFor(before, this.history.candidates(document.uri), contextTokens);
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
    if (m.truncatedTokens) parts.push(`prompt cut by ${m.truncatedTokens} tokens from the left to fit the context`);
  }
  if (log.choices) {
    const c = log.choices;
    parts.push(`${c.count} choices from ${c.runs} runs`, `later runs' prompt tokens ${c.laterPromptTokens}`);
  }
  if (log.error) parts.push(`error: ${log.error}`);
  return parts.join(', ');
}
