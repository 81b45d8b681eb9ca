/**
 * @file Per-slot KV caches with prefix reuse, as llama.cpp's `cache_prompt`: each slot keeps
 * the tokens its cache holds; a new request reuses the longest common prefix and only runs the
 * rest. Completion and chat use separate slots so they do not evict each other; a byte bound
 * drops the least recently used slot's cache when exceeded. Caches that hold device memory are
 * released through `onDrop` when dropped or replaced, never when a request takes them.
 */

/** Length of the longest common prefix of two token sequences. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * How many cached tokens a request for `prompt` can reuse: the common prefix, but at least one
 * prompt token must run to produce the next-token logits.
 */
export function reusableLength(cached: readonly number[], prompt: readonly number[]): number {
  return Math.min(commonPrefixLength(cached, prompt), Math.max(prompt.length - 1, 0));
}

/**
 * The next-token logits after a cache's first `length` tokens (its prompt), kept so that the
 * same prompt again (another choice, a retry) samples from them without running a token.
 */
export interface PromptLogits {
  readonly length: number;
  readonly logits: Float32Array;
}

/** What a slot hands out. */
export interface SlotEntry<Kv> {
  readonly tokens: readonly number[];
  readonly kv: Kv;
  readonly promptLogits?: PromptLogits;
}

interface Slot<Kv> {
  tokens: number[];
  kv: Kv;
  bytes: number;
  usedAt: number;
  promptLogits?: PromptLogits;
}

/** Holds one cache per slot name. */
export class KvSlots<Kv> {
  private readonly slots = new Map<string, Slot<Kv>>();
  private clock = 0;

  constructor(
    private readonly maxBytes: number,
    /** Called with each cache the slots let go of (evicted, replaced or cleared), not with taken ones. */
    private readonly onDrop: (kv: Kv) => void = () => {},
  ) {}

  /** The cache of `slot`, if any (and marks it recently used). */
  get(slot: string): SlotEntry<Kv> | undefined {
    const entry = this.slots.get(slot);
    if (entry) entry.usedAt = ++this.clock;
    return entry;
  }

  /** Stores `slot`'s cache, then drops other slots, least recently used first, over the bound. */
  set(slot: string, tokens: readonly number[], kv: Kv, bytes: number, promptLogits?: PromptLogits): void {
    const replaced = this.slots.get(slot);
    if (replaced && replaced.kv !== kv) this.onDrop(replaced.kv);
    const logitBytes = promptLogits ? promptLogits.logits.byteLength : 0;
    this.slots.set(slot, { tokens: [...tokens], kv, bytes: bytes + logitBytes, usedAt: ++this.clock, promptLogits });
    const others = [...this.slots.entries()].filter(([name]) => name !== slot).sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [name, entry] of others) {
      if (this.totalBytes() <= this.maxBytes) break;
      this.slots.delete(name);
      this.onDrop(entry.kv);
    }
  }

  /** Removes `slot`'s cache and hands it to the caller, who now owns it (no `onDrop`). */
  take(slot: string): SlotEntry<Kv> | undefined {
    const entry = this.get(slot);
    this.slots.delete(slot);
    return entry;
  }

  /** Drops `slot`'s cache, or every slot's. */
  clear(slot?: string): void {
    for (const [name, entry] of [...this.slots]) {
      if (slot !== undefined && name !== slot) continue;
      this.slots.delete(name);
      this.onDrop(entry.kv);
    }
  }

  totalBytes(): number {
    let total = 0;
    for (const entry of this.slots.values()) total += entry.bytes;
    return total;
  }
}
