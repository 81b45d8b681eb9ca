/**
 * @file Inline edit in real VS Code on the real SmolLM2-135M-Instruct (the GGUF named by
 * `smolcode.localModelPath`, imported on first use): select a function, press Ctrl+I, type an
 * instruction, and the model's rewrite shows as a diff with Accept and Reject in its title bar.
 * Accept changes the file only inside the selected lines, and one Ctrl+Z restores it; Reject
 * and Cancel (while the reply streams) leave it byte-identical, and Accept refuses a file that
 * changed after the request. The model samples, so the tests assert where the text changed,
 * never what it says. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import { sleep } from './support/processGroup';
import { preparedGgufPath } from './support/paths';
import { clickNotificationButton, notification, waitForNotification } from './support/prompts';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';
import type { Workbench } from './support/workbench';

const FILE = 'shapes/circle.py';
const CONTENT = [
  'import math',
  '',
  '',
  'def area(x):',
  '    return math.pi * x * x',
  '',
  '',
  'def perimeter(x):',
  '    return 2 * math.pi * x',
  '',
  '',
  'print(area(2), perimeter(2))',
  '',
].join('\n');
/** The selected function: lines 4-5 (0-based 3-4), as the command widens them. */
const FIRST_LINE = 3;
const LINE_COUNT = 2;
const SELECTION_START = CONTENT.indexOf('def area');
const SELECTION_END = CONTENT.indexOf('\n', CONTENT.indexOf('    return math.pi * x * x'));
/** Import, load and one whole reply of the 135M model on a loaded 2-core machine. */
const FIRST_EDIT_MS = 360_000;
const EDIT_MS = 240_000;
/** Tries of a run whose reply was no change or no code (the model samples). */
const TRIES = 3;

const settings = {
  'smolcode.device': 'cpu',
  'smolcode.threads': 1,
  // Only the chat model runs; ghost text would load a second model and cover the editor.
  'smolcode.completion.enabled': false,
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'files.autoSave': 'off',
  'files.trimTrailingWhitespace': false,
  'files.insertFinalNewline': false,
  // Side by side at 1400 px, so the screenshot shows both versions.
  'diffEditor.renderSideBySide': true,
};

/** The diff editor of the active group. */
const diffEditor = (workbench: Workbench): Locator => workbench.page.locator('.editor-group-container.active .monaco-diff-editor').first();
/** A title bar action of the active editor, by its label. */
const titleAction = (workbench: Workbench, label: string): Locator =>
  workbench.page.locator(`.editor-group-container.active .editor-actions .action-label[aria-label^="${label}"]`).first();

/** The file's text on disk, once it differs from `not` (or after `timeout`). */
async function diskText(path: string, not: string | undefined, timeout = timeouts.save): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = readFileSync(path, 'utf8');
  while (not !== undefined && text === not && Date.now() < deadline) {
    await sleep(200);
    text = readFileSync(path, 'utf8');
  }
  return text;
}

/** Opens the file and selects the function's lines with the keyboard, as a user would. */
async function selectFunction(workbench: Workbench): Promise<void> {
  const { page } = workbench;
  await workbench.openFile(FILE);
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < FIRST_LINE; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Home');
  for (let i = 0; i < LINE_COUNT; i++) await page.keyboard.press('Shift+ArrowDown');
}

/** Ctrl+I on the selection, then the instruction typed into SmolCode's input and Enter. */
async function askEdit(workbench: Workbench, instruction: string): Promise<void> {
  await workbench.page.keyboard.press('Control+I');
  const input = workbench.quickInput.locator('input.input');
  await workbench.quickInput.filter({ hasText: 'SmolCode: Edit Selection' }).waitFor({ state: 'visible', timeout: timeouts.ui });
  await input.waitFor({ state: 'visible', timeout: timeouts.ui });
  await workbench.page.keyboard.type(instruction);
  const deadline = Date.now() + timeouts.ui;
  while ((await input.inputValue()) !== instruction) {
    if (Date.now() > deadline) throw new Error(`the instruction input does not hold "${instruction}"`);
    await sleep(100);
  }
  await workbench.page.keyboard.press('Enter');
  await workbench.quickInput.waitFor({ state: 'hidden', timeout: timeouts.ui });
}

/**
 * Selects, asks, and waits for the diff; a reply that changed nothing or held no code ends
 * with a message instead, and is asked again (up to TRIES times).
 */
async function editUntilDiff(session: E2eSession, instruction: string, timeout: number): Promise<void> {
  const { workbench } = session;
  for (let attempt = 1; ; attempt++) {
    await selectFunction(workbench);
    await askEdit(workbench, instruction);
    const noEdit = workbench.page.locator('.notifications-toasts .notification-toast').filter({ hasText: /left the selection as it was|answered without code/ });
    const deadline = Date.now() + timeout;
    for (;;) {
      if (await diffEditor(workbench).isVisible()) {
        // The diff's tab names the instruction: the typed one, not a recent one of the list.
        await workbench.page.locator('.editor-group-container.active .tab.active').filter({ hasText: `SmolCode: ${instruction}` }).waitFor({ timeout: timeouts.ui });
        return;
      }
      if (await noEdit.first().isVisible()) break;
      if (Date.now() > deadline) throw new Error(`no diff within ${timeout} ms; SmolCode's log:\n${session.smolCodeLog()}`);
      await sleep(250);
    }
    if (attempt === TRIES) throw new Error(`${TRIES} replies changed nothing; SmolCode's log:\n${session.smolCodeLog()}`);
    await workbench.page.keyboard.press('Escape');
  }
}

describe('inline edit on the real SmolLM2-135M-Instruct', { timeout: 1_500_000 }, () => {
  let session: E2eSession | undefined;
  let path = '';

  after(async () => {
    await session?.close();
  });

  it('shows the rewrite as a diff; Accept changes only the selected lines, and one Undo restores the file', async () => {
    session = await E2eSession.start({
      name: 'inline-edit',
      settings,
      machineSettings: { 'smolcode.localModelPath': preparedGgufPath() },
      files: { [FILE]: CONTENT },
    });
    path = join(session.workspace, FILE);
    await session.step('inline-edit-accept', async (workbench) => {
      await workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      await editUntilDiff(session!, 'rename x to radius', FIRST_EDIT_MS);
      const modifiedSide = diffEditor(workbench).locator('.editor.modified .view-lines');
      // The diff's tab can appear before the editor renders its lines (a cold run read '' once).
      await modifiedSide.filter({ hasText: 'perimeter' }).waitFor({ timeout: timeouts.ui }).catch(() => undefined);
      const modified = (await modifiedSide.innerText()).replace(/\u00a0/g, ' ');
      assert.match(modified, /perimeter/, 'the right side shows the whole file with the rewrite');
      await titleAction(workbench, 'Accept Edit').waitFor({ state: 'visible', timeout: timeouts.ui });
      await titleAction(workbench, 'Reject Edit').waitFor({ state: 'visible', timeout: timeouts.ui });
      await workbench.screenshot('inline-edit-diff');

      await titleAction(workbench, 'Accept Edit').click();
      await diffEditor(workbench).waitFor({ state: 'hidden', timeout: timeouts.ui });
      await workbench.page.keyboard.press('Control+S');
      const edited = await diskText(path, CONTENT);
      await workbench.screenshot('inline-edit-accepted');
      assert.notEqual(edited, CONTENT, 'Accept changed the file');
      assert.equal(edited.slice(0, SELECTION_START), CONTENT.slice(0, SELECTION_START), 'the text above the selection is unchanged');
      const tail = CONTENT.slice(SELECTION_END);
      assert.equal(edited.slice(edited.length - tail.length), tail, 'the text below the selection is unchanged');
      assert.ok(edited.length - tail.length > SELECTION_START, 'the selection was replaced by code, not removed');

      await workbench.page.keyboard.press('Control+Z');
      await workbench.page.keyboard.press('Control+S');
      assert.equal(await diskText(path, edited), CONTENT, 'one Undo restores the original text');
    });
  });

  it('Reject closes the diff and leaves the file byte-identical', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('inline-edit-reject', async (workbench) => {
      await editUntilDiff(session!, 'add a docstring', EDIT_MS);
      await titleAction(workbench, 'Reject Edit').click();
      await diffEditor(workbench).waitFor({ state: 'hidden', timeout: timeouts.ui });
      await workbench.page.keyboard.press('Control+S');
      await sleep(1_000);
      assert.equal(readFileSync(path, 'utf8'), CONTENT);
      assert.match(session!.smolCodeLog(), /inline edit: rejected for /);
    });
  });

  it('Accept refuses, with a message, when the file changed after the request', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('inline-edit-changed', async (workbench) => {
      const { page } = workbench;
      await editUntilDiff(session!, 'add a docstring', EDIT_MS);
      // Back in the file's own tab (the diff opened beside it), the user types on the first line.
      await page.locator('.editor-group-container.active .tab').filter({ hasText: /^circle\.py$/ }).first().click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('End');
      // One word: Monaco starts a new undo step where typing switches to whitespace.
      await page.keyboard.type('#typed');
      await page.locator('.editor-group-container.active .tab').filter({ hasText: 'SmolCode:' }).first().click();
      await titleAction(workbench, 'Accept Edit').click();
      await waitForNotification(workbench, 'changed after the edit was requested', timeouts.ui);
      await diffEditor(workbench).waitFor({ state: 'hidden', timeout: timeouts.ui });
      await workbench.screenshot('inline-edit-refused');
      await workbench.openFile(FILE);
      await page.keyboard.press('Control+S');
      const typed = CONTENT.replace('import math', 'import math#typed');
      assert.equal(await diskText(path, CONTENT), typed, 'only what the user typed reached the file');
      await page.keyboard.press('Control+Z');
      await page.keyboard.press('Control+S');
      assert.equal(await diskText(path, typed), CONTENT);
      await page.keyboard.press('Escape');
    });
  });

  it('Cancel while the rewrite streams stops it: no diff, and the file is byte-identical', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('inline-edit-cancel', async (workbench) => {
      await selectFunction(workbench);
      // The whole file: a longer reply to catch while it streams.
      await workbench.page.keyboard.press('Control+A');
      await askEdit(workbench, 'add a comment above every line');
      const toast = await waitForNotification(workbench, 'lines written', EDIT_MS);
      await clickNotificationButton(toast, 'Cancel');
      await workbench.screenshot('inline-edit-cancelled');
      await notification(workbench, 'lines written').first().waitFor({ state: 'hidden', timeout: timeouts.ui });
      const deadline = Date.now() + timeouts.ui;
      while (!/inline edit: shapes\/circle\.py lines 1-\d+: cancelled/.test(session!.smolCodeLog())) {
        if (Date.now() > deadline) throw new Error(`the log does not say the edit was cancelled:\n${session!.smolCodeLog()}`);
        await sleep(250);
      }
      await sleep(2_000);
      assert.equal(await diffEditor(workbench).isVisible(), false, 'no diff after Cancel');
      assert.equal(readFileSync(path, 'utf8'), CONTENT);
    });
  });
});
