/**
 * @file The next-line benchmark's parts on the committed fixture repository: edit similarity,
 * deterministic positions at non-trivial lines (the target removed from the suffix), a model
 * that answers with the real line scoring 1 and one that answers nothing scoring 0, and scores
 * broken down by language.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RunModel } from '../../../src/completion/pipeline';
import { fimTemplate, repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import { languageOfPath } from '../../../src/finetune/dataset/languages';
import { evalCompletion, quantile, scoreSuggestion, type CompletionEvalOptions } from '../../../src/eval/completionEval';
import { choosePositions, isInsideBlock, isNonTrivialLine, positionsIn } from '../../../src/eval/completionPositions';
import { editSimilarity, firstLine, levenshtein } from '../../../src/eval/editSimilarity';
import { heldOutFiles, readRepository } from '../../../src/eval/repoFiles';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'eval-repo');

const options = (over: Partial<CompletionEvalOptions> = {}): CompletionEvalOptions => ({
  pipeline: { template: repositoryTemplate, maxNewTokens: 32, maxLines: 4 },
  contextTokens: 1024,
  useOtherFiles: true,
  files: 10,
  perFile: 3,
  seed: 7,
  validationFraction: 0.5,
  ...over,
});

/** A model that answers the i-th call with the i-th position's real line (then more code). */
function oracle(targets: readonly string[]): RunModel {
  let call = 0;
  return async (_call, onText) => {
    onText(`${targets[call++]}\n    more()`);
    return { promptTokens: 1, reusedTokens: 0, timeToFirstTokenMs: 0, totalMs: 0, finishReason: 'length' };
  };
}

describe('eval completion: scores', () => {
  it('measures edit similarity as 1 − Levenshtein over the longer length', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
    assert.equal(editSimilarity('', ''), 1);
    assert.equal(editSimilarity('abcd', ''), 0);
    assert.equal(firstLine('return x  \n    y'), 'return x');
    assert.deepEqual(scoreSuggestion('return math.pi * radius ** 2\n\n', 'return math.pi * radius ** 2'), { suggestion: 'return math.pi * radius ** 2', exact: true, editSimilarity: 1 });
    assert.equal(quantile([5, 1, 4, 2, 3], 0.5), 3);
    assert.equal(quantile([5, 1, 4, 2, 3], 0.95), 5);
    assert.equal(quantile([], 0.5), 0);
  });
});

describe('eval completion: positions', () => {
  it('reads the fixture with the dataset filters and holds out files by the dataset split', async () => {
    const repo = await readRepository(FIXTURE);
    assert.deepEqual(repo.files.map((f) => f.path).sort(), ['cmd/main.go', 'geometry/shapes.py', 'geometry/units.py', 'src/format.ts', 'src/queue.ts', 'src/report.ts']);
    const held = heldOutFiles(repo, 7, 0.5).map((f) => f.path);
    assert.equal(held.length, 3);
    assert.deepEqual(heldOutFiles(repo, 7, 0.5).map((f) => f.path), held);
  });

  it('puts the cursor after the indentation of non-trivial lines, never comments or the first line', () => {
    const python = languageOfPath('x.py')!;
    assert.equal(isNonTrivialLine('    return x + 1', python), true);
    assert.equal(isNonTrivialLine('    # a comment here', python), false);
    assert.equal(isNonTrivialLine('    )', python), false);
    const text = 'import os\n\ndef f(a):\n    # note\n    return a + 1\n';
    const positions = positionsIn({ path: 'f.py', text, language: python });
    assert.deepEqual(positions.map((p) => [p.line, p.target, text.slice(p.offset, p.offset + p.target.length)]), [
      [2, 'def f(a):', 'def f(a):'],
      [4, 'return a + 1', 'return a + 1'],
    ]);
  });

  it('in mid-file mode, keeps only lines inside a block that goes on after them', () => {
    const python = languageOfPath('x.py')!;
    const text = 'import os\n\ndef f(a):\n    total = a + 1\n\n    twice = total * 2\n    return twice\n\n\ndef g():\n    return f(1)\n';
    const lines = text.split('\n');
    assert.deepEqual([2, 3, 5, 6, 10].map((i) => isInsideBlock(lines, i)), [false, true, true, false, false]);
    const positions = positionsIn({ path: 'f.py', text, language: python }, 'mid-file');
    assert.deepEqual(positions.map((p) => [p.line, p.target]), [
      [3, 'total = a + 1'],
      [5, 'twice = total * 2'],
    ]);
    assert.equal(positionsIn({ path: 'f.py', text, language: python }).length, 6, 'next-line mode keeps every non-trivial line');
  });

  it('runs mid-file with the suffix in the prompt, through the template it is given', async () => {
    const repo = await readRepository(FIXTURE);
    const prompts: string[] = [];
    const model: RunModel = async (call) => {
      prompts.push(call.prompt);
      return { promptTokens: 1, reusedTokens: 0, timeToFirstTokenMs: 0, totalMs: 0, finishReason: 'eos' };
    };
    const report = await evalCompletion(repo, model, { ...options({ useOtherFiles: false }), mode: 'mid-file', pipeline: { ...options().pipeline, template: fimTemplate } });
    assert.ok(report.overall.positions > 0);
    const expected = choosePositions(heldOutFiles(repo, options().seed, options().validationFraction), { ...options(), mode: 'mid-file' });
    assert.deepEqual(report.results.map((r) => `${r.path}:${r.line}`), expected.map((p) => `${p.file.path}:${p.line + 1}`));
    for (const [i, prompt] of prompts.entries()) {
      const position = expected[i]!;
      const nextLine = position.file.text.split('\n').slice(position.line + 1).find((l) => l.trim() !== '')!;
      assert.match(prompt, /<reponame>\n[^]*<filename>[^]+$/);
      assert.ok(prompt.slice(prompt.indexOf('<reponame>'), prompt.indexOf('<filename>')).includes(nextLine), 'the rest of the block is in the suffix');
      const prefixTail = prompt.slice(prompt.indexOf('<filename>') + '<filename>'.length).slice(-20).trimEnd();
      assert.ok(position.file.text.slice(0, position.offset).trimEnd().endsWith(prefixTail), 'the prompt ends with the prefix');
    }
  });

  it('draws the same positions for the same seed, and others for another', async () => {
    const repo = await readRepository(FIXTURE);
    const pick = (seed: number) => choosePositions(repo.files, { files: 3, perFile: 2, seed }).map((p) => `${p.file.path}:${p.line}`);
    assert.deepEqual(pick(1), pick(1));
    assert.equal(pick(1).length, 6);
    assert.notDeepEqual(pick(1), pick(2));
  });
});

describe('eval completion: the benchmark', () => {
  it('scores 1 for a model that writes the real line', async () => {
    const repo = await readRepository(FIXTURE);
    const { seed, files, perFile, validationFraction } = options();
    const targets = choosePositions(heldOutFiles(repo, seed, validationFraction), { files, perFile, seed }).map((p) => p.target);
    const seen: string[] = [];
    const answer = oracle(targets);
    const model: RunModel = async (call, onText, signal) => {
      seen.push(call.prompt);
      return answer(call, onText, signal);
    };
    const report = await evalCompletion(repo, model, options());
    assert.deepEqual(report.results.map((r) => r.target), targets);
    assert.equal(report.heldOutFiles, 3);
    assert.ok(report.overall.positions >= 4, `positions: ${report.overall.positions}`);
    assert.equal(report.overall.exactMatch, 1, JSON.stringify(report.results.filter((r) => !r.exact), null, 1));
    assert.equal(report.overall.editSimilarity, 1);
    assert.equal(report.overall.emptyShare, 0);
    assert.deepEqual(Object.keys(report.byLanguage).sort(), [...new Set(report.results.map((r) => r.language))].sort());
    assert.equal(seen.length, report.overall.positions);
  });

  it('scores 0 and an empty share of 1 for a model that says nothing', async () => {
    const repo = await readRepository(FIXTURE);
    const silent: RunModel = async () => ({ promptTokens: 1, reusedTokens: 0, timeToFirstTokenMs: 0, totalMs: 0, finishReason: 'eos' });
    const report = await evalCompletion(repo, silent, options({ useOtherFiles: false }));
    assert.equal(report.overall.exactMatch, 0);
    assert.equal(report.overall.emptyShare, 1);
    assert.ok(report.overall.editSimilarity === 0);
    for (const scores of Object.values(report.byLanguage)) assert.equal(scores.exactMatch, 0);
  });
});
