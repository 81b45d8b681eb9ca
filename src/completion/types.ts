/**
 * @file The data that flows through the completion pipeline, free of `vscode` types so every
 * stage can be tested with plain objects.
 */

/** A piece of another file offered to the model as context. */
export interface Snippet {
  /** Workspace-relative path, as the model sees it after `<file_sep>`. */
  readonly path: string;
  readonly text: string;
  /** Set for the declaration of a symbol near the cursor; similarity snippets have none. */
  readonly kind?: 'definition';
}

/** Everything known about one completion request. */
export interface CompletionInput {
  /** Workspace-relative path of the file being edited. */
  readonly path: string;
  readonly languageId: string;
  /** Text before the cursor (the whole document up to it). */
  readonly prefix: string;
  /** Text after the cursor. */
  readonly suffix: string;
  /** The repository (workspace folder) name, for `<repo_name>`. */
  readonly repoName: string;
  /** Context from other files, already ranked, deduplicated and fitted to the budget. */
  readonly snippets: readonly Snippet[];
}

/** The text around the cursor that the postprocessing rules look at. */
export interface CursorLine {
  /** Text of the cursor's line before the cursor. */
  readonly before: string;
  /** Text of the cursor's line after the cursor. */
  readonly after: string;
  /** The document's lines after the cursor's line. */
  readonly nextLines: readonly string[];
}

/** Splits prefix and suffix into the cursor's line and the lines after it. */
export function cursorLine(prefix: string, suffix: string): CursorLine {
  const lineStart = prefix.lastIndexOf('\n') + 1;
  const lineEnd = suffix.indexOf('\n');
  return {
    before: prefix.slice(lineStart),
    after: lineEnd < 0 ? suffix : suffix.slice(0, lineEnd),
    nextLines: lineEnd < 0 ? [] : suffix.slice(lineEnd + 1).split('\n'),
  };
}
