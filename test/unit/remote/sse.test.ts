import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser } from '../../../src/remote/sse';

describe('SSE parser', () => {
  it('yields the data of each event, across chunk boundaries and line endings', () => {
    const parser = new SseParser();
    const events = [
      ...parser.push('data: {"a":1}\n\nda'),
      ...parser.push('ta: {"b":2}\r\n\r'),
      ...parser.push('\n: a comment\r\ndata: [DONE]\r\r'),
    ];
    assert.deepEqual(events, ['{"a":1}', '{"b":2}', '[DONE]']);
  });

  it('joins multi-line data and ignores other fields', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('event: x\nid: 3\ndata: one\ndata:two\n\n'), ['one\ntwo']);
  });

  it('decodes a UTF-8 character split between two chunks', () => {
    const parser = new SseParser();
    const bytes = Buffer.from('data: é\n\n');
    assert.deepEqual(parser.push(bytes.subarray(0, 7)), []);
    assert.deepEqual(parser.push(bytes.subarray(7)), ['é']);
  });

  it('at the end gives complete data lines without their blank line, and drops a cut line', () => {
    const whole = new SseParser();
    whole.push('data: {"x":1}\n');
    assert.equal(whole.end(), '{"x":1}');
    const cut = new SseParser();
    cut.push('data: {"x":');
    assert.equal(cut.end(), undefined);
  });
});
