/**
 * @file Inline completion in real VS Code: with a generated tiny model as SmolCode's local
 * model, the test types into a Python file with real keystrokes, waits for SmolCode's ghost
 * text, accepts it with Tab, saves, and checks that the inserted text is exactly what the
 * completion pipeline produces for that prompt when run directly on an `Engine` in this process.
 * Screenshots of the ghost text and of the accepted result are kept in test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prefixWindow } from '../../src/completion/context/budget';
import type { PipelineOptions } from '../../src/completion/pipeline';
import { repositoryTemplate } from '../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../src/completion/types';
import { Engine } from '../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../support/tinyModel';
import { directSuggestion } from './support/directPipeline';
import { sleep } from './support/processGroup';
import { repoRoot } from './support/paths';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';
import { ghostTextSettings } from './support/ghostTextSettings';

/** The file the test types into, workspace-relative (what `asRelativePath` gives the provider). */
const FILE = 'src/shapes.py';
/** The file before typing: the cursor goes to the end of its indented last line. */
const CONTENT = 'def area(radius):\n    return 3.14159 * radius * radius\n\n\ndef perimeter(radius):\n    \n';
/** Where the cursor starts: end of the line before the final (empty) line. */
const CURSOR = CONTENT.length - 1;
/**
 * What the test types. Nothing VS Code auto-closes (brackets, quotes), and the line stays a
 * single-line completion position (text before the cursor, no block opener).
 */
const TYPED = 'total = radius';

/** Completion settings, shared by the extension (user settings) and the direct pipeline run. */
const MAX_TOKENS = 8;
const MAX_LINES = 4;
/** High, so a slow CI machine never has a suggestion cut short by the time budget. */
const TIME_BUDGET_MS = 30_000;

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
/** The provider windows the prefix to this budget (useOtherFiles is off, so all of it). */
const CONTEXT_TOKENS = manifest.contributes.configuration.properties['smolcode.completion.contextTokens']?.default as number;

/**
 * The generated model as SmolCode's local model. `localModelPath` is machine-overridable, and
 * code-server's workbench is a remote window: it reads that scope only from remote (Machine)
 * settings, never from User settings.
 */
function machineSettings(modelDir: string): Record<string, unknown> {
  return { 'smolcode.localModelPath': modelDir };
}

/** User settings: the model's precision and device, completion settings, a quiet editor. */
const settings = ghostTextSettings('fp32', { maxTokens: MAX_TOKENS, maxLines: MAX_LINES, timeBudgetMs: TIME_BUDGET_MS });

describe('SmolCode inline completion in code-server', { timeout: timeouts.suite }, () => {
  let model: TempModel | undefined;
  let engine: Engine | undefined;
  let session: E2eSession | undefined;

  const pipelineOptions: PipelineOptions = {
    template: repositoryTemplate,
    maxNewTokens: MAX_TOKENS,
    maxLines: MAX_LINES,
    timeBudgetMs: TIME_BUDGET_MS,
  };

  /** The provider's input for the cursor after `typed`, as inlineProvider.ts builds it. */
  const input = (typed: string): CompletionInput => ({
    path: FILE,
    languageId: 'python',
    prefix: prefixWindow(CONTENT.slice(0, CURSOR) + typed, CONTEXT_TOKENS),
    suffix: CONTENT.slice(CURSOR),
    repoName: basename(session?.workspace ?? 'workspace'),
    snippets: [],
  });

  const suggest = async (typed: string): Promise<string> => {
    if (!engine) throw new Error('no engine');
    return directSuggestion(engine, input(typed), pipelineOptions);
  };

  before(async () => {
    model = makeTempModel({ seed: 1 });
    engine = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1 });
    session = await E2eSession.start({ name: 'completion', settings, machineSettings: machineSettings(model.dir), files: { [FILE]: CONTENT } });
  });

  after(async () => {
    try {
      await session?.close();
    } finally {
      await engine?.dispose();
      model?.dispose();
    }
  });

  it('shows the engine’s suggestion as ghost text after typing, and Tab inserts exactly it', async () => {
    assert.ok(session);
    const expected = await suggest(TYPED);
    assert.ok(expected.length > 0, 'the generated model must suggest something at this position');
    assert.ok(!expected.includes('\n'), `expected a single-line suggestion, got ${JSON.stringify(expected)}`);
    // If a suggestion for an earlier keystroke began with the rest of TYPED, typing through it
    // would be answered from the completion cache (and VS Code would keep showing it) instead of
    // a fresh request: the ghost text would be that suggestion's tail. Rule it out.
    for (let i = 0; i < TYPED.length; i++) {
      const rest = TYPED.slice(i);
      const earlier = await suggest(TYPED.slice(0, i));
      assert.ok(!(earlier.startsWith(rest) && earlier.length > rest.length), `typing "${TYPED}" would run through the suggestion at "${TYPED.slice(0, i)}"`);
    }

    await session.step('completion', async (workbench) => {
      const { page } = workbench;
      // SmolCode activates on startup finished; keystrokes typed before it has registered its
      // provider would never be offered to it. Its status bar item appears in the same activate().
      await workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      await workbench.openFile(FILE);
      // Cursor to the end of the indented last line: Ctrl+End is the empty final line.
      await page.keyboard.press('Control+End');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('End');
      await page.keyboard.type(TYPED, { delay: 40 });

      const ghost = await workbench.waitForGhostText(timeouts.inlineSuggestion);
      const screenshot = await workbench.screenshot('completion-01-ghost-text');
      assert.equal(ghost, expected, `ghost text vs pipeline (screenshot ${screenshot})`);

      await page.keyboard.press('Tab');
      const deadline = Date.now() + timeouts.ui;
      while ((await workbench.ghostText()) === ghost && Date.now() < deadline) await sleep(100);
      await workbench.screenshot('completion-02-accepted');
      await page.keyboard.press('Control+S');

      const path = join(session?.workspace ?? '', FILE);
      const want = CONTENT.slice(0, CURSOR) + TYPED + expected + CONTENT.slice(CURSOR);
      const saveDeadline = Date.now() + timeouts.save;
      let onDisk = readFileSync(path, 'utf8');
      while (onDisk !== want && Date.now() < saveDeadline) {
        await sleep(200);
        onDisk = readFileSync(path, 'utf8');
      }
      assert.equal(onDisk, want, 'the saved file holds the typed text followed by the accepted suggestion');
    });
  });

  it('loaded the generated model from the local folder, as a fused graph built on the first load, on the CPU (SmolCode log)', async () => {
    assert.ok(session && model);
    // The folder has model.safetensors, so the first load builds the fused graph (smolcode.fusedGraph).
    // On the CPU the built graph is the one with matmul attention.
    const line = `completion: loaded ${model.dir} (fp32, fused graph model_fused_matmul.onnx) on cpu`;
    // Output channels are flushed to disk a little after they are written.
    const deadline = Date.now() + timeouts.ui;
    let log = session.smolCodeLog();
    while (!log.includes(line) && Date.now() < deadline) {
      await sleep(500);
      log = session.smolCodeLog();
    }
    assert.ok(log.includes(line), `SmolCode log:\n${log}`);
  });
});
