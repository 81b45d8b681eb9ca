/**
 * @file Chat mentions as text: `@file`, `@selection`, `@problems` and `@diff` typed in the chat
 * input. Shared by the webview (which suggests them while the user types `@`) and the host
 * (which finds the ones typed in full when a question is sent), so both read the text alike.
 */

/** The mentions the chat understands, in the order the suggestion list shows them. */
export const MENTION_KINDS = ['file', 'selection', 'problems', 'diff'] as const;
export type MentionKind = (typeof MENTION_KINDS)[number];

/** What each mention attaches, shown beside it in the suggestion list. */
export const MENTION_DESCRIPTIONS: Readonly<Record<MentionKind, string>> = {
  file: 'a file of the workspace',
  selection: 'the selected code',
  problems: 'errors and warnings of the active file',
  diff: 'uncommitted changes (git)',
};

export function isMentionKind(value: unknown): value is MentionKind {
  return typeof value === 'string' && (MENTION_KINDS as readonly string[]).includes(value);
}

/** The `@word` being typed just before the caret: where its `@` is and the word so far. */
export interface MentionQuery {
  readonly start: number;
  readonly end: number;
  readonly query: string;
}

/**
 * The mention being typed when the caret is at `caret`: an `@` at the start of the text or after
 * whitespace, followed by letters only up to the caret. An `@` inside a word (an e-mail
 * address, `obj@x`) is not a mention.
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | undefined {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([a-z]*)$/i.exec(before);
  if (!match) return undefined;
  const start = caret - match[2].length - 1;
  return { start, end: caret, query: match[2] };
}

/** The mentions offered for `query`: those starting with it first, then those containing it. */
export function suggestMentions(query: string): MentionKind[] {
  const q = query.toLowerCase();
  const starts = MENTION_KINDS.filter((kind) => kind.startsWith(q));
  const contains = MENTION_KINDS.filter((kind) => !kind.startsWith(q) && kind.includes(q));
  return [...starts, ...contains];
}

/** `text` without the characters from `start` to `end`, and a space too many where they were. */
export function removeRange(text: string, start: number, end: number): { text: string; caret: number } {
  let before = text.slice(0, start);
  let after = text.slice(end);
  if ((before === '' || /\s$/.test(before)) && /^ /.test(after)) after = after.slice(1);
  else if (/ $/.test(before) && (after === '' || /^\s/.test(after))) before = before.slice(0, -1);
  return { text: before + after, caret: before.length };
}

/** A question with the mentions typed in it taken out. */
export interface ParsedMentions {
  /** The question as the model should read it; the original text when only mentions were typed. */
  readonly question: string;
  /** Each mention once, in the order typed. */
  readonly mentions: readonly MentionKind[];
}

/** A run of backticks opening a code span or fence, its matching close, or the end of the text. */
const CODE = /(`+)[\s\S]*?(\1|$)/g;
const MENTION = /(^|\s)@(file|selection|problems|diff)(?=$|[\s.,;:!?)])/gi;

/**
 * Finds `@file`, `@selection`, `@problems` and `@diff` typed as words outside code, and takes
 * them out of the question (the chips stand for them). Text inside backticks stays as typed: a
 * decorator like `` `@file` `` in code is not a mention.
 */
export function parseMentions(text: string): ParsedMentions {
  const mentions: MentionKind[] = [];
  let question = '';
  let at = 0;
  const outside = (part: string): string =>
    part.replace(MENTION, (_whole, space: string, word: string) => {
      const kind = word.toLowerCase() as MentionKind;
      if (!mentions.includes(kind)) mentions.push(kind);
      // The space before the mention goes with it; a line break stays.
      return space === ' ' || space === '\t' ? '' : space;
    });
  for (const code of text.matchAll(CODE)) {
    question += outside(text.slice(at, code.index)) + code[0];
    at = code.index + code[0].length;
  }
  question += outside(text.slice(at));
  question = question.trim();
  return { question: question === '' ? text.trim() : question, mentions };
}
