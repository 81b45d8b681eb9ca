import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PerplexityScorer } from '../../../../src/finetune/dataset/perplexity';
import { buildDataset, OUTPUT_FILES } from '../../../../src/finetune/dataset/pipeline';
import { EXPECTED_KEPT, writeFixture } from '../../../fixtures/dataset-repo/index';
import { charTokenizer } from '../../../support/charTokenizer';

const fakeTokenizer = charTokenizer;

/** A scorer that finds the Go queue surprising and everything else ordinary. */
const fakeScorer: PerplexityScorer = {
  perplexity: (text) => Promise.resolve(text.includes('package queue') ? 500 : 4 + (text.length % 3)),
};

describe('the dataset pipeline (fake tokenizer)', () => {
  let temp: string;
  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'smolcode-pipeline-'));
    await writeFixture(join(temp, 'repo'));
  });
  after(() => rm(temp, { recursive: true, force: true }));

  it('drops perplexity outliers when a scorer is given', async () => {
    const report = await buildDataset({ workspace: join(temp, 'repo'), out: join(temp, 'out') }, { tokenizer: fakeTokenizer, scorer: fakeScorer });
    assert.deepEqual(report.kept.map((k) => k.path).sort(), EXPECTED_KEPT.filter((p) => p !== 'src/queue.go'));
    assert.deepEqual(report.dropped.find((d) => d.path === 'src/queue.go'), { path: 'src/queue.go', reason: 'perplexity-outlier', detail: 'perplexity 500.0' });
  });

  it('keeps only the configured languages', async () => {
    const report = await buildDataset({ workspace: join(temp, 'repo'), out: join(temp, 'out-py'), languages: ['Python'] }, { tokenizer: fakeTokenizer });
    assert.deepEqual(report.kept.map((k) => k.path).sort(), ['src/geometry.py', 'tools/run']);
    assert.equal(report.dropped.find((d) => d.path === 'src/queue.go')?.detail, 'Go is not in the configured languages');
  });

  it('writes nothing of a kind whose rate is 0', async () => {
    const out = join(temp, 'out-code');
    const mixture = { code: 1, docToCode: 0, signatureToBody: 0, prefixToRest: 0, fillInMiddle: 0 };
    const report = await buildDataset({ workspace: join(temp, 'repo'), out, mixture }, { tokenizer: fakeTokenizer });
    assert.equal(await readFile(join(out, OUTPUT_FILES.chat('train')), 'utf8'), '');
    assert.ok(report.splits.train.samples.code > 0);
  });

  it('stops when cancelled, naming the abort', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(buildDataset({ workspace: join(temp, 'repo'), out: join(temp, 'out-x') }, { tokenizer: fakeTokenizer, signal: controller.signal }), { name: 'AbortError' });
  });

  it('rejects a bad sequence length or score, naming the value', async () => {
    await assert.rejects(buildDataset({ workspace: temp, out: join(temp, 'o'), seqLen: 10 }, { tokenizer: fakeTokenizer }), /seqLen must be an integer of at least 64, got 10/);
    await assert.rejects(buildDataset({ workspace: temp, out: join(temp, 'o'), minScore: 6 }, { tokenizer: fakeTokenizer }), /minScore must be from 0 to 5, got 6/);
  });
});
