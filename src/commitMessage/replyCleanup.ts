/**
 * @file Turns the chat model's reply into a commit message: small instruct models wrap it in
 * code fences or quotes, announce it ("Here is the commit message:"), label its parts
 * ("Subject:", "Body:") and sometimes echo the diff or write code after it, or only code. The same function runs on every
 * streamed prefix, so it only ever drops text, and a partial reply gives a partial message.
 */
import { COMMIT_TYPES, SUBJECT_MAX_CHARS } from './commitPrompt';

/** Lines that only announce the message. */
const PREAMBLE = /^(here('s| is)\b.*|.*\bcommit message\b.*:|sure[,.!].*|certainly[,.!].*)$/i;
/** Labels before a part of the message, removed from the start of its line. */
const LABEL = /^(\*\*)?(suggested commit message|commit message|commit|message|subject( line)?|title|summary|header|body|description)(\*\*)?\s*:(\*\*)?\s*/i;
/** Where the message ends and an echo of the diff or a comment on the message begins. */
const TRAILER = /^(diff --git |@@ |index [0-9a-f]+\.\.|```|(this|the above) commit message\b|note:|explanation:)/i;

/**
 * A line of code rather than prose: small models sometimes go on to write the code of the diff,
 * or write only code. Commit prose rarely ends in `;`, `{` or `}` or starts with a declaration.
 */
export function looksLikeCode(line: string): boolean {
  const text = line.trim();
  return /[;{}]$/.test(text) || /^(import|export|from|const|let|var|def|class|function|return|#include|#!|package|using|public|private)\b/.test(text) || /^[})\]]/.test(text);
}

/** The text inside the first code fence, when the reply has one with content; else undefined. */
function fenced(text: string): string | undefined {
  const open = /^```[\w-]*[ \t]*\n/m.exec(text);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  const close = text.indexOf('\n```', start - 1);
  const inside = close === -1 ? text.slice(start) : text.slice(start, close + 1);
  return inside.trim() ? inside : undefined;
}

/** Removes one pair of matching quotes or backticks around `line`. */
function unquote(line: string): string {
  const match = /^(["'`“‘])(.*)(["'`”’])$/.exec(line);
  return match && match[2].trim() ? match[2] : line;
}

/** `subject` cut to `SUBJECT_MAX_CHARS` at a word boundary (or hard, for one long word). */
export function fitSubject(subject: string): string {
  if (subject.length <= SUBJECT_MAX_CHARS) return subject;
  const cut = subject.slice(0, SUBJECT_MAX_CHARS + 1).lastIndexOf(' ');
  return (cut > SUBJECT_MAX_CHARS / 2 ? subject.slice(0, cut) : subject.slice(0, SUBJECT_MAX_CHARS)).replace(/[\s,;:.-]+$/, '');
}

/** A known type written in capitals (`Feat:`) in lower case, as the convention writes it. */
function lowerType(subject: string): string {
  const match = /^([A-Za-z]+)(\([^)]*\))?(!)?:/.exec(subject);
  if (!match || !(COMMIT_TYPES as readonly string[]).includes(match[1].toLowerCase())) return subject;
  return match[1].toLowerCase() + subject.slice(match[1].length);
}

/** The commit message in `reply` (possibly a streamed prefix of it); '' if there is none yet. */
export function cleanReply(reply: string): string {
  const text = reply.replace(/\r\n?/g, '\n');
  const lines = (fenced(text) ?? text).split('\n').map((line) => line.replace(/\s+$/, ''));
  const kept: string[] = [];
  for (const raw of lines) {
    if (kept.length > 0 && (TRAILER.test(raw.trim()) || looksLikeCode(raw))) break;
    if (raw.trim().startsWith('```')) continue;
    if (kept.length === 0 && PREAMBLE.test(raw.trim()) && !LABEL.test(raw.trim())) continue;
    let line = raw.replace(LABEL, '').replace(/^#+\s+/, '');
    if (kept.length === 0) line = unquote(line.replace(/^\*\*(.*)\*\*$/, '$1').trim()).trim();
    if (kept.length === 0 && !line) continue;
    kept.push(line);
  }
  // A reply that is code is no message; the caller says so rather than filling the box with it.
  if (kept.length === 0 || looksLikeCode(kept[0])) return '';
  const subject = fitSubject(lowerType(kept[0]));
  const body = kept.slice(1).join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return body ? `${subject}\n\n${body}` : subject;
}
