import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fimTemplate, repositoryTemplate, templateFor, templateNamed } from '../../../src/completion/template/promptTemplate';
import { fimRecordReader } from '../../../src/finetune/ui/adapterFolder';
import { FIM_RECORD_FILE, FIM_SUFFIX_CHARS, fimRecord } from '../../../src/model/fim';
import type { CompletionInput } from '../../../src/completion/types';

const input: CompletionInput = {
  path: 'src/shapes.py',
  languageId: 'python',
  prefix: 'def area(r):\n    ',
  suffix: '\n    return a\n',
  repoName: 'geo',
  snippets: [{ path: 'src/consts.py', text: 'PI = 3.14\n' }],
};

describe('completion templates', () => {
  it('writes the repository format, cut at the cursor', () => {
    assert.equal(repositoryTemplate.build(input), '<repo_name>geo<file_sep>src/consts.py\nPI = 3.14\n<file_sep>src/shapes.py\ndef area(r):\n    ');
  });

  it('writes the same header, then the marked suffix and the prefix the middle continues', () => {
    assert.equal(fimTemplate.build(input), '<repo_name>geo<file_sep>src/consts.py\nPI = 3.14\n<file_sep>src/shapes.py\n<reponame>\n    return a\n<filename>def area(r):\n    ');
    assert.ok(fimTemplate.stopStrings.includes('<|endoftext|>'), 'the middle ends at the format\'s end token');
  });

  it('bounds the suffix it shows at a line end', () => {
    const long = `\n${'x = 1\n'.repeat(1000)}`;
    const prompt = fimTemplate.build({ ...input, suffix: long });
    const shown = prompt.slice(prompt.indexOf('<reponame>') + '<reponame>'.length, prompt.indexOf('<filename>'));
    assert.ok(shown.length <= FIM_SUFFIX_CHARS && shown.length > FIM_SUFFIX_CHARS - 6, `${shown.length}`);
    assert.ok(shown.endsWith('x = 1'));
  });

  it('knows both by name and names the known ones for an unknown name', () => {
    assert.equal(templateNamed('fim'), fimTemplate);
    assert.throws(() => templateNamed('psm'), /unknown completion template "psm"; known: repository, fim/);
  });
});

describe('the template follows the completion adapter', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'smolcode-template-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is the FIM one for an adapter that records FIM, else the setting\'s', () => {
    const errors: string[] = [];
    const read = fimRecordReader((e) => errors.push(e.message));
    const fim = join(root, 'fim');
    const plain = join(root, 'plain');
    makeDir(fim);
    makeDir(plain);
    writeFileSync(join(fim, FIM_RECORD_FILE), JSON.stringify(fimRecord(0.5)));
    assert.equal(templateFor(read(fim), 'repository').name, 'fim');
    assert.equal(templateFor(read(plain), 'repository').name, 'repository');
    assert.equal(templateFor(read(''), 'repository').name, 'repository', 'no adapter');
    assert.deepEqual(errors, []);
  });

  it('reads the record again when it changes, and falls back on a bad one after reporting it', () => {
    const errors: string[] = [];
    const read = fimRecordReader((e) => errors.push(e.message));
    const dir = join(root, 'changing');
    makeDir(dir);
    const file = join(dir, FIM_RECORD_FILE);
    writeFileSync(file, JSON.stringify(fimRecord(0.5)));
    utimesSync(file, 1000, 1000);
    assert.equal(read(dir)?.rate, 0.5);
    writeFileSync(file, '{"format": "other", "version": 1}');
    utimesSync(file, 2000, 2000);
    assert.equal(templateFor(read(dir), 'repository').name, 'repository');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /smolcode_fim\.json: format "other" version 1/);
    read(dir);
    assert.equal(errors.length, 1, 'the same bad file is reported once');
  });
});

function makeDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
