/**
 * @file Answering what an extension asks while a command runs: a command whose first step is
 * its own quick pick (the palette does not close in between, so `Workbench.runCommand`'s wait
 * for a hidden widget does not apply), items of that quick pick, and notification toasts with
 * buttons. Selectors are VS Code's own DOM classes (src/vs/workbench/browser/parts/notifications/).
 */
import type { Locator } from 'playwright-core';
import { sleep } from './processGroup';
import { timeouts } from './timeouts';
import type { Workbench } from './workbench';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The visible quick input row whose label is exactly `label`. */
function quickInputRow(workbench: Workbench, label: string): Locator {
  return workbench.quickInput
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: workbench.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
    .first();
}

/** Runs a command from the palette without waiting for the quick input to close (the command opens its own). */
export async function startCommand(workbench: Workbench, label: string): Promise<void> {
  await workbench.openCommandPalette(label);
  const row = quickInputRow(workbench, label);
  await row.waitFor({ state: 'visible', timeout: timeouts.ui });
  await row.click();
}

/** Waits for a quick pick item labelled `label` (the command's own pick) and chooses it. */
export async function chooseQuickPickItem(workbench: Workbench, label: string): Promise<void> {
  const row = quickInputRow(workbench, label);
  await row.waitFor({ state: 'visible', timeout: timeouts.ui });
  await row.click();
}

/** Notification toasts whose text contains `text`. */
export function notification(workbench: Workbench, text: string): Locator {
  return workbench.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
}

/**
 * Waits up to `timeout` ms for a toast containing `text`, calling `onPoll` every 200 ms
 * meanwhile (to take a screenshot of progress, for example); returns the toast.
 */
export async function waitForNotification(workbench: Workbench, text: string, timeout: number, onPoll?: () => Promise<void>): Promise<Locator> {
  const toast = notification(workbench, text).first();
  const deadline = Date.now() + timeout;
  while (!(await toast.isVisible())) {
    if (Date.now() > deadline) {
      const shown = await workbench.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
      throw new Error(`no notification with "${text}" within ${timeout} ms; shown: ${JSON.stringify(shown)}`);
    }
    await onPoll?.();
    await sleep(200);
  }
  return toast;
}

/** Clicks the button labelled `label` in `toast`. */
export async function clickNotificationButton(toast: Locator, label: string): Promise<void> {
  await toast.locator('.monaco-button', { hasText: label }).first().click();
}
