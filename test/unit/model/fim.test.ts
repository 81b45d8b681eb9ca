import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { boundedSuffix, checkFimRecord, FIM_FORMAT, FIM_RECORD_FILE, fimPrompt, fimRecord, fimSampleText, isFimSample, readFimRecord } from '../../../src/model/fim';
import { fimSamplesIn } from '../../../src/finetune/fimData';
import { loadTestTokenizer } from '../../support/tokenizer';

const HEADER = '<repo_name>app<file_sep>src/a.py\n';

describe('the FIM format', () => {
  let encode: (text: string) => number[];
  before(async () => {
    const tokenizer = await loadTestTokenizer();
    encode = (text) => tokenizer.encode(text, { add_special_tokens: false });
  });

  it('writes the header, then the suffix and the prefix behind their markers, in SPM order, so the middle continues the prefix', () => {
    assert.equal(fimPrompt(HEADER, 'def f(x):\n    ', '\n    return y\n'), '<repo_name>app<file_sep>src/a.py\n<reponame>\n    return y\n<filename>def f(x):\n    ');
    assert.equal(fimSampleText(HEADER, 'a = ', '1', '\n'), '<repo_name>app<file_sep>src/a.py\n<reponame>\n<filename>a = 1<|endoftext|>');
  });

  it('uses one SmolLM2 token per marker, with the ids the format names', () => {
    for (const key of ['suffix', 'middle', 'end'] as const) assert.deepEqual(encode(FIM_FORMAT[key]), [FIM_FORMAT.ids[key]], key);
    assert.deepEqual(
      [FIM_FORMAT.suffix, FIM_FORMAT.middle, FIM_FORMAT.end].map((m) => encode(m)[0]),
      [4, 6, 0],
    );
  });

  it('keeps the markers whole inside a sample, and tokenizes prefix and middle as the one text they are in the file', () => {
    const prefix = 'def area(r):\n    ';
    const suffix = '\n    return a\n';
    const middle = 'a = pi * r * r';
    const ids = encode(fimSampleText(HEADER, prefix, middle, suffix));
    assert.deepEqual(ids, [...encode(HEADER), 4, ...encode(suffix), 6, ...encode(prefix + middle), 0]);
  });

  it('tells its samples from other text', () => {
    assert.equal(isFimSample(fimSampleText(HEADER, 'a = ', '1', '\n')), true);
    assert.equal(isFimSample(`${HEADER}a = 1\n<|endoftext|>`), false);
    assert.equal(isFimSample(fimPrompt(HEADER, 'a = ', '\n')), false, 'no middle and end');
    assert.equal(isFimSample(`${HEADER}<filename>y<reponame>x<|endoftext|>`), false, 'out of order');
    assert.equal(isFimSample(`${HEADER}<reponame>x<filename>y<reponame>z<|endoftext|>`), false, 'a marker twice');
  });

  it('bounds the suffix at a line end within the character budget', () => {
    assert.equal(boundedSuffix('\nab\ncd\nef', 6), '\nab\ncd');
    assert.equal(boundedSuffix('\nab', 6), '\nab');
    assert.equal(boundedSuffix('abcdefgh', 4), 'abcd', 'a line longer than the bound is cut inside it');
  });
});

describe('the FIM record of an adapter folder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'smolcode-fim-record-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('comes from the share of FIM samples among the text lines of a data file', () => {
    const data = join(dir, 'data.jsonl');
    const lines = [{ text: fimSampleText(HEADER, 'a = ', '1', '\n') }, { text: 'plain code' }, { messages: [] }, { text: fimSampleText(HEADER, 'b', '2', '') }, { text: 'more' }];
    writeFileSync(data, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    assert.deepEqual(fimSamplesIn(data), { fim: 2, text: 4 });
  });

  it('names the format, its version, the rate and the markers', () => {
    assert.deepEqual(fimRecord(0.5), { format: 'smolcode-fim-spm', version: 1, rate: 0.5, markers: { suffix: '<reponame>', middle: '<filename>', end: '<|endoftext|>' } });
    assert.throws(() => fimRecord(0), /a FIM record needs a rate in \(0, 1\], got 0/);
  });

  it('reads back what was written, and nothing from a folder without one', () => {
    assert.equal(readFimRecord(dir), undefined);
    writeFileSync(join(dir, FIM_RECORD_FILE), JSON.stringify(fimRecord(0.9)));
    assert.deepEqual(readFimRecord(dir), fimRecord(0.9));
  });

  it('refuses another format, version or marker, naming what differs', () => {
    assert.match(checkFimRecord({ ...fimRecord(0.5), version: 2 }) as string, /version 2; this SmolCode knows smolcode-fim-spm version 1/);
    assert.match(checkFimRecord({ ...fimRecord(0.5), markers: { ...fimRecord(0.5).markers, middle: '<fim_middle>' } }) as string, /marker middle is "<fim_middle>", the format's is <filename>/);
    assert.match(checkFimRecord({ ...fimRecord(0.5), rate: 2 }) as string, /rate 2 is not in \(0, 1\]/);
    writeFileSync(join(dir, FIM_RECORD_FILE), '{"format": "other"}');
    assert.throws(() => readFimRecord(dir), /smolcode_fim\.json: format "other" version undefined/);
  });

  it('refuses the first (PSM) format with the reason and what to do, so completions fall back to the prefix', () => {
    const psm = { format: 'smolcode-fim-psm', version: 1, rate: 0.5, markers: { prefix: '<gh_stars>', suffix: '<reponame>', middle: '<filename>', end: '<|endoftext|>' } };
    writeFileSync(join(dir, FIM_RECORD_FILE), JSON.stringify(psm));
    assert.throws(() => readFimRecord(dir), /first FIM format \(smolcode-fim-psm\).*fine-tune it again to teach smolcode-fim-spm/);
  });
});
