import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { UsageError, type CliCommand } from '../../../src/cli/command';
import { main } from '../../../src/cli/main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  mock.method(console, 'log', (text: string) => out.push(text));
  mock.method(console, 'error', (text: string) => err.push(text));
  return { out, err };
}

const echo: CliCommand = {
  name: 'echo',
  summary: 'prints its arguments',
  usage: 'Usage: smolcode echo ARGS',
  run: (args) => {
    if (args.includes('--bad')) return Promise.reject(new UsageError('--bad is not a flag'));
    if (args.includes('--boom')) return Promise.reject(new Error('disk full'));
    console.log(args.join(' '));
    return Promise.resolve(0);
  },
};

describe('smolcode CLI', () => {
  it('prints help listing every command with its summary', async () => {
    const { out } = capture();
    assert.equal(await main(['--help'], [echo]), 0);
    assert.match(out.join('\n'), /Usage: smolcode <command>/);
    assert.match(out.join('\n'), /echo\s+prints its arguments/);
    mock.restoreAll();
  });

  it('prints help when called with no arguments', async () => {
    const { out } = capture();
    assert.equal(await main([], [echo]), 0);
    assert.match(out.join('\n'), /Commands:/);
    mock.restoreAll();
  });

  it('rejects an unknown command with exit code 2 and names the known ones', async () => {
    const { err } = capture();
    assert.equal(await main(['frobnicate'], [echo]), 2);
    assert.match(err.join('\n'), /unknown command "frobnicate".*Known commands: echo/);
    mock.restoreAll();
  });

  it('shows a command\'s usage for --help without running it', async () => {
    const { out } = capture();
    assert.equal(await main(['echo', 'x', '--help'], [echo]), 0);
    assert.deepEqual(out, ['Usage: smolcode echo ARGS']);
    mock.restoreAll();
  });

  it('runs a command and returns its exit code', async () => {
    const { out } = capture();
    assert.equal(await main(['echo', 'a', 'b'], [echo]), 0);
    assert.deepEqual(out, ['a b']);
    mock.restoreAll();
  });

  it('turns a usage error into exit code 2 with a hint', async () => {
    const { err } = capture();
    assert.equal(await main(['echo', '--bad'], [echo]), 2);
    assert.equal(err[0], 'smolcode echo: --bad is not a flag');
    assert.match(err[1] ?? '', /smolcode echo --help/);
    mock.restoreAll();
  });

  it('turns any other error into exit code 1 with its message', async () => {
    const { err } = capture();
    assert.equal(await main(['echo', '--boom'], [echo]), 1);
    assert.deepEqual(err, ['smolcode echo: disk full']);
    mock.restoreAll();
  });
});
