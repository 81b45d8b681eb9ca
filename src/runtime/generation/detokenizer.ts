/**
 * @file Incremental detokenisation for streaming. Byte-level BPE splits multi-byte characters
 * across tokens, and decoding a partial character yields U+FFFD; text is only emitted once the
 * decoded tail is complete. Decoding restarts after each emitted newline so the cost per token
 * stays bounded by the line length, not the whole output.
 */

/** Turns token ids into text (the tokenizer's decode). */
export type Decode = (ids: readonly number[]) => string;

export class IncrementalDetokenizer {
  private pending: number[] = [];
  private emitted = 0;

  constructor(private readonly decode: Decode) {}

  /** Adds one token; returns the newly completed text (possibly empty). */
  push(id: number): string {
    this.pending.push(id);
    const text = this.decode(this.pending);
    if (text.endsWith('\uFFFD')) return '';
    const fresh = text.slice(this.emitted);
    if (text.endsWith('\n')) {
      this.pending = [];
      this.emitted = 0;
    } else {
      this.emitted = text.length;
    }
    return fresh;
  }

  /** Text still held back (an incomplete character at the end of generation), decoded as is. */
  flush(): string {
    if (this.pending.length === 0) return '';
    const rest = this.decode(this.pending).slice(this.emitted);
    this.pending = [];
    this.emitted = 0;
    return rest;
  }
}
