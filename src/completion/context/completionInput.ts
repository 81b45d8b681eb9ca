/**
 * @file The completion request for a cursor in a document, built the one way the extension and
 * `smolcode eval completion` both build it: a third of the token budget for snippets from other
 * files (ranked against the lines before the cursor), the rest for the prefix window, and a
 * bounded suffix. The editor adapter and the benchmark differ only in where documents come from.
 */
import { estimateTokens, prefixWindow } from './budget';
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

/** The snippets for a cursor: other files' windows ranked against the lines before it. */
export function snippetsFor(before: string, candidates: readonly CandidateFile[], contextTokens: number): Snippet[] {
  const cursorText = before.split('\n').slice(-CURSOR_WINDOW_LINES).join('\n');
  return selectSnippets(candidates, cursorText, { budgetTokens: snippetBudget(contextTokens) });
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
