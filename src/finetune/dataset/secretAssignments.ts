/**
 * @file Rules for credentials that have no fixed format, so only their context gives them away:
 * a literal assigned to a name that says "secret" (`SECRET_KEY = '…'`, `TOKEN = '…'`,
 * `os.environ['DB_PASSWORD'] = '…'`), an unquoted shell or env-file assignment
 * (`export DB_PASSWORD=…`), `Password=…;` in a connection string, `Authorization: Bearer …`,
 * credentials in a URL, and private key headers. They take the place of gitleaks'
 * `generic-api-key` and follow its shape (a secret-sounding name, an operator, a value, an
 * entropy floor) and detect-secrets' KeywordDetector
 * (https://github.com/Yelp/detect-secrets/blob/master/detect_secrets/plugins/keyword.py,
 * Apache-2.0): names are split into words so `tokenizer` or `passwordField` do not count, and
 * values that are placeholders, templates or references are not secrets.
 */
import { shannonEntropy, type SecretRule } from './secretRules';

const PASSWORD_WORDS = new Set(['password', 'passwd', 'pass', 'pwd', 'passphrase', 'passwort']);
const SECRET_WORDS = new Set(['secret', 'secrets', 'token', 'apikey', 'credential', 'credentials', 'creds']);
/** Words that make `…key` a secret: `API_KEY`, `secretKey`, `PRIVATE_KEY`. */
const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'secret', 'signing', 'encryption', 'auth', 'client', 'master', 'session', 'app']);
/** A name ending in one of these holds something about a secret, not the secret: `PASSWORD_FIELD`, `tokenUrl`. */
const DESCRIPTIVE_ENDINGS = new Set([
  'name', 'names', 'id', 'ids', 'length', 'len', 'size', 'file', 'filename', 'path', 'dir', 'url', 'uri', 'endpoint', 'type',
  'field', 'header', 'env', 'var', 'prompt', 'label', 'pattern', 'regex', 'count', 'limit', 'format', 'hint', 'placeholder',
  'policy', 'ttl', 'expiry', 'expires', 'prefix', 'suffix', 'mode', 'method', 'input', 'error', 'message', 'msg', 'text',
  'title', 'column', 'param', 'route', 'form', 'min', 'max', 'timeout', 'provider', 'service', 'storage', 'store', 'index',
]);
/** Words that together make a value a stand-in: `your-api-key-here`, `example`, `REPLACE_ME`. */
const PLACEHOLDER_WORDS = new Set([
  'example', 'sample', 'dummy', 'placeholder', 'your', 'my', 'change', 'changeme', 'me', 'here', 'redacted', 'secret', 'password',
  'token', 'key', 'api', 'test', 'none', 'null', 'undefined', 'todo', 'fixme', 'insert', 'enter', 'replace', 'goes', 'value',
  'string', 'xxx', 'xxxx', 'xxxxx', 'xxxxxx', 'xxxxxxxx', 'not', 'set', 'empty', 'default', 'foo', 'bar', 'baz', 'pass', 'passwd', 'pwd',
]);

/** `DB_PASSWORD` → `db password`, `apiKey` → `api key`. */
const wordsOf = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z]+/).filter((w) => w !== '');

type NameKind = 'password' | 'secret' | undefined;

/** Whether a variable or key name says it holds a password or another secret. */
export function secretNameKind(name: string): NameKind {
  const words = wordsOf(name);
  if (words.length === 0 || DESCRIPTIVE_ENDINGS.has(words[words.length - 1] as string)) return undefined;
  if (words.some((w) => PASSWORD_WORDS.has(w))) return 'password';
  if (words.some((w, i) => SECRET_WORDS.has(w) || (w === 'key' && KEY_QUALIFIERS.has(words[i - 1] ?? '')))) return 'secret';
  return undefined;
}

const TEMPLATE = /\$\{|\{\{|#\{|%\(|%[sd]\b|\{\d*\}|^\$\w+$|^%\w+%$|^<.*>$|^\{\w+\}$|^\*+$|^\.+$|^(.)\1*$/;

/** Whether a value is a placeholder, template or reference rather than a secret. */
export function isPlaceholderValue(value: string): boolean {
  if (TEMPLATE.test(value)) return true;
  const words = wordsOf(value);
  return words.length > 0 && words.every((w) => PLACEHOLDER_WORDS.has(w)) && !/\d/.test(value);
}

/** A value random enough to be a key or token rather than a word or a name. */
const looksRandom = (value: string) => value.length >= 8 && !/^[A-Za-z_.-]+$/.test(value) && shannonEntropy(value) >= 3;

/** Whether `value`, assigned to a name of `kind`, is a credential. */
function credentialValue(kind: NameKind, value: string, strict: boolean): boolean {
  if (kind === undefined || /\s/.test(value) || isPlaceholderValue(value)) return false;
  if (/^(?:[a-z][a-z0-9+.-]*:\/\/|\.{0,2}\/|~\/)/i.test(value)) return false;
  if (kind === 'password' && !strict) return value.length >= 6;
  return looksRandom(value);
}

/** Substrings every secret-sounding name holds, to skip the name rules on text without any. */
const NAME_KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'cred'];

/** `NAME = 'value'`: the name (group 1, from its first character, so a long identifier is tried once), an operator, a string prefix, the quoted value (group 3). */
const QUOTED_ASSIGNMENT = /(?<![\w$.-])([A-Za-z_$][\w$.-]*)["'\]]{0,3}[ \t]*(?:=|:=|:|=>|\?\?=|\|\|=)[ \t]*[rRbBuU]{0,2}(["'`])([^"'`\r\n]*)\2/g;

/** The context rules, in order. */
export const ASSIGNMENT_RULES: readonly SecretRule[] = [
  { id: 'private-key', pattern: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE ?KEY(?: ?BLOCK)?-----/g, keywords: ['-----begin'], entropy: 0 },
  {
    id: 'url-credentials',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:([^\s:/@'"]{3,})@[^\s/'"]+/g,
    keywords: ['://'],
    entropy: 0,
    accepts: (secret) => !isPlaceholderValue(secret),
  },
  {
    // `NAME = 'value'`, `"name": "value"`, `os.environ['NAME'] = 'value'`.
    id: 'password-assignment',
    pattern: QUOTED_ASSIGNMENT,
    keywords: NAME_KEYWORDS,
    entropy: 0,
    secretGroup: 3,
    accepts: (secret, match) => secretNameKind(match[1] ?? '') === 'password' && credentialValue('password', secret, false),
  },
  {
    id: 'secret-assignment',
    pattern: QUOTED_ASSIGNMENT,
    keywords: NAME_KEYWORDS,
    entropy: 0,
    secretGroup: 3,
    accepts: (secret, match) => secretNameKind(match[1] ?? '') === 'secret' && credentialValue('secret', secret, false),
  },
  {
    // `setenv("API_TOKEN", "value")`, `config.set('password', 'value')`; strict, since a tuple
    // such as `('password1', 'password2')` has the same shape.
    id: 'secret-argument',
    pattern: /\(\s*["']([A-Za-z_][\w.-]*)["']\s*,\s*["']([^"'\r\n]*)["']/g,
    keywords: NAME_KEYWORDS,
    entropy: 0,
    secretGroup: 2,
    accepts: (secret, match) => credentialValue(secretNameKind(match[1] ?? ''), secret, true),
  },
  {
    // Shell, env files, Dockerfiles, .properties: `export DB_PASSWORD=value`.
    id: 'unquoted-assignment',
    pattern: /^[ \t]*(?:export[ \t]+|set[ \t]+|setx[ \t]+|ENV[ \t]+)?([A-Za-z_][\w.-]*)[ \t]*=[ \t]*([^\s'"`$;|&<>(){}[\],]+)[ \t]*(?:#.*)?$/gm,
    keywords: NAME_KEYWORDS,
    entropy: 0,
    secretGroup: 2,
    accepts: (secret, match) => {
      const kind = secretNameKind(match[1] ?? '');
      // `password=db_password` names a variable, not a value.
      if (kind === undefined || secretNameKind(secret) !== undefined) return false;
      return credentialValue(kind, secret, /[ \t]=|=[ \t]/.test(match[0]) && /^[A-Za-z_][\w.]*$/.test(secret));
    },
  },
  {
    // ADO.NET, ODBC and JDBC connection strings: `…;Password=value;`.
    id: 'connection-string-password',
    pattern: /\b(?:password|pwd)[ \t]*=[ \t]*([^;'"`\s]{3,})/gi,
    keywords: ['password', 'pwd'],
    entropy: 0,
    accepts: (secret, match) => {
      const before = match.input?.slice(0, match.index).trimEnd().slice(-1);
      const after = match.input?.slice((match.index ?? 0) + match[0].length).trimStart()[0];
      // `;Password=value` or `"Password=value;`; a statement such as `password = value;` is code.
      const quoted = !before || `"'\``.includes(before);
      return (before === ';' || (after === ';' && quoted && !/\s/.test(match[0]))) && !isPlaceholderValue(secret);
    },
  },
  {
    id: 'authorization-header',
    pattern: /\b(?:proxy-)?authorization\b["'`]?[ \t]*[:=,][ \t]*["'`]?[ \t]*(?:bearer|basic|token|digest|apikey)[ \t]+([A-Za-z0-9._~+/=:-]{8,})/gi,
    keywords: ['authorization'],
    entropy: 3,
    accepts: (secret) => !isPlaceholderValue(secret),
  },
  {
    id: 'bearer-token',
    pattern: /["'`]Bearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)["'`]/g,
    keywords: ['bearer'],
    entropy: 3,
    accepts: (secret) => !isPlaceholderValue(secret),
  },
];
