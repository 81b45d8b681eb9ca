/**
 * @file One end-to-end session: a temp home, the VSIX installed into a throwaway extensions dir,
 * code-server serving a fixture workspace, and chromium showing its workbench. `close()` stops
 * everything and is safe to call after a partial start.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadlessChromium } from './browser';
import { CodeServer } from './codeServer';
import { createFixtureWorkspace } from './fixtureWorkspace';
import { e2eTools, ensureArtifactsDir, vsixPath } from './paths';
import { timeouts } from './timeouts';
import { Workbench } from './workbench';

/** Options of {@link E2eSession.start}. */
export interface E2eSessionOptions {
  /** User settings written over the harness's quiet defaults (see codeServer.ts). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /**
   * Remote (machine) settings: where settings of scope `machine` / `machine-overridable`
   * (`smolcode.localModelPath`, `smolcode.tokenizerPath`, `smolcode.hubEndpoint`) must go, since
   * code-server's remote window ignores them in User settings.
   */
  readonly machineSettings?: Readonly<Record<string, unknown>>;
  /** User keybindings (`User/keybindings.json`). */
  readonly keybindings?: readonly Readonly<Record<string, unknown>>[];
  /** `debug` writes SmolCode's per-request log lines (outcome: model, cache, ...). */
  readonly logLevel?: 'trace' | 'debug' | 'info';
  /** Extra workspace files, workspace-relative path to content. */
  readonly files?: Readonly<Record<string, string>>;
  /** Runs on the written workspace folder before code-server opens it (e.g. `git init`). */
  readonly prepareWorkspace?: (dir: string) => void;
  /**
   * Names this session's artifacts: the server log becomes `code-server-<name>.log` and, on
   * close, code-server's logs folder (extension host log, output channels such as SmolCode's)
   * is copied to `logs-<name>/`. Without it the log is `code-server.log` and no logs are kept.
   */
  readonly name?: string;
}

/** Everything a test drives. */
export class E2eSession {
  private server?: CodeServer;
  private browser?: HeadlessChromium;
  private workbenchPage?: Workbench;
  /** code-server's output of installing the VSIX. */
  installLog = '';
  /** `publisher.name@version` lines code-server lists as installed. */
  installedExtensions: string[] = [];

  private constructor(
    /** Temp folder holding everything of this session. */
    readonly home: string,
    /** Artifacts folder (screenshots, server log). */
    readonly artifacts: string,
    private readonly name?: string,
  ) {}

  /** The workspace folder the workbench has open (its basename is VS Code's workspace name). */
  get workspace(): string {
    return join(this.home, 'workspace');
  }

  /** code-server's user data folder (settings, logs). */
  get userData(): string {
    return CodeServer.dirs(this.home).userData;
  }

  /**
   * What SmolCode's "SmolCode" log output channel has written so far (VS Code keeps each
   * extension's log channels under `logs/<session>/exthost<n>/<extension id>/`); '' if none yet.
   */
  smolCodeLog(): string {
    const logs = join(this.userData, 'logs');
    if (!existsSync(logs)) return '';
    const files = readdirSync(logs, { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith(join('smolcode.smolcode', 'SmolCode.log')))
      .sort();
    return files.map((path) => readFileSync(join(logs, path), 'utf8')).join('');
  }

  /** Starts a session; on failure, stops whatever had started and rethrows. */
  static async start(options: E2eSessionOptions = {}): Promise<E2eSession> {
    const tools = e2eTools();
    const vsix = vsixPath();
    const session = new E2eSession(mkdtempSync(join(tmpdir(), 'smolcode-e2e-')), ensureArtifactsDir(), options.name);
    try {
      session.installLog = await CodeServer.installExtension(tools, session.home, vsix);
      session.installedExtensions = await CodeServer.listExtensions(tools, session.home);
      const workspace = createFixtureWorkspace(session.workspace, options.files);
      options.prepareWorkspace?.(workspace);
      session.server = await CodeServer.start({
        tools,
        home: session.home,
        logFile: join(session.artifacts, options.name ? `code-server-${options.name}.log` : 'code-server.log'),
        settings: options.settings,
        machineSettings: options.machineSettings,
        keybindings: options.keybindings,
        logLevel: options.logLevel,
      });
      session.browser = await HeadlessChromium.launch(tools.chromium, join(session.home, 'chromium'));
      const page = await session.browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(timeouts.ui);
      session.workbenchPage = new Workbench(page, session.artifacts);
      await session.workbenchPage.open(session.server.folderUrl(workspace));
      return session;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** The workbench page. */
  get workbench(): Workbench {
    if (!this.workbenchPage) throw new Error('the e2e session is not started');
    return this.workbenchPage;
  }

  /** Stops chromium and code-server, keeps the logs of a named session, deletes the temp home. */
  async close(): Promise<void> {
    try {
      await this.browser?.close();
    } finally {
      try {
        await this.server?.stop();
      } finally {
        const logs = join(this.userData, 'logs');
        if (this.name && existsSync(logs)) {
          try {
            cpSync(logs, join(this.artifacts, `logs-${this.name}`), { recursive: true });
          } catch {
            // Logs are a diagnostic extra; never let copying them fail the run or skip cleanup.
          }
        }
        rmSync(this.home, { recursive: true, force: true });
      }
    }
  }

  /**
   * Runs one test body; if it fails, saves `failure-<name>.png` before rethrowing so the
   * artifacts show what the workbench looked like.
   */
  async step(name: string, body: (workbench: Workbench) => Promise<void>): Promise<void> {
    try {
      await body(this.workbench);
    } catch (error) {
      await this.workbenchPage?.screenshot(`failure-${name}`).catch(() => undefined);
      throw error;
    }
  }
}
