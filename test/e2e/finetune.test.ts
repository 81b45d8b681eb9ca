/**
 * @file Fine-tuning in real VS Code (code-server): on a generated tiny model and a fixture
 * workspace of a few TypeScript files, "SmolCode: Fine-tune on This Workspace" is run from the
 * command palette, the role is picked (Completion), the run goes through the training set,
 * three training steps and the merge, the report opens in the Markdown preview, and accepting
 * "Use for Completion" sets `smolcode.completion.adapter`. A completion request afterwards
 * loads the completion model from the adapter folder. Screenshots go to test/e2e/artifacts/
 * (finetune-*.png).
 *
 * The tiny model is the Instruct flavour: the training-set builder renders chat samples with
 * the Instruct tokenizer's chat template, and with `smolcode.localModelPath` both roles use the
 * one local folder. It has model.safetensors, which training and merging read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from './support/paths';
import { sleep } from './support/processGroup';
import { chooseQuickPickItem, clickNotificationButton, startCommand, waitForNotification } from './support/prompts';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';

/** Training set, three steps of training and the merge on a slow CI machine. */
const FINETUNE_MS = 300_000;
/** Loading the adapter's model after the first completion request. */
const LOAD_MS = 120_000;

/** Workspace files with documentation and structure enough to pass the quality filter. */
function workspaceFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 5; i++) {
    files[`src/util${i}.ts`] = [
      `/**`,
      ` * String and number helpers, part ${i}.`,
      ` */`,
      '',
      `/** Returns the sum of \`values\`. */`,
      `export function sum${i}(values: readonly number[]): number {`,
      '  let total = 0;',
      '  for (const value of values) total += value;',
      '  return total;',
      '}',
      '',
      `/** Repeats \`text\` \`count\` times, joined by \`separator\`. */`,
      `export function repeat${i}(text: string, count: number, separator = ' '): string {`,
      '  return Array.from({ length: count }, () => text).join(separator);',
      '}',
      '',
    ].join('\n');
  }
  return files;
}

function makeTinyModel(dir: string): string {
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'make-model', '--shape', 'tiny', '--instruct', '--dtypes', 'fp32', '--out', dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
  return dir;
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe('SmolCode fine-tuning in code-server', { timeout: timeouts.suite }, () => {
  let session: E2eSession;
  let modelDir: string;
  let adapterDir: string;

  before(async () => {
    modelDir = makeTinyModel(mkdtempSync(join(tmpdir(), 'smolcode-e2e-ftmodel-')));
    session = await E2eSession.start({
      name: 'finetune',
      files: workspaceFiles(),
      // Machine-overridable settings only apply from the remote (Machine) settings in code-server.
      machineSettings: { 'smolcode.localModelPath': modelDir },
      settings: {
        'smolcode.dtype': 'fp32',
        'smolcode.device': 'cpu',
        'smolcode.threads': 1,
        'smolcode.finetune.steps': 3,
        'smolcode.finetune.seqLen': 64,
        'smolcode.finetune.rank': 4,
        'smolcode.dataset.seqLen': 64,
        'smolcode.dataset.minScore': 0,
      },
    });
    await session.workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
  });

  after(async () => {
    await session?.close();
    if (modelDir) rmSync(modelDir, { recursive: true, force: true });
  });

  it('fine-tunes from the palette, shows the report and activates the adapter', async () => {
    await session.step('finetune-run', async (workbench) => {
      await startCommand(workbench, 'SmolCode: Fine-tune on This Workspace');
      await chooseQuickPickItem(workbench, 'Completion');

      let progressShot = false;
      const prompt = await waitForNotification(workbench, 'Use this adapter for completion?', FINETUNE_MS, async () => {
        if (progressShot) return;
        const toasts = (await workbench.page.locator('.notifications-toasts .notification-toast').allInnerTexts()).join('\n');
        // The progress notification (training set, then steps with loss and ETA).
        if (toasts.includes('fine-tuning completion on workspace')) {
          progressShot = true;
          await workbench.screenshot('finetune-01-progress');
        }
      });

      const { text } = await workbench.webviewFrameContaining('Fine-tuning report');
      for (const part of ['Validation loss before', 'Validation loss after (best)', 'Steps']) assert.ok(text.includes(part), `the report shows "${part}"`);
      await workbench.screenshot('finetune-02-report');

      await clickNotificationButton(prompt, 'Use for Completion');
      const machineSettings = join(session.userData, 'Machine', 'settings.json');
      adapterDir = await waitFor('smolcode.completion.adapter in the Machine settings', timeouts.ui, () => {
        const value = (JSON.parse(readFileSync(machineSettings, 'utf8')) as Record<string, unknown>)['smolcode.completion.adapter'];
        return typeof value === 'string' && value !== '' ? value : undefined;
      });
      assert.match(adapterDir, /[/\\]adapters[/\\]workspace-completion-\d{8}-\d{6}$/);
      for (const file of ['adapter_config.json', 'adapter_model.safetensors', 'onnx/model.onnx', 'report.md', 'loss.svg', 'smolcode_run.json']) {
        assert.ok(existsSync(join(adapterDir, file)), `${file} in the adapter folder`);
      }
      const run = JSON.parse(readFileSync(join(adapterDir, 'smolcode_run.json'), 'utf8')) as { steps: number; initialValLoss: number | null; bestValLoss: number | null };
      assert.equal(run.steps, 3);
      assert.ok(run.initialValLoss !== null && run.bestValLoss !== null, 'the fixture has validation samples');
    });
  });

  it('loads the completion model from the adapter folder on the next completion request', async () => {
    await session.step('finetune-use', async (workbench) => {
      await workbench.openFile('src/util1.ts');
      await workbench.page.keyboard.press('Control+End');
      await workbench.page.keyboard.type('export const total = sum1(');
      const loaded = `completion: loaded ${adapterDir} (fp32, `;
      await waitFor(`"${loaded}" in the SmolCode log`, LOAD_MS, async () => {
        if (session.smolCodeLog().includes(loaded)) return true;
        // Ask again now and then: the first request may have gone before the typing settled.
        await workbench.runCommand('SmolCode: Trigger Inline Completion').catch(() => undefined);
        await sleep(2_000);
        return undefined;
      });
      await workbench.screenshot('finetune-03-adapter-in-use');
    });
  });

  it('lists the adapter in "Select Adapter" and switches completion back to the plain model', async () => {
    await session.step('finetune-select', async (workbench) => {
      await startCommand(workbench, 'SmolCode: Select Adapter');
      await chooseQuickPickItem(workbench, 'Completion');
      const name = adapterDir.split(/[/\\]/).at(-1)!;
      const listed = workbench.quickInput.locator('.quick-input-list .monaco-list-row').filter({ hasText: name });
      await listed.first().waitFor({ state: 'visible', timeout: timeouts.ui });
      await sleep(500); // let the quick pick paint before the screenshot
      await workbench.screenshot('finetune-04-select-adapter');
      await chooseQuickPickItem(workbench, 'None');
      const machineSettings = join(session.userData, 'Machine', 'settings.json');
      await waitFor('smolcode.completion.adapter to be cleared', timeouts.ui, () => {
        const value = (JSON.parse(readFileSync(machineSettings, 'utf8')) as Record<string, unknown>)['smolcode.completion.adapter'];
        return value === undefined || value === '' ? true : undefined;
      });
    });
  });
});
