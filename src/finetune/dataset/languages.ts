/**
 * @file The languages the training set keeps, detected from file names, with the comment
 * syntax the quality score and the sample builders need. The default set is Stack-Edu's 15
 * languages (https://huggingface.co/datasets/HuggingFaceTB/stack-edu).
 */

/** A language the dataset builder recognises. */
export interface Language {
  /** Display name, as in Stack-Edu's language list. */
  readonly name: LanguageName;
  /** The Markdown code-fence tag. */
  readonly fence: string;
  readonly extensions: readonly string[];
  /** Exact file names without a telling extension. */
  readonly fileNames?: readonly string[];
  /** Interpreters that, named in a `#!` line, mean this language. */
  readonly interpreters?: readonly string[];
  readonly lineComments: readonly string[];
  readonly blockComment?: readonly [open: string, close: string];
  /** How function bodies end: braces, an `end` keyword, or dedent (Python). */
  readonly blocks: 'braces' | 'end' | 'indent' | 'none';
}

export const LANGUAGE_NAMES = [
  'C', 'C#', 'C++', 'Go', 'Java', 'JavaScript', 'Markdown', 'PHP', 'Python', 'Ruby', 'Rust', 'SQL', 'Shell', 'Swift', 'TypeScript',
] as const;
export type LanguageName = (typeof LANGUAGE_NAMES)[number];

const C_STYLE = { lineComments: ['//'], blockComment: ['/*', '*/'], blocks: 'braces' } as const;

const LANGUAGES: readonly Language[] = [
  { name: 'C', fence: 'c', extensions: ['.c', '.h'], ...C_STYLE },
  { name: 'C#', fence: 'csharp', extensions: ['.cs'], ...C_STYLE },
  { name: 'C++', fence: 'cpp', extensions: ['.cc', '.cpp', '.cxx', '.hh', '.hpp', '.hxx'], ...C_STYLE },
  { name: 'Go', fence: 'go', extensions: ['.go'], ...C_STYLE },
  { name: 'Java', fence: 'java', extensions: ['.java'], ...C_STYLE },
  { name: 'JavaScript', fence: 'javascript', extensions: ['.js', '.mjs', '.cjs', '.jsx'], interpreters: ['node'], ...C_STYLE },
  { name: 'Markdown', fence: 'markdown', extensions: ['.md', '.markdown'], lineComments: [], blocks: 'none' },
  { name: 'PHP', fence: 'php', extensions: ['.php'], interpreters: ['php'], lineComments: ['//', '#'], blockComment: ['/*', '*/'], blocks: 'braces' },
  { name: 'Python', fence: 'python', extensions: ['.py', '.pyi'], interpreters: ['python', 'python3'], lineComments: ['#'], blocks: 'indent' },
  { name: 'Ruby', fence: 'ruby', extensions: ['.rb', '.rake'], fileNames: ['Rakefile', 'Gemfile'], interpreters: ['ruby'], lineComments: ['#'], blocks: 'end' },
  { name: 'Rust', fence: 'rust', extensions: ['.rs'], ...C_STYLE },
  { name: 'SQL', fence: 'sql', extensions: ['.sql'], lineComments: ['--'], blockComment: ['/*', '*/'], blocks: 'none' },
  { name: 'Shell', fence: 'bash', extensions: ['.sh', '.bash', '.zsh'], interpreters: ['sh', 'bash', 'zsh'], lineComments: ['#'], blocks: 'braces' },
  { name: 'Swift', fence: 'swift', extensions: ['.swift'], ...C_STYLE },
  { name: 'TypeScript', fence: 'typescript', extensions: ['.ts', '.tsx', '.mts', '.cts'], interpreters: ['ts-node', 'tsx', 'deno'], ...C_STYLE },
];

const BY_EXTENSION = new Map(LANGUAGES.flatMap((l) => l.extensions.map((e) => [e, l] as const)));
const BY_FILE_NAME = new Map(LANGUAGES.flatMap((l) => (l.fileNames ?? []).map((n) => [n, l] as const)));

/** The language called `name`. */
export function languageNamed(name: LanguageName): Language {
  const language = LANGUAGES.find((l) => l.name === name);
  if (!language) throw new Error(`unknown language "${name}"; known: ${LANGUAGE_NAMES.join(', ')}`);
  return language;
}

/** Checks user-supplied language names, naming the bad one and the known set. */
export function parseLanguageNames(names: readonly string[]): LanguageName[] {
  return names.map((name) => {
    const known = LANGUAGE_NAMES.find((n) => n.toLowerCase() === name.trim().toLowerCase());
    if (!known) throw new Error(`unknown language "${name}"; known: ${LANGUAGE_NAMES.join(', ')}`);
    return known;
  });
}

/** The language of a file from its name alone (extension, then exact name), if any. */
export function languageOfPath(path: string): Language | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot > 0) {
    const byExtension = BY_EXTENSION.get(base.slice(dot).toLowerCase());
    if (byExtension) return byExtension;
  }
  return BY_FILE_NAME.get(base);
}

/** The language named by a `#!` first line (`#!/usr/bin/env python3`, `#!/bin/sh`), if any. */
export function languageOfShebang(firstLine: string): Language | undefined {
  const match = /^#!\s*(\S+)(?:\s+(?:-\S+\s+)*(\S+))?/.exec(firstLine);
  if (!match) return undefined;
  const program = match[1]?.endsWith('/env') ? match[2] : match[1];
  const interpreter = program?.slice(program.lastIndexOf('/') + 1).replace(/[\d.]+$/, '');
  return LANGUAGES.find((l) => l.interpreters?.some((i) => i.replace(/[\d.]+$/, '') === interpreter));
}
