/**
 * @file Server-sent events as OpenAI-compatible servers stream them: the `data:` payloads of a
 * byte stream, one per event. Written to the WHATWG rules (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
 * rather than "split on newlines", because servers differ: vLLM ends lines with `\n`, some proxies
 * with `\r\n`, and a chunk boundary may fall anywhere, even inside a UTF-8 character.
 */

/** Parses an event stream incrementally; `push` returns the data of every event completed so far. */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private data: string[] = [];
  /** A `\r` ended the last chunk: a `\n` starting the next one belongs to the same line break. */
  private pendingCr = false;

  /** Feeds bytes (or text); returns the `data` of each event this chunk completed. */
  push(chunk: Uint8Array | string): string[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: string[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      if (match[0] === '\r' && match.index === this.buffer.length - 1) this.pendingCr = true;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  /**
   * The data of complete `data:` lines the stream ended without their blank line, if any. An
   * unterminated last line is dropped: a server that died mid-line sent half a JSON object.
   */
  end(): string | undefined {
    this.buffer = '';
    return this.line('');
  }

  private line(line: string): string | undefined {
    if (line === '') {
      if (this.data.length === 0) return undefined;
      const event = this.data.join('\n');
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    return undefined;
  }
}
