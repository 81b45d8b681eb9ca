import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

function cli(args: readonly string[], input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8', input });
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
