/**
 * @file SmolCode in real VS Code: the packaged VSIX installed into code-server, driven through
 * headless chromium like a user would. Checks activation (status bar item), the commands in the
 * command palette, the chat view's webview and the log output channel, and saves screenshots to
 * test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from './support/paths';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  publisher: string;
  version: string;
};

/** Palette labels ("Category: Title") every build must offer. */
const expectedCommands = [
  'SmolCode: Open Chat',
  'SmolCode: Toggle Inline Completions',
  'SmolCode: Show Log',
  'SmolCode: Select Model',
  'SmolCode: Fine-tune on This Workspace',
  'SmolCode: Restart Model Workers',
];

describe('SmolCode in code-server', { timeout: timeouts.suite }, () => {
  let session: E2eSession;

  before(async () => {
    session = await E2eSession.start();
  });

  after(async () => {
    await session?.close();
  });

  it('installs the packaged VSIX into the throwaway extensions dir', () => {
    assert.match(session.installLog, /successfully installed/);
    assert.ok(
      session.installedExtensions.includes(`${manifest.publisher}.${manifest.name}@${manifest.version}`),
      `installed: ${session.installedExtensions.join(', ')}`,
    );
  });

  it('activates and shows its status bar item', async () => {
    await session.step('status-bar', async (workbench) => {
      const item = workbench.statusBarItems('SmolCode').first();
      await item.waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      assert.match(await item.innerText(), /SmolCode/);
      assert.match((await item.getAttribute('aria-label')) ?? '', /SmolCode/);
      await workbench.screenshot('01-workbench-status-bar');
    });
  });

  it('lists its commands in the command palette', async () => {
    await session.step('command-palette', async (workbench) => {
      const labels = await workbench.commandPaletteLabels('SmolCode');
      await workbench.screenshot('02-command-palette');
      await workbench.page.keyboard.press('Escape');
      // The list is virtualised: rows below its height are not in the page, so those are asked for by name.
      const missing: string[] = [];
      for (const label of expectedCommands.filter((l) => !labels.includes(l))) {
        const found = await workbench.commandPaletteLabels(label);
        await workbench.page.keyboard.press('Escape');
        if (!found.includes(label)) missing.push(label);
      }
      assert.deepEqual(missing, [], `palette shows: ${labels.join(' | ')}`);
    });
  });

  it('opens the chat view, whose webview renders', async () => {
    await session.step('chat-view', async (workbench) => {
      await workbench.runCommand('SmolCode: Open Chat');

      // View container `smolcode` is the side bar's active composite, titled "SmolCode".
      const container = workbench.sideBar.locator('#workbench\\.view\\.extension\\.smolcode');
      await container.waitFor({ state: 'visible', timeout: timeouts.ui });
      assert.match((await workbench.activityBarItem('SmolCode').getAttribute('class')) ?? '', /\bchecked\b/);
      // With one view in the container, VS Code titles the side bar "<container>: <view name>".
      assert.equal(await workbench.sideBar.locator('.composite.title h2').innerText(), 'SmolCode: Chat');

      const { frame, text } = await workbench.webviewFrameContaining('SmolCode Chat');
      assert.match(text, /SmolCode Chat/);
      // The webview belongs to this extension: its host frame names the extension id.
      const host = frame.parentFrame()?.url() ?? frame.url();
      assert.match(host, new RegExp(`extensionId=${manifest.publisher}\\.${manifest.name}\\b`));
      await workbench.screenshot('03-chat-view');
    });
  });

  it('shows its log in the "SmolCode" output channel', async () => {
    await session.step('output-log', async (workbench) => {
      await workbench.runCommand('SmolCode: Show Log');
      assert.equal(await workbench.selectedOutputChannel(), 'SmolCode');
      const shown = await workbench.outputContaining('SmolCode activated');
      assert.match(shown, /\[info\] SmolCode activated/);
      await workbench.screenshot('04-output-log');
    });
  });
});
