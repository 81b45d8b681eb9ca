/**
 * @file How log lines name the native step (runtime/nativeSummary.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nativeSummary } from '../../../src/runtime/nativeSummary';

describe('native step summary', () => {
  it('names the kernel, says when prompt chunks run there too, and says nothing without it', () => {
    assert.equal(nativeSummary({ nativeDecode: 'avx512-vnni', nativePrompts: true }), ', native decode (avx512-vnni), prompts too');
    assert.equal(nativeSummary({ nativeDecode: 'scalar' }), ', native decode (scalar)');
    assert.equal(nativeSummary({}), '');
    assert.equal(nativeSummary({ nativePrompts: true }), '');
  });
});
