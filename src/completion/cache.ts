/**
 * @file An LRU cache of suggestions keyed so that typing through a shown suggestion is a hit:
 * an entry made at prefix P with suggestion S answers any later prefix P + t where S starts
 * with t, with the rest of S. Speculative completions (computed as if S was accepted) are
 * stored the same way under P + S.
 */

interface Entry {
  readonly context: string;
  readonly prefix: string;
  readonly suggestion: string;
  readonly speculative: boolean;
}

/** A cache hit: the rest of the suggestion, and whether a speculative request made it. */
export interface CacheHit {
  readonly text: string;
  readonly speculative: boolean;
}

export class CompletionCache {
  private readonly entries: Entry[] = [];

  constructor(private readonly capacity = 100) {}

  /**
   * Stores a suggestion. `context` is everything else the suggestion depends on (document,
   * text after the cursor); only lookups with the same context can hit.
   */
  put(context: string, prefix: string, suggestion: string, speculative = false): void {
    const existing = this.entries.findIndex((e) => e.context === context && e.prefix === prefix);
    if (existing >= 0) this.entries.splice(existing, 1);
    this.entries.push({ context, prefix, suggestion, speculative });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** The suggestion for `prefix`, from an exact entry or one being typed through. */
  get(context: string, prefix: string): CacheHit | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as Entry;
      if (entry.context !== context || !prefix.startsWith(entry.prefix)) continue;
      const typed = prefix.slice(entry.prefix.length);
      if (!entry.suggestion.startsWith(typed)) continue;
      const rest = entry.suggestion.slice(typed.length);
      if (rest.length === 0) continue;
      this.entries.splice(i, 1);
      this.entries.push(entry);
      return { text: rest, speculative: entry.speculative };
    }
    return undefined;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
