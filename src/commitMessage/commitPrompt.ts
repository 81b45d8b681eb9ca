/**
 * @file The chat prompt that asks for a Conventional Commits message (https://www.conventionalcommits.org)
 * about a fitted diff, after one worked example. The file list comes before the diff, so the
 * model knows every file even when hunks were cut.
 */
import type { ChatMessage } from '../runtime/tokenizer';
import type { FittedDiff } from './diffBudget';
import type { FileDiff } from './diffParse';

/** Conventional Commits types the prompt offers (the Angular set). */
export const COMMIT_TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore'] as const;

/** Git's and most forges' limit for a subject line. */
export const SUBJECT_MAX_CHARS = 72;

/** How many omitted paths the note names before it only counts them. */
const OMITTED_NAMED = 10;

export const COMMIT_SYSTEM_PROMPT = 'You write git commit messages in the Conventional Commits format.';

/** The note on files left out, e.g. `(2 more files omitted: a.ts, b.ts)`; '' when none were. */
export function omittedNote(omitted: readonly string[]): string {
  if (omitted.length === 0) return '';
  const named = omitted.slice(0, OMITTED_NAMED).join(', ');
  const others = omitted.length > OMITTED_NAMED ? `, and ${omitted.length - OMITTED_NAMED} others` : '';
  return `(${omitted.length} more ${omitted.length === 1 ? 'file' : 'files'} omitted: ${named}${others})`;
}

/** The instruction before the diff. */
export const COMMIT_INSTRUCTION =
  `Write a git commit message in the Conventional Commits format for this diff: "type(scope): subject", where type is one of ` +
  `${COMMIT_TYPES.join(', ')}, and the subject says what the change does in at most ${SUBJECT_MAX_CHARS} characters. ` +
  'If the reason is not obvious, add a blank line and a short body that says why.';

/**
 * One worked example before the real diff. Without it, SmolLM2-135M-Instruct wrote code or an
 * explanation instead of a message in 12 of 12 sampled tries (four prompt wordings); with it, 10
 * of 10 tries on two diffs began with a `type(scope): subject` line. Another example (adding a
 * function) brought the code back, so this one stays until a measurement says otherwise.
 */
export const EXAMPLE = {
  files: ['- src/config.py (+3 -1)'],
  diff: [
    'diff --git a/src/config.py b/src/config.py',
    '@@ -10,6 +10,8 @@ def load(path):',
    '     with open(path) as f:',
    '-        return json.load(f)',
    '+        text = f.read()',
    '+        text = strip_comments(text)',
    '+        return json.loads(text)',
  ].join('\n'),
  message: 'feat(config): allow comments in config files',
} as const;

/** One request: the instruction, the files, the note on omitted ones, and the diff block. */
function request(files: readonly string[], note: string, diff: string): string {
  return [
    COMMIT_INSTRUCTION,
    '',
    'Files changed:',
    ...files,
    ...(note ? [note] : []),
    ...(diff ? ['', '```diff', diff.replace(/\n$/, ''), '```'] : []),
  ].join('\n');
}

/** The messages for the chat model: the worked example, then the files and fitted diff of this change. */
export function commitPrompt(files: readonly FileDiff[], fitted: FittedDiff): ChatMessage[] {
  const omitted = new Set(fitted.omitted);
  const list = [
    ...files.filter((file) => !file.summary && !omitted.has(file.path)).map((file) => `- ${file.path} (+${file.added} -${file.removed})`),
    ...fitted.summaries.map((line) => `- ${line}`),
  ];
  return [
    { role: 'system', content: COMMIT_SYSTEM_PROMPT },
    { role: 'user', content: request(EXAMPLE.files, '', EXAMPLE.diff) },
    { role: 'assistant', content: EXAMPLE.message },
    { role: 'user', content: request(list, omittedNote(fitted.omitted), fitted.text) },
  ];
}
