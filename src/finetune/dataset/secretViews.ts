/**
 * @file Other readings of a file's text in which a hidden secret shows its usual form: string
 * literals joined where code concatenates them (a PEM header split as `"-----BEGIN RSA PRIV" +
 * "ATE KEY-----"` no longer matches any rule as written), and base64 runs decoded when they
 * decode to text (`b64decode("cGFzc3dvcmQ9…")` hides `password=…`). A model trained on the
 * file would learn the pieces just the same, so the file is dropped when a rule fires on either.
 */

/** A quote, optional concatenation (`+`, `.`, `..`, `&`, `||`) across at most one line break, and a quote. */
const LITERAL_BOUNDARY = /["'`][ \t]*(?:\+|\.{1,2}|&|\|\|)?[ \t]*(?:\\?\r?\n[ \t]*(?:\+|\.{1,2}|&|\|\|)?[ \t]*)?["'`]/g;

/** `text` with adjacent string literals joined, or undefined when it has none to join. */
export function joinedLiterals(text: string): string | undefined {
  const joined = text.replace(LITERAL_BOUNDARY, '');
  return joined === text ? undefined : joined;
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
/** Printable ASCII, tab and line breaks: what encoded credentials and config text are made of. */
const isPrintable = (bytes: Uint8Array) => bytes.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);

function decodedText(run: string): string | undefined {
  // A base64 length is never 1 more than a multiple of 4; most identifiers fail here or below.
  if (run.replace(/=+$/, '').length % 4 === 1) return undefined;
  const bytes = Buffer.from(run, 'base64');
  return bytes.length >= 6 && isPrintable(bytes) ? bytes.toString('latin1') : undefined;
}

/** The base64 runs of `text` that decode to printable text, decoded, one per line; undefined when none do. */
export function decodedBase64(text: string): string | undefined {
  const decoded: string[] = [];
  for (const [run] of text.matchAll(BASE64_RUN)) {
    const plain = decodedText(run);
    if (plain !== undefined) decoded.push(plain);
  }
  return decoded.length > 0 ? decoded.join('\n') : undefined;
}
