/**
 * @file Flags Unicode bidirectional control characters in code, as VS Code's editor does. They
 * are invisible and reorder how the text around them is displayed, so code can read
 * differently from how it runs ("Trojan Source", CVE-2021-42574). Each one is wrapped in a
 * span that CSS isolates (its reordering stops at the span) and labels with its code point;
 * the character itself stays, so Copy and Insert still give the exact code.
 */

/** The explicit directional formatting characters of UAX #9, and the implicit marks. */
const BIDI_CONTROL_NAMES: Readonly<Record<string, string>> = {
  '\u061C': 'ARABIC LETTER MARK',
  '\u200E': 'LEFT-TO-RIGHT MARK',
  '\u200F': 'RIGHT-TO-LEFT MARK',
  '\u202A': 'LEFT-TO-RIGHT EMBEDDING',
  '\u202B': 'RIGHT-TO-LEFT EMBEDDING',
  '\u202C': 'POP DIRECTIONAL FORMATTING',
  '\u202D': 'LEFT-TO-RIGHT OVERRIDE',
  '\u202E': 'RIGHT-TO-LEFT OVERRIDE',
  '\u2066': 'LEFT-TO-RIGHT ISOLATE',
  '\u2067': 'RIGHT-TO-LEFT ISOLATE',
  '\u2068': 'FIRST STRONG ISOLATE',
  '\u2069': 'POP DIRECTIONAL ISOLATE',
};

const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** "U+202E", the label shown in place of the invisible character. */
function codePoint(ch: string): string {
  return `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "U+202E RIGHT-TO-LEFT OVERRIDE", for the code block's warning. */
export function describeBidiControl(ch: string): string {
  return `${codePoint(ch)} ${BIDI_CONTROL_NAMES[ch] ?? 'BIDI CONTROL'}`;
}

/** The distinct bidi control characters in `text`, in order of first appearance. */
export function bidiControlsIn(text: string): string[] {
  return [...new Set(text.match(BIDI_CONTROL))];
}

/**
 * Wraps each bidi control character in `html` (escaped text and markup that never holds one
 * in a tag or attribute, as highlight.js and `escapeHtml` produce) in a flagging span.
 */
export function flagBidiControls(html: string): string {
  return html.replace(BIDI_CONTROL, (ch) => `<span class="bidi-control" title="${codePoint(ch)}">${ch}</span>`);
}
