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

  it('writes the FIM share of code samples in the FIM format, within fimSeqLen, the same for the same seed', async () => {
    const build = (name: string, fimRate: number, seed = 0) => buildDataset({ workspace: join(temp, 'repo'), out: join(temp, name), seqLen: 256, fimRate, fimSeqLen: 200, seed }, { tokenizer: fakeTokenizer });
    const plain = await build('fim-0', 0);
    await buildDataset({ workspace: join(temp, 'repo'), out: join(temp, 'fim-none'), seqLen: 256 }, { tokenizer: fakeTokenizer });
    const files = (name: string) => Promise.all(['train', 'validation'].flatMap((split) => [OUTPUT_FILES.code(split as 'train'), OUTPUT_FILES.chat(split as 'train'), OUTPUT_FILES.tokens(split as 'train')]).map((f) => readFile(join(temp, name, f), 'utf8')));
    assert.deepEqual(await files('fim-0'), await files('fim-none'), 'rate 0 writes what a build without FIM writes');
    assert.equal(plain.splits.train.fimSamples, 0);

    const half = await build('fim-half', 0.5);
    await build('fim-half-again', 0.5);
    assert.deepEqual(await files('fim-half'), await files('fim-half-again'), 'the same seed gives the same samples');
    const code = half.splits.train.samples.code + half.splits.validation.samples.code;
    const fim = half.splits.train.fimSamples + half.splits.validation.fimSamples;
    const sameChunks = await buildDataset({ workspace: join(temp, 'repo'), out: join(temp, 'fim-0-200'), seqLen: 200 }, { tokenizer: fakeTokenizer });
    assert.equal(code, sameChunks.splits.train.samples.code + sameChunks.splits.validation.samples.code, 'chunks are cut at fimSeqLen, and FIM samples replace them one for one');
    assert.ok(fim > 0.25 * code && fim < 0.75 * code, `${fim} of ${code}`);
    assert.ok(half.splits.validation.fimSamples > 0, 'validation samples get the same treatment');
    assert.deepEqual([half.settings.fimRate, half.settings.fimSeqLen], [0.5, 200]);

    const lines = (await readFile(join(temp, 'fim-half', OUTPUT_FILES.code('train')), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    const fimLines = lines.filter((t) => t.includes('<filename>'));
    assert.equal(fimLines.length, half.splits.train.fimSamples);
    for (const text of fimLines) {
      assert.match(text, /^<repo_name>repo<file_sep>[^\n]+\n<reponame>[^]*<filename>[^]+<\|endoftext\|>$/);
      assert.ok(fakeTokenizer.encode(text).length + 1 <= 200, 'fits the training sequence with its end-of-sequence');
    }
    const other = await build('fim-seed-1', 0.5, 1);
    assert.notDeepEqual(await files('fim-seed-1'), await files('fim-half'), 'another seed draws other samples');
    assert.ok(other.splits.train.samples.code > 0);
    await assert.rejects(build('fim-bad', 1.5), /fimRate must be from 0 to 1, got 1.5/);
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
