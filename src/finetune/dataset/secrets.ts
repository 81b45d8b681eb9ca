/**
 * @file Secret detection, so that no credential can be baked into an adapter. Files that hold
 * credentials by their nature (`.env`, private keys, `.npmrc`, ...) are recognised by name and
 * never read; any other file is scanned for well-known token formats and password assignments
 * and dropped whole when one matches. Dropping is safer than redacting: a redaction that misses
 * part of a multi-line secret would leak the rest. The patterns follow gitleaks' rules
 * (https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml); only the rule name,
 * never the matched text, leaves this module.
 */

interface SecretRule {
  readonly name: string;
  readonly pattern: RegExp;
}

/** Token formats with a fixed prefix and length, and private key blocks. */
const RULES: readonly SecretRule[] = [
  { name: 'private-key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/ },
  { name: 'github-token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36}\b|\bgithub_pat_[0-9A-Za-z_]{82}\b/ },
  { name: 'gitlab-token', pattern: /\bglpat-[0-9A-Za-z_-]{20}\b/ },
  { name: 'slack-token', pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,}/ },
  { name: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'stripe-key', pattern: /\b(?:sk|rk)_live_[0-9A-Za-z]{24,}\b/ },
  { name: 'openai-key', pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b/ },
  { name: 'huggingface-token', pattern: /\bhf_[A-Za-z]{34}\b/ },
  { name: 'npm-token', pattern: /\bnpm_[0-9A-Za-z]{36}\b/ },
  { name: 'jwt', pattern: /\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}/ },
  { name: 'url-credentials', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:[^\s:/@'"]{3,}@[^\s/'"]+/ },
];

/**
 * A literal assigned to a name that says it is a secret: `password = "hunter22"`,
 * `"apiKey": "..."`, `API_TOKEN: '...'`. Values shorter than 6 characters, with spaces, or
 * that look like placeholders (`${...}`, `<...>`, `changeme`, `xxx`) are not counted, so
 * `password = ""` and `password = input("Password: ")` pass.
 */
const ASSIGNMENT = /(?:pass(?:word|wd)?|pwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|access[_-]?token|client[_-]?secret|private[_-]?key)["']?\s*(?:=|:=|:|=>)\s*(["'`])([^"'`\s]{6,})\1/gi;
const PLACEHOLDER = /^(?:\$\{.*\}|<.*>|%.*%|\{\{.*\}\}|(?:x+|\*+|\.+)|changeme|change-me|example|placeholder|your[_-].*|redacted|null|undefined|none|password|secret)$/i;

/** The name of the first secret rule `text` matches, or undefined. */
export function findSecret(text: string): string | undefined {
  for (const rule of RULES) if (rule.pattern.test(text)) return rule.name;
  for (const match of text.matchAll(ASSIGNMENT)) {
    if (!PLACEHOLDER.test(match[2] ?? '')) return 'password-assignment';
  }
  return undefined;
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
