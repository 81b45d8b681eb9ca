/**
 * @file Token healing of a trailing space or tab: the prompt loses it, and the model's text
 * loses it again at its start, however the chunks split it, and only there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropHealed, healTrailingSpace } from '../../../src/completion/trailingSpace';

async function collect(chunks: readonly string[], healed: string): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const out: string[] = [];
  for await (const chunk of dropHealed(source(), healed)) out.push(chunk);
  return out;
}

describe('trailing space healing', () => {
  it('takes one trailing space or tab off the prompt, and nothing else', () => {
    assert.deepEqual(healTrailingSpace('def f():\n    '), { prefix: 'def f():\n   ', healed: ' ' });
    assert.deepEqual(healTrailingSpace('x = '), { prefix: 'x =', healed: ' ' });
    assert.deepEqual(healTrailingSpace('x =\n'), { prefix: 'x =\n', healed: '' });
    assert.deepEqual(healTrailingSpace('if x {\n\t\t'), { prefix: 'if x {\n\t', healed: '\t' });
    assert.deepEqual(healTrailingSpace('x'), { prefix: 'x', healed: '' });
  });

  it('drops the space the model writes back, however the chunks fall', async () => {
    assert.deepEqual(await collect([' return x', '\n'], ' '), ['return x', '\n']);
    assert.deepEqual(await collect([' ', 'return'], ' '), ['return']);
    assert.deepEqual(await collect(['', ' re', 'turn'], ' '), ['re', 'turn']);
  });

  it('leaves text that does not start with the space, and later spaces, as they are', async () => {
    assert.deepEqual(await collect(['\n    y = 1'], ' '), ['\n    y = 1']);
    assert.deepEqual(await collect(['x', ' ', 'y'], ' '), ['x', ' ', 'y']);
    assert.deepEqual(await collect([' a', ' b'], ''), [' a', ' b']);
    assert.deepEqual(await collect(['\tcase x:'], '\t'), ['case x:']);
  });
});
