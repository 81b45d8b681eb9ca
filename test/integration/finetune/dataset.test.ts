import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDataset, OUTPUT_FILES } from '../../../src/finetune/dataset/pipeline';
import type { DatasetReport } from '../../../src/finetune/dataset/report';
import { loadSampleTokenizer, type SampleTokenizer } from '../../../src/finetune/dataset/samples/sampleTokenizer';
import { EXPECTED_DROPPED_GIT, EXPECTED_DROPPED_WALK, EXPECTED_KEPT, EXPECTED_UNSEEN, FIXTURE_SECRETS, writeFixture } from '../../fixtures/dataset-repo/index';
import { TOKENIZER_DIR } from '../../support/tokenizer';

const SEQ_LEN = 512;

describe('building a training set from the fixture repository', () => {
  let temp: string;
  let tokenizer: SampleTokenizer;
  const build = async (workspace: string, out: string, seed = 7) =>
    buildDataset({ workspace, out, seqLen: SEQ_LEN, seed, repoName: 'fixture' }, { tokenizer });

  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'smolcode-dataset-'));
    tokenizer = await loadSampleTokenizer(TOKENIZER_DIR);
    await writeFixture(join(temp, 'plain'));
    await writeFixture(join(temp, 'repo'), { git: true });
  });
  after(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  const dropReasons = (report: DatasetReport) => Object.fromEntries(report.dropped.map((d) => [d.path, d.reason]));

  it('keeps and drops exactly the expected files, with reasons, when walking a folder', async () => {
    const report = await build(join(temp, 'plain'), join(temp, 'out-plain'));
    assert.equal(report.listing, 'walk');
    assert.deepEqual(report.kept.map((k) => k.path).sort(), EXPECTED_KEPT);
    assert.deepEqual(dropReasons(report), EXPECTED_DROPPED_WALK);
    const listed = new Set([...report.kept.map((k) => k.path), ...report.dropped.map((d) => d.path)]);
    for (const path of EXPECTED_UNSEEN) assert.ok(!listed.has(path), `${path} is ignored and must not be listed`);
  });

  it('keeps and drops the same files when git lists them', async () => {
    const report = await build(join(temp, 'repo'), join(temp, 'out-repo'));
    assert.equal(report.listing, 'git');
    assert.deepEqual(report.kept.map((k) => k.path).sort(), EXPECTED_KEPT);
    assert.deepEqual(dropReasons(report), EXPECTED_DROPPED_GIT);
  });

  it('writes no secret string of the fixture anywhere in the output folder', async () => {
    const out = join(temp, 'out-plain');
    const names = await readdir(out);
    assert.ok(names.length >= 8, `output files: ${names.join(', ')}`);
    for (const name of names) {
      const text = await readFile(join(out, name), 'utf8');
      for (const secret of FIXTURE_SECRETS) assert.ok(!text.includes(secret), `${name} holds the fixture secret ${secret.slice(0, 8)}…`);
    }
  });

  it('writes byte-identical output for the same seed, and a different set for another seed', async () => {
    await build(join(temp, 'plain'), join(temp, 'again'));
    await build(join(temp, 'plain'), join(temp, 'other-seed'), 8);
    const names = (await readdir(join(temp, 'out-plain'))).sort();
    assert.deepEqual((await readdir(join(temp, 'again'))).sort(), names);
    let differs = false;
    for (const name of names) {
      const first = await readFile(join(temp, 'out-plain', name));
      assert.ok(first.equals(await readFile(join(temp, 'again', name))), `${name} differs between two runs with seed 7`);
      if (!first.equals(await readFile(join(temp, 'other-seed', name)))) differs = true;
    }
    assert.ok(differs, 'another seed should change the split or the samples');
  });

  it('writes samples in TRL formats that agree with the report and fit the sequence length', async () => {
    const out = join(temp, 'out-plain');
    const report = JSON.parse(await readFile(join(out, OUTPUT_FILES.reportJson), 'utf8')) as DatasetReport;
    const lines = async (name: string) => (await readFile(join(out, name), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    let chatTrain = 0;
    for (const split of ['train', 'validation'] as const) {
      const code = await lines(OUTPUT_FILES.code(split));
      const chat = await lines(OUTPUT_FILES.chat(split));
      const tokens = await lines(OUTPUT_FILES.tokens(split));
      const counts = report.splits[split].samples;
      assert.equal(code.length, counts.code);
      assert.equal(chat.length, counts.docToCode + counts.signatureToBody + counts.prefixToRest + counts.fillInMiddle);
      assert.equal(tokens.length, code.length + chat.length);
      for (const record of code) assert.match(record.text as string, /^<repo_name>fixture<file_sep>[^\n]+\n/);
      for (const record of tokens) assert.ok((record.input_ids as number[]).length <= SEQ_LEN);
      if (split === 'train') chatTrain = chat.length;
    }
    assert.ok(report.splits.validation.samples.code > 0, 'the validation split has files');
    assert.ok(chatTrain > 0 && report.splits.train.samples.docToCode > 0);
    const markdown = await readFile(join(out, OUTPUT_FILES.reportMarkdown), 'utf8');
    assert.match(markdown, /\| secret \| 4 \|/);
    assert.match(markdown, /\| secret-file \| 2 \|/);
  });
});
