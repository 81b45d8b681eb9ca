/**
 * @file Encodes long prompts that change a little between requests (the completion context, on
 * every keystroke) by caching the ids of their pieces. With byte-level BPE behind GPT-2's
 * pre-tokenizer regex, a newline that follows a non-whitespace character always starts a new
 * pre-token (only the whitespace patterns match a newline, and they cannot take the character
 * before it), and BPE never merges across pre-tokens. So the text can be cut before each such
 * newline, every piece encoded alone, and the ids concatenated: the result equals encoding the
 * whole text, and after an edit only the pieces it touched are encoded again.
 * `segmentableTokenizer` checks that a tokenizer.json is of that kind.
 */

/** The parts of tokenizer.json that decide whether cutting before newlines is exact. */
export interface TokenizerJson {
  readonly normalizer?: unknown;
  readonly pre_tokenizer?: { readonly type?: string; readonly use_regex?: boolean; readonly pretokenizers?: readonly { readonly type?: string; readonly use_regex?: boolean }[] } | null;
  readonly added_tokens?: readonly { readonly content: string; readonly lstrip?: boolean; readonly rstrip?: boolean }[];
}

/**
 * Whether pieces cut before "non-space then newline" encode exactly like the whole text: no
 * normalizer, a ByteLevel pre-tokenizer with GPT-2's regex (alone or after Digits, which only
 * adds cuts), and no added token that strips the whitespace around it or contains a newline.
 */
export function segmentableTokenizer(json: TokenizerJson): boolean {
  if (json.normalizer !== null && json.normalizer !== undefined) return false;
  const pre = json.pre_tokenizer;
  const steps = pre?.type === 'Sequence' ? (pre.pretokenizers ?? []) : pre ? [pre] : [];
  const byteLevel = steps.at(-1);
  if (byteLevel?.type !== 'ByteLevel' || byteLevel.use_regex !== true) return false;
  if (!steps.slice(0, -1).every((s) => s.type === 'Digits')) return false;
  return (json.added_tokens ?? []).every((t) => !t.lstrip && !t.rstrip && !t.content.includes('\n'));
}

/** Offsets where `text` may be cut: before every newline whose previous character is not whitespace. */
export function segmentStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n', 1); at !== -1; at = text.indexOf('\n', at + 1)) {
    if (!/\s/u.test(text[at - 1] as string)) starts.push(at);
  }
  return starts;
}

/** Encodes through a bounded cache of pieces; see the file header for why this is exact. */
export class SegmentedEncoder {
  private readonly cache = new Map<string, readonly number[]>();

  constructor(
    private readonly encodePiece: (text: string) => number[],
    /** Most pieces kept; least recently used ones are dropped first. */
    private readonly maxPieces = 8192,
  ) {}

  encode(text: string): number[] {
    const starts = segmentStarts(text);
    const ids: number[] = [];
    for (let i = 0; i < starts.length; i++) {
      const piece = text.slice(starts[i], starts[i + 1] ?? text.length);
      let pieceIds = this.cache.get(piece);
      if (pieceIds) {
        this.cache.delete(piece);
      } else {
        pieceIds = this.encodePiece(piece);
      }
      this.cache.set(piece, pieceIds);
      for (const id of pieceIds) ids.push(id);
    }
    while (this.cache.size > this.maxPieces) this.cache.delete(this.cache.keys().next().value as string);
    return ids;
  }
}
