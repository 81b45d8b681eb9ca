import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLanguageEnabled } from '../../../src/host/settingsSchema';

describe('per-language completion switch', () => {
  const map = { '*': true, markdown: false };

  it('uses an explicit entry first', () => {
    assert.equal(isLanguageEnabled(map, 'markdown'), false);
    assert.equal(isLanguageEnabled({ '*': false, python: true }, 'python'), true);
  });

  it('falls back to the wildcard, then to on', () => {
    assert.equal(isLanguageEnabled(map, 'typescript'), true);
    assert.equal(isLanguageEnabled({ '*': false }, 'go'), false);
    assert.equal(isLanguageEnabled({}, 'go'), true);
  });
});
