/**
 * @file A marked Lexer that bounds the two things hostile Markdown can blow up: nesting depth and
 * emphasis scanning. marked lexes nested containers (`>`, list items) and nested inline spans
 * (emphasis, links, strikethrough) by recursion, so 3000 `>` in a row overflow the stack, and
 * 1500 of them build a DOM 1500 levels deep that took 1.5 s to sanitise in jsdom. Its emphasis
 * matcher scans from each `*`, `_` or `~` towards the end of the paragraph, so 100 KB of `_a`
 * took 7.6 to 18 s. Past either bound the rest of that block is kept as a `plainText` token:
 * every character still shows, as text.
 */
import { Lexer, type MarkedOptions, type Token, type TokensList } from 'marked';

/** Containers (quotes, list items) deeper than this show their content as plain text. */
export const MAX_BLOCK_NESTING = 16;

/** Inline spans (emphasis inside links inside strikethrough...) nested deeper than this show as plain text. */
export const MAX_INLINE_NESTING = 16;

/**
 * The most emphasis work one paragraph may ask for: markers (`*`, `_`, `~`) times its length.
 * marked's cost grows with that product, even for ordinary prose: 10,000 markers in 20,000
 * characters (2e8) took 0.6 s here, so this bound keeps a paragraph to about 15 ms, while a
 * paragraph of 2 KB with a marker every 4 characters stays formatted.
 */
export const MAX_EMPHASIS_WORK = 4_000_000;

/** A run of source shown as text, for Markdown past the bounds above. */
export interface PlainTextToken {
  readonly type: 'plainText';
  readonly raw: string;
  readonly text: string;
  /** Whether it stands for a block (a `<div>`) or a span of inline text. */
  readonly block: boolean;
}

function plainText(src: string, block: boolean): PlainTextToken {
  return { type: 'plainText', raw: src, text: src, block };
}

/** How much scanning marked's emphasis matcher may do over `src`. */
export function emphasisWork(src: string): number {
  let markers = 0;
  for (let i = 0; i < src.length; i++) {
    const ch = src.charCodeAt(i);
    if (ch === 42 || ch === 95 || ch === 126) markers++; // * _ ~
  }
  return markers * src.length;
}

class BoundedLexer extends Lexer {
  private blockDepth = 0;
  private inlineDepth = 0;

  // Callers (the blockquote tokenizer) read the tokens they pass in, not the return value, so
  // the fallback is pushed onto `tokens`.
  override blockTokens(src: string, tokens?: Token[], lastParagraphClipped?: boolean): Token[];
  override blockTokens(src: string, tokens?: TokensList, lastParagraphClipped?: boolean): TokensList;
  override blockTokens(src: string, tokens: Token[] = [], lastParagraphClipped?: boolean): Token[] {
    if (this.blockDepth >= MAX_BLOCK_NESTING) {
      tokens.push(plainText(src, true));
      return tokens;
    }
    this.blockDepth++;
    try {
      return super.blockTokens(src, tokens, lastParagraphClipped);
    } finally {
      this.blockDepth--;
    }
  }

  override inlineTokens(src: string, tokens: Token[] = []): Token[] {
    const tooDeep = this.inlineDepth >= MAX_INLINE_NESTING;
    // Nested runs are substrings of the top-level one, whose check already bounds them.
    if (tooDeep || (this.inlineDepth === 0 && emphasisWork(src) > MAX_EMPHASIS_WORK)) {
      tokens.push(plainText(src, false));
      return tokens;
    }
    this.inlineDepth++;
    try {
      return super.inlineTokens(src, tokens);
    } finally {
      this.inlineDepth--;
    }
  }
}

/** Lexes `src` like marked's own lexer, within the bounds above; for marked's `provideLexer` hook. */
export function boundedLex<ParserOutput = string, RendererOutput = string>(
  src: string,
  options?: MarkedOptions<ParserOutput, RendererOutput>,
): TokensList {
  return new BoundedLexer(options as MarkedOptions | undefined).lex(src);
}
