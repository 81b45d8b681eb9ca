/**
 * @file scripts/e2e/child-npm.sh: the npm that builds code-server must see its own Node.js, not
 * the one of the `npm test` that started it. A cold machine failed exactly here: the outer npm's
 * npm_config_user_agent ("node/v20") reached code-server's postinstall, which refused to build.
 * These run the shell functions under such an environment.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const LIB = resolve('scripts/e2e/child-npm.sh');
const systemNodeDir = dirname(process.execPath);

/** What an outer `npm run` puts into the environment of the scripts it runs. */
const OUTER_NPM_ENV = {
  npm_config_user_agent: 'npm/11.0.0 node/v18.20.0 linux x64 workspaces/false',
  npm_node_execpath: process.execPath,
  NODE: process.execPath,
  npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  npm_lifecycle_event: 'test',
  INIT_CWD: '/somewhere',
  npm_config_cache: '/tmp/kept-npm-cache',
};

function bash(script: string, env: Record<string, string>, cwd: string): { status: number; stdout: string; stderr: string } {
  const run = spawnSync('bash', ['-c', `set -euo pipefail; source ${JSON.stringify(LIB)}; ${script}`], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('child-npm.sh', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'smolcode-child-npm-'));
    writeFileSync(join(dir, 'package.json'), '{"name":"probe","private":true}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("removes the calling npm's variables and keeps the ones a user sets on purpose", () => {
    const run = bash('child_npm_unset_args', OUTER_NPM_ENV, dir);
    assert.equal(run.status, 0, run.stderr);
    const removed = run.stdout.split('\n').filter((line) => line !== '-u' && line !== '');
    for (const name of ['npm_config_user_agent', 'npm_node_execpath', 'NODE', 'npm_config_node_gyp', 'npm_lifecycle_event', 'INIT_CWD']) {
      assert.ok(removed.includes(name), `${name} should be removed`);
    }
    assert.ok(!removed.includes('npm_config_cache'));
  });

  it('drops node_modules/.bin and the node-gyp shim from PATH', () => {
    const run = bash('child_npm_path', { PATH: `/a/node_modules/.bin:/npm/lib/node-gyp-bin:/opt/x/bin:${process.env.PATH}` }, dir);
    assert.equal(run.status, 0, run.stderr);
    const entries = run.stdout.split(':');
    assert.deepEqual(entries.filter((entry) => entry.endsWith('node_modules/.bin') || entry.endsWith('node-gyp-bin')), []);
    assert.ok(entries.includes('/opt/x/bin') && entries.includes(systemNodeDir), run.stdout);
  });

  it("lets install scripts see the child's Node.js even under an outer npm of another version", () => {
    const run = bash(`verify_child_npm ${JSON.stringify(systemNodeDir)} .`, OUTER_NPM_ENV, dir);
    assert.equal(run.status, 0, run.stderr);
  });

  it('fails and names the variable that points at another Node.js', () => {
    // A node whose --version differs from what the process really is: the child's scripts then
    // see a mismatch, the state the check exists to catch.
    const fakeDir = mkdtempSync(join(tmpdir(), 'smolcode-fake-node-'));
    try {
      writeFileSync(
        join(fakeDir, 'node'),
        `#!/bin/sh\nif [ "$1" = --version ]; then echo v99.0.0; else exec ${JSON.stringify(process.execPath)} "$@"; fi\n`,
      );
      chmodSync(join(fakeDir, 'node'), 0o755);
      const run = bash(`verify_child_npm ${JSON.stringify(fakeDir)} .`, { ...OUTER_NPM_ENV, SOME_TOOL_NODE: process.execPath }, dir);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /expected v99\.0\.0 in both/);
      assert.match(run.stderr, new RegExp(`SOME_TOOL_NODE=${process.execPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.doesNotMatch(run.stderr, /npm_config_user_agent=/, 'a removed variable is not a leak');
    } finally {
      rmSync(fakeDir, { recursive: true, force: true });
    }
  });
});
