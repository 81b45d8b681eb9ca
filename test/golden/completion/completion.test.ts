import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPipeline, type ModelCall } from '../../../src/completion/pipeline';
import { repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../../src/completion/types';
import { postprocessCases, promptCases } from './cases';

const CURSOR = '█';

function split(document: string): { prefix: string; suffix: string } {
  const at = document.indexOf(CURSOR);
  assert.ok(at >= 0 && document.indexOf(CURSOR, at + 1) < 0, 'a case needs exactly one cursor marker');
  return { prefix: document.slice(0, at), suffix: document.slice(at + 1) };
}

/** A fake model that streams `output` three characters at a time and records what it was asked. */
function fakeModel(output: string) {
  const seen: { call?: ModelCall; streamed: number; aborted: boolean } = { streamed: 0, aborted: false };
  const run = async (call: ModelCall, onText: (text: string) => void, signal: AbortSignal) => {
    seen.call = call;
    for (let i = 0; i < output.length; i += 3) {
      if (signal.aborted) {
        seen.aborted = true;
        return undefined;
      }
      onText(output.slice(i, i + 3));
      seen.streamed = i + 3;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { run, seen };
}

const options = { template: repositoryTemplate, maxNewTokens: 64, maxLines: 20 };
const hasOnly = postprocessCases.some((c) => c.only);

describe('completion postprocessing (golden cases)', () => {
  for (const testCase of postprocessCases) {
    if (hasOnly && !testCase.only) continue;
    it(testCase.description, async () => {
      const { prefix, suffix } = split(testCase.input);
      const input: CompletionInput = { path: 'file', languageId: testCase.languageId, prefix, suffix, repoName: 'repo', snippets: [] };
      const model = fakeModel(testCase.modelOutput);
      const suggestion = await runPipeline(input, options, model.run, new AbortController().signal);
      assert.equal(suggestion.mode, testCase.mode);
      assert.equal(suggestion.text, testCase.expected);
    });
  }

  it('asks without the space after the indentation, and drops the space the model writes back', async () => {
    const { prefix, suffix } = split('def run(x):\n    █\n');
    const model = fakeModel(' return x * 2\n');
    const input: CompletionInput = { path: 'a.py', languageId: 'python', prefix, suffix, repoName: 'r', snippets: [] };
    const suggestion = await runPipeline(input, options, model.run, new AbortController().signal);
    assert.ok(model.seen.call?.prompt.endsWith('def run(x):\n   '), JSON.stringify(model.seen.call?.prompt.slice(-20)));
    assert.equal(suggestion.text, 'return x * 2');
  });

  it('stops the model as soon as a rule ends the suggestion', async () => {
    const { prefix, suffix } = split('def run(x):\n    █\n');
    const long = `return x\nprint("done")\n${'filler = 1\n'.repeat(50)}`;
    const model = fakeModel(long);
    const input: CompletionInput = { path: 'a.py', languageId: 'python', prefix, suffix, repoName: 'r', snippets: [] };
    const suggestion = await runPipeline(input, options, model.run, new AbortController().signal);
    assert.equal(suggestion.text, 'return x');
    assert.equal(model.seen.aborted, true);
    assert.ok(model.seen.streamed < long.length / 4, `streamed ${model.seen.streamed} of ${long.length}`);
  });

  it('asks the engine to stop at a newline in single-line mode and at a blank line in multi-line mode', async () => {
    for (const [document, stop] of [['x = f(a, █b)', '\n'], ['def f():█', '\n\n']] as const) {
      const { prefix, suffix } = split(document);
      const model = fakeModel('');
      await runPipeline({ path: 'a.py', languageId: 'python', prefix, suffix, repoName: 'r', snippets: [] }, options, model.run, new AbortController().signal);
      assert.equal(model.seen.call?.stopStrings.at(-1), stop);
      assert.ok(model.seen.call?.stopStrings.includes('<file_sep>'));
    }
  });
});

describe('completion prompt (golden cases)', () => {
  for (const testCase of promptCases) {
    it(testCase.description, () => {
      const { prefix, suffix } = split(testCase.input);
      const prompt = repositoryTemplate.build({ path: testCase.path, languageId: 'x', prefix, suffix, repoName: testCase.repoName, snippets: testCase.snippets });
      assert.equal(prompt, testCase.expected);
    });
  }
});
