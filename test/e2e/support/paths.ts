/**
 * @file Where the end-to-end tests find their tools and put their artifacts. `test/e2e/run.sh`
 * prepares the tools (scripts/e2e/prepare-code-server.sh) and passes their paths in the
 * environment; this module validates them once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root. */
export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

/** Screenshots and logs; CI keeps this folder as the run's artifacts. */
export const artifactsDir = join(repoRoot, 'test', 'e2e', 'artifacts');

/** Paths of the prepared tools. */
export interface E2eTools {
  /** Node 24 binary that runs code-server. */
  readonly node: string;
  /** code-server's entry script (out/node/entry.js). */
  readonly codeServer: string;
  /** Debian's chromium. */
  readonly chromium: string;
}

function requiredPath(variable: string): string {
  const value = process.env[variable];
  if (!value) {
    throw new Error(`${variable} is not set: run the e2e tests through \`npm run test:e2e\` (test/e2e/run.sh)`);
  }
  if (!existsSync(value)) {
    throw new Error(`${variable}=${value} does not exist: rerun scripts/e2e/prepare-code-server.sh`);
  }
  return value;
}

/** The tools `run.sh` prepared; throws with the fix when one is missing. */
export function e2eTools(): E2eTools {
  return {
    node: requiredPath('SMOLCODE_E2E_NODE'),
    codeServer: requiredPath('SMOLCODE_E2E_CODE_SERVER'),
    chromium: requiredPath('SMOLCODE_E2E_CHROMIUM'),
  };
}

/** The linux-x64 VSIX that `npm run package` builds for the version in package.json. */
export function vsixPath(): string {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const path = join(repoRoot, 'dist', `smolcode-linux-x64-${version}.vsix`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run package\` first`);
  return path;
}

/** Creates (if needed) and returns the artifacts folder. */
export function ensureArtifactsDir(): string {
  mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}

/** The prepared SmolLM2-135M-Instruct GGUF (test:prepare runs before the e2e tests; without it the real-model suites cannot run). */
export function preparedGgufPath(): string {
  const run = spawnSync('bash', [join(repoRoot, 'scripts/models/prepare-smollm2-gguf.sh'), '--check'], { encoding: 'utf8' });
  const path = /SMOLCODE_SMOLLM2_GGUF='([^']+)'/.exec(run.stdout)?.[1];
  if (run.status !== 0 || !path) throw new Error('the SmolLM2 GGUF is not prepared: run `npm run test:prepare` (scripts/models/prepare-smollm2-gguf.sh)');
  return path;
}
