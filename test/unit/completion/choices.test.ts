import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choiceSampling, clampChoices, distinctChoices, maxChoiceRuns, runChoices } from '../../../src/completion/choices';
import type { ModelCall, RunModel } from '../../../src/completion/pipeline';
import { repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../../src/completion/types';

const input: CompletionInput = { path: 'a.py', languageId: 'python', prefix: 'x = ', suffix: '\n', repoName: 'r', snippets: [] };
const options = { template: repositoryTemplate, maxNewTokens: 8, maxLines: 2 };

/** A model that answers its calls from `answers` in order and records each call. */
function scripted(answers: readonly string[], calls: ModelCall[]): RunModel {
  return async (call, onText) => {
    calls.push(call);
    onText(answers[calls.length - 1] ?? '');
    return { promptTokens: 10, reusedTokens: calls.length === 1 ? 0 : 10, timeToFirstTokenMs: 0, totalMs: 0, finishReason: 'eos' };
  };
}

describe('completion choices', () => {
  it('keeps distinct non-empty suggestions in order, up to the count; trailing whitespace does not make a new one', () => {
    assert.deepEqual(distinctChoices(['a + b', '', 'a + b ', 'a - b', 'a * b', 'a / b'], 3), ['a + b', 'a - b', 'a * b']);
    assert.deepEqual(distinctChoices(['  ', 'x'], 2), ['x']);
    assert.deepEqual(distinctChoices([], 3), []);
  });

  it('samples every choice but the first, which is greedy, each with its own seed', () => {
    assert.equal(choiceSampling(0), undefined);
    const second = choiceSampling(1);
    const third = choiceSampling(2);
    assert.ok((second?.temperature ?? 0) > 0 && (second?.topP ?? 1) < 1);
    assert.notEqual(second?.seed, third?.seed);
  });

  it('clamps the setting to 1..5 and bounds the runs spent on duplicates', () => {
    assert.deepEqual([0, 1, 3, 5, 9, 2.6, Number.NaN].map(clampChoices), [1, 1, 3, 5, 5, 3, 1]);
    assert.deepEqual([1, 2, 3].map(maxChoiceRuns), [1, 3, 5]);
  });

  it('runs the greedy call first, retries duplicates, and stops at the count', async () => {
    const calls: ModelCall[] = [];
    const result = await runChoices(input, options, scripted(['a + b', 'a + b', 'a - b', 'a * b', 'never'], calls), 3, new AbortController().signal);
    assert.deepEqual(result.texts, ['a + b', 'a - b', 'a * b']);
    assert.equal(result.runs, 4);
    assert.equal(calls[0]?.sampling, undefined);
    assert.ok(calls.slice(1).every((c) => (c.sampling?.temperature ?? 0) > 0));
    assert.ok(calls.every((c) => c.prompt === calls[0]?.prompt), 'one shared prompt');
  });

  it('gives up after its run bound with fewer choices, and makes no samples when greedy has nothing', async () => {
    const same = await runChoices(input, options, scripted(Array(9).fill('a + b'), []), 3, new AbortController().signal);
    assert.deepEqual(same.texts, ['a + b']);
    assert.equal(same.runs, 5);
    const calls: ModelCall[] = [];
    const none = await runChoices(input, options, scripted(['', 'a'], calls), 3, new AbortController().signal);
    assert.deepEqual(none.texts, []);
    assert.equal(calls.length, 1);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const calls: ModelCall[] = [];
    const inner = scripted(['a', 'b', 'c'], calls);
    const result = await runChoices(input, options, (call, onText, signal) => inner(call, onText, signal).finally(() => controller.abort()), 3, controller.signal);
    assert.equal(calls.length, 1);
    assert.ok(result.texts.length <= 1);
  });
});
