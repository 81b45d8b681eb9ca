import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFromWebview, parseToWebview } from '../../../src/shared/protocol';

describe('webview protocol validation', () => {
  it('accepts well-formed messages and copies only known fields', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(parseToWebview({ type: 'status', text: 'hi' }), { type: 'status', text: 'hi' });
  });

  for (const [name, value] of [
    ['null', null],
    ['a string', 'ready'],
    ['an array', [{ type: 'ready' }]],
    ['an unknown type', { type: 'rm -rf' }],
    ['a missing type', {}],
  ] as const) {
    it(`rejects ${name} from the webview`, () => {
      assert.equal(parseFromWebview(value), undefined);
    });
  }

  it('rejects a status message whose text is not a string', () => {
    assert.equal(parseToWebview({ type: 'status', text: { html: '<img onerror=x>' } }), undefined);
    assert.equal(parseToWebview({ type: 'status' }), undefined);
  });
});
