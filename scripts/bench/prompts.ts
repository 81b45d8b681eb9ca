/**
 * @file Benchmark prompts cut from real source code (TypeScript's own compiler, shipped in
 * node_modules) to exact token counts with the real SmolLM2 tokenizer. Each prompt is text
 * whose encoding is exactly its ids, so our engine (which takes text) and transformers.js (which
 * takes ids here) run identical tokens. The keystroke prompts are one window cut at 1500 and
 * 1501-1503 tokens, each a token prefix of the next, as when a user types after a long context.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TextTokenizer } from '../../src/runtime/tokenizer';

/** Prompt text and its exact token ids. */
export interface BenchPrompt {
  readonly text: string;
  readonly ids: readonly number[];
}

/** Every prompt one benchmark run uses. */
export interface BenchPrompts {
  /** Where the text comes from. */
  readonly source: string;
  readonly prefill512: BenchPrompt;
  /** Also the keystroke context. */
  readonly prefill1500: BenchPrompt;
  /** The context plus 1, 2 and 3 tokens. */
  readonly edits: readonly BenchPrompt[];
  /** The short prompt decoding starts from. */
  readonly decode: BenchPrompt;
}

/** The lengths cut from one window, in tokens. */
const DECODE_PROMPT_TOKENS = 64;
const CONTEXT_TOKENS = 1500;
const EDIT_EXTRA_TOKENS = [1, 2, 3];

function sourceFile(): string {
  return createRequire(import.meta.url).resolve('typescript/lib/typescript.js');
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Cuts `window` at each of `lengths` tokens, or returns undefined when some cut does not
 * round-trip (decoding the first n ids and encoding the text again must give those n ids).
 */
function cutExactly(tokenizer: TextTokenizer, window: string, lengths: readonly number[]): BenchPrompt[] | undefined {
  const ids = tokenizer.encode(window);
  const prompts: BenchPrompt[] = [];
  for (const n of lengths) {
    if (ids.length < n) return undefined;
    const head = ids.slice(0, n);
    const text = tokenizer.decode(head);
    if (text.includes('\uFFFD') || !sameIds(tokenizer.encode(text), head)) return undefined;
    prompts.push({ text, ids: head });
  }
  return prompts;
}

/**
 * Builds the prompts from TypeScript's compiler source, starting at the first line after
 * `startChar` whose window cuts exactly at every length (usually the first line tried).
 */
export function buildPrompts(tokenizer: TextTokenizer, startChar = 400_000): BenchPrompts {
  const path = sourceFile();
  const source = readFileSync(path, 'utf8');
  const windowChars = 12 * CONTEXT_TOKENS;
  const lengths = [DECODE_PROMPT_TOKENS, 512, CONTEXT_TOKENS, ...EDIT_EXTRA_TOKENS.map((k) => CONTEXT_TOKENS + k)];
  let start = source.indexOf('\n', Math.min(startChar, source.length - windowChars)) + 1;
  for (let attempt = 0; attempt < 50 && start > 0; attempt++) {
    const cut = cutExactly(tokenizer, source.slice(start, start + windowChars), lengths);
    if (cut) {
      const [decode, prefill512, prefill1500, ...edits] = cut as [BenchPrompt, BenchPrompt, BenchPrompt, ...BenchPrompt[]];
      return { source: `${path} from character ${start}`, decode, prefill512, prefill1500, edits };
    }
    start = source.indexOf('\n', start) + 1;
  }
  throw new Error(`no window of ${path} after character ${startChar} tokenizes to exact cuts at ${lengths.join(', ')} tokens`);
}
