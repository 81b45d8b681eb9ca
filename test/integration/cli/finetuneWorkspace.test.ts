/**
 * @file `smolcode finetune --workspace`: the editor's whole fine-tuning run (finetune/run.ts)
 * from the command line, in one process: training set, training, merge, report; with FIM
 * samples, the adapter folder's record and the mid-file benchmark that reads it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { templateFor } from '../../../src/completion/template/promptTemplate';
import { MIN_FIM_TRAIN_SAMPLES } from '../../../src/finetune/fimRecordRule';
import { FIM_RECORD_FILE, fimRecord, readFimRecord } from '../../../src/model/fim';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { loadTestTokenizer } from '../../support/tokenizer';

function cli(args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8' });
}

describe('smolcode finetune --workspace', () => {
  let model: TempModel;
  let root: string;
  before(() => {
    model = makeTempModel({ seed: 3 });
    root = mkdtempSync(join(tmpdir(), 'smolcode-ft-ws-'));
    const workspace = join(root, 'shapes');
    mkdirSync(workspace);
    for (const [name, body] of Object.entries({ 'circle.py': 'pi * r * r', 'square.py': 'side * side', 'triangle.py': 'base * height / 2' })) {
      writeFileSync(
        join(workspace, name),
        `"""Geometry of one shape."""\n\n\ndef area(*args):\n    """Area of the shape."""\n    return ${body}\n\n\ndef describe():\n    """A short description."""\n    return "${name}"\n`,
      );
    }
    // Enough files for the FIM samples a run needs before it records FIM (MIN_FIM_TRAIN_SAMPLES), none named as in shapes/.
    const solids = join(root, 'solids');
    mkdirSync(solids);
    for (let i = 0; i < MIN_FIM_TRAIN_SAMPLES + 8; i++) {
      writeFileSync(
        join(solids, `solid_${i}.py`),
        `"""Volume of solid number ${i}."""\n\n\ndef volume_${i}(a, b, c):\n    """Volume of solid ${i} with sides a, b and c."""\n    return a * b * c * ${i + 1} / 3\n\n\ndef faces_${i}():\n    """How many faces solid ${i} has."""\n    return ${i + 4}\n`,
      );
    }
  });
  after(() => {
    model.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('builds the set, trains, merges and writes the report into the adapter folder', () => {
    const out = join(root, 'adapter');
    const run = cli(['finetune', '--model', model.dir, '--workspace', join(root, 'shapes'), '--out', out, '--steps', '2', '--seq-len', '64', '--threads', '1']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /training set: 3 of 3 files kept/);
    assert.match(run.stdout, /merging the adapter into fp32/);
    for (const file of ['adapter_model.safetensors', 'onnx/model.onnx', 'report.md', 'loss.svg', 'smolcode_run.json', 'dataset/code-train.jsonl']) {
      assert.ok(existsSync(join(out, file)), file);
    }
    const summary = JSON.parse(readFileSync(join(out, 'smolcode_run.json'), 'utf8')) as { role: string; workspace: string; steps: number; mergedVariant: string; baseFingerprint: string; dataNote: string };
    assert.deepEqual([summary.role, summary.workspace, summary.steps, summary.mergedVariant], ['completion', 'shapes', 2, 'fp32']);
    assert.match(summary.baseFingerprint, /^sha256:[0-9a-f]{64}$/, 'the base is recorded, so loading can tell another base apart');
    // Three short files: trained, with a warning in the output and the report rather than a silent run.
    assert.match(run.stderr, /warning: the training set is small: \d+ trained tokens from 3 files/);
    assert.match(summary.dataNote, /^the training set is small/);
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\*\*Note:\*\* The training set is small/);
  });

  it('trains on FIM samples that fit the sequence, records FIM in the adapter folder, and evaluates mid-file with the FIM template', async () => {
    const out = join(root, 'fim-adapter');
    const run = cli(['finetune', '--model', model.dir, '--workspace', join(root, 'solids'), '--out', out, '--steps', '2', '--seq-len', '128', '--fim-rate', '1', '--threads', '1']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /training set: 24 of 24 files kept; \d+ training and \d+ validation samples \(\d+ of them fill-in-the-middle\)/);
    assert.doesNotMatch(run.stderr, /fill-in-the-middle is not recorded/);
    assert.deepEqual(readFimRecord(out), fimRecord(1));
    const summary = JSON.parse(readFileSync(join(out, 'smolcode_run.json'), 'utf8')) as { fim: { rate: number; trainSamples: number; format: string }; fimNotRecorded: unknown };
    assert.deepEqual([summary.fim.rate, summary.fim.format, summary.fimNotRecorded], [1, 'smolcode-fim-spm', null]);
    assert.ok(summary.fim.trainSamples >= MIN_FIM_TRAIN_SAMPLES);
    const tokenizer = await loadTestTokenizer();
    const texts = readFileSync(join(out, 'dataset', 'code-train.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    assert.equal(texts.filter((t) => t.includes('<filename>')).length, summary.fim.trainSamples);
    for (const text of texts.filter((t) => t.includes('<filename>'))) {
      const ids = tokenizer.encode(text, { add_special_tokens: false });
      assert.ok(ids.length + 1 <= 128, `${ids.length} tokens and the end-of-sequence fit 128`);
      assert.deepEqual(ids.filter((id) => id === 4 || id === 6 || id === 0), [4, 6, 0], 'each marker once, in SPM order, then the end');
    }
    assert.equal(templateFor(readFimRecord(out), 'repository').name, 'fim');
    const fromData = join(root, 'fim-from-data');
    const dataRun = cli(['finetune', '--model', model.dir, '--data', join(out, 'dataset', 'code-train.jsonl'), '--out', fromData, '--steps', '1', '--seq-len', '128', '--threads', '1']);
    assert.equal(dataRun.status, 0, dataRun.stderr);
    assert.match(dataRun.stdout, /fill-in-the-middle: \d+ of \d+ text samples; recorded in /);
    assert.equal(readFimRecord(fromData)?.format, 'smolcode-fim-spm', 'finetune --data records FIM found in its data');
    const merged = join(root, 'fim-merged');
    const merge = cli(['merge', '--model', model.dir, '--adapter', out, '--out', merged, '--dtypes', 'fp32']);
    assert.equal(merge.status, 0, merge.stderr);
    assert.deepEqual(readFimRecord(merged), fimRecord(1), 'a merge into another folder keeps the record');

    const evalRun = cli(['eval', 'completion', '--model', out, '--repo', join(root, 'shapes'), '--mode', 'mid-file', '--files', '1', '--positions', '2', '--held-out', '0.4', '--max-tokens', '4', '--threads', '1', '--json']);
    assert.equal(evalRun.status, 0, evalRun.stderr);
    const report = JSON.parse(evalRun.stdout) as { options: { mode: string; pipeline: { template: string } }; results: unknown[]; trainedOn: string[] };
    assert.deepEqual([report.options.mode, report.options.pipeline.template], ['mid-file', 'fim']);
    assert.deepEqual(report.trainedOn, [], 'the evaluated file (from shapes/) is none the adapter trained on');
    assert.ok(report.results.length > 0);
    const forced = cli(['eval', 'completion', '--model', out, '--repo', join(root, 'shapes'), '--mode', 'mid-file', '--template', 'repository', '--files', '1', '--positions', '1', '--held-out', '0.4', '--max-tokens', '2', '--threads', '1', '--json']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal((JSON.parse(forced.stdout) as { options: { pipeline: { template: string } } }).options.pipeline.template, 'repository');
  });

  it('records no FIM after too few FIM samples, and says so', () => {
    const out = join(root, 'few-fim-adapter');
    mkdirSync(out);
    writeFileSync(join(out, FIM_RECORD_FILE), JSON.stringify(fimRecord(1)));
    const run = cli(['finetune', '--model', model.dir, '--workspace', join(root, 'shapes'), '--out', out, '--steps', '1', '--seq-len', '128', '--fim-rate', '1', '--threads', '1']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /warning: fill-in-the-middle is not recorded: the training set has \d+ FIM training samples, fewer than the 16 /);
    assert.equal(existsSync(join(out, FIM_RECORD_FILE)), false, 'an earlier record in the folder is removed');
    const summary = JSON.parse(readFileSync(join(out, 'smolcode_run.json'), 'utf8')) as { fim: unknown; fimNotRecorded: { rate: number; trainSamples: number; minTrainSamples: number } };
    assert.equal(summary.fim, null);
    assert.deepEqual([summary.fimNotRecorded.rate, summary.fimNotRecorded.minTrainSamples], [1, MIN_FIM_TRAIN_SAMPLES]);
    assert.ok(summary.fimNotRecorded.trainSamples > 0 && summary.fimNotRecorded.trainSamples < MIN_FIM_TRAIN_SAMPLES);
    const fromData = join(root, 'few-fim-from-data');
    const dataRun = cli(['finetune', '--model', model.dir, '--data', join(out, 'dataset', 'code-train.jsonl'), '--out', fromData, '--steps', '1', '--seq-len', '128', '--threads', '1']);
    assert.equal(dataRun.status, 0, dataRun.stderr);
    assert.match(dataRun.stderr, /warning: fill-in-the-middle is not recorded/);
    assert.equal(existsSync(join(fromData, FIM_RECORD_FILE)), false, 'finetune --data follows the same rule');
  });

  it('records no FIM with --fim-rate 0', () => {
    const out = join(root, 'plain-adapter');
    const run = cli(['finetune', '--model', model.dir, '--workspace', join(root, 'shapes'), '--out', out, '--steps', '1', '--seq-len', '128', '--fim-rate', '0', '--threads', '1']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(join(out, FIM_RECORD_FILE)), false);
    assert.equal((JSON.parse(readFileSync(join(out, 'smolcode_run.json'), 'utf8')) as { fim: unknown }).fim, null);
  });

  it('says why a training set is empty, naming the filter and the setting', () => {
    const workspace = join(root, 'tiny');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'a.py'), 'x = 1\n');
    const run = cli(['finetune', '--model', model.dir, '--workspace', workspace, '--out', join(root, 'tiny-adapter'), '--steps', '2', '--threads', '1']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /the training set of tiny is empty: none of its 1 files was kept; dropped: 1 too-small \(files need a few lines of code each\)/);
  });

  it('refuses --data together with --workspace, and --role without it', () => {
    const both = cli(['finetune', '--model', model.dir, '--workspace', root, '--data', join(root, 'x.jsonl'), '--out', join(root, 'never')]);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--workspace builds its own data: pass it without --data and --val/);
    const role = cli(['finetune', '--model', model.dir, '--data', join(root, 'x.jsonl'), '--role', 'chat', '--out', join(root, 'never')]);
    assert.equal(role.status, 2);
    assert.match(role.stderr, /--role goes with --workspace/);
  });
});
