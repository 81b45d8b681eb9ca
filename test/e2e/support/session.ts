/**
 * @file One end-to-end session: a temp home, the VSIX installed into a throwaway extensions dir,
 * code-server serving a fixture workspace, and chromium showing its workbench. `close()` stops
 * everything and is safe to call after a partial start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadlessChromium } from './browser';
import { CodeServer } from './codeServer';
import { createFixtureWorkspace } from './fixtureWorkspace';
import { e2eTools, ensureArtifactsDir, vsixPath } from './paths';
import { timeouts } from './timeouts';
import { Workbench } from './workbench';

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
  ) {}

  /** Starts a session; on failure, stops whatever had started and rethrows. */
  static async start(): Promise<E2eSession> {
    const tools = e2eTools();
    const vsix = vsixPath();
    const session = new E2eSession(mkdtempSync(join(tmpdir(), 'smolcode-e2e-')), ensureArtifactsDir());
    try {
      session.installLog = await CodeServer.installExtension(tools, session.home, vsix);
      session.installedExtensions = await CodeServer.listExtensions(tools, session.home);
      const workspace = createFixtureWorkspace(join(session.home, 'workspace'));
      session.server = await CodeServer.start({
        tools,
        home: session.home,
        logFile: join(session.artifacts, 'code-server.log'),
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

  /** Stops chromium and code-server and deletes the temp home. */
  async close(): Promise<void> {
    try {
      await this.browser?.close();
    } finally {
      try {
        await this.server?.stop();
      } finally {
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
