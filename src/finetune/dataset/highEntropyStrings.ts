/**
 * @file detect-secrets' Base64HighEntropyString detector, ported
 * (https://github.com/Yelp/detect-secrets/blob/master/detect_secrets/plugins/high_entropy_strings.py,
 * Apache-2.0, Copyright (c) 2018 Yelp, Inc.): a quoted string of base64 characters whose
 * Shannon entropy exceeds 4.5 bits per character is a random key whatever its name. Its
 * heuristic filters come along: sequential strings such as the base64 alphabet itself
 * (`is_sequential_string`) and hashes where lock files and manifests keep them (`is_lock_file`,
 * here by the line's words, since a hash beside `integrity` or `sha256` is no credential).
 * Two additions keep prose and paths out: at least 20 characters, and both a letter and a digit.
 * detect-secrets' hex detector is not ported: quoted hex strings in code are mostly digests
 * and commit ids; hex keys assigned to secret names are caught by secretAssignments.ts.
 */
import type { SecretRule } from './secretRules';

const SEQUENCES = [
  'ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ',
  'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz',
  '0123456789012345678901234567890123456789',
  'abcdefghijklmnopqrstuvwxyz0123456789',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  '0123456789abcdefghijklmnopqrstuvwxyz',
  '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
];

/** Whether `text` is a run of one of the common character sequences, as detect-secrets' filter. */
const isSequential = (text: string) => SEQUENCES.some((s) => s.includes(text) || s.toLowerCase().includes(text.toLowerCase()));

/** Words on a line that say its long strings are hashes, not keys. */
const HASH_CONTEXT = /integrity|checksum|digest|sha-?\d+|md5|hash|etag|fingerprint|resolved|commit/i;

function lineAround(input: string, index: number): string {
  const start = input.lastIndexOf('\n', index) + 1;
  const end = input.indexOf('\n', index);
  return input.slice(start, end === -1 ? undefined : end);
}

/** The detector, as a rule. */
export const BASE64_HIGH_ENTROPY: SecretRule = {
  id: 'base64-high-entropy-string',
  pattern: /(["'])([A-Za-z0-9+/\-_=]{20,})\1/g,
  keywords: [],
  entropy: 4.5,
  secretGroup: 2,
  accepts: (secret, match) =>
    /[A-Za-z]/.test(secret) && /\d/.test(secret) && !isSequential(secret) && !HASH_CONTEXT.test(lineAround(match.input ?? '', match.index ?? 0)),
};
