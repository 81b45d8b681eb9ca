import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choiceFlag, intFlag, parseFlags } from '../../../src/cli/args';
import { UsageError } from '../../../src/cli/command';

describe('CLI flag parsing', () => {
  it('parses known flags', () => {
    const { values } = parseFlags(['--out', 'dir', '--greedy'], { out: { type: 'string' }, greedy: { type: 'boolean' } });
    assert.deepEqual({ ...values }, { out: 'dir', greedy: true });
  });

  it('rejects unknown flags as a usage error', () => {
    assert.throws(() => parseFlags(['--nope'], {}), (error: unknown) => error instanceof UsageError && /--nope/.test(error.message));
  });

  it('reads integers and names the flag when the value is not one', () => {
    assert.equal(intFlag('12', 'seed', 0), 12);
    assert.equal(intFlag(undefined, 'seed', 7), 7);
    assert.throws(() => intFlag('1.5', 'seed', 0), /--seed must be a non-negative integer, got "1.5"/);
    assert.throws(() => intFlag('-3', 'seed', 0), /--seed/);
  });

  it('reads a choice and lists the allowed values when it is not one', () => {
    assert.equal(choiceFlag('q4', 'dtype', ['fp32', 'q4'], 'fp32'), 'q4');
    assert.equal(choiceFlag(undefined, 'dtype', ['fp32', 'q4'], 'fp32'), 'fp32');
    assert.throws(() => choiceFlag('int3', 'dtype', ['fp32', 'q4'], 'fp32'), /--dtype must be one of fp32, q4; got "int3"/);
  });
});
