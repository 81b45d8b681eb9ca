/**
 * @file The VS Code workbench in a playwright page, seen the way a user sees it: the status bar,
 * the command palette, views, webviews and the Output panel. Selectors are VS Code's own DOM
 * classes and ids (stable across releases for years; see src/vs/workbench/browser/parts/).
 */
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { sleep } from './processGroup';
import { timeouts } from './timeouts';

/** Escapes the dots of a VS Code part id for a CSS id selector. */
function byId(id: string): string {
  return `#${id.replaceAll('.', '\\.')}`;
}

/** Collapses whitespace, including Monaco's non-breaking spaces. */
function normalize(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Playwright page showing one code-server workbench. */
export class Workbench {
  constructor(
    readonly page: Page,
    private readonly screenshotDir: string,
  ) {}

  /** Loads `url` and waits until the workbench and its status bar are rendered. */
  async open(url: string): Promise<void> {
    await this.page.goto(url, { timeout: timeouts.workbench });
    await this.page.locator('.monaco-workbench').waitFor({ timeout: timeouts.workbench });
    await this.statusBar.waitFor({ timeout: timeouts.workbench });
  }

  /** The status bar part. */
  get statusBar(): Locator {
    return this.page.locator(byId('workbench.parts.statusbar'));
  }

  /** Status bar entries whose visible text contains `text`. */
  statusBarItems(text: string): Locator {
    return this.statusBar.locator('.statusbar-item').filter({ hasText: text });
  }

  /** The quick input widget (command palette, quick picks). */
  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Opens the command palette (F1) with `query` typed after its `>` prefix. */
  async openCommandPalette(query: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    await this.quickInput.waitFor({ state: 'visible', timeout: timeouts.ui });
    const input = this.quickInput.locator('input.input');
    await input.waitFor({ state: 'visible', timeout: timeouts.ui });
    await this.page.keyboard.type(query);
    // Typing is asynchronous to the widget; wait until the input holds the whole query.
    const deadline = Date.now() + timeouts.ui;
    while ((await input.inputValue()) !== `>${query}`) {
      if (Date.now() > deadline) throw new Error(`command palette input is not ">${query}"`);
      await sleep(100);
    }
  }

  /**
   * Labels the command palette lists for `query` ("Category: Title"), once the list has stopped
   * changing: the palette fills in as extensions register commands.
   */
  async commandPaletteLabels(query: string): Promise<string[]> {
    await this.openCommandPalette(query);
    const rows = this.quickInput.locator('.quick-input-list .monaco-list-row .label-name');
    const deadline = Date.now() + timeouts.ui;
    let previous = '';
    let labels: string[] = [];
    while (Date.now() < deadline) {
      labels = (await rows.allTextContents()).map(normalize);
      const current = labels.join('\n');
      if (labels.length > 0 && current === previous) break;
      previous = current;
      await sleep(500);
    }
    return labels;
  }

  /** Runs a command by its palette label ("Category: Title"), as a user would: F1, type, pick. */
  async runCommand(label: string): Promise<void> {
    await this.openCommandPalette(label);
    const row = this.quickInput
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
      .first();
    await row.waitFor({ state: 'visible', timeout: timeouts.ui });
    await row.click();
    await this.quickInput.waitFor({ state: 'hidden', timeout: timeouts.ui });
  }

  /** The primary side bar part. */
  get sideBar(): Locator {
    return this.page.locator(byId('workbench.parts.sidebar'));
  }

  /** The activity bar entry of a view container, by its title. */
  activityBarItem(title: string): Locator {
    return this.page.locator('.activitybar .action-item').filter({ has: this.page.locator(`a[aria-label="${title}"]`) });
  }

  /**
   * The webview frame whose document text contains `text`. VS Code nests each webview in two
   * iframes (a host `index.html` and the content frame), so the frames are searched rather than
   * addressed.
   */
  async webviewFrameContaining(text: string): Promise<{ frame: Frame; text: string }> {
    const deadline = Date.now() + timeouts.webview;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (!frame.url().includes('/webview/')) continue;
        const body = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
        if (body.includes(text)) return { frame, text: body };
      }
      await sleep(500);
    }
    throw new Error(`no webview frame shows "${text}" within ${timeouts.webview} ms`);
  }

  /** The Output panel's channel picker (the visible one: the view also renders one in its hidden pane header). */
  get outputChannelPicker(): Locator {
    return this.page
      .locator(`${byId('workbench.parts.panel')} select[aria-label="Switch Output"]`)
      .filter({ visible: true })
      .first();
  }

  /** Name of the channel the Output panel shows. */
  async selectedOutputChannel(): Promise<string> {
    await this.outputChannelPicker.waitFor({ state: 'visible', timeout: timeouts.ui });
    return ((await this.outputChannelPicker.locator('option:checked').textContent()) ?? '').trim();
  }

  /** Waits until the Output panel's editor shows a line containing `text`; returns its text. */
  async outputContaining(text: string): Promise<string> {
    const lines = this.page.locator(`${byId('workbench.parts.panel')} .monaco-editor .view-lines`);
    const deadline = Date.now() + timeouts.ui;
    let shown = '';
    while (Date.now() < deadline) {
      shown = normalize((await lines.allInnerTexts()).join('\n'));
      if (shown.includes(text)) return shown;
      await sleep(500);
    }
    throw new Error(`the Output panel does not show "${text}" within ${timeouts.ui} ms; it shows: ${shown}`);
  }

  /**
   * Opens a workspace file in an editor through Quick Open (F1, the `>` replaced by the path,
   * its row clicked), as a user would, and waits until its editor has focus.
   */
  async openFile(relativePath: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.quickInput.locator('input.input');
    await input.waitFor({ state: 'visible', timeout: timeouts.ui });
    // Without the `>` prefix the palette searches files instead of commands.
    await input.fill(relativePath);
    const name = relativePath.split('/').at(-1) ?? relativePath;
    const row = this.quickInput
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(name)}\\s*$`) }) })
      .first();
    await row.waitFor({ state: 'visible', timeout: timeouts.ui });
    await row.click();
    await this.quickInput.waitFor({ state: 'hidden', timeout: timeouts.ui });
    await this.page.locator(`${byId('workbench.parts.editor')} .tab.active`).filter({ hasText: name }).waitFor({ timeout: timeouts.ui });
    await this.activeEditor.locator('textarea, .native-edit-context').first().waitFor({ state: 'attached', timeout: timeouts.ui });
    await this.page.waitForFunction(() => document.activeElement?.closest('.monaco-editor') !== null, undefined, { timeout: timeouts.ui });
  }

  /** The text editor of the active editor group. */
  get activeEditor(): Locator {
    return this.page.locator(`${byId('workbench.parts.editor')} .editor-group-container.active .monaco-editor`).first();
  }

  /**
   * The inline suggestion (ghost text) the active editor shows, as text: the part rendered after
   * the cursor on its line (`.ghost-text-decoration`) followed by any lines rendered below it
   * (view zone lines, see below).
   * Monaco renders spaces as non-breaking spaces; they are turned back into spaces. '' when none
   * is shown.
   */
  async ghostText(): Promise<string> {
    // Text contents rather than an evaluate(): tsx compiles named functions with a `__name`
    // helper that does not exist in the page.
    const unbreak = (text: string) => text.replace(/\u00a0/g, ' ');
    const inline = (await this.activeEditor.locator('.view-lines .ghost-text-decoration').allTextContents()).map(unbreak).join('');
    // VS Code 1.139 renders the lines below in a `.suggest-preview-text` view zone; older ones used `.ghost-text`.
    const below = (await this.activeEditor.locator('.view-zones :is(.ghost-text, .suggest-preview-text) .view-line').allTextContents()).map(unbreak);
    return below.length > 0 ? [inline, ...below].join('\n') : inline;
  }

  /**
   * Waits until the active editor shows ghost text that stays the same for `stableMs`, and
   * returns it. Fails after `timeout` ms with what it saw.
   */
  async waitForGhostText(timeout: number, stableMs = 1_000): Promise<string> {
    const deadline = Date.now() + timeout;
    let last = '';
    let since = Date.now();
    while (Date.now() < deadline) {
      const current = await this.ghostText();
      if (current !== last) {
        last = current;
        since = Date.now();
      } else if (current !== '' && Date.now() - since >= stableMs) {
        return current;
      }
      await sleep(100);
    }
    throw new Error(`no stable ghost text within ${timeout} ms; last seen: ${JSON.stringify(last)}`);
  }

  /** Saves a full-window screenshot as `<name>.png` in the artifacts folder; returns its path. */
  async screenshot(name: string): Promise<string> {
    const path = join(this.screenshotDir, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
