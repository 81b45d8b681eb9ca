/**
 * @file Secret detection, so that no credential can be baked into an adapter. Files that hold
 * credentials by their nature (`.env`, private keys, `.npmrc`, ...) are recognised by name and
 * never read; any other file is scanned and dropped whole when a rule fires. Dropping is safer
 * than redacting: a redaction that misses part of a multi-line secret would leak the rest.
 *
 * The rules: gitleaks' default rule set (gitleaksRules.ts, MIT), context rules for secrets
 * without a fixed format in the manner of gitleaks' generic rule and detect-secrets' keyword
 * detector (secretAssignments.ts), and detect-secrets' high-entropy base64 detector
 * (highEntropyStrings.ts, Apache-2.0). They run on the text as written, then on its string
 * literals joined and its base64 runs decoded (secretViews.ts). Only the id of the rule that
 * fired, never the matched text, leaves this module.
 */
import { BASE64_HIGH_ENTROPY } from './highEntropyStrings';
import { ASSIGNMENT_RULES, isPlaceholderValue } from './secretAssignments';
import { firstFiringRule, GITLEAKS, type SecretRule } from './secretRules';
import { decodedBase64, joinedLiterals } from './secretViews';

/** Context rules first: their ids say more to a user than a provider's token format. */
const RULES: readonly SecretRule[] = [...ASSIGNMENT_RULES, ...GITLEAKS, BASE64_HIGH_ENTROPY];

/** `user:password`, the form HTTP Basic credentials take before they are base64-encoded. */
const BASIC_CREDENTIALS: SecretRule = {
  id: 'basic-auth-credentials',
  pattern: /^[\w.@+-]{1,64}:([^\s:]{6,})$/gm,
  keywords: [],
  entropy: 0,
  accepts: (secret) => !isPlaceholderValue(secret),
};
const DECODED_RULES: readonly SecretRule[] = [...RULES, BASIC_CREDENTIALS];

/** The id of the first secret rule that fires on `text`, saying how the secret was hidden, or undefined. */
export function findSecret(text: string): string | undefined {
  const plain = firstFiringRule(RULES, text);
  if (plain) return plain;
  const joined = joinedLiterals(text);
  const acrossLiterals = joined === undefined ? undefined : firstFiringRule(RULES, joined);
  if (acrossLiterals) return `${acrossLiterals} (across string literals)`;
  const decoded = decodedBase64(text);
  const inBase64 = decoded === undefined ? undefined : firstFiringRule(DECODED_RULES, decoded);
  return inBase64 ? `${inBase64} (base64-encoded)` : undefined;
}

const SECRET_FILE_NAMES = new Set([
  '.env', '.envrc', '.netrc', '_netrc', '.npmrc', '.pypirc', '.pgpass', '.htpasswd', '.git-credentials', '.dockercfg',
  'credentials', 'credentials.json', 'credentials.yml', 'credentials.yaml', 'secrets.json', 'secrets.yml', 'secrets.yaml',
  'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'known_hosts', 'authorized_keys', 'service-account.json',
]);
const SECRET_EXTENSIONS = ['.pem', '.key', '.p12', '.pfx', '.jks', '.keystore', '.kdbx', '.asc', '.gpg', '.ppk', '.tfvars', '.tfstate'];

/** Whether a path names a file that holds credentials by nature, so it must never be read. */
export function isSecretFileName(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (SECRET_FILE_NAMES.has(base)) return true;
  // `.env.local`, `.env.production`, but not `.env.example`, which by convention holds placeholders.
  if (base.startsWith('.env.') && !/\.(?:example|sample|template|dist)$/.test(base)) return true;
  return SECRET_EXTENSIONS.some((ext) => base.endsWith(ext));
}
