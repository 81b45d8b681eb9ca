/**
 * @file "SmolCode: Generate Commit Message" on the real SmolLM2-135M-Instruct (the GGUF through
 * `smolcode.localModelPath`) in a workspace that is a real git repository: one commit, then a
 * staged change. Run from the palette with a draft typed in the Source Control input box, the
 * message streams in above the draft; run again from the Source Control title bar button, it
 * replaces that message and keeps the draft. With nothing staged, it says so and offers the
 * working tree's changes. The message is one Conventional-Commits-like subject line, the input
 * box shows it, and nothing is committed. Screenshot `commit-message`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sleep } from './support/processGroup';
import { preparedGgufPath } from './support/paths';
import { clickNotificationButton, waitForNotification } from './support/prompts';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';
import type { Workbench } from './support/workbench';

/** Importing the GGUF on first use, loading it and writing a message on a loaded 2-core machine. */
const FIRST_MESSAGE_MS = 480_000;
/** A second message with the model loaded. */
const MESSAGE_MS = 240_000;
const DRAFT = 'Refs #7 (typed before asking)';
const SUBJECT_MAX = 72;

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}

/** A repository with the fixture committed once, then `subtract` added to src/math.ts and staged. */
function commitThenStage(dir: string): void {
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'config', 'user.name', 'SmolCode E2E');
  git(dir, 'config', 'user.email', 'e2e@smolcode.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'Initial commit');
  const math = join(dir, 'src/math.ts');
  writeFileSync(math, readFileSync(math, 'utf8') + '\n/** Subtracts b from a. */\nexport function subtract(a: number, b: number): number {\n  return a - b;\n}\n');
  git(dir, 'add', 'src/math.ts');
}

/** What the input box held after each message, from SmolCode's log. */
function inputBoxTexts(session: E2eSession): string[] {
  return [...session.smolCodeLog().matchAll(/commit message: input box: (".*")$/gm)].map((match) => JSON.parse(match[1]) as string);
}

async function waitForInputBoxTexts(session: E2eSession, count: number, timeout: number): Promise<string[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = inputBoxTexts(session);
    if (texts.length >= count) return texts;
    if (/commit message: (failed|the model wrote none)/.test(session.smolCodeLog()) || Date.now() > deadline) {
      throw new Error(`no commit message #${count} within ${timeout} ms; SmolCode's log:\n${session.smolCodeLog()}`);
    }
    await sleep(500);
  }
}

const normalize = (text: string): string => text.replace(/[\s\u00a0]+/g, ' ').trim();

/** The Source Control input box's visible lines, whitespace collapsed (wrapped lines join with a space). */
async function visibleInputText(workbench: Workbench): Promise<string> {
  return normalize((await workbench.page.locator('.scm-editor .view-line').allInnerTexts()).join(' '));
}

/** Waits until the input box shows the start of `text`. */
async function waitForInputBox(workbench: Workbench, text: string): Promise<string> {
  const deadline = Date.now() + timeouts.ui;
  let shown = '';
  while (Date.now() < deadline) {
    shown = await visibleInputText(workbench);
    if (shown && normalize(text).startsWith(shown.slice(0, 60)) && shown.length >= Math.min(20, normalize(text).length)) return shown;
    await sleep(200);
  }
  throw new Error(`the input box shows ${JSON.stringify(shown)}, not the start of ${JSON.stringify(text)}`);
}

/** Checks the generated message: one subject line of a sensible length, no Markdown fences. */
function assertMessage(message: string): void {
  const subject = message.split('\n')[0];
  assert.ok(subject.trim().length > 0, `a subject line, got ${JSON.stringify(message)}`);
  assert.ok(subject.length <= SUBJECT_MAX, `a subject of at most ${SUBJECT_MAX} characters, got ${JSON.stringify(subject)}`);
  assert.ok(!message.includes('```'), `no code fences, got ${JSON.stringify(message)}`);
  assert.ok(message.split('\n').length === 1 || message.split('\n')[1] === '', `a blank line after the subject, got ${JSON.stringify(message)}`);
}

describe('commit message from the staged diff, on the real SmolLM2-135M-Instruct', { timeout: FIRST_MESSAGE_MS + MESSAGE_MS + timeouts.suite }, () => {
  let session: E2eSession | undefined;

  after(async () => {
    await session?.close();
  });

  it('writes the message above the user\'s draft from the palette, and commits nothing', async () => {
    session = await E2eSession.start({
      name: 'commit-message',
      // The input box's text is logged at the debug level only (it holds the user's draft).
      logLevel: 'debug',
      settings: {
        'git.enabled': true,
        'git.autofetch': false,
        // View title buttons otherwise show only while the pointer is over the view.
        'workbench.view.alwaysShowHeaderActions': true,
        'smolcode.completion.enabled': false,
        'smolcode.device': 'cpu',
        'smolcode.dtype': 'q4',
        'smolcode.threads': 1,
      },
      machineSettings: { 'smolcode.localModelPath': preparedGgufPath() },
      prepareWorkspace: commitThenStage,
    });
    const workspace = session.workspace;
    await session.step('commit-message-palette', async (workbench) => {
      const { page } = workbench;
      await workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      await workbench.runCommand('Source Control: Focus on Changes View');
      const input = page.locator('.scm-editor .monaco-editor').first();
      await input.waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      await input.click();
      await page.keyboard.type(DRAFT, { delay: 20 });
      await waitForInputBox(workbench, DRAFT);
      // Escape in the input box clears it (VS Code's scm.clearInput), and the palette helper presses
      // Escape first: leave the box for the staged file's diff, as a user reviewing it would.
      await page.locator('.scm-view .monaco-list-row').filter({ hasText: 'math.ts' }).first().click();
      await page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: timeouts.ui });
      await waitForInputBox(workbench, DRAFT);

      await workbench.runCommand('SmolCode: Generate Commit Message');
      const [text] = await waitForInputBoxTexts(session!, 1, FIRST_MESSAGE_MS);
      assert.ok(text.endsWith(`\n\n${DRAFT}`), `the draft stays below the message, got ${JSON.stringify(text)}`);
      assertMessage(text.slice(0, -(DRAFT.length + 2)));
      await waitForInputBox(workbench, text);
      await workbench.screenshot('commit-message');
    });
    assert.equal(git(workspace, 'rev-list', '--count', 'HEAD').trim(), '1', 'nothing was committed');
    assert.equal(git(workspace, 'diff', '--cached', '--name-only'), 'src/math.ts\n', 'the staged change is still staged');
  });

  it('writes a new message from the Source Control title bar button, keeping the same draft', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('commit-message-button', async (workbench) => {
      const button = workbench.page.locator('.action-label[aria-label*="Generate Commit Message"]').first();
      await button.waitFor({ state: 'visible', timeout: timeouts.ui });
      await button.click();
      const texts = await waitForInputBoxTexts(session!, 2, MESSAGE_MS);
      const text = texts[1];
      assert.ok(text.endsWith(`\n\n${DRAFT}`), `the draft stays below the message, got ${JSON.stringify(text)}`);
      assert.ok(text === texts[0] || !text.includes(texts[0]), `the earlier message was replaced, not stacked: ${JSON.stringify(text)}`);
      assertMessage(text.slice(0, -(DRAFT.length + 2)));
      await waitForInputBox(workbench, text);
      await workbench.screenshot('commit-message-button');
    });
    assert.equal(git(session.workspace, 'rev-list', '--count', 'HEAD').trim(), '1', 'nothing was committed');
  });

  it('with nothing staged, says so and offers the working tree\'s changes, which it then describes', async () => {
    assert.ok(session, 'the first test started the session');
    git(session.workspace, 'reset', '--quiet');
    await session.step('commit-message-unstaged', async (workbench) => {
      // The Git extension sees the index change through its file watcher.
      await workbench.page.locator('.scm-view .monaco-list-row').filter({ hasText: 'Staged Changes' }).waitFor({ state: 'hidden', timeout: timeouts.ui });
      // The button, not the palette: the palette helper's first key is Escape, which clears the
      // focused input box (VS Code's scm.clearInput), and the last run left the focus there.
      await workbench.page.locator('.action-label[aria-label*="Generate Commit Message"]').first().click();
      const toast = await waitForNotification(workbench, 'nothing is staged', timeouts.ui);
      await workbench.screenshot('commit-message-nothing-staged');
      await clickNotificationButton(toast, 'Use Working Tree Changes');
      const texts = await waitForInputBoxTexts(session!, 3, MESSAGE_MS);
      assert.ok(texts[2].endsWith(`\n\n${DRAFT}`), `the draft stays below the message, got ${JSON.stringify(texts[2])}`);
      assertMessage(texts[2].slice(0, -(DRAFT.length + 2)));
    });
    assert.equal(git(session.workspace, 'rev-list', '--count', 'HEAD').trim(), '1', 'nothing was committed');
    assert.equal(git(session.workspace, 'diff', '--cached', '--name-only'), '', 'nothing was staged either');
  });
});
