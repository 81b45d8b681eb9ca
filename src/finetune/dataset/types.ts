/**
 * @file The vocabulary shared by the dataset stages: why a file was dropped, what a kept file
 * carries between stages, and the kinds of samples.
 */
import type { LanguageName } from './languages';

/** Why a file is not in the training set; every dropped file records one. */
export const DROP_REASONS = [
  'secret-file',
  'outside-workspace',
  'path-too-long',
  'unreadable',
  'vendored',
  'lock-file',
  'unsupported-language',
  'too-small',
  'too-large',
  'binary',
  'not-utf8',
  'minified',
  'generated',
  'secret',
  'low-quality',
  'duplicate',
  'near-duplicate',
  'perplexity-outlier',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** A dropped file: its workspace-relative path, the reason and a detail that is never file content. */
export interface Dropped {
  readonly path: string;
  readonly reason: DropReason;
  readonly detail?: string;
}

/** A file that passed every filter. */
export interface KeptFile {
  readonly path: string;
  readonly language: LanguageName;
  readonly bytes: number;
  /** The quality score, 0-5. */
  readonly score: number;
  /** SHA-256 of the content, to notice a file changing between reading and sampling. */
  readonly sha256: string;
}

/** The sample kinds, each with a rate in the mixture. */
export const SAMPLE_KINDS = ['code', 'docToCode', 'signatureToBody', 'prefixToRest', 'fillInMiddle'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/**
 * The chance that an eligible unit yields a sample of each kind: a chunk of a file for `code`,
 * a function for the chat kinds. 0 turns a kind off.
 */
export type Mixture = Readonly<Record<SampleKind, number>>;

/**
 * Defaults: every chunk of code as `{"text"}` (the repository format the completion model
 * reads), every documented function as documentation -> implementation, and fewer of the
 * kinds that repeat the same function's code, so no function dominates the chat set.
 */
export const DEFAULT_MIXTURE: Mixture = { code: 1, docToCode: 1, signatureToBody: 0.5, prefixToRest: 0.25, fillInMiddle: 0.25 };

/** Checks a partial mixture and fills the defaults, naming a bad key or value. */
export function parseMixture(input: Readonly<Record<string, unknown>>): Mixture {
  const mixture: Record<string, number> = { ...DEFAULT_MIXTURE };
  for (const [key, value] of Object.entries(input)) {
    if (!(SAMPLE_KINDS as readonly string[]).includes(key)) throw new Error(`unknown sample kind "${key}" in the mixture; known: ${SAMPLE_KINDS.join(', ')}`);
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`mixture.${key} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
    mixture[key] = value;
  }
  return mixture as Mixture;
}
