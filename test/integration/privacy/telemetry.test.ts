import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/** Variables libonnxruntime reads to detect a CI machine (found in the library's strings). */
const CI_VARIABLES = ['CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID', 'BUILDKITE', 'TEAMCITY_VERSION'];

/** Runs `code` in a fresh node with HOME (and XDG_CACHE_HOME) in a temp dir and no ORT_DISABLE_TELEMETRY inherited. */
function runWithFreshHome(args: readonly string[]): { home: string; status: number | null; output: string } {
  const home = mkdtempSync(join(tmpdir(), 'smolcode-home-'));
  // ORT writes under $XDG_CACHE_HOME when that is set (a cold CI run sets it): keep both in home.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache') };
  delete env.ORT_DISABLE_TELEMETRY;
  // ONNX Runtime skips telemetry by itself on CI machines (it looks for these variables), which
  // would hide both the control's writes and ours: remove them so the check means something.
  for (const name of CI_VARIABLES) delete env[name];
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  return { home, status: result.status, output: result.stdout + result.stderr };
}

const loadAndCreate = `
  const bytes = new Uint8Array(8);
  ort.InferenceSession.create(bytes).catch(() => undefined).then(() => console.log('loaded', ort.env.versions.node));
`;

describe('ONNX Runtime telemetry', () => {
  it('is written by raw onnxruntime-node without the switch (control: the check can fail)', () => {
    const run = runWithFreshHome(['-e', `const ort = require('onnxruntime-node'); ${loadAndCreate}`]);
    try {
      assert.match(run.output, /loaded 1\.30\.0/);
      assert.ok(existsSync(join(run.home, '.cache', 'Microsoft')), 'expected raw ORT to write ~/.cache/Microsoft');
    } finally {
      rmSync(run.home, { recursive: true, force: true });
    }
  });

  it('writes nothing under ~/.cache/Microsoft when ORT is loaded through SmolCode', () => {
    const run = runWithFreshHome([
      '--import',
      'tsx',
      '-e',
      `import('./src/runtime/session.ts').then(async ({ loadOrt }) => { const ort = await loadOrt(); ${loadAndCreate} });`,
    ]);
    try {
      assert.match(run.output, /loaded 1\.30\.0/);
      assert.equal(existsSync(join(run.home, '.cache', 'Microsoft')), false);
    } finally {
      rmSync(run.home, { recursive: true, force: true });
    }
  });
});
