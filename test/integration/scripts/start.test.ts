/**
 * @file `npm start` (scripts/start.ts) as a user runs it: through npm, on a free port, with a
 * throwaway code-server home but the caches `npm run test:prepare` fills (code-server, the GGUF)
 * and the import the first start makes once. It serves the workbench with SmolCode installed and
 * pointed at the imported model, keeps settings the user made, and on Ctrl+C (SIGINT to the
 * whole foreground group, as a terminal sends it) or SIGTERM to npm stops every process it
 * started and exits 0. A taken port is refused before any preparation. The settings merge and the
 * options are checked as plain functions first. Values only: the bound below only keeps a hang
 * from eating the run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { OptionError, parseStartOptions } from '../../../scripts/start/options';
import { USER_DEFAULTS, withDefaults, withModelPath } from '../../../scripts/start/settings';
import { preparedBy } from '../../support/provided';
import { freePort } from '../../support/freePort';

/** Whole file: a cold first start packages the VSIX and imports the model (about 2 minutes here). */
const SUITE_MS = 15 * 60_000;

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };


/** Whether a process group still has a member. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** One `npm start`, the leader of its own process group as a terminal's foreground job is. */
class Start {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly pgid: number;
  private readonly groups = new Set<number>();

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    const child = spawn('npm', ['start', '--', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    assert.ok(child.pid, 'npm started');
    this.pgid = child.pid;
    this.groups.add(child.pid);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      const server = /process group (\d+)/.exec(this.stderr)?.[1];
      if (server) this.groups.add(Number(server));
    });
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** code-server's process group, as the start logged it. */
  get serverGroup(): number {
    const pgid = /process group (\d+)/.exec(this.stderr)?.[1];
    assert.ok(pgid, `the start names code-server's process group:\n${this.stderr}`);
    return Number(pgid);
  }

  /** The address it prints once code-server serves; fails with its output if it exits first. */
  async address(): Promise<string> {
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    for (;;) {
      const url = /SmolCode is running: open (\S+)/.exec(this.stdout)?.[1];
      if (url) return url;
      if (exitCode !== undefined) assert.fail(`npm start exited with ${exitCode} before serving:\n${this.stderr.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Kills whatever of it is left (after a failed test). */
  kill(): void {
    for (const pgid of this.groups) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  }
}

describe("npm start's settings and options", () => {
  const models = '/cache/smolcode/start/models';
  const imported = `${models}/SmolLM2-135M-Instruct.Q4_1-0123-smolcode-${version}`;

  it('adds each User default only where the key is absent', () => {
    const { settings, added } = withDefaults({ 'smolcode.device': 'webgpu', 'editor.fontSize': 17 }, USER_DEFAULTS);
    assert.equal(settings['smolcode.device'], 'webgpu');
    assert.equal(settings['editor.fontSize'], 17);
    assert.equal(settings['telemetry.telemetryLevel'], 'off');
    assert.ok(!added.includes('smolcode.device'));
    assert.deepEqual(withDefaults(settings, USER_DEFAULTS).added, []);
  });

  it('points localModelPath at the import unless the user set a path of their own', () => {
    assert.deepEqual(withModelPath({}, imported, models).settings, { 'smolcode.localModelPath': imported });
    assert.deepEqual(withModelPath({ 'smolcode.localModelPath': `${models}/an-older-import`, other: 1 }, imported, models).settings, {
      'smolcode.localModelPath': imported,
      other: 1,
    });
    assert.deepEqual(withModelPath({ 'smolcode.localModelPath': '/home/me/my-model' }, imported, models), {
      settings: { 'smolcode.localModelPath': '/home/me/my-model' },
      kept: '/home/me/my-model',
    });
    assert.equal(withModelPath({ 'smolcode.localModelPath': `${models}/../elsewhere` }, imported, models).kept, `${models}/../elsewhere`);
  });

  it('removes its own localModelPath when there is no import (the extension downloads), and keeps the user\'s', () => {
    assert.deepEqual(withModelPath({ 'smolcode.localModelPath': imported, 'smolcode.hubEndpoint': 'https://mirror' }, undefined, models).settings, {
      'smolcode.hubEndpoint': 'https://mirror',
    });
    assert.equal(withModelPath({ 'smolcode.localModelPath': '/home/me/my-model' }, undefined, models).kept, '/home/me/my-model');
  });

  it('reads the port from --port over SMOLCODE_PORT over 8080, and names a bad one', () => {
    assert.equal(parseStartOptions([], {})?.port, 8080);
    assert.equal(parseStartOptions([], { SMOLCODE_PORT: '9000' })?.port, 9000);
    assert.equal(parseStartOptions(['--port', '9001'], { SMOLCODE_PORT: '9000' })?.port, 9001);
    assert.equal(parseStartOptions(['--port=9002', '--data-dir', 'rel'], {})?.dataDir, join(process.cwd(), 'rel'));
    assert.equal(parseStartOptions(['--help'], {}), undefined);
    assert.throws(() => parseStartOptions(['--port', '70000'], {}), (error: Error) => error instanceof OptionError && /--port is "70000"; expected .* 1 to 65535/.test(error.message));
    assert.throws(() => parseStartOptions([], { SMOLCODE_PORT: '80a' }), /SMOLCODE_PORT is "80a"/);
    assert.throws(() => parseStartOptions(['--data-dir'], {}), /--data-dir needs a value/);
    assert.throws(() => parseStartOptions(['--prot', '1'], {}), /unknown option "--prot"; options: --port N, --data-dir DIR, --help/);
  });
});

describe('npm start', { timeout: SUITE_MS }, () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  const starts: Start[] = [];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'smolcode-start-'));
    // code-server keeps its heartbeat and last-opened folder under XDG_DATA_HOME; not the tester's.
    env = { ...process.env, XDG_DATA_HOME: join(root, 'xdg-data'), SMOLCODE_PORT: undefined, SMOLCODE_START_DATA_DIR: undefined };
  });

  after(() => {
    for (const start of starts) start.kill();
    rmSync(root, { recursive: true, force: true });
  });

  function start(args: readonly string[]): Start {
    const started = new Start(args, env);
    starts.push(started);
    return started;
  }

  it('refuses a taken port before preparing anything, naming the port and how to choose another', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const dataDir = join(root, 'refused');
    try {
      const run = start(['--port', String(port), '--data-dir', dataDir]);
      assert.equal(await run.exited, 1);
      assert.match(run.stderr, new RegExp(`start: ERROR: port ${port} on 127\\.0\\.0\\.1 is in use`));
      assert.match(run.stderr, /npm start -- --port N/);
      assert.doesNotMatch(run.stderr, /building|preparing|importing/);
      assert.equal(existsSync(dataDir), false);
    } finally {
      taken.close();
    }
  });

  describe('with code-server and the GGUF prepared', () => {
    let dataDir: string;
    let modelDir: string | undefined;

    function prepared(t: TestContext): boolean {
      return (
        preparedBy(t, 'scripts/e2e/prepare-code-server.sh', 'SMOLCODE_E2E_CODE_SERVER', 'code-server') !== undefined &&
        preparedBy(t, 'scripts/models/prepare-smollm2-gguf.sh', 'SMOLCODE_SMOLLM2_GGUF', 'the SmolLM2-135M-Instruct GGUF') !== undefined
      );
    }

    before(() => {
      dataDir = join(root, 'home');
      // A user's own settings, which a start must keep.
      mkdirSync(join(dataDir, 'user-data', 'User'), { recursive: true });
      writeFileSync(join(dataDir, 'user-data', 'User', 'settings.json'), JSON.stringify({ 'smolcode.device': 'webgpu', 'editor.fontSize': 17 }));
    });

    it('serves SmolCode on the imported model and stops everything on Ctrl+C', async (t) => {
      if (!prepared(t)) return;
      const port = await freePort();
      const run = start(['--port', String(port), '--data-dir', dataDir]);
      const url = await run.address();
      const workspace = join(dataDir, 'workspace');
      assert.equal(url, `http://127.0.0.1:${port}/?folder=${workspace}`);

      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);

      const extensions = readdirSync(join(dataDir, 'extensions'));
      assert.ok(extensions.some((name) => name.startsWith(`smolcode.smolcode-${version}`)), `SmolCode ${version} is installed: ${extensions.join(', ')}`);

      const machine = readJson(join(dataDir, 'user-data', 'Machine', 'settings.json'));
      modelDir = machine['smolcode.localModelPath'] as string;
      assert.equal(typeof modelDir, 'string');
      assert.ok(existsSync(join(modelDir, 'config.json')), `${modelDir} has config.json`);
      const graphs = readdirSync(join(modelDir, 'onnx'));
      assert.ok(graphs.includes('model_q4.onnx') && graphs.includes('model_q4_fused_matmul.onnx'), `q4 graphs (the default dtype): ${graphs.join(', ')}`);

      const user = readJson(join(dataDir, 'user-data', 'User', 'settings.json'));
      assert.equal(user['smolcode.device'], 'webgpu', "the user's device is kept");
      assert.equal(user['editor.fontSize'], 17);
      assert.equal(user['smolcode.chat.model'], 'SmolLM2-135M-Instruct');
      assert.equal(user['telemetry.telemetryLevel'], 'off');
      assert.ok(existsSync(join(workspace, 'README.md')) && existsSync(join(workspace, 'inventory', 'inventory.py')), 'the sample workspace is copied');

      const server = run.serverGroup;
      process.kill(-run.pgid, 'SIGINT');
      assert.equal(await run.exited, 0, run.stderr.slice(-4000));
      assert.match(run.stderr, /start: SIGINT: stopping code-server\nstart: stopped\n/);
      assert.equal(groupAlive(server), false, "code-server's process group is gone");
      assert.equal(groupAlive(run.pgid), false, "npm start's process group is gone");
      assert.equal(await listening(port), false, `nothing listens on ${port}`);
    });

    it('starts again on the same import and settings, and stops on SIGTERM to npm', async (t) => {
      if (!prepared(t)) return;
      if (!modelDir) return t.skip('the first start did not run');
      const userFile = join(dataDir, 'user-data', 'User', 'settings.json');
      writeFileSync(userFile, JSON.stringify({ ...readJson(userFile), 'telemetry.telemetryLevel': 'error' }));

      const port = await freePort();
      const run = start(['--port', String(port), '--data-dir', dataDir]);
      const page = await fetch(await run.address());
      assert.equal(page.status, 200);
      assert.match(run.stderr, new RegExp(`start: using the imported model ${modelDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
      assert.doesNotMatch(run.stderr, /importing/);
      assert.equal(readJson(join(dataDir, 'user-data', 'Machine', 'settings.json'))['smolcode.localModelPath'], modelDir);
      assert.equal(readJson(userFile)['telemetry.telemetryLevel'], 'error', "a default the user changed is not written back");

      const server = run.serverGroup;
      process.kill(run.pgid, 'SIGTERM');
      assert.equal(await run.exited, 0, run.stderr.slice(-4000));
      assert.equal(groupAlive(server), false, "code-server's process group is gone");
      assert.equal(groupAlive(run.pgid), false, "npm start's process group is gone");
      assert.equal(await listening(port), false, `nothing listens on ${port}`);
    });
  });

  it('prints its usage with --help', () => {
    const run = spawnSync('npm', ['start', '--', '--help'], { encoding: 'utf8', env });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Usage: npm start \[-- --port N\] \[--data-dir DIR\]/);
  });
});
