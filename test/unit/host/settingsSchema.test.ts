import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLanguageEnabled, MODEL_SETTINGS, SETTING_KEYS } from '../../../src/host/settingsSchema';

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

describe('settings that reload the model', () => {
  it('are the ones that choose or place a role’s model, and no others', () => {
    assert.deepEqual([...MODEL_SETTINGS].sort(), [
      'chat.adapter',
      'chat.model',
      'completion.adapter',
      'completion.model',
      'device',
      'dtype',
      'fusedGraph',
      'hubEndpoint',
      'kvCache',
      'localModelPath',
      'nativeDecode',
      'promptDtype',
      'threads',
      'tokenizerPath',
    ]);
    for (const key of MODEL_SETTINGS) assert.ok(SETTING_KEYS.includes(key), key);
  });
});
