/**
 * @file `smolcode finetune --workspace`: the editor's whole fine-tuning run (finetune/run.ts)
 * from the command line, in one process: training set, training, merge, report.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

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
