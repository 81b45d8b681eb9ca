import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDataset } from '../../src/finetune/dataset/pipeline';
import { findSecret } from '../../src/finetune/dataset/secrets';
import { NEAR_MISSES, SECRET_SNIPPETS, type CorpusCase } from '../fixtures/secretCorpus';
import { charTokenizer } from '../support/charTokenizer';

const CORPUS: readonly CorpusCase[] = [...SECRET_SNIPPETS, ...NEAR_MISSES];

/** Padding that gets every snippet past the size filter, so the secret filter is what decides. */
const PADDING = '# Settings for the deployment scripts of the fixture project.\n# Kept beside the code that reads them.\n';

describe('the secret filter on the hostile corpus', () => {
  it('keeps precision and recall at or above 0.95, and prints them', (t) => {
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    const wrong: string[] = [];
    for (const c of CORPUS) {
      const found = findSecret(c.text) !== undefined;
      if (found && c.secret) truePositives++;
      if (found && !c.secret) falsePositives++;
      if (!found && c.secret) falseNegatives++;
      if (found !== c.secret) wrong.push(`${c.secret ? 'missed' : 'flagged'}: ${c.name}`);
    }
    const precision = truePositives / (truePositives + falsePositives);
    const recall = truePositives / (truePositives + falseNegatives);
    t.diagnostic(`secret filter: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} on ${SECRET_SNIPPETS.length} secrets and ${NEAR_MISSES.length} near-misses`);
    if (wrong.length > 0) t.diagnostic(wrong.join('; '));
    assert.ok(precision >= 0.95, `precision ${precision.toFixed(3)}: ${wrong.join('; ')}`);
    assert.ok(recall >= 0.95, `recall ${recall.toFixed(3)}: ${wrong.join('; ')}`);
  });
});

describe('a workspace holding every secret format of the corpus', () => {
  let temp: string;
  let out: string;
  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'smolcode-hostile-secrets-'));
    await mkdir(join(temp, 'ws'));
    for (const [i, c] of CORPUS.entries()) await writeFile(join(temp, 'ws', `${c.secret ? 'secret' : 'clean'}_${i}.py`), PADDING + c.text);
    out = join(temp, 'out');
    await buildDataset({ workspace: join(temp, 'ws'), out, minScore: 0 }, { tokenizer: charTokenizer });
  });
  after(() => rm(temp, { recursive: true, force: true }));

  it('drops each file with a secret whole, naming the rule that fired', async () => {
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { dropped: { path: string; reason: string; detail?: string }[]; kept: { path: string }[] };
    for (const [i, c] of CORPUS.entries()) {
      const path = `${c.secret ? 'secret' : 'clean'}_${i}.py`;
      const dropped = report.dropped.find((d) => d.path === path);
      if (c.secret) {
        assert.equal(dropped?.reason, 'secret', `${c.name}: ${JSON.stringify(dropped)}`);
        assert.match(dropped?.detail ?? '', /^[a-z0-9-]+(?: \((?:across string literals|base64-encoded)\))?$/, c.name);
      } else {
        assert.notEqual(dropped?.reason, 'secret', c.name);
      }
    }
  });

  it('writes no line of a secret-bearing snippet into any output file', async () => {
    const outputs = await Promise.all((await readdir(out)).map((name) => readFile(join(out, name), 'utf8')));
    for (const c of SECRET_SNIPPETS) {
      for (const line of c.text.split('\n').filter((l) => l.trim().length >= 12)) {
        assert.ok(!outputs.some((text) => text.includes(line.trim())), `${c.name}: ${line.slice(0, 12)}… reached the output`);
      }
    }
  });
});
