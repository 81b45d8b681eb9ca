import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../../support/tinyModel';
import { underCi } from '../../support/provided';

function cli(args: readonly string[], input?: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8', input, env });
}

describe('smolcode generate and chat', () => {
  let base: TempModel;
  let instruct: TempModel;

  before(() => {
    base = makeTempModel();
    instruct = makeTempModel({ flavour: 'instruct' });
  });

  after(() => {
    base.dispose();
    instruct.dispose();
  });

  it('generate --json prints exactly what the engine generates greedily', async () => {
    const run = cli(['generate', '--model', base.dir, '--prompt', 'def main():', '--max-tokens', '8', '--greedy', '--json', '--threads', '1']);
    assert.equal(run.status, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { text: string; tokens: number[]; provider: string; dtype: string };
    const engine = await Engine.load({ modelDir: base.dir, dtype: 'fp32', device: 'cpu', threads: 1 });
    try {
      const expected = await engine.complete({ slot: 'x', prompt: 'def main():', maxNewTokens: 8 });
      assert.deepEqual(printed.tokens, expected.tokens);
      assert.equal(printed.text, expected.text);
      assert.equal(printed.dtype, 'fp32');
      assert.equal(printed.provider, 'cpu');
    } finally {
      await engine.dispose();
    }
  });

  it('generate runs q4 tokens through the native decode step, and says why not when its addon is broken', (t) => {
    const args = ['generate', '--model', base.dir, '--dtype', 'q4', '--kv-cache', 'int8', '--prompt', 'def main():', '--max-tokens', '6', '--greedy', '--json', '--threads', '1'];
    type Printed = { tokens: number[]; nativeDecode: string | null; note: string | null };
    const native = cli(args);
    assert.equal(native.status, 0, native.stderr);
    const printed = JSON.parse(native.stdout) as Printed;
    if (printed.nativeDecode === null && !underCi()) {
      t.skip(`no native decode step here: ${printed.note}`);
      return;
    }
    assert.match(printed.nativeDecode ?? '', /^(avx512-vnni|avx2|scalar)$/);
    assert.equal(printed.tokens.length, 6);
    const off = JSON.parse(cli([...args, '--native-decode', 'off']).stdout) as Printed;
    assert.equal(off.nativeDecode, null);
    // A file that is not an addon where the addon should be: ONNX Runtime runs, and the note says why.
    const broken = join(base.dir, 'broken.node');
    writeFileSync(broken, 'not a shared library');
    const run = cli([...args, '--native-decode', 'on'], undefined, { ...process.env, SMOLCODE_NATIVE_ADDON: broken });
    assert.equal(run.status, 0, run.stderr);
    const fallback = JSON.parse(run.stdout) as Printed;
    assert.equal(fallback.nativeDecode, null);
    assert.match(fallback.note ?? '', /single tokens stay on ONNX Runtime: the native decoder .*broken\.node does not load/);
    assert.deepEqual(fallback.tokens, off.tokens);
  });

  it('generate names a missing model folder and a missing prompt', () => {
    const missing = cli(['generate', '--model', '/nonexistent/model', '--prompt', 'x']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--model \/nonexistent\/model: no such folder/);
    const noPrompt = cli(['generate', '--model', base.dir]);
    assert.equal(noPrompt.status, 2);
    assert.match(noPrompt.stderr, /--prompt TEXT is required/);
  });

  it('chat answers each line of piped input through the chat template', () => {
    const run = cli(['chat', '--model', instruct.dir, '--max-tokens', '4', '--threads', '1'], 'hello\nand again\n\n');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.split('> ').length - 1, 3, run.stdout);
    assert.ok(run.stdout.replaceAll('> ', '').trim().length > 0);
  });
});
