/**
 * @file code-server as `npm start` runs it: the same build the e2e tests use
 * (scripts/e2e/prepare-code-server.sh, without chromium), a persistent home, and a process group
 * of its own. code-server forks an extension host, a pty host and file watchers, and the
 * extension host forks SmolCode's model workers; as the leader of a new group (and session) the
 * server is out of reach of the terminal's Ctrl+C, and {@link RunningCodeServer.stop} ends all
 * of it with one SIGTERM to the group, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { log, runChild, type StopRequests } from './children';

const PREPARE = 'scripts/e2e/prepare-code-server.sh';
/** How long code-server may take to answer HTTP (2 cores, first start of a home: about 5 s). */
const SERVE_DEADLINE_MS = 120_000;
/** SIGTERM to SIGKILL. */
const STOP_GRACE_MS = 10_000;

/** The Node 24 that runs code-server, and code-server's entry script. */
export interface CodeServerTools {
  readonly node: string;
  readonly codeServer: string;
}

/** Where code-server keeps everything of `npm start` (the --data-dir). */
export interface StartHome {
  readonly root: string;
  readonly userData: string;
  readonly extensions: string;
  /** code-server's config.yaml (kept here, not in ~/.config/code-server; flags override it). */
  readonly config: string;
  readonly log: string;
  /** The copy of samples/workspace the workbench opens. */
  readonly workspace: string;
  /** SHA-256 of the VSIX last installed. */
  readonly installedVsix: string;
}

/** The layout of a home in `dataDir`. */
export function startHome(dataDir: string): StartHome {
  return {
    root: dataDir,
    userData: join(dataDir, 'user-data'),
    extensions: join(dataDir, 'extensions'),
    config: join(dataDir, 'config.yaml'),
    log: join(dataDir, 'code-server.log'),
    workspace: join(dataDir, 'workspace'),
    installedVsix: join(dataDir, 'installed-vsix.sha256'),
  };
}

/** Prepares (or finds in the cache) code-server and its Node 24. */
export async function prepareCodeServer(repoRoot: string, stop: StopRequests): Promise<CodeServerTools> {
  log(`preparing code-server: bash ${PREPARE} --server-only`);
  const stdout = await runChild('bash', [PREPARE, '--server-only'], { stop, cwd: repoRoot, captureStdout: true });
  const value = (name: string): string => {
    const path = new RegExp(`^${name}='(.*)'$`, 'm').exec(stdout)?.[1];
    if (!path || !existsSync(path)) throw new Error(`${PREPARE} printed no existing ${name}`);
    return path;
  };
  return { node: value('SMOLCODE_E2E_NODE'), codeServer: value('SMOLCODE_E2E_CODE_SERVER') };
}

/**
 * Our environment for code-server, less what does not belong to the server and the terminals it
 * opens: the variables `npm start` added (npm_*, NODE, INIT_CWD and node_modules/.bin on PATH,
 * as scripts/e2e/child-npm.sh removes them) and code-server's own PORT and password variables,
 * which the flags below decide.
 */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('npm_') || ['node', 'init_cwd', 'port', 'password', 'hashed_password'].includes(lower)) continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.endsWith('/node_modules/.bin') && !entry.endsWith('/node-gyp-bin'))
    .join(delimiter);
  return env;
}

function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Installs `vsix` into the home's extensions folder unless this very file is installed already. */
export async function installVsix(tools: CodeServerTools, home: StartHome, vsix: string, stop: StopRequests): Promise<void> {
  const digest = fileSha256(vsix);
  const installed = existsSync(home.installedVsix) ? readFileSync(home.installedVsix, 'utf8').trim() : '';
  const present = existsSync(home.extensions) && readdirSync(home.extensions).some((name) => name.startsWith('smolcode.smolcode-'));
  if (installed === digest && present) {
    log(`SmolCode from ${vsix} is installed already`);
    return;
  }
  log(`installing ${vsix} into ${home.extensions}`);
  mkdirSync(home.root, { recursive: true });
  await runChild(
    tools.node,
    [tools.codeServer, '--config', home.config, '--user-data-dir', home.userData, '--extensions-dir', home.extensions, '--install-extension', vsix, '--force'],
    { stop, env: serverEnv() },
  );
  writeFileSync(home.installedVsix, `${digest}\n`);
}

/** Throws, naming the port and how to pick another, when 127.0.0.1:`port` is taken. */
export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is in use (another SmolCode or another server?)' : `cannot be opened (${error.code ?? error.message})`;
      reject(new Error(`port ${port} on 127.0.0.1 ${why}; choose another with \`npm start -- --port N\` or SMOLCODE_PORT=N`));
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise()));
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

/** The last lines of a log file, for an error message. */
function logTail(path: string, lines = 20): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Options of {@link RunningCodeServer.start}. */
export interface ServeOptions {
  readonly tools: CodeServerTools;
  readonly home: StartHome;
  readonly port: number;
  /** The folder code-server opens when the URL names none. */
  readonly workspace: string;
  readonly stop: StopRequests;
}

/** A code-server serving on 127.0.0.1, the leader of its own process group. */
export class RunningCodeServer {
  /** Resolves with the server's exit code (null after a signal) when it exits. */
  readonly exited: Promise<number | null>;

  private constructor(
    child: ChildProcess,
    /** The process group: the server's pid. */
    readonly pgid: number,
    /** Base URL, e.g. http://127.0.0.1:8080/. */
    readonly url: string,
  ) {
    this.exited = new Promise((resolvePromise) => {
      if (child.exitCode !== null || child.signalCode !== null) resolvePromise(child.exitCode);
      else child.once('exit', (code) => resolvePromise(code));
    });
  }

  /**
   * Starts code-server with no password (it listens on 127.0.0.1 only), its output in the
   * home's log, and resolves once it answers HTTP. Rejects, with the log's tail, when it exits
   * first or does not answer in time; after a stop request, stops it and rejects.
   */
  static async start(options: ServeOptions): Promise<RunningCodeServer> {
    const { tools, home, port } = options;
    const args = [
      tools.codeServer,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--config', home.config,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', home.userData,
      '--extensions-dir', home.extensions,
      options.workspace,
    ];
    const logFd = openSync(home.log, 'w');
    let child: ChildProcess;
    try {
      child = spawn(tools.node, args, { env: serverEnv(), stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${tools.node} ${tools.codeServer}`);
    const server = new RunningCodeServer(child, child.pid, `http://127.0.0.1:${port}/`);
    log(`code-server started (process group ${server.pgid}); its log: ${home.log}`);
    try {
      await server.waitUntilServing(options.stop, home.log);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async waitUntilServing(stop: StopRequests, logFile: string): Promise<void> {
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    const deadline = Date.now() + SERVE_DEADLINE_MS;
    while (Date.now() < deadline) {
      stop.throwIfRequested();
      if (exitCode !== undefined) throw new Error(`code-server exited with ${exitCode ?? 'a signal'} before serving; the end of ${logFile}:\n${logTail(logFile)}`);
      try {
        const response = await fetch(`${this.url}healthz`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(250);
    }
    throw new Error(`code-server did not answer ${this.url}healthz within ${SERVE_DEADLINE_MS / 1000} s; the end of ${logFile}:\n${logTail(logFile)}`);
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves when the group is gone. */
  async stop(): Promise<void> {
    signalGroup(this.pgid, 'SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (signalGroup(this.pgid, 0) && Date.now() < deadline) await sleep(100);
    if (signalGroup(this.pgid, 0)) {
      log(`code-server did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; killing its process group`);
      signalGroup(this.pgid, 'SIGKILL');
      while (signalGroup(this.pgid, 0)) await sleep(50);
    }
    await this.exited;
  }
}
