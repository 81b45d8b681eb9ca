/**
 * @file `smolcode eval completion` on the committed fixture repository with a generated model:
 * the report's positions are the deterministic ones for the seed (the same on a second run),
 * each scored suggestion's scores follow from its text and target, the languages add up to the
 * total, --out writes the same report, --definitions adds definitions, and bad invocations are
 * usage errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { choosePositions } from '../../../src/eval/completionPositions';
import { editSimilarity } from '../../../src/eval/editSimilarity';
import { heldOutFiles, readRepository } from '../../../src/eval/repoFiles';
import type { CompletionEvalReport } from '../../../src/eval/completionEval';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const REPO = 'test/fixtures/eval-repo';

function cli(args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'eval', 'completion', ...args], { encoding: 'utf8' });
}

describe('smolcode eval completion', () => {
  let model: TempModel;
  const root = mkdtempSync(join(tmpdir(), 'smolcode-eval-completion-'));
  before(() => {
    model = makeTempModel({ seed: 3 });
  });
  after(() => {
    model.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const args = () => ['--model', model.dir, '--dtype', 'fp32', '--device', 'cpu', '--threads', '1', '--repo', REPO, '--files', '2', '--positions', '2', '--seed', '5', '--held-out', '0.5', '--max-tokens', '8'];

  it('scores the seed\'s positions, the same on a second run, with scores that follow from each suggestion', async () => {
    const out = join(root, 'report.json');
    const run = cli([...args(), '--json', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as CompletionEvalReport & { dtype: string };
    assert.equal(report.dtype, 'fp32');
    const repository = await readRepository(REPO);
    const expected = choosePositions(heldOutFiles(repository, 5, 0.5), { files: 2, perFile: 2, seed: 5 });
    assert.deepEqual(report.results.map((r) => [r.path, r.line, r.target]), expected.map((p) => [p.file.path, p.line + 1, p.target]));
    assert.equal(report.results.length, 4);
    for (const r of report.results) {
      assert.ok(!r.suggestion.includes('\n'));
      assert.equal(r.exact, r.suggestion === r.target);
      assert.equal(r.editSimilarity, editSimilarity(r.suggestion, r.target));
    }
    const positions = Object.values(report.byLanguage).reduce((sum, s) => sum + s.positions, 0);
    assert.equal(positions, report.overall.positions);
    assert.equal(report.overall.editSimilarity, report.results.reduce((sum, r) => sum + r.editSimilarity, 0) / report.results.length);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).results, report.results);

    const again = cli([...args(), '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as CompletionEvalReport).results.map((r) => r.suggestion), report.results.map((r) => r.suggestion));
  });

  it('prints a table per language', () => {
    const run = cli([...args(), '--no-snippets']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^eval-repo: 3 held-out of 6 files, next-line positions, repository template; .* fp32 .*, no snippets$/m);
    assert.match(run.stdout, /^language\s+positions\s+exact\s+edit sim\s+empty\s+p50 ms\s+p95 ms$/m);
    assert.match(run.stdout, /^all\s+4\s/m);
  });

  it('adds definitions from the eval-only TypeScript resolver with --definitions', () => {
    const run = cli([...args(), '--definitions', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as CompletionEvalReport & { options: { definitions: boolean } };
    assert.equal(report.options.definitions, true);
    assert.equal(report.results.length, 4);
    for (const r of report.results) assert.equal(typeof r.definitions, 'number');
    const bad = cli([...args(), '--definitions', '--definition-share', '2']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--definition-share must be a number from 0 to 1, got "2"/);
  });

  it('names usage errors', () => {
    const noRepo = cli(['--model', model.dir]);
    assert.equal(noRepo.status, 2);
    assert.match(noRepo.stderr, /--repo DIR is required/);
    const missing = cli(['--model', model.dir, '--repo', join(root, 'nope')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--repo .*nope: no such folder/);
  });
});
