import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextStopper } from '../../../../src/runtime/generation/stopping';

function run(stopper: TextStopper, pieces: readonly string[]) {
  const shown: string[] = [];
  for (const piece of pieces) {
    const result = stopper.push(piece);
    shown.push(result.text);
    if (result.stop) return { shown: shown.join(''), stopped: result.reason };
  }
  return { shown: shown.join('') + stopper.flush(), stopped: undefined };
}

describe('stop strings over streamed text', () => {
  it('stops on a stop string split across three tokens and does not show it', () => {
    assert.deepEqual(run(new TextStopper(['<|im_end|>']), ['Hello', ' world<|im', '_e', 'nd|>more']), {
      shown: 'Hello world',
      stopped: 'stop-string',
    });
  });

  it('holds back a possible stop prefix, then releases it when it diverges', () => {
    const stopper = new TextStopper(['\n\n']);
    assert.deepEqual(stopper.push('a\n'), { text: 'a', stop: false });
    assert.deepEqual(stopper.push('b'), { text: '\nb', stop: false });
  });

  it('stops at the earliest of several stop strings', () => {
    assert.deepEqual(run(new TextStopper(['END', '\n\n']), ['x = 1\n\ny END']), { shown: 'x = 1', stopped: 'stop-string' });
  });

  it('shows held-back text when generation ends for another reason', () => {
    assert.deepEqual(run(new TextStopper(['</s>']), ['value </']), { shown: 'value </', stopped: undefined });
  });

  it('ends at the next newline once the time budget is spent, not mid-line', () => {
    let spent = false;
    const stopper = new TextStopper([], () => spent);
    assert.deepEqual(stopper.push('first line\nsec'), { text: 'first line\nsec', stop: false });
    spent = true;
    assert.deepEqual(stopper.push('ond part'), { text: 'ond part', stop: false });
    assert.deepEqual(stopper.push(' end\nthird'), { text: ' end', stop: true, reason: 'time-budget' });
  });

  it('ignores empty stop strings', () => {
    assert.deepEqual(run(new TextStopper(['']), ['abc']), { shown: 'abc', stopped: undefined });
  });
});
