/**
 * @file Exact and near-duplicate detection. Exact: SHA-256 of the content. Near: MinHash
 * signatures over 5-token shingles with locality-sensitive hashing in bands, the method of
 * The Stack and StarCoder's deduplication (https://arxiv.org/abs/2211.15533, section 3.4;
 * http://infolab.stanford.edu/~ullman/mmds/ch3n.pdf, section 3.4). With 128 hashes in 16 bands
 * of 8, pairs above Jaccard ~0.7 become candidates; a candidate counts as a duplicate when the
 * signatures estimate a Jaccard similarity at or above the threshold (0.8 by default). Only
 * signatures are kept (512 bytes a file), never contents, so memory grows slowly with the tree.
 */
import { createHash } from 'node:crypto';

const SHINGLE = 5;
const TOKEN = /[A-Za-z_][A-Za-z0-9_]*|\d+|[^\sA-Za-z0-9_]/g;

/** FNV-1a over a string's UTF-16 code units (http://www.isthe.com/chongo/tech/comp/fnv/). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's finaliser, used to derive independent hash functions from one hash. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hex SHA-256 of a text's UTF-8 bytes. */
export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Options of the near-duplicate index. */
export interface MinHashOptions {
  readonly hashes: number;
  readonly bands: number;
  /** Estimated Jaccard similarity at or above which two files are near-duplicates. */
  readonly threshold: number;
}

export const DEFAULT_MINHASH: MinHashOptions = { hashes: 128, bands: 16, threshold: 0.8 };

/** Remembers kept files and answers whether a new one duplicates one of them. */
export class DuplicateIndex {
  private readonly exact = new Map<string, string>();
  private readonly signatures: Uint32Array[] = [];
  private readonly paths: string[] = [];
  private readonly buckets: Map<number, number[]>[];
  private readonly seeds: Uint32Array;
  private readonly rows: number;

  constructor(private readonly options: MinHashOptions = DEFAULT_MINHASH) {
    if (!(Number.isInteger(options.bands) && options.bands > 0 && options.hashes % options.bands === 0)) {
      throw new Error(`MinHash bands must divide hashes; got ${options.bands} bands for ${options.hashes} hashes`);
    }
    this.rows = options.hashes / options.bands;
    this.buckets = Array.from({ length: options.bands }, () => new Map());
    this.seeds = Uint32Array.from({ length: options.hashes }, (_, i) => mix(i + 0x9e3779b9));
  }

  /** The MinHash signature of a text: per hash function, the least hash over its shingles. */
  signature(text: string): Uint32Array {
    const tokens = text.match(TOKEN) ?? [];
    const signature = new Uint32Array(this.options.hashes).fill(0xffffffff);
    const count = Math.max(1, tokens.length - SHINGLE + 1);
    for (let s = 0; s < count; s++) {
      const base = fnv1a(tokens.slice(s, s + SHINGLE).join(' '));
      for (let i = 0; i < signature.length; i++) {
        const h = mix(base ^ (this.seeds[i] as number));
        if (h < (signature[i] as number)) signature[i] = h;
      }
    }
    return signature;
  }

  /** The path of an earlier file with the same content hash, if any. */
  exactDuplicateOf(hash: string): string | undefined {
    return this.exact.get(hash);
  }

  /** The most similar earlier file at or above the threshold, if any. */
  nearDuplicateOf(signature: Uint32Array): { path: string; similarity: number } | undefined {
    const seen = new Set<number>();
    let best: { path: string; similarity: number } | undefined;
    for (let b = 0; b < this.options.bands; b++) {
      for (const id of this.buckets[b]?.get(this.bandKey(signature, b)) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const other = this.signatures[id] as Uint32Array;
        let equal = 0;
        for (let i = 0; i < other.length; i++) if (other[i] === signature[i]) equal++;
        const similarity = equal / other.length;
        if (similarity >= this.options.threshold && (!best || similarity > best.similarity)) best = { path: this.paths[id] as string, similarity };
      }
    }
    return best;
  }

  /** Records a kept file. */
  add(path: string, hash: string, signature: Uint32Array): void {
    this.exact.set(hash, path);
    const id = this.signatures.push(signature) - 1;
    this.paths.push(path);
    for (let b = 0; b < this.options.bands; b++) {
      const key = this.bandKey(signature, b);
      const bucket = this.buckets[b] as Map<number, number[]>;
      const list = bucket.get(key);
      if (list) list.push(id);
      else bucket.set(key, [id]);
    }
  }

  private bandKey(signature: Uint32Array, band: number): number {
    let h = 0x811c9dc5;
    for (let i = band * this.rows; i < (band + 1) * this.rows; i++) h = mix(h ^ (signature[i] as number));
    return h;
  }
}
