/**
 * @file The last lines a process wrote, kept in bounded memory, so an error about a crashed
 * worker can quote why it crashed (a missing module, an out-of-memory abort) however much it
 * wrote before.
 */

const STACK_FRAME = /^\s+at \S/;
// Terminal escapes and NULs from a crashing native library would garble a notification.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** Keeps the end of a stream's text: at most `maxChars` characters, read back as lines. */
export class OutputTail {
  private text = '';

  constructor(
    private readonly maxLines = 8,
    private readonly maxChars = 4000,
    private readonly maxLineChars = 300,
  ) {}

  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.maxChars);
  }

  /**
   * The last non-empty lines, each cut to a readable length. Stack frames are left out: they
   * would push the line that says what went wrong ("Error: Cannot find module …") out of the
   * tail, and the log has them all.
   */
  lines(): string[] {
    return this.text
      .split(/\r?\n/)
      .map((line) => line.replace(CONTROL, '').trimEnd())
      .filter((line) => line.length > 0 && !STACK_FRAME.test(line))
      .slice(-this.maxLines)
      .map((line) => (line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line));
  }
}
