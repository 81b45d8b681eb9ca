/**
 * @file "SmolCode: Export Model as GGUF" in real VS Code (code-server): with a generated tiny
 * model as the local model and a synthesized adapter selected for chat, the command is run from
 * the palette (Chat model, Q8_0, the default file in the workspace), the export runs in the jobs
 * worker under a progress notification, and the written file holds the adapter merged in: its
 * Q8_0 value projection is byte for byte the quantization of W + scale·B·A. Screenshots go to
 * test/e2e/artifacts/export-gguf-*.png.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAdapter, saveAdapter } from '../../src/finetune/adapter';
import { mergedWeights } from '../../src/finetune/merge';
import { quantizeQ8_0 } from '../../src/graph/gguf/ggmlEncode';
import { GgufFile } from '../../src/graph/gguf/ggufFile';
import { Rng } from '../../src/graph/rng';
import { SafetensorsFile } from '../../src/graph/safetensors';
import { readModelConfig } from '../../src/model/config';
import { loraModules, type LoraConfig } from '../../src/model/lora';
import { safetensorsSource } from '../../src/model/weights';
import { repoRoot } from './support/paths';
import { sleep } from './support/processGroup';
import { chooseQuickPickItem, startCommand, waitForNotification } from './support/prompts';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';

/** Export of the tiny model (20 tensors, one of 49152 rows) with the merge, on a slow CI machine. */
const EXPORT_MS = 180_000;
const LORA: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj'], useRslora: false };
const FILE_NAME = 'smolcode-chat-q8_0.gguf';

describe('SmolCode GGUF export in code-server', { timeout: timeouts.suite }, () => {
  let session: E2eSession;
  const root = mkdtempSync(join(tmpdir(), 'smolcode-e2e-export-'));
  const modelDir = join(root, 'model');
  const adapterDir = join(root, 'adapter');

  before(async () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'make-model', '--shape', 'tiny', '--instruct', '--dtypes', 'fp32', '--out', modelDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
    const config = readModelConfig(join(modelDir, 'config.json'));
    const rng = new Rng(4);
    const weights = new Map<string, Float32Array>();
    for (const m of loraModules(config, LORA)) {
      weights.set(m.a, Float32Array.from({ length: m.aShape[0] * m.aShape[1] }, () => (rng.next() * 2 - 1) * 0.2));
      weights.set(m.b, Float32Array.from({ length: m.bShape[0] * m.bShape[1] }, () => (rng.next() * 2 - 1) * 0.2));
    }
    mkdirSync(adapterDir);
    saveAdapter(adapterDir, { lora: LORA, baseModel: modelDir, weights });
    session = await E2eSession.start({
      name: 'export-gguf',
      files: { 'README.md': '# export\n' },
      // Machine-overridable settings only apply from the remote (Machine) settings in code-server.
      machineSettings: { 'smolcode.localModelPath': modelDir, 'smolcode.chat.adapter': adapterDir },
      settings: { 'smolcode.dtype': 'fp32', 'smolcode.device': 'cpu', 'smolcode.threads': 1 },
    });
    await session.workbench.statusBarItems('SmolCode').first().waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
  });

  after(async () => {
    await session?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('exports the chat model with its adapter merged in as a Q8_0 GGUF from the palette', async () => {
    await session.step('export-gguf', async (workbench) => {
      await startCommand(workbench, 'SmolCode: Export Model as GGUF');
      await chooseQuickPickItem(workbench, 'Chat model');
      await chooseQuickPickItem(workbench, 'Q8_0');
      // code-server's save dialog is a quick input holding the default path: accept it.
      const input = workbench.quickInput.locator('input.input');
      const deadline = Date.now() + timeouts.ui;
      while (!(await input.inputValue().catch(() => '')).endsWith(FILE_NAME)) {
        if (Date.now() > deadline) throw new Error(`no save dialog with the default file; the input holds ${JSON.stringify(await input.inputValue().catch(() => ''))}`);
        await sleep(200);
      }
      await workbench.screenshot('export-gguf-01-save');
      await workbench.page.keyboard.press('Enter');
      await waitForNotification(workbench, `exported ${FILE_NAME}`, EXPORT_MS);
      await workbench.screenshot('export-gguf-02-done');
    });

    const path = join(session.workspace, FILE_NAME);
    assert.ok(existsSync(path), `${path} exists`);
    const file = GgufFile.open(path);
    const base = SafetensorsFile.open(join(modelDir, 'model.safetensors'));
    try {
      assert.equal(file.get('general.architecture'), 'llama');
      assert.equal(file.get('general.file_type'), 7);
      const config = readModelConfig(join(modelDir, 'config.json'));
      const merged = mergedWeights(safetensorsSource(base), loadAdapter(adapterDir, config), config);
      const name = 'model.layers.1.self_attn.v_proj.weight';
      const written = file.read(file.tensor('blk.1.attn_v.weight')!);
      assert.deepEqual(written, quantizeQ8_0(merged.read(name)), 'the merged weight, quantized');
      assert.notDeepEqual(written, quantizeQ8_0(safetensorsSource(base).read(name)), 'not the base weight');
    } finally {
      file.close();
      base.close();
    }
  });
});
