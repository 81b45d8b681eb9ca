/**
 * @file The secret rule engine, in gitleaks' terms: a rule runs only when one of its keywords
 * occurs in the text (most text holds none, so most regexes never run), and a match counts only
 * when its secret is not a known placeholder and, where the rule says so, when the secret is
 * random enough (Shannon entropy in bits per character). Only rule ids leave this module.
 */
import { GITLEAKS_ALLOWED_SECRETS, GITLEAKS_RULES } from './gitleaksRules';

/** One detector: a regex over the text plus checks on what it captured. */
export interface SecretRule {
  readonly id: string;
  /** Global (`g`), so every occurrence can be checked. */
  readonly pattern: RegExp;
  /** Lower-case strings of which one must occur in the lower-cased text; empty: always run. */
  readonly keywords: readonly string[];
  /** Minimum Shannon entropy of the secret; 0: no minimum. */
  readonly entropy: number;
  /** The capture group holding the secret; default: the first that matched, else the whole match. */
  readonly secretGroup?: number;
  /** A further check on a candidate secret and its match, for rules that need context. */
  readonly accepts?: (secret: string, match: RegExpMatchArray) => boolean;
}

/** Shannon entropy of `text` in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  const n = [...text].length;
  let bits = 0;
  for (const count of counts.values()) bits -= (count / n) * Math.log2(count / n);
  return bits;
}

const ALLOWED = GITLEAKS_ALLOWED_SECRETS.map((source) => new RegExp(source));

/** Whether a candidate secret is one of gitleaks' globally allowed placeholders (`$VAR`, `{{x}}`, `true`, ...). */
export function isAllowedSecret(secret: string): boolean {
  return ALLOWED.some((pattern) => pattern.test(secret));
}

/**
 * The name prefix that starts gitleaks' keyword rules. It only widens the reported match to the
 * left and can match nothing, so it never decides whether a rule fires; dropped, it no longer
 * costs fifty tries at every position of the text (the rules ran 2x faster on this repository).
 */
const NAME_PREFIX = '[\\w.-]{0,50}?';

/** gitleaks' rules, compiled. */
export const GITLEAKS: readonly SecretRule[] = GITLEAKS_RULES.map(([id, regex, keywords, entropy, secretGroup]) => ({
  id,
  pattern: new RegExp(regex.replaceAll(NAME_PREFIX, ''), 'g'),
  keywords,
  entropy,
  ...(secretGroup === undefined ? {} : { secretGroup }),
}));

function secretOf(match: RegExpMatchArray, group: number | undefined): string {
  if (group !== undefined) return match[group] ?? '';
  return match.slice(1).find((g) => g !== undefined && g !== '') ?? match[0];
}

function ruleFires(rule: SecretRule, text: string): boolean {
  for (const match of text.matchAll(rule.pattern)) {
    const secret = secretOf(match, rule.secretGroup);
    if (secret === '' || isAllowedSecret(secret)) continue;
    if (rule.entropy > 0 && shannonEntropy(secret) < rule.entropy) continue;
    if (rule.accepts && !rule.accepts(secret, match)) continue;
    return true;
  }
  return false;
}

const gramHash = (text: string, i: number, mask: number) => ((text.charCodeAt(i) * 31 + text.charCodeAt(i + 1)) * 31 + text.charCodeAt(i + 2)) & mask;

/**
 * A test for which keywords occur in `lower`. gitleaks' rules bring some 400 keywords, and
 * searching the text for each took 20 times as long as all the regexes; so the text's
 * three-character prefixes are hashed into a bitmap once, and a keyword is searched for only
 * when its first three characters may occur. Collisions only cost a search, never a miss.
 */
function keywordTest(lower: string): (keyword: string) => boolean {
  // About 16 bits per character of text, so that few keywords collide; between 4 KiB and 512 KiB.
  const bits = Math.min(22, Math.max(15, Math.ceil(Math.log2(lower.length + 1)) + 4));
  const mask = (1 << bits) - 1;
  const grams = new Uint8Array(1 << (bits - 3));
  for (let i = 0; i + 3 <= lower.length; i++) {
    const h = gramHash(lower, i, mask);
    grams[h >> 3] |= 1 << (h & 7);
  }
  const found = new Map<string, boolean>();
  return (keyword) => {
    let hit = found.get(keyword);
    if (hit === undefined) {
      const h = keyword.length >= 3 ? gramHash(keyword, 0, mask) : -1;
      hit = (h < 0 || ((grams[h >> 3] ?? 0) & (1 << (h & 7))) !== 0) && lower.includes(keyword);
      found.set(keyword, hit);
    }
    return hit;
  };
}

/** The id of the first rule of `rules` that fires on `text`, or undefined. */
export function firstFiringRule(rules: readonly SecretRule[], text: string): string | undefined {
  const occurs = keywordTest(text.toLowerCase());
  for (const rule of rules) {
    if (rule.keywords.length > 0 && !rule.keywords.some(occurs)) continue;
    if (ruleFires(rule, text)) return rule.id;
  }
  return undefined;
}
