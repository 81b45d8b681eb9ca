/**
 * @file What the replay benchmark types, and when: a real function from a pinned file in
 * node_modules (TypeScript's `binarySearchKey`, about 550 characters) removed from its file and
 * typed back in place, keystroke by keystroke, at a fast typist's pace with jitter and pauses
 * drawn from a seeded generator, so every run types the same thing at the same moments. The
 * function is picked so that the code before it is ordinary lines: the prompt's prefix window
 * then fills the default 1536-token budget (before `computeLineStarts`, say, long Unicode table
 * lines make the 32-line window steps cut it to about 350 tokens).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/graph/random';

/** The file and the function typed into it (located by its first line, not by offset). */
const SOURCE = {
  packageName: 'typescript',
  file: 'lib/typescript.js',
  name: 'binarySearchKey',
  anchor: '\nfunction binarySearchKey(array, key, keySelector, keyComparer, offset) {\n',
  /** The function ends at the first line that is just a closing brace. */
  end: '\n}\n',
} as const;

/** The document being edited, split at the region that is typed back. */
export interface ReplaySource {
  /** Path as the model sees it (relative to the package, as if it were the workspace). */
  readonly path: string;
  /** `name@version`, so a report says which file it typed. */
  readonly packageVersion: string;
  /** The function typed. */
  readonly name: string;
  readonly languageId: string;
  readonly before: string;
  readonly typed: string;
  readonly after: string;
}

/**
 * Reads the pinned file from `nodeModules` and cuts the function out of it. `maxChars` types
 * only the function's first characters (for --quick); the rest of it is not in the document.
 */
export function loadReplaySource(nodeModules: string, maxChars = Infinity): ReplaySource {
  const dir = join(nodeModules, SOURCE.packageName);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const text = readFileSync(join(dir, SOURCE.file), 'utf8');
  const found = text.indexOf(SOURCE.anchor);
  const start = found < 0 ? -1 : found + 1;
  const end = start < 0 ? -1 : text.indexOf(SOURCE.end, start);
  if (start < 0 || end < 0) {
    throw new Error(`${SOURCE.packageName}@${version} ${SOURCE.file} has no "${SOURCE.anchor.trim()}" ... "}" to type; pick another function in replayScript.ts`);
  }
  const stop = end + SOURCE.end.length;
  return {
    path: SOURCE.file,
    packageVersion: `${SOURCE.packageName}@${version}`,
    name: SOURCE.name,
    languageId: 'javascript',
    before: text.slice(0, start),
    typed: text.slice(start, Math.min(stop, start + maxChars)),
    after: text.slice(stop),
  };
}

/** One keystroke: what it inserts, and when, in ms after typing starts. */
export interface Keystroke {
  readonly atMs: number;
  readonly text: string;
}

/**
 * The typist. Gaps of 50-90 ms (about 13 characters a second, a fast typist's burst) with
 * pauses: a thinking pause at some line starts and an occasional one after a word.
 */
const PACE = {
  gapMs: [50, 90],
  lineStartPause: { chance: 0.4, ms: [400, 1500] },
  wordPause: { chance: 0.06, ms: [300, 1000] },
} as const;


/**
 * The keystrokes that type `text`. Enter also inserts the next line's indentation, as the
 * editor's auto-indent does, so leading spaces are not typed one by one.
 */
export function typingSchedule(text: string, seed: number): Keystroke[] {
  const rand = seededRandom(seed);
  const between = ([lo, hi]: readonly [number, number]) => lo + (hi - lo) * rand();
  const keys: Keystroke[] = [];
  let at = 0;
  let i = 0;
  while (i < text.length) {
    let key = text[i] as string;
    i++;
    if (key === '\n') {
      const indent = /^[ \t]*/.exec(text.slice(i))?.[0] ?? '';
      key += indent;
      i += indent.length;
    }
    keys.push({ atMs: Math.round(at), text: key });
    at += between(PACE.gapMs);
    if (key.startsWith('\n') && rand() < PACE.lineStartPause.chance) at += between(PACE.lineStartPause.ms);
    else if (/[ (;,]/.test(key) && rand() < PACE.wordPause.chance) at += between(PACE.wordPause.ms);
  }
  return keys;
}
