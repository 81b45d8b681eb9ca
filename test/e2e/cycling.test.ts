/**
 * @file Several suggestions and partial accept on the real SmolLM2-135M-Instruct in real VS Code
 * (the GGUF imported through `smolcode.localModelPath`). Partial accept: typing the indentation
 * of a loop body shows a multi-line suggestion; VS Code's Accept Next Word inserts its first
 * word and the ghost text left is the rest of the suggestion, served from SmolCode's typed-
 * through cache (its log shows no new model run); Accept Next Line inserts the rest of that
 * line, then each next line, and the file holds exactly the suggestion. Cycling: Alt+\ asks for the
 * choices (one model request, one prefill for all of them) and Alt+] / Alt+[ step through
 * distinct ones without running the model again. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ghostTextSettings } from './support/ghostTextSettings';
import { preparedGgufPath } from './support/paths';
import { sleep } from './support/processGroup';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';
import type { Workbench } from './support/workbench';

const HEAD = 'def fizzbuzz(n):\n    """Print 1 to n, Fizz for multiples of 3, Buzz for multiples of 5."""\n    for i in range(1, n + 1):\n';
/** The loop body's indentation, typed so that an automatic request shows the suggestion. */
const INDENT = '        ';
const PARTIAL_FILE = 'partial.py';
/** Ends on the indented empty line, where Ctrl+End puts the cursor for Alt+\. */
const CYCLING_FILE = 'cycling.py';
/** VS Code has no default key for Accept Next Line; the test binds one. */
const ACCEPT_NEXT_LINE_KEY = 'ctrl+alt+l';

const settings = {
  ...ghostTextSettings('q4', { maxTokens: 32, maxLines: 4, timeBudgetMs: 60_000 }),
  'smolcode.completion.choices': 3,
};

/** SmolCode's per-request log lines (written at debug level) with this outcome. */
function requestLines(session: E2eSession, outcome: 'model' | 'cache'): string[] {
  return session.smolCodeLog().split('\n').filter((line) => line.includes(`completion: ${outcome} in `));
}

/** Waits until the ghost text differs from `previous` and stays so for a second; returns it. */
async function waitForOtherGhostText(workbench: Workbench, previous: string, timeout: number): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const ghost = await workbench.waitForGhostText(Math.max(deadline - Date.now(), 1_000));
    if (ghost !== previous) return ghost;
    if (Date.now() > deadline) throw new Error(`the ghost text stayed ${JSON.stringify(previous)} for ${timeout} ms`);
    await sleep(200);
  }
}

/**
 * Saves the active editor and returns the file once it differs from `before` and two reads agree
 * (a read during the save's write can see the file truncated).
 */
async function savedText(workbench: Workbench, path: string, before: string): Promise<string> {
  await workbench.page.keyboard.press('Control+S');
  const deadline = Date.now() + timeouts.save;
  let text = readFileSync(path, 'utf8');
  for (;;) {
    await sleep(200);
    const again = readFileSync(path, 'utf8');
    if ((again === text && again !== before && again !== '') || Date.now() > deadline) return again;
    text = again;
  }
}

describe('several suggestions and partial accept on the real SmolLM2-135M-Instruct', { timeout: timeouts.suite }, () => {
  let session: E2eSession | undefined;

  after(async () => {
    await session?.close();
  });

  it('accepts the next word and the next line of a suggestion; the ghost text left comes from the cache', async () => {
    session = await E2eSession.start({
      name: 'cycling',
      settings,
      machineSettings: { 'smolcode.localModelPath': preparedGgufPath() },
      keybindings: [{ key: ACCEPT_NEXT_LINE_KEY, command: 'editor.action.inlineSuggest.acceptNextLine', when: 'inlineSuggestionVisible' }],
      logLevel: 'debug',
      files: { [PARTIAL_FILE]: HEAD, [CYCLING_FILE]: HEAD + INDENT },
    });
    await session.step('partial-accept', async (workbench) => {
      const { page } = workbench;
      const path = join(session!.workspace, PARTIAL_FILE);
      await workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      await workbench.openFile(PARTIAL_FILE);
      await page.keyboard.press('Control+End');
      await page.keyboard.type(INDENT, { delay: 40 });
      // The first request imports the GGUF (~30-60 s) and loads the model before it generates.
      const ghost = await workbench.waitForGhostText(timeouts.inlineSuggestion * 2);
      const firstLine = ghost.split('\n')[0] ?? '';
      assert.ok(ghost.includes('\n'), `a multi-line suggestion, got ${JSON.stringify(ghost)}`);
      assert.ok(firstLine.trim().split(/\s+/).length >= 3, `several words on its first line, got ${JSON.stringify(firstLine)}`);
      const modelRuns = requestLines(session!, 'model').length;
      const cacheHits = requestLines(session!, 'cache').length;
      assert.ok(modelRuns >= 1, `SmolCode logged its model request:\n${session!.smolCodeLog()}`);
      // smolcode.promptDtype's default, auto, runs a 135M q4 model's prompt chunks in int8, and
      // the import's q4 graph keeps an 8-bit KV cache, which single tokens read through the native step.
      // Prompt chunks run in the native step where its kernel runs them (AVX2 and up), else in the int8 prompt graph.
      assert.match(session!.smolCodeLog(), /completion: loaded .*(, 8-bit KV cache, native decode \((avx512-vnni|avx2)\), prompts too|, prompt chunks through model_int8_fused_prompt\.onnx, 8-bit KV cache, native decode \(scalar\))\) on cpu/);

      await page.keyboard.press('Control+ArrowRight');
      const rest = await waitForOtherGhostText(workbench, ghost, timeouts.ui);
      const afterWord = await savedText(workbench, path, HEAD);
      assert.ok(afterWord.startsWith(HEAD + INDENT), 'the text before the cursor is kept');
      const word = afterWord.slice((HEAD + INDENT).length);
      assert.ok(word.length > 0 && word.length < firstLine.length, `one word of ${JSON.stringify(firstLine)}, got ${JSON.stringify(word)}`);
      assert.ok(ghost.startsWith(word), `${JSON.stringify(word)} is where the suggestion starts`);
      assert.equal(rest, ghost.slice(word.length), 'the ghost text left is the rest of the suggestion');
      await workbench.screenshot('partial-accept');
      // VS Code asks again after the edit; the answer is the typed-through cache, not the model.
      const deadline = Date.now() + timeouts.ui;
      while (requestLines(session!, 'cache').length === cacheHits && Date.now() < deadline) await sleep(200);
      assert.ok(requestLines(session!, 'cache').length > cacheHits, `a cache hit after accepting the word:\n${session!.smolCodeLog()}`);
      assert.equal(requestLines(session!, 'model').length, modelRuns, 'no model run after accepting the word');

      await page.keyboard.press('Control+Alt+L');
      const afterLineGhost = await waitForOtherGhostText(workbench, rest, timeouts.ui);
      const afterLine = await savedText(workbench, path, afterWord);
      // VS Code 1.139 takes the line break with the line; the cursor then waits at the next line's start.
      const accepted = afterLine.slice((HEAD + INDENT).length);
      assert.ok(accepted === firstLine || accepted === `${firstLine}\n`, `Accept Next Line inserts the rest of the first line, got ${JSON.stringify(accepted)}`);
      assert.equal(afterLineGhost, ghost.slice(accepted.length), 'the ghost text left is the suggestion\'s next lines');
      await workbench.screenshot('partial-accept-line');

      // The rest line by line (Tab would indent first: the next line's ghost text starts with more than a tab of indentation).
      let shown = afterLineGhost;
      for (let lines = 0; shown !== '' && lines < 8; lines++) {
        await page.keyboard.press('Control+Alt+L');
        const previous = shown;
        const lineDeadline = Date.now() + timeouts.ui;
        while ((await workbench.ghostText()) === previous && Date.now() < lineDeadline) await sleep(100);
        // A ghost text being replaced may blink empty: settle before deciding it is gone.
        await sleep(1_000);
        shown = await workbench.ghostText();
      }
      const whole = await savedText(workbench, path, afterLine);
      assert.equal(whole, HEAD + INDENT + ghost, 'the lines accepted one by one are exactly the suggestion');
      assert.equal(requestLines(session!, 'model').length, modelRuns, 'the whole suggestion was accepted without another model run');
    });
  });

  it('Alt+\\ asks for several suggestions from one prefill; Alt+] and Alt+[ step through distinct ones', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('cycling', async (workbench) => {
      const { page } = workbench;
      await workbench.openFile(CYCLING_FILE);
      await page.keyboard.press('Control+End');
      const modelRuns = requestLines(session!, 'model').length;
      await page.keyboard.press('Alt+Backslash');
      const first = await workbench.waitForGhostText(timeouts.inlineSuggestion);
      await workbench.screenshot('cycling-1');
      const deadline = Date.now() + timeouts.inlineSuggestion;
      while (!/choices from/.test(requestLines(session!, 'model').slice(modelRuns).join('\n')) && Date.now() < deadline) await sleep(200);
      const line = requestLines(session!, 'model').slice(modelRuns).find((l) => l.includes('choices from')) ?? '';
      const [, count, runs, later] = /(\d+) choices from (\d+) runs, later runs' prompt tokens (\d+)/.exec(line) ?? [];
      assert.ok(Number(count) >= 2, `several distinct choices, got: ${line || session!.smolCodeLog()}`);
      assert.ok(Number(runs) >= Number(count));
      assert.equal(Number(later), 0, 'the later choices ran no prompt token: one prefill served them all');
      const runsAfterChoices = requestLines(session!, 'model').length;

      await page.keyboard.press('Alt+BracketRight');
      const second = await waitForOtherGhostText(workbench, first, timeouts.ui);
      await workbench.screenshot('cycling-2');
      assert.notEqual(second, first);
      await page.keyboard.press('Alt+BracketLeft');
      const back = await waitForOtherGhostText(workbench, second, timeouts.ui);
      assert.equal(back, first, 'Alt+[ steps back to the first suggestion');
      assert.equal(requestLines(session!, 'model').length, runsAfterChoices, 'stepping through the choices runs no model');
    });
  });
});
