import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { provided, underCi } from '../../support/provided';

/** A TestContext that records skips. */
function fakeContext(): { t: TestContext; skips: string[] } {
  const skips: string[] = [];
  return { t: { skip: (message?: string) => void skips.push(message ?? '') } as unknown as TestContext, skips };
}

describe('provided (test environment checks)', () => {
  it('reads CI the way CI systems set it', () => {
    assert.equal(underCi({ CI: 'true' }), true);
    assert.equal(underCi({ CI: '1' }), true);
    assert.equal(underCi({ CI: 'false' }), false);
    assert.equal(underCi({ CI: '' }), false);
    assert.equal(underCi({}), false);
  });

  it('passes when nothing is missing', () => {
    const { t, skips } = fakeContext();
    assert.equal(provided(t, undefined, { CI: 'true' }), true);
    assert.deepEqual(skips, []);
  });

  it('skips with the reason and the command that provides it, outside CI', () => {
    const { t, skips } = fakeContext();
    assert.equal(provided(t, 'no WebGPU adapter', {}), false);
    assert.deepEqual(skips, ['no WebGPU adapter (npm run test:prepare provides it)']);
  });

  it('fails instead of skipping under CI', () => {
    const { t, skips } = fakeContext();
    assert.throws(() => provided(t, 'no WebGPU adapter', { CI: 'true' }), /no WebGPU adapter; npm run test:prepare provides it/);
    assert.deepEqual(skips, []);
  });
});
