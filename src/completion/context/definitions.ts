/**
 * @file Definitions of the symbols near the cursor as prompt context, the way Continue, Tabby
 * ("declarations") and Refact add them: a resolver (VS Code's definition providers in the
 * editor, an eval-only one in `smolcode eval completion --definitions`) finds where each
 * identifier is declared, and this module turns those places into snippets: the declaration's
 * lines (expanded from the name to the whole statement when the resolver gives only the name),
 * capped, without standard-library declarations, duplicates, or text the prompt already holds.
 */
import type { Snippet } from '../types';
import { estimateTokens } from './budget';
import type { IdentifierAt } from './nearbyIdentifiers';

/** Where one identifier is declared, with the text of the file that declares it. */
export interface ResolvedDefinition {
  /** The identifier it was asked for. */
  readonly name: string;
  /** The declaring file as the prompt names it (workspace-relative when it is in the workspace). */
  readonly path: string;
  /** The declaring file's text. */
  readonly fileText: string;
  /** Zero-based first and last line of the declaration, or of its name only (then `startLine === endLine`). */
  readonly startLine: number;
  readonly endLine: number;
}

/**
 * Finds definitions for identifiers of a document. `Doc` is whatever the caller's documents are
 * (a `vscode.TextDocument`, the benchmark's file). A resolver may return fewer definitions than
 * asked (none found, or too late), in the identifiers' order.
 */
export interface DefinitionResolver<Doc> {
  definitions(document: Doc, identifiers: readonly IdentifierAt[], signal: AbortSignal): Promise<ResolvedDefinition[]>;
}

/** A definition cut into a snippet, with its lines so similarity windows over them can be dropped. */
export interface DefinitionSnippet {
  readonly path: string;
  readonly text: string;
  readonly startLine: number;
  /** Inclusive. */
  readonly endLine: number;
}

export interface DefinitionSnippetOptions {
  /** Tokens all definition snippets together may use. */
  readonly budgetTokens: number;
  /** Most lines of one definition. */
  readonly maxLines?: number;
  /** Most tokens of one definition. */
  readonly maxTokens?: number;
  /** Text certain to be in the prompt; a definition it already contains is dropped. */
  readonly visiblePrefix?: string;
  /** Snippets already chosen; a definition one of them contains (same path) is dropped. */
  readonly chosen?: readonly Snippet[];
}

/** The line a declaration ends on when only its name's line is known: brackets balanced, or the indented block ended. */
export function declarationEnd(lines: readonly string[], startLine: number, maxLines: number): number {
  const last = Math.min(lines.length - 1, startLine + maxLines - 1);
  const first = lines[startLine] ?? '';
  // Python-like blocks: a header ending in ':' runs while the lines are indented deeper.
  if (/:\s*(#.*)?$/.test(first) && !first.includes('{')) {
    const indent = /^\s*/.exec(first)![0].length;
    let end = startLine;
    for (let i = startLine + 1; i <= last; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      if (/^\s*/.exec(line)![0].length <= indent) break;
      end = i;
    }
    return end;
  }
  let depth = 0;
  let opened = false;
  for (let i = startLine; i <= last; i++) {
    const code = lines[i]!.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '').replace(/\/\/.*$/, '');
    for (const ch of code) {
      if (ch === '{' || ch === '(' || ch === '[') {
        depth++;
        opened = true;
      } else if (ch === '}' || ch === ')' || ch === ']') depth--;
    }
    // A line without brackets is the whole declaration unless it visibly continues (`=`, `|`, `=>`, ...).
    if (depth <= 0 && (opened || i > startLine || !/(?:[=|&+\-*.,?:]|=>)\s*$/.test(code))) return i;
  }
  return last;
}

/** Whether `path` is a standard library's declaration file (TypeScript's lib.*.d.ts), which the model knows anyway. */
export function isStandardLibrary(path: string): boolean {
  return /(^|[\\/])typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts$/.test(path);
}

/** `path` for the prompt: a file outside the workspace is named from its package folder (`node_modules/...`). */
export function promptPath(path: string): string {
  const normal = path.replace(/\\/g, '/');
  if (!normal.startsWith('/') && !normal.startsWith('../') && !/^[A-Za-z]:\//.test(normal)) return normal;
  const at = normal.lastIndexOf('node_modules/');
  return at >= 0 ? normal.slice(at) : normal.slice(normal.lastIndexOf('/') + 1);
}

/** Lines of `text` from the start that fit in `maxTokens` (at least one line). */
function capTokens(text: string, maxTokens: number): string {
  const lines = text.split('\n');
  while (lines.length > 1 && estimateTokens(lines.join('\n')) > maxTokens) lines.pop();
  return lines.join('\n');
}

/**
 * The snippets for `definitions` (best first, as the identifiers were ranked): one per distinct
 * declaration, each capped, in that order until the budget is spent.
 */
export function definitionSnippets(definitions: readonly ResolvedDefinition[], options: DefinitionSnippetOptions): DefinitionSnippet[] {
  const maxLines = options.maxLines ?? 16;
  const maxTokens = options.maxTokens ?? Math.floor(options.budgetTokens / 2);
  const chosen: DefinitionSnippet[] = [];
  let used = 0;
  for (const def of definitions) {
    if (isStandardLibrary(def.path)) continue;
    const path = promptPath(def.path);
    const lines = def.fileText.split('\n');
    const end = def.endLine > def.startLine ? Math.min(def.endLine, def.startLine + maxLines - 1) : declarationEnd(lines, def.startLine, maxLines);
    if (chosen.some((c) => c.path === path && c.startLine <= end && def.startLine <= c.endLine)) continue;
    const text = capTokens(lines.slice(def.startLine, end + 1).join('\n'), maxTokens);
    if (!text.trim() || (options.visiblePrefix ?? '').includes(text.trim())) continue;
    if (options.chosen?.some((c) => c.path === path && c.text.includes(text.trim()))) continue;
    const cost = estimateTokens(`<file_sep>${path}\n${text}`);
    if (used + cost > options.budgetTokens) continue;
    chosen.push({ path, text, startLine: def.startLine, endLine: def.startLine + text.split('\n').length - 1 });
    used += cost;
  }
  return chosen;
}
