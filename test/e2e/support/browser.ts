/**
 * @file Headless Debian chromium driven by playwright-core. Launched as a browser server so its
 * process group is tracked like code-server's (see processGroup.ts); playwright gives it a fresh,
 * empty profile directory and deletes it on close.
 */
import { join } from 'node:path';
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { ProcessGroup } from './processGroup';
import { timeouts } from './timeouts';

/**
 * Headless, no sandbox (CI runs as root in a container), no GPU, and nothing that phones home:
 * chromium can only reach code-server on 127.0.0.1.
 */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Containers often mount a 64 MB /dev/shm; chromium's renderers crash when it fills.
  '--disable-dev-shm-usage',
];

/** A launched chromium and its process group. */
export class HeadlessChromium {
  private constructor(
    private readonly server: BrowserServer,
    private readonly group: ProcessGroup,
    /** Playwright's handle, connected to the server. */
    readonly browser: Browser,
  ) {}

  /**
   * Launches chromium from `executablePath`. `home` becomes its HOME and XDG dirs, so nothing
   * (crash-report database, caches) lands in the real ~/.config/chromium.
   */
  static async launch(executablePath: string, home: string): Promise<HeadlessChromium> {
    const server = await chromium.launchServer({
      executablePath,
      args: chromiumArgs,
      headless: true,
      timeout: timeouts.browserLaunch,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') },
    });
    const child = server.process();
    if (child.pid === undefined) {
      await server.close();
      throw new Error(`chromium (${executablePath}) has no pid`);
    }
    // playwright spawns the browser detached, so its pid leads its own process group.
    const group = ProcessGroup.adopt(child, child.pid);
    try {
      const browser = await chromium.connect(server.wsEndpoint(), { timeout: timeouts.browserLaunch });
      return new HeadlessChromium(server, group, browser);
    } catch (error) {
      await group.stop();
      throw error;
    }
  }

  /** Closes the browser; kills its group if closing hangs. */
  async close(): Promise<void> {
    await Promise.race([
      this.browser.close().then(() => this.server.close()),
      new Promise((resolve) => setTimeout(resolve, timeouts.processExit)),
    ]).catch(() => undefined);
    await this.group.stop();
  }
}
