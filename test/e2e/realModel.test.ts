/**
 * @file The real SmolLM2-135M-Instruct in real VS Code, reached as a user with Ollama would: the
 * GGUF sits in an Ollama store (a manifest and a content-addressed blob), "SmolCode: Select
 * Model" lists it, picking it imports it under a progress notification, and typing in a Python
 * file then shows ghost text that is real code, ends where the line ends, and equals what the
 * completion pipeline gives on the same imported folder run directly in this process. Tab
 * inserts it. Then Explain on the whole file streams an answer in the chat panel that is about
 * the code and ends by itself, not at the length limit, with the panel's model menu naming the
 * local model. A greedy chat answer to a coding question holds a code block the model wrote, and
 * Insert puts it at the cursor. Fine-tuning from the palette on the real weights ends with a report
 * whose validation loss fell. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { prefixWindow } from '../../src/completion/context/budget';
import { repositoryTemplate } from '../../src/completion/template/promptTemplate';
import { Engine } from '../../src/runtime/engine';
import { directSuggestion } from './support/directPipeline';
import { sleep } from './support/processGroup';
import { preparedGgufPath, repoRoot } from './support/paths';
import { ask, chatFrame, isStreaming, lastReplyText, waitFor } from './support/chatPanel';
import { chooseQuickPickItem, clickNotificationButton, startCommand, waitForNotification } from './support/prompts';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';
import { ghostTextSettings } from './support/ghostTextSettings';

const FILE = 'geometry/circle.py';
const CONTENT = 'import math\n\n\ndef circle_area(radius):\n    """Return the area of a circle of the given radius."""\n    \n';
/** End of the indented line before the final empty line. */
const CURSOR = CONTENT.length - 1;
const TYPED = 'return math.pi';
const MAX_TOKENS = 16;
/** A whole chat reply of the 135M model on a loaded CI machine (at most 512 tokens). */
const REPLY_MS = 240_000;
const MAX_LINES = 4;
const TIME_BUDGET_MS = 60_000;
/** The Ollama model name the store lists the file under. */
const OLLAMA_NAME = 'smollm2:135m';

/** An Ollama store that holds `gguf` as `smollm2:135m`, laid out as `ollama pull` leaves it. */
function ollamaStore(root: string, gguf: string, sha256: string): string {
  const store = join(root, 'ollama-models');
  mkdirSync(join(store, 'blobs'), { recursive: true });
  symlinkSync(gguf, join(store, 'blobs', `sha256-${sha256}`));
  const manifestDir = join(store, 'manifests', 'registry.ollama.ai', 'library', 'smollm2');
  mkdirSync(manifestDir, { recursive: true });
  const layers = [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${sha256}`, size: 1 }];
  writeFileSync(join(manifestDir, '135m'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers }));
  return store;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const CONTEXT_TOKENS = manifest.contributes.configuration.properties['smolcode.completion.contextTokens']?.default as number;

/** A question whose greedy answer on this model is a fenced Python block (checked with the CLI). */
const CODE_QUESTION = 'Write a Python function circle_circumference(radius) that returns the circumference of a circle.';
/** Training set, eight steps on the real model, evaluations and the q4 merge, on a loaded CI machine. */
const FINETUNE_MS = 600_000;

/** The sample workspace's real Python and TypeScript files, training data for the fine-tune test. */
function sampleWorkspaceFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of ['inventory/inventory.py', 'inventory/test_inventory.py', 'web/src/cart.ts', 'web/src/format.ts']) {
    files[path] = readFileSync(join(repoRoot, 'samples/workspace', path), 'utf8');
  }
  return files;
}

const settings = {
  ...ghostTextSettings('q4', { maxTokens: MAX_TOKENS, maxLines: MAX_LINES, timeBudgetMs: TIME_BUDGET_MS }),
  // Greedy chat: the same question gets the same answer, so the code block the Insert test needs is there.
  'smolcode.chat.temperature': 0,
  // The ghost text is compared with one direct run of the whole prompt. With prompts in int8 (the
  // default `auto` at 135M) the cache rows depend on how typing split the prompt into chunks, since
  // int8 rounds activations per chunk; in q4 they do not.
  'smolcode.promptDtype': 'same',
  // A short fine-tune: enough steps on the real model for the validation loss to move.
  'smolcode.finetune.steps': 8,
  'smolcode.finetune.seqLen': 128,
  'smolcode.dataset.seqLen': 128,
};

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

describe('SmolCode on the real SmolLM2-135M-Instruct, picked from an Ollama store', { timeout: timeouts.suite }, () => {
  const root = mkdtempSync(join(tmpdir(), 'smolcode-e2e-real-'));
  let session: E2eSession | undefined;
  let engine: Engine | undefined;
  /** The chat menu's entry for the picked GGUF. */
  let localLabel = '';
  const previousOllama = process.env.OLLAMA_MODELS;

  after(async () => {
    try {
      await session?.close();
    } finally {
      await engine?.dispose();
      if (previousOllama === undefined) delete process.env.OLLAMA_MODELS;
      else process.env.OLLAMA_MODELS = previousOllama;
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('lists the Ollama model, imports it on pick with progress, and shows its real ghost text, which Tab inserts', async () => {
    const gguf = preparedGgufPath();
    const sha256 = createHash('sha256').update(readFileSync(gguf)).digest('hex');
    const store = ollamaStore(root, gguf, sha256);
    const blob = join(store, 'blobs', `sha256-${sha256}`);
    localLabel = `local: sha256-${sha256}`;
    // code-server, its extension host and SmolCode's workers inherit this environment.
    process.env.OLLAMA_MODELS = store;
    session = await E2eSession.start({ name: 'real-model', settings, files: { [FILE]: CONTENT, ...sampleWorkspaceFiles() } });

    await session.step('real-model', async (workbench) => {
      const { page } = workbench;
      await workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      await startCommand(workbench, 'SmolCode: Select Model');
      const row = workbench.quickInput.locator('.quick-input-list .monaco-list-row').filter({ hasText: OLLAMA_NAME }).first();
      await row.waitFor({ state: 'visible', timeout: timeouts.ui });
      const rowText = (await row.innerText()).replace(/\s+/g, ' ');
      await workbench.screenshot('real-01-select-model');
      assert.match(rowText, /smollm2:135m.*Ollama · 135M · Q4_1 · 98 MB/);
      await row.click();
      await waitForLog(session!, new RegExp(`select model: smolcode\\.localModelPath = ${blob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), timeouts.ui);

      await workbench.openFile(FILE);
      await page.keyboard.press('Control+End');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('End');
      await page.keyboard.type(TYPED, { delay: 40 });
      // The first request imports the file (hash, dequantize, graphs) before it loads and generates.
      await waitForNotification(workbench, 'importing', timeouts.inlineSuggestion);
      await workbench.screenshot('real-02-importing');
      const [, importedDir] = await waitForLog(session!, /imported .* into (\S+) \(q4\) in [\d.]+ s/, timeouts.inlineSuggestion * 2);
      assert.equal(basename(importedDir ?? ''), sha256, 'the import is kept under the file\'s SHA-256');
      await waitForLog(session!, new RegExp(`completion: loaded ${importedDir} \\(q4, fused graph model_q4_fused_matmul\\.onnx, 8-bit KV cache, native decode \\(((avx512-vnni|avx2)\\), prompts too|scalar\\))\\) on cpu`), timeouts.inlineSuggestion);

      const ghost = await workbench.waitForGhostText(timeouts.inlineSuggestion);
      await workbench.screenshot('real-03-ghost-text');

      // The same pipeline on the same folder and graph, directly in this process.
      engine = await Engine.load({ modelDir: importedDir!, dtype: 'q4', device: 'cpu', threads: 1, buildFusedGraph: true });
      const expected = await directSuggestion(
        engine,
        {
          path: FILE,
          languageId: 'python',
          prefix: prefixWindow(CONTENT.slice(0, CURSOR) + TYPED, CONTEXT_TOKENS),
          suffix: CONTENT.slice(CURSOR),
          repoName: basename(session!.workspace),
          snippets: [],
        },
        { template: repositoryTemplate, maxNewTokens: MAX_TOKENS, maxLines: MAX_LINES, timeBudgetMs: TIME_BUDGET_MS },
      );
      assert.equal(ghost, expected, 'ghost text vs the pipeline on the imported model');
      assert.ok(!ghost.includes('\n') && ghost.trim().length > 0, `a one-line suggestion, got ${JSON.stringify(ghost)}`);
      assert.match(ghost, /radius/, `real code about the radius, got ${JSON.stringify(ghost)}`);

      await page.keyboard.press('Tab');
      const deadline = Date.now() + timeouts.ui;
      while ((await workbench.ghostText()) === ghost && Date.now() < deadline) await sleep(100);
      await workbench.screenshot('real-04-accepted');
      await page.keyboard.press('Control+S');
      const path = join(session!.workspace, FILE);
      const want = CONTENT.slice(0, CURSOR) + TYPED + ghost + CONTENT.slice(CURSOR);
      const saveDeadline = Date.now() + timeouts.save;
      while (readFileSync(path, 'utf8') !== want && Date.now() < saveDeadline) await sleep(200);
      assert.equal(readFileSync(path, 'utf8'), want);
    });
  });

  it('explains the file in the chat panel: an answer about the code that ends by itself', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('real-explain', async (workbench) => {
      await workbench.openFile(FILE);
      await workbench.page.keyboard.press('Control+A');
      await workbench.runCommand('SmolCode: Explain');
      const frame = await chatFrame(workbench);
      await waitFor('the reply to start', timeouts.inlineSuggestion, async () => (await lastReplyText(frame)) !== '');
      await workbench.screenshot('real-05-explain-streaming');
      await waitFor('the reply to end', REPLY_MS, async () => !(await isStreaming(frame)));
      await workbench.screenshot('real-06-explain');
      const reply = await lastReplyText(frame);
      assert.match(reply, /circle|area|radius/i, `an answer about the code, got ${JSON.stringify(reply)}`);
      const notes = await frame.locator('.turn.assistant').last().locator('.turn-note').allInnerTexts();
      assert.deepEqual(notes, [], 'no note: the reply ended by itself, not at the length limit');
      // The menu names the model that answered, not a catalog model the setting no longer runs.
      assert.equal(await frame.locator('select.model-select').inputValue(), localLabel);
    });
  });
  it('answers a coding question with a code block the model wrote, which Insert puts at the cursor', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('real-chat-insert', async (workbench) => {
      const { page } = workbench;
      await workbench.openFile(FILE);
      await page.keyboard.press('Control+End');
      const path = join(session!.workspace, FILE);
      const before = readFileSync(path, 'utf8');
      await workbench.runCommand('SmolCode: New Chat');
      const frame = await chatFrame(workbench);
      await ask(frame, CODE_QUESTION);
      await waitFor('the reply to end', REPLY_MS, async () => (await lastReplyText(frame)) !== '' && !(await isStreaming(frame)));
      const turn = frame.locator('.turn.assistant').last();
      assert.deepEqual(await turn.locator('.turn-note').allInnerTexts(), [], 'the reply ended by itself');
      const block = turn.locator('.code-block').first();
      await block.waitFor({ timeout: timeouts.ui });
      const code = (await block.locator('code').innerText()).replace(/\n$/, '');
      assert.match(code, /def circle_circumference\(radius\)/, `the model's own block, got ${JSON.stringify(code)}`);
      await workbench.screenshot('real-07-chat-code-block');

      await block.locator('button[aria-label="Insert at cursor"]').click();
      await page.locator('.editor-instance .monaco-editor').first().locator('.view-lines').filter({ hasText: 'def circle_circumference' }).waitFor({ timeout: timeouts.ui });
      await workbench.screenshot('real-08-chat-inserted');
      await page.keyboard.press('Control+S');
      const deadline = Date.now() + timeouts.save;
      while (readFileSync(path, 'utf8') === before && Date.now() < deadline) await sleep(200);
      const after = readFileSync(path, 'utf8');
      assert.ok(after.startsWith(before), 'the block went in at the cursor, the end of the file');
      assert.equal(after.slice(before.length).trimEnd(), code.trimEnd(), 'the inserted text is the block, unchanged');
    });
  });

  it('fine-tunes the real model from the palette: the report shows the validation loss falling', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('real-finetune', async (workbench) => {
      await startCommand(workbench, 'SmolCode: Fine-tune on This Workspace');
      await chooseQuickPickItem(workbench, 'Completion');
      const prompt = await waitForNotification(workbench, 'Use this adapter for completion?', FINETUNE_MS);
      const { text } = await workbench.webviewFrameContaining('Fine-tuning report');
      for (const part of ['Validation loss before', 'Validation loss after (best)']) assert.ok(text.includes(part), `the report shows "${part}"`);
      await workbench.screenshot('real-09-finetune-report');
      await clickNotificationButton(prompt, 'Use for Completion');
      const machineSettings = join(session!.userData, 'Machine', 'settings.json');
      let adapterDir = '';
      await waitFor('smolcode.completion.adapter in the Machine settings', timeouts.ui, async () => {
        const value = (JSON.parse(readFileSync(machineSettings, 'utf8')) as Record<string, unknown>)['smolcode.completion.adapter'];
        adapterDir = typeof value === 'string' ? value : '';
        return adapterDir !== '';
      });
      const run = JSON.parse(readFileSync(join(adapterDir, 'smolcode_run.json'), 'utf8')) as { steps: number; initialValLoss: number | null; bestValLoss: number | null };
      assert.ok(run.initialValLoss !== null && run.bestValLoss !== null, 'the workspace has validation samples');
      assert.ok(run.bestValLoss < run.initialValLoss, `validation loss falls: ${run.initialValLoss} -> ${run.bestValLoss}`);
    });
  });
});
