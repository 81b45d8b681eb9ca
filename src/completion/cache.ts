/**
 * @file An LRU cache of suggestions keyed so that typing through a shown suggestion is a hit:
 * an entry made at prefix P with suggestion S answers any later prefix P + t where S starts
 * with t, with the rest of S. Speculative completions (computed as if S was accepted) are
 * stored the same way under P + S. An explicit request's choices share one entry, so typing
 * (or accepting a word of) any of them is a hit with the rest of that choice.
 */

interface Entry {
  readonly context: string;
  readonly prefix: string;
  /** One suggestion, or an explicit request's choices (greedy first). */
  readonly suggestions: readonly string[];
  readonly speculative: boolean;
  readonly choices: boolean;
}

/** A cache hit: the rest of the suggestion, and whether a speculative request made it. */
export interface CacheHit {
  readonly text: string;
  readonly speculative: boolean;
}

/** The rests of the suggestions in `entry` that `prefix` types through, in order. */
function rests(entry: Entry, prefix: string): string[] {
  if (!prefix.startsWith(entry.prefix)) return [];
  const typed = prefix.slice(entry.prefix.length);
  return entry.suggestions.filter((s) => s.startsWith(typed) && s.length > typed.length).map((s) => s.slice(typed.length));
}

export class CompletionCache {
  private readonly entries: Entry[] = [];

  constructor(private readonly capacity = 100) {}

  /**
   * Stores a suggestion. `context` is everything else the suggestion depends on (document,
   * text after the cursor); only lookups with the same context can hit.
   */
  put(context: string, prefix: string, suggestion: string, speculative = false): void {
    this.store({ context, prefix, suggestions: [suggestion], speculative, choices: false });
  }

  /** Stores an explicit request's choices (greedy first) for `getChoices` and `get`. */
  putChoices(context: string, prefix: string, suggestions: readonly string[]): void {
    this.store({ context, prefix, suggestions: [...suggestions], speculative: false, choices: true });
  }

  /** The suggestion for `prefix`, from an exact entry or one being typed through. */
  get(context: string, prefix: string): CacheHit | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as Entry;
      if (entry.context !== context) continue;
      const [rest] = rests(entry, prefix);
      if (rest === undefined) continue;
      this.touch(i);
      return { text: rest, speculative: entry.speculative };
    }
    return undefined;
  }

  /**
   * The choices an explicit request stored for `prefix` (or one typed through, keeping the
   * choices that still match), or undefined when only single suggestions are cached here.
   */
  getChoices(context: string, prefix: string): string[] | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as Entry;
      if (entry.context !== context || !entry.choices) continue;
      const found = rests(entry, prefix);
      if (found.length === 0) continue;
      this.touch(i);
      return found;
    }
    return undefined;
  }

  clear(): void {
    this.entries.length = 0;
  }

  private store(entry: Entry): void {
    const existing = this.entries.findIndex((e) => e.context === entry.context && e.prefix === entry.prefix);
    if (existing >= 0) this.entries.splice(existing, 1);
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  private touch(index: number): void {
    const [entry] = this.entries.splice(index, 1);
    if (entry) this.entries.push(entry);
  }
}
