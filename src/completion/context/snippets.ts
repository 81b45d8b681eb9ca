/**
 * @file Chooses context snippets from other files: cut candidates into line windows, rank them
 * by similarity to the code near the cursor, drop near-duplicates, fit them into the token
 * budget, then order them stably (by source recency and path) so that the prompt prefix stays
 * the same across keystrokes and the engine's KV cache is reused.
 */
import type { Snippet } from '../types';
import { estimateTokens } from './budget';
import { jaccard, wordSet } from './similarity';

/** Where a candidate file comes from; earlier kinds are preferred on equal scores. */
export type SnippetSource = 'edited' | 'open' | 'viewed';

export interface CandidateFile {
  readonly path: string;
  readonly text: string;
  readonly source: SnippetSource;
}

export interface SnippetOptions {
  /** Tokens all snippets together may use. */
  readonly budgetTokens: number;
  /** Lines per window. */
  readonly windowLines?: number;
  /** Windows at least this similar to a chosen one (or to the cursor text) are dropped. */
  readonly duplicateThreshold?: number;
  /** Windows less similar than this to the cursor text are not worth their tokens. */
  readonly minScore?: number;
  /** Line ranges already in the prompt (definitions); a window mostly inside one, or holding most of one, is dropped. */
  readonly covered?: readonly LineRange[];
}

/** Lines `startLine..endLine` (zero-based, inclusive) of the file at `path`. */
export interface LineRange {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
}

/** Whether `window` repeats at least half of itself or of `range`. */
function repeats(window: Window, range: LineRange): boolean {
  if (window.path !== range.path) return false;
  const windowEnd = window.startLine + window.text.split('\n').length - 1;
  const overlap = Math.min(windowEnd, range.endLine) - Math.max(window.startLine, range.startLine) + 1;
  return overlap > 0 && 2 * overlap >= Math.min(windowEnd - window.startLine + 1, range.endLine - range.startLine + 1);
}

interface Window {
  readonly path: string;
  readonly source: SnippetSource;
  readonly startLine: number;
  readonly text: string;
  readonly words: Set<string>;
  score: number;
}

const SOURCE_RANK: Record<SnippetSource, number> = { edited: 0, open: 1, viewed: 2 };

function windowsOf(file: CandidateFile, size: number): Window[] {
  const lines = file.text.split('\n');
  const windows: Window[] = [];
  // Half-overlapping windows, so a relevant block is not split across two of them.
  for (let start = 0; start < lines.length; start += Math.max(1, Math.floor(size / 2))) {
    const text = lines.slice(start, start + size).join('\n');
    if (text.trim()) windows.push({ path: file.path, source: file.source, startLine: start, text, words: wordSet(text), score: 0 });
    if (start + size >= lines.length) break;
  }
  return windows;
}

/** Picks and orders the snippets for a request; `cursorText` is the code near the cursor. */
export function selectSnippets(candidates: readonly CandidateFile[], cursorText: string, options: SnippetOptions): Snippet[] {
  const size = options.windowLines ?? 24;
  const threshold = options.duplicateThreshold ?? 0.8;
  const minScore = options.minScore ?? 0.05;
  const cursorWords = wordSet(cursorText);
  const windows = candidates.flatMap((file) => windowsOf(file, size));
  for (const w of windows) w.score = jaccard(w.words, cursorWords);
  windows.sort((a, b) => b.score - a.score || SOURCE_RANK[a.source] - SOURCE_RANK[b.source] || a.path.localeCompare(b.path));

  const chosen: Window[] = [];
  let used = 0;
  for (const w of windows) {
    if (w.score < minScore) break;
    if (w.score >= threshold) continue;
    if (chosen.some((c) => jaccard(c.words, w.words) >= threshold)) continue;
    if (options.covered?.some((range) => repeats(w, range))) continue;
    const cost = estimateTokens(`<file_sep>${w.path}\n${w.text}`);
    if (used + cost > options.budgetTokens) continue;
    chosen.push(w);
    used += cost;
  }
  chosen.sort((a, b) => SOURCE_RANK[a.source] - SOURCE_RANK[b.source] || a.path.localeCompare(b.path) || a.startLine - b.startLine);
  return chosen.map((w) => ({ path: w.path, text: w.text }));
}
