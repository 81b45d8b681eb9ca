/**
 * @file Driving SmolCode's chat panel in the workbench: opening it, asking, and reading the
 * replies as the user sees them (the webview's own DOM classes, webview-ui/transcript.ts).
 */
import type { Frame } from 'playwright-core';
import { sleep } from './processGroup';
import { timeouts } from './timeouts';
import type { Workbench } from './workbench';

/** Polls `check` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The chat webview's content frame, once its panel has rendered (the view must be open). */
export async function chatFrame(workbench: Workbench): Promise<Frame> {
  const { frame } = await workbench.webviewFrameContaining('SmolCode Chat');
  await frame.locator('textarea.input').waitFor({ state: 'visible', timeout: timeouts.webview });
  return frame;
}

/** Opens the chat view from the palette and returns its frame. */
export async function openChat(workbench: Workbench): Promise<Frame> {
  await workbench.runCommand('SmolCode: Open Chat');
  return chatFrame(workbench);
}

/** The text of the last reply, '' when there is none yet. */
export async function lastReplyText(frame: Frame): Promise<string> {
  const replies = frame.locator('.turn.assistant .content');
  const count = await replies.count();
  return count === 0 ? '' : (await replies.nth(count - 1).innerText()).trim();
}

/** Whether a reply is streaming (its Stop button shows). */
export const isStreaming = (frame: Frame) => frame.locator('button.stop').isVisible();

/** Types `text` into the chat input (newlines included) and presses Enter to send it. */
export async function ask(frame: Frame, text: string): Promise<void> {
  const input = frame.locator('textarea.input');
  await input.fill(text);
  await input.press('Enter');
}
