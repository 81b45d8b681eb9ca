import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { trainedPaths } from '../../../src/eval/trainingOverlap';

describe('evaluated files an adapter trained on', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'smolcode-overlap-'));
    mkdirSync(join(dir, 'adapter', 'dataset'), { recursive: true });
    const kept = [
      { path: 'a.py', language: 'Python', score: 3, split: 'train' },
      { path: 'b.py', language: 'Python', score: 3, split: 'validation' },
      { path: 'c.py', language: 'Python', score: 3, split: 'train' },
    ];
    writeFileSync(join(dir, 'adapter', 'dataset', 'report.json'), JSON.stringify({ kept }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are the evaluated paths in the training split of the report beside the adapter, once each', () => {
    assert.deepEqual(trainedPaths(join(dir, 'adapter'), ['c.py', 'b.py', 'c.py', 'd.py', 'a.py']), ['a.py', 'c.py']);
  });

  it('are none for a folder without a training set report', () => {
    assert.deepEqual(trainedPaths(dir, ['a.py']), []);
  });
});
