/**
 * @file The chat panel in real VS Code (code-server) on a generated tiny Instruct model: a
 * streamed reply, stopping a second reply midway, Insert on a code block landing in the editor,
 * and the conversation found in the history after a window reload. Screenshots go to
 * test/e2e/artifacts/ (chat-*.png).
 *
 * The tiny model has random weights, so its replies are noise and never contain a code fence.
 * The Insert step therefore uses a code block in the user's own message: the panel renders
 * every turn through the same Markdown renderer and code-block toolbar, and Insert goes through
 * the same webview → host → last-active-editor path; unit tests cover code blocks in replies.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { ask, isStreaming, lastReplyText, openChat, waitFor } from './support/chatPanel';
import { CodeServer } from './support/codeServer';
import { repoRoot } from './support/paths';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';
import type { Workbench } from './support/workbench';

/** Loading the model in the worker and generating its first token on a slow CI machine. */
const FIRST_TOKEN_MS = 120_000;
/** A whole tiny-model reply (at most a quarter of its 2,048-token window). */
const REPLY_MS = 120_000;

const FIRST_QUESTION = 'Say hello to the e2e test';
const INSERTED_CODE = 'export const fromChat = 42;';

/** Generates the tiny Instruct model the chat runs on; returns its folder. */
function makeTinyInstructModel(dir: string): string {
  execFileSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/bin.ts', 'make-model', '--shape', 'tiny', '--instruct', '--dtypes', 'fp32', '--out', dir],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 },
  );
  return dir;
}

/**
 * Writes SmolCode settings as code-server's remote ("Machine") settings: the extension host runs
 * on the server side of a remote window, where user settings of `machine-overridable` scope such
 * as `smolcode.localModelPath` are not applied.
 */
function writeMachineSettings(home: string, settings: Record<string, unknown>): void {
  const dir = join(CodeServer.dirs(home).userData, 'Machine');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Reloads the window and waits until SmolCode is active again (its status bar item shows). */
async function reloadWindow(workbench: Workbench): Promise<void> {
  await workbench.page.reload({ timeout: timeouts.workbench });
  await workbench.statusBar.waitFor({ timeout: timeouts.workbench });
  await workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
}

describe('SmolCode chat in code-server', { timeout: timeouts.suite }, () => {
  let session: E2eSession;
  let modelDir: string;
  let frame: Frame;

  before(async () => {
    modelDir = makeTinyInstructModel(mkdtempSync(join(tmpdir(), 'smolcode-e2e-model-')));
    session = await E2eSession.start();
    writeMachineSettings(session.home, { 'smolcode.localModelPath': modelDir, 'smolcode.dtype': 'fp32', 'smolcode.device': 'cpu' });
    // Reloading makes the workbench read the settings before anything loads a model.
    await reloadWindow(session.workbench);
  });

  after(async () => {
    await session?.close();
    if (modelDir) rmSync(modelDir, { recursive: true, force: true });
  });

  it('sends a message and shows the reply while it streams', async () => {
    await session.step('chat-stream', async (workbench) => {
      frame = await openChat(workbench);
      await ask(frame, FIRST_QUESTION);
      assert.equal(await frame.locator('.turn.user .content').first().innerText(), FIRST_QUESTION);

      // Streaming: reply text is on screen while the Stop button still shows.
      let partial = '';
      await waitFor('reply text while streaming', FIRST_TOKEN_MS, async () => {
        partial = await lastReplyText(frame);
        return partial !== '' && (await isStreaming(frame));
      });
      await workbench.screenshot('chat-01-streaming');
      await waitFor('the reply to finish', REPLY_MS, async () => !(await isStreaming(frame)));
      const full = await lastReplyText(frame);
      assert.ok(full.length > partial.length, `the reply grew after "${partial}" to "${full}"`);
      assert.ok(await frame.locator('.turn-actions button[aria-label="Regenerate"]').isVisible());
      await workbench.screenshot('chat-02-reply');
    });
  });

  it('stops a second reply midway with Escape', async () => {
    await session.step('chat-stop', async (workbench) => {
      await ask(frame, 'Tell me more');
      await waitFor('the second reply to start', FIRST_TOKEN_MS, async () =>
        (await frame.locator('.turn.assistant').count()) === 2 && (await lastReplyText(frame)) !== '');
      await frame.locator('textarea.input').press('Escape');
      await waitFor('the reply to stop', timeouts.ui, async () => !(await isStreaming(frame)));
      const note = frame.locator('.turn.assistant').last().locator('.turn-note');
      assert.equal(await note.innerText(), 'Stopped.', 'the reply ended because of Escape, not on its own');
      await workbench.screenshot('chat-03-stopped');
    });
  });

  it('inserts a code block at the cursor of the last active editor', async () => {
    await session.step('chat-insert', async (workbench) => {
      const page = workbench.page;
      await page.keyboard.press('Control+P');
      await page.keyboard.type('math.ts');
      await workbench.quickInput.locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: timeouts.ui });
      await page.keyboard.press('Enter');
      const editor = page.locator('.editor-instance .monaco-editor').first();
      await editor.locator('.view-lines').filter({ hasText: 'function add' }).waitFor({ timeout: timeouts.ui });
      await editor.click();
      await page.keyboard.press('Control+End');

      frame = await openChat(workbench);
      await frame.locator('.chips .chip').filter({ hasText: 'math.ts' }).waitFor({ timeout: timeouts.ui });
      await ask(frame, `Put this at the end of the file:\n\n\`\`\`ts\n${INSERTED_CODE}\n\`\`\``);
      const block = frame.locator('.turn.user').last().locator('.code-block');
      await block.waitFor({ timeout: timeouts.ui });
      await frame.locator('textarea.input').press('Escape');
      await waitFor('the reply to stop', REPLY_MS, async () => !(await isStreaming(frame)));

      await block.locator('button[aria-label="Insert at cursor"]').click();
      await editor.locator('.view-lines').filter({ hasText: INSERTED_CODE }).waitFor({ timeout: timeouts.ui });
      await workbench.screenshot('chat-04-inserted');
    });
  });

  it('finds the conversation in the history after reloading the window', async () => {
    await session.step('chat-history', async (workbench) => {
      // Saved before the reload; the panel starts a fresh conversation afterwards.
      await reloadWindow(workbench);
      frame = await openChat(workbench);
      assert.equal(await frame.locator('.turn').count(), 0);
      await workbench.runCommand('SmolCode: Chat History');
      const entry = frame.locator('.history-list .history-open').filter({ hasText: FIRST_QUESTION });
      await entry.waitFor({ state: 'visible', timeout: timeouts.ui });
      await workbench.screenshot('chat-05-history');
      await entry.click();
      await frame.locator('.turn.user').filter({ hasText: 'Tell me more' }).waitFor({ timeout: timeouts.ui });
      assert.equal(await frame.locator('.turn.user .content').first().innerText(), FIRST_QUESTION);
      await workbench.screenshot('chat-06-reopened');
    });
  });
});
