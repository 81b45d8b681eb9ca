/**
 * @file "SmolCode: Export Training Recipe" in real VS Code (code-server): run from the palette
 * on a fixture workspace, the role is picked (Completion), an empty output folder is chosen in
 * the folder dialog, the training set is built in the jobs worker under a progress
 * notification, and the recipe's README opens in the Markdown preview. The recipe files carry
 * the `smolcode.finetune.*` settings. Running train.py is the integration test's job
 * (test/integration/python/exportTraining.test.ts). Screenshot: test/e2e/artifacts/export-training-*.png.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from './support/paths';
import { sleep } from './support/processGroup';
import { chooseQuickPickItem, startCommand, waitForNotification } from './support/prompts';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';

/** Building the training set of a few files on a slow CI machine. */
const EXPORT_MS = 180_000;

function workspaceFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 5; i++) {
    files[`src/util${i}.ts`] = [
      `/** String and number helpers, part ${i}. */`,
      '',
      `/** Returns the sum of \`values\`. */`,
      `export function sum${i}(values: readonly number[]): number {`,
      '  let total = 0;',
      '  for (const value of values) total += value;',
      '  return total;',
      '}',
      '',
    ].join('\n');
  }
  return files;
}

describe('SmolCode training recipe export in code-server', { timeout: timeouts.suite }, () => {
  let session: E2eSession;
  let modelDir: string;
  let outDir: string;

  before(async () => {
    modelDir = mkdtempSync(join(tmpdir(), 'smolcode-e2e-exportmodel-'));
    execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'make-model', '--shape', 'tiny', '--instruct', '--dtypes', 'fp32', '--out', modelDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
    outDir = mkdtempSync(join(tmpdir(), 'smolcode-e2e-recipe-'));
    session = await E2eSession.start({
      name: 'export-training',
      files: workspaceFiles(),
      machineSettings: { 'smolcode.localModelPath': modelDir },
      settings: { 'smolcode.dtype': 'fp32', 'smolcode.finetune.rank': 4, 'smolcode.finetune.steps': 7, 'smolcode.dataset.minScore': 0 },
    });
    await session.workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
  });

  after(async () => {
    await session?.close();
    for (const dir of [modelDir, outDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exports from the palette into the chosen folder and opens the README', async () => {
    await session.step('export-training', async (workbench) => {
      await startCommand(workbench, 'SmolCode: Export Training Recipe');
      await chooseQuickPickItem(workbench, 'Completion');
      // code-server's folder dialog is a quick input with the path as its value.
      const input = workbench.quickInput.locator('input.input');
      await input.waitFor({ state: 'visible', timeout: timeouts.ui });
      // The dialog rewrites its value as it lists folders; Enter before it settles accepts the
      // default (the workspace), so each Enter waits for the value to name the folder.
      const valueIs = async (want: (value: string) => boolean, ms: number = timeouts.ui) => {
        const deadline = Date.now() + ms;
        while (!want(await input.inputValue().catch(() => ''))) {
          if (Date.now() > deadline) throw new Error(`the folder dialog holds ${JSON.stringify(await input.inputValue().catch(() => ''))}, not ${outDir}/`);
          await sleep(200);
        }
      };
      // On a busy machine the dialog can write its first value (the workspace) after a fill and
      // join the two ("<workspace>//tmp/…/"): let it write that first, and fill again if it still did.
      await valueIs((value) => value.length > 0);
      for (let attempt = 1; ; attempt++) {
        await input.fill(`${outDir}/`);
        try {
          await valueIs((value) => value === `${outDir}/`, 5_000);
          await sleep(1_000);
          await valueIs((value) => value === `${outDir}/`, 5_000);
          break;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
      await input.press('Enter');
      await sleep(1_500);
      if (await input.isVisible()) {
        await valueIs((value) => value.replace(/\/$/, '') === outDir);
        await input.press('Enter');
      }

      await waitForNotification(workbench, 'training recipe written to', EXPORT_MS);
      const { text } = await workbench.webviewFrameContaining('Cluster training recipe');
      for (const part of ['accelerate launch --config_file accelerate/single_gpu.yaml train.py', 'vllm serve HuggingFaceTB/SmolLM2-135M --enable-lora']) {
        assert.ok(text.includes(part), `the README shows "${part}"`);
      }
      await workbench.screenshot('export-training-01-readme');
    });
    for (const file of ['train.py', 'requirements.txt', 'slurm.sbatch', 'README.md', 'accelerate/fsdp2.yaml', 'accelerate/zero3.yaml', 'data/code-train.jsonl']) {
      assert.ok(existsSync(join(outDir, file)), `${file} in the recipe folder`);
    }
    const script = readFileSync(join(outDir, 'train.py'), 'utf8');
    assert.match(script, /"rank": 4,/);
    assert.match(script, /"steps": 7,/);
    assert.match(script, /^BASE_MODEL = "HuggingFaceTB\/SmolLM2-135M"$/m);
  });
});
