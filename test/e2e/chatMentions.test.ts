/**
 * @file Chat mentions in code-server on the real SmolLM2-135M-Instruct (the prepared GGUF,
 * imported on first use through `smolcode.localModelPath`). A JSON file with a trailing comma
 * and a duplicate key gets diagnostics from VS Code's built-in JSON language features; typing
 * `@` in the chat input lists the mentions, `problems` becomes a chip (removed and added again,
 * by keyboard and by mouse), and the question's reply streams and ends. SmolCode's log line for
 * the sent context shows the diagnostics went into the prompt. Then `@selection` typed in full
 * sends the selected line, with a file picked for `@file` and `@diff` of a change made in a fresh git
 * repository. The model samples, so its text is never asserted. Screenshots:
 * test/e2e/artifacts/chat-mentions-*.png.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { chatFrame, isStreaming, lastReplyText, openChat, waitFor } from './support/chatPanel';
import { preparedGgufPath } from './support/paths';
import { sleep } from './support/processGroup';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';

const FILE = 'config/app.json';
/** Lines 2 and 3 repeat a key (warnings) and line 4 ends with a trailing comma (an error). */
const BROKEN_JSON = '{\n  "name": "demo",\n  "name": "again",\n  "port": 8080,\n}\n';
/** Importing the GGUF (hash, dequantize, graphs), loading it and the first token, on a busy machine. */
const FIRST_TOKEN_MS = 300_000;
/**
 * A whole reply of the 135M model on a loaded CI machine: up to 1,024 tokens (a quarter of its
 * window) at a few tokens a second when the 2 cores are shared.
 */
const REPLY_MS = 480_000;
/** Asking for one sentence keeps the sampled reply short on most runs. */
const QUESTION = 'In one sentence, what is wrong here?';

/** Makes the fixture workspace a git repository whose one commit holds it (before code-server opens it), so `@diff` has a HEAD. */
function commitWorkspace(dir: string): void {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'fixture');
}

/** Polls SmolCode's log until `pattern` matches; returns the match. */
async function waitForLog(session: E2eSession, pattern: RegExp, timeout: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const match = pattern.exec(session.smolCodeLog());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`SmolCode's log has no ${pattern} within ${timeout} ms:\n${session.smolCodeLog()}`);
    await sleep(500);
  }
}

const mentionOptions = (frame: Frame) => frame.locator('.mention-menu .mention-option .mention-name').allInnerTexts();
const chip = (frame: Frame, label: string) => frame.locator('.chips .chip').filter({ has: frame.locator('.chip-label', { hasText: new RegExp(`^${label}$`) }) });

/** Sends what the input holds and waits for the reply to stream and end by itself. */
async function sendAndWaitForReply(frame: Frame): Promise<string> {
  const before = await frame.locator('.turn.assistant').count();
  await frame.locator('textarea.input').press('Enter');
  await waitFor('the reply to start', FIRST_TOKEN_MS, async () =>
    (await frame.locator('.turn.assistant').count()) > before && (await lastReplyText(frame)) !== '');
  await waitFor('the reply to end', REPLY_MS, async () => !(await isStreaming(frame)));
  const notes = await frame.locator('.turn.assistant').last().locator('.turn-note').allInnerTexts();
  assert.deepEqual(notes.filter((note) => /stopped|error/i.test(note)), [], 'the reply ended by itself');
  return lastReplyText(frame);
}

describe('chat mentions on the real SmolLM2-135M-Instruct', { timeout: 1_800_000 }, () => {
  let session: E2eSession;
  let frame: Frame;

  before(async () => {
    session = await E2eSession.start({
      name: 'chat-mentions',
      machineSettings: { 'smolcode.localModelPath': preparedGgufPath() },
      // The harness turns the Git extension off for quiet; @diff reads through it.
      settings: { 'git.enabled': true },
      files: { [FILE]: BROKEN_JSON },
      // The workspace opens as a clean git work tree.
      prepareWorkspace: commitWorkspace,
    });
    await session.workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
  });

  after(async () => {
    await session?.close();
  });

  it('suggests mentions for @, turns problems into a removable chip and sends the diagnostics with the question', async () => {
    await session.step('chat-mentions-problems', async (workbench) => {
      await workbench.openFile(FILE);
      // The JSON language server's diagnostics show as squiggles once it has validated the file.
      await workbench.activeEditor.locator('.squiggly-error').first().waitFor({ state: 'attached', timeout: timeouts.webview });

      frame = await openChat(workbench);
      const input = frame.locator('textarea.input');
      await input.click();
      await input.pressSequentially(`${QUESTION} @`);
      await frame.locator('.mention-menu').waitFor({ state: 'visible', timeout: timeouts.ui });
      assert.deepEqual(await mentionOptions(frame), ['@file', '@selection', '@problems', '@diff']);
      await workbench.screenshot('chat-mentions-suggest');

      await input.pressSequentially('pro');
      assert.deepEqual(await mentionOptions(frame), ['@problems']);
      await input.press('Enter');
      await chip(frame, 'problems').waitFor({ timeout: timeouts.ui });
      assert.equal(await input.inputValue(), QUESTION, 'the @word left the text and nothing was sent');
      assert.equal(await frame.locator('.turn').count(), 0);

      // A second mention by keyboard, then removed with its chip's button.
      await input.pressSequentially(' @di');
      await input.press('Tab');
      await chip(frame, 'diff').waitFor({ timeout: timeouts.ui });
      await chip(frame, 'diff').locator('button.chip-remove').click();
      await chip(frame, 'diff').waitFor({ state: 'detached', timeout: timeouts.ui });

      // problems removed, then chosen again with the mouse.
      await chip(frame, 'problems').locator('button.chip-remove').click();
      await chip(frame, 'problems').waitFor({ state: 'detached', timeout: timeouts.ui });
      await input.click();
      await input.press('End');
      await input.pressSequentially(' @');
      await frame.locator('.mention-option').filter({ hasText: '@problems' }).click();
      await chip(frame, 'problems').waitFor({ timeout: timeouts.ui });
      assert.equal((await input.inputValue()).trim(), QUESTION);
      assert.equal(await chip(frame, 'diff').count(), 0);

      const reply = await sendAndWaitForReply(frame);
      assert.ok(reply.length > 0);
      const sentChips = await frame.locator('.turn.user').last().locator('.turn-context .chip').allInnerTexts();
      assert.ok(sentChips.some((text) => /app\.json\s*\d+ problems/.test(text)), `the question carried the problems chip: ${JSON.stringify(sentChips)}`);
      assert.equal(await chip(frame, 'problems').count(), 0, 'a mention goes with one question');
      // The README's picture: the sent question with its chips, and the list open for the next one.
      await input.pressSequentially('@');
      await frame.locator('.mention-menu').waitFor({ state: 'visible', timeout: timeouts.ui });
      await workbench.screenshot('chat-mentions');
      await input.press('Escape');
      await input.fill('');

      // The log line quotes the start of each context block the prompt carried.
      const [line] = await waitForLog(session, /chat: question sent with context .*\[problems: app\.json \(\d+ problems\)\].*/, timeouts.ui);
      assert.match(line, /Problems VS Code reports in `config\/app\.json`:\\n- Error at line 4, column \d+(?: \([^)]*\))?: Trailing comma/, line);
      assert.match(line, /- Warning at line [23], column 3(?: \([^)]*\))?: Duplicate object key/, line);
    });
  });

  it('attaches a file picked for @file, the selected line for @selection and the git diff for @diff typed in full', async () => {
    await session.step('chat-mentions-selection', async (workbench) => {
      const { page } = workbench;
      // One uncommitted change in the workspace's repository; @diff reads it through git when sent.
      appendFileSync(join(session.workspace, 'src/math.ts'), 'export const DIFF_MARKER = 1;\n');
      // @file: the host's quick pick of workspace files, then a chip named after the file.
      frame = await chatFrame(workbench);
      await frame.locator('textarea.input').click();
      await frame.locator('textarea.input').pressSequentially('@fi');
      await frame.locator('textarea.input').press('Enter');
      await workbench.quickInput.locator('input.input').waitFor({ state: 'visible', timeout: timeouts.ui });
      await page.keyboard.type('math.ts');
      const row = workbench.quickInput.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'src/math.ts' }).first();
      await row.waitFor({ state: 'visible', timeout: timeouts.ui });
      await workbench.screenshot('chat-mentions-file-pick');
      await row.click();
      await chip(frame, 'math.ts').waitFor({ timeout: timeouts.ui });
      assert.equal(await chip(frame, 'math.ts').locator('.chip-detail').innerText(), 'src/math.ts');

      await workbench.openFile(FILE);
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Shift+ArrowDown');
      await workbench.statusBar.getByText(/\(\d+ selected\)/).waitFor({ timeout: timeouts.ui });

      // The chat view is still open; the palette's Open Chat would press Escape, which clears the selection.
      frame = await chatFrame(workbench);
      const input = frame.locator('textarea.input');
      await input.click();
      await input.fill('In one sentence, why is @selection repeated? @diff');
      await sendAndWaitForReply(frame);
      assert.equal(await frame.locator('.turn.user .content').last().innerText(), 'In one sentence, why is repeated?');
      const sentChips = await frame.locator('.turn.user').last().locator('.turn-context .chip').allInnerTexts();
      assert.ok(sentChips.some((text) => /app\.json\s*line 2/.test(text)), `the question carried the selection: ${JSON.stringify(sentChips)}`);
      const [line] = await waitForLog(session, /chat: question sent with context .*\[selection: app\.json \(line 2\)\].*/, timeouts.ui);
      assert.ok(line.includes('```json\\n  \\"name\\": \\"demo\\",\\n'), line);
      assert.equal(line.match(/\[selection:/g)?.length, 1, `the selection is sent once: ${line}`);
      assert.match(line, /\[diff: diff \(1 file\)\] "Uncommitted changes in the working tree \(git diff against HEAD\):\\n```diff\\ndiff --git a\/src\/math\.ts b\/src\/math\.ts/, line);
      assert.ok(line.includes('+export const DIFF_MARKER = 1;'), line);
      assert.match(line, /\[file: math\.ts \(src\/math\.ts\)\] "The file `src\/math\.ts`:\\n```\w+\\n\/\*\* Adds two numbers\. \*\//, line);
      await workbench.screenshot('chat-mentions-selection');
    });
  });
});
