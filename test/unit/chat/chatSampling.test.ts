import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHAT_SAMPLING, chatSampling, MAX_CHAT_TEMPERATURE } from '../../../src/chat/chatBackend';

describe('chatSampling', () => {
  it('uses the temperature the user set, keeping the rest of the chat sampling', () => {
    assert.deepEqual(chatSampling(0), { ...CHAT_SAMPLING, temperature: 0 });
    assert.deepEqual(chatSampling(0.7), { ...CHAT_SAMPLING, temperature: 0.7 });
  });

  it('clamps a hand-edited value out of range', () => {
    assert.equal(chatSampling(-1).temperature, 0);
    assert.equal(chatSampling(50).temperature, MAX_CHAT_TEMPERATURE);
  });

  it('falls back to the default for a value that is not a finite number', () => {
    for (const bad of ['hot', null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(chatSampling(bad).temperature, CHAT_SAMPLING.temperature, String(bad));
    }
  });
});
