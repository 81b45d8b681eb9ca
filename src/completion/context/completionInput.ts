/**
 * @file The completion request for a cursor in a document, built the one way the extension and
 * `smolcode eval completion` both build it: a third of the token budget for snippets from other
 * files (ranked against the lines before the cursor), the rest for the prefix window, and a
 * bounded suffix. The editor adapter and the benchmark differ only in where documents come from.
 */
import { estimateTokens, prefixWindow } from './budget';
import { definitionSnippets, type ResolvedDefinition } from './definitions';
import { nearbyIdentifiers, type IdentifierAt } from './nearbyIdentifiers';
import { selectSnippets, type CandidateFile } from './snippets';
import type { CompletionInput, Snippet } from '../types';

/** Characters after the cursor the postprocessing looks at. */
export const SUFFIX_CHARS = 4000;
/** Lines before the cursor the snippet ranking compares other files against. */
export const CURSOR_WINDOW_LINES = 12;

/** The document and cursor a request is for. */
export interface CursorDocument {
  /** Workspace-relative path, as the prompt names the file. */
  readonly path: string;
  readonly languageId: string;
  /** Text before the cursor (the whole of it; the window is cut here). */
  readonly before: string;
  /** Text after the cursor (at least `SUFFIX_CHARS` of it when there is that much). */
  readonly after: string;
  readonly repoName: string;
}

export interface InputOptions {
  /** `smolcode.completion.contextTokens`. */
  readonly contextTokens: number;
}

/** The tokens snippets may use out of `contextTokens`. */
export function snippetBudget(contextTokens: number): number {
  return Math.floor(contextTokens / 3);
}

/**
 * The share of the snippet budget definitions claim before similarity snippets. Half lost two
 * exact matches of 40 on the TypeScript benchmark (definitions pushed out windows with the
 * pattern of the next line); a quarter kept them (README, "Evaluation").
 */
export const DEFINITION_SHARE = 0.25;

/** The text surely in the prompt whatever the snippets: the prefix window when they use their whole budget. */
export function visiblePrefix(before: string, contextTokens: number): string {
  return prefixWindow(before, contextTokens - snippetBudget(contextTokens));
}

/** The identifiers near the cursor whose definitions are worth looking up. */
export function definitionTargets(before: string, contextTokens: number): IdentifierAt[] {
  return nearbyIdentifiers(before, { visiblePrefix: visiblePrefix(before, contextTokens) });
}

/**
 * The snippets for a cursor: the `definitions` of the identifiers near it have the first claim
 * on `definitionShare` of the budget, other files' windows ranked against the lines before it
 * take what is left (without windows that repeat a chosen definition), and definitions not yet
 * in may use what the windows leave. Definitions come last in the prompt, nearest the current file.
 */
export function snippetsFor(
  before: string,
  candidates: readonly CandidateFile[],
  contextTokens: number,
  definitions: readonly ResolvedDefinition[] = [],
  definitionShare = DEFINITION_SHARE,
): Snippet[] {
  const cursorText = before.split('\n').slice(-CURSOR_WINDOW_LINES).join('\n');
  const budget = snippetBudget(contextTokens);
  if (definitions.length === 0) return selectSnippets(candidates, cursorText, { budgetTokens: budget });
  const visible = visiblePrefix(before, contextTokens);
  const first = definitionSnippets(definitions, { budgetTokens: Math.floor(budget * definitionShare), visiblePrefix: visible });
  const similar = selectSnippets(candidates, cursorText, { budgetTokens: budget - tokensOf(first), covered: first });
  const defined = definitionSnippets(definitions, { budgetTokens: budget - tokensOf(similar), visiblePrefix: visible, chosen: similar });
  const ordered = [...defined].sort((a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine);
  return [...similar, ...ordered.map((d) => ({ path: d.path, text: d.text, kind: 'definition' as const }))];
}

function tokensOf(snippets: readonly { readonly path: string; readonly text: string }[]): number {
  return snippets.reduce((sum, s) => sum + estimateTokens(`<file_sep>${s.path}\n${s.text}`), 0);
}

/** The request for `document` with `snippets` (see `snippetsFor`; none when other files are off). */
export function completionInput(document: CursorDocument, snippets: readonly Snippet[], options: InputOptions): CompletionInput {
  const snippetTokens = snippets.reduce((sum, s) => sum + estimateTokens(`<file_sep>${s.path}\n${s.text}`), 0);
  return {
    path: document.path,
    languageId: document.languageId,
    prefix: prefixWindow(document.before, options.contextTokens - snippetTokens),
    suffix: document.after.slice(0, SUFFIX_CHARS),
    repoName: document.repoName,
    snippets,
  };
}
