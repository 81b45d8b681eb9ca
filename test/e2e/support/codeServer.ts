/**
 * @file code-server (VS Code in the browser) as a throwaway test server: its own user-data and
 * extensions dirs, bound to 127.0.0.1 with no auth, telemetry, update check, marketplace or
 * workspace trust, its log captured to the artifacts folder, its process group always stopped.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { E2eTools } from './paths';
import { ProcessGroup, sleep } from './processGroup';
import { timeouts } from './timeouts';
import { freePort } from '../../support/freePort';

const execFileAsync = promisify(execFile);

/**
 * User settings that keep the workbench quiet and offline: no welcome page or walkthroughs over
 * the views under test, no update or marketplace checks, no built-in AI chat UI competing with
 * SmolCode's, no network fetches from built-in extensions.
 */
const userSettings = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.enabled': false,
};

/** Environment for every code-server invocation. */
function serverEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // An empty gallery disables the marketplace (default: open-vsx.org, unreachable offline,
    // so queries would hang until their own timeouts).
    EXTENSIONS_GALLERY: '{}',
    // code-server writes ~/.config/code-server/config.yaml on first start; keep it in the sandbox.
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    // Never a stale PORT or PASSWORD from the caller's shell.
    PORT: undefined,
    PASSWORD: undefined,
    HASHED_PASSWORD: undefined,
  };
}


/** Options of {@link CodeServer.start}. */
export interface CodeServerOptions {
  readonly tools: E2eTools;
  /** Empty folder holding user data, extensions and config of this server. */
  readonly home: string;
  /** Where the server's stdout/stderr go. */
  readonly logFile: string;
  /** User settings written over the quiet defaults (`User/settings.json`). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /**
   * Remote (machine) settings (`Machine/settings.json`). code-server's workbench is a remote
   * window, which ignores settings of scope `machine` and `machine-overridable` (such as
   * `smolcode.localModelPath`) in User settings: they only take effect from here.
   */
  readonly machineSettings?: Readonly<Record<string, unknown>>;
  /** User keybindings (`User/keybindings.json`), for built-in commands that have no default key. */
  readonly keybindings?: readonly Readonly<Record<string, unknown>>[];
  /** Log level of the server and its extension hosts (`--log`); default info, which leaves out SmolCode's per-request lines. */
  readonly logLevel?: 'trace' | 'debug' | 'info';
}

/** A running code-server. */
export class CodeServer {
  private constructor(
    private readonly group: ProcessGroup,
    /** Base URL, e.g. http://127.0.0.1:40123/. */
    readonly url: string,
  ) {}

  /** Directories of a server home. */
  static dirs(home: string): { userData: string; extensions: string } {
    return { userData: join(home, 'user-data'), extensions: join(home, 'extensions') };
  }

  /** Installs a VSIX into the home's extensions dir; returns code-server's output. */
  static async installExtension(tools: E2eTools, home: string, vsix: string): Promise<string> {
    const { userData, extensions } = CodeServer.dirs(home);
    const { stdout, stderr } = await execFileAsync(
      tools.node,
      [tools.codeServer, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix, '--force'],
      { env: serverEnv(home), timeout: timeouts.installExtension, killSignal: 'SIGKILL' },
    );
    return `${stdout}${stderr}`;
  }

  /** Lists `publisher.name@version` of the extensions in the home's extensions dir. */
  static async listExtensions(tools: E2eTools, home: string): Promise<string[]> {
    const { userData, extensions } = CodeServer.dirs(home);
    const { stdout } = await execFileAsync(
      tools.node,
      [tools.codeServer, '--user-data-dir', userData, '--extensions-dir', extensions, '--list-extensions', '--show-versions'],
      { env: serverEnv(home), timeout: timeouts.installExtension, killSignal: 'SIGKILL' },
    );
    return stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  }

  /** Starts code-server and resolves once it answers HTTP. */
  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const { tools, home, logFile } = options;
    const { userData, extensions } = CodeServer.dirs(home);
    mkdirSync(join(userData, 'User'), { recursive: true });
    const settings = { ...userSettings, ...options.settings };
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    if (options.machineSettings) {
      mkdirSync(join(userData, 'Machine'), { recursive: true });
      writeFileSync(join(userData, 'Machine', 'settings.json'), JSON.stringify(options.machineSettings, null, 2));
    }
    if (options.keybindings) writeFileSync(join(userData, 'User', 'keybindings.json'), JSON.stringify(options.keybindings, null, 2));

    const port = await freePort();
    const args = [
      tools.codeServer,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--disable-proxy',
      '--ignore-last-opened',
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      ...(options.logLevel ? ['--log', options.logLevel] : []),
    ];
    const log = createWriteStream(logFile);
    const group = ProcessGroup.spawn(tools.node, args, { env: serverEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
    group.child.stdout?.pipe(log);
    group.child.stderr?.pipe(log);
    const server = new CodeServer(group, `http://127.0.0.1:${port}/`);
    try {
      await server.waitUntilServing();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async waitUntilServing(): Promise<void> {
    const deadline = Date.now() + timeouts.serverStart;
    let exitCode: number | null | undefined;
    void this.group.exited.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`code-server exited with ${exitCode} before serving; see its log`);
      try {
        const response = await fetch(`${this.url}healthz`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(250);
    }
    throw new Error(`code-server did not answer ${this.url}healthz within ${timeouts.serverStart} ms`);
  }

  /** URL that opens `folder` in the workbench. */
  folderUrl(folder: string): string {
    return `${this.url}?folder=${encodeURIComponent(folder)}`;
  }

  /** Stops the server and everything it started. */
  async stop(): Promise<void> {
    await this.group.stop();
  }
}
