/**
 * @file The remote backend in real VS Code against a real server: llama-cpp-python's
 * OpenAI-compatible server on loopback running the real SmolLM2-135M-Instruct GGUF. The session
 * starts on the local backend with the URL already set; switching `smolcode.backend` to `openai`
 * (no reload) names the server in the status bar, typing in a Python file shows ghost text that
 * equals what our pipeline gets from the same server directly, and a chat question streams a
 * reply from it, the panel's model menu naming the server's model. The local engine never loads:
 * nothing in SmolCode's log says a model loaded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { prefixWindow } from '../../src/completion/context/budget';
import { runPipeline } from '../../src/completion/pipeline';
import { repositoryTemplate } from '../../src/completion/template/promptTemplate';
import { OpenAiClient } from '../../src/remote/openaiClient';
import { remoteRunModel } from '../../src/remote/remoteRunner';
import { RemoteServer } from '../../src/remote/remoteServer';
import { startLlamaServer, type LlamaServer } from '../support/llamaServer';
import { ask, chatFrame, isStreaming, lastReplyText, waitFor } from './support/chatPanel';
import { ghostTextSettings } from './support/ghostTextSettings';
import { repoRoot } from './support/paths';
import { E2eSession } from './support/session';
import { timeouts } from './support/timeouts';

const FILE = 'geometry/circle.py';
const CONTENT = 'import math\n\n\ndef circle_area(radius):\n    """Return the area of a circle of the given radius."""\n    \n';
const CURSOR = CONTENT.length - 1;
const TYPED = 'return math.pi';
const MAX_TOKENS = 16;
const MAX_LINES = 4;
const TIME_BUDGET_MS = 60_000;
const REPLY_MS = 240_000;

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const CONTEXT_TOKENS = manifest.contributes.configuration.properties['smolcode.completion.contextTokens']?.default as number;

/** What a preparer's `--check` prints (test:prepare runs before the e2e tests; without it the suite cannot run). */
function prepared(script: string, variable: string): string {
  const run = spawnSync('bash', [join(repoRoot, script), '--check'], { encoding: 'utf8' });
  const value = new RegExp(`${variable}='([^']+)'`).exec(run.stdout)?.[1];
  if (run.status !== 0 || !value) throw new Error(`not prepared: run \`npm run test:prepare\` (${script})`);
  return value;
}

describe('SmolCode on a remote OpenAI-compatible server (llama-cpp-python on loopback)', { timeout: timeouts.suite }, () => {
  let session: E2eSession | undefined;
  let server: LlamaServer | undefined;

  after(async () => {
    try {
      await session?.close();
    } finally {
      await server?.stop();
    }
  });

  it('switches to the server without a reload: the status bar names it and ghost text comes from it', async () => {
    server = await startLlamaServer({
      python: prepared('scripts/python/prepare-llama-server.sh', 'SMOLCODE_LLAMA_SERVER_PYTHON'),
      gguf: prepared('scripts/models/prepare-smollm2-gguf.sh', 'SMOLCODE_SMOLLM2_GGUF'),
    });
    const host = new URL(server.url).host;
    session = await E2eSession.start({
      name: 'remote-backend',
      settings: { ...ghostTextSettings('q4', { maxTokens: MAX_TOKENS, maxLines: MAX_LINES, timeBudgetMs: TIME_BUDGET_MS }), 'smolcode.chat.temperature': 0 },
      machineSettings: { 'smolcode.remote.url': `${server.url}/v1`, 'smolcode.remote.chatModel': server.model },
      files: { [FILE]: CONTENT },
    });

    await session.step('remote-backend', async (workbench) => {
      const { page } = workbench;
      const item = workbench.statusBarItems('SmolCode').first();
      await item.waitFor({ state: 'visible', timeout: timeouts.extensionActivation });
      assert.equal((await item.innerText()).includes('remote'), false, 'the local backend is the default');

      const machineSettings = join(session!.userData, 'Machine', 'settings.json');
      const current = JSON.parse(readFileSync(machineSettings, 'utf8')) as Record<string, unknown>;
      writeFileSync(machineSettings, JSON.stringify({ ...current, 'smolcode.backend': 'openai' }, null, 2));
      await workbench.statusBarItems(`remote: ${host}`).first().waitFor({ state: 'visible', timeout: timeouts.ui });
      await workbench.screenshot('remote-01-status-bar');

      await workbench.openFile(FILE);
      await page.keyboard.press('Control+End');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('End');
      await page.keyboard.type(TYPED, { delay: 40 });
      const ghost = await workbench.waitForGhostText(timeouts.inlineSuggestion);
      await workbench.screenshot('remote-02-ghost-text');

      // The same pipeline against the same server, from this process: greedy, so the same text.
      const remote = new RemoteServer(new OpenAiClient({ baseUrl: server!.url }), () => ({ model: '', adapter: '', adapterModels: {} }));
      const expected = await runPipeline(
        {
          path: FILE,
          languageId: 'python',
          prefix: prefixWindow(CONTENT.slice(0, CURSOR) + TYPED, CONTEXT_TOKENS),
          suffix: CONTENT.slice(CURSOR),
          repoName: basename(session!.workspace),
          snippets: [],
        },
        { template: repositoryTemplate, maxNewTokens: MAX_TOKENS, maxLines: MAX_LINES, timeBudgetMs: TIME_BUDGET_MS },
        remoteRunModel(async () => remote),
        AbortSignal.timeout(60_000),
      );
      remote.dispose();
      assert.equal(ghost, expected.text, 'ghost text vs our pipeline on the same server');
      assert.ok(ghost.trim().length > 0 && !ghost.includes('\n'), `a one-line suggestion, got ${JSON.stringify(ghost)}`);
      const log = session!.smolCodeLog();
      assert.match(log, new RegExp(`remote: using ${server!.url.replace(/\./g, '\\.')}/v1`));
      assert.doesNotMatch(log, /completion: loaded /, 'the local engine never loaded a model');
    });
  });

  it('streams a chat reply from the server', async () => {
    assert.ok(session, 'the first test started the session');
    await session.step('remote-chat', async (workbench) => {
      await workbench.runCommand('SmolCode: New Chat');
      const frame = await chatFrame(workbench);
      await ask(frame, 'Write a Python function that returns the circumference of a circle.');
      await waitFor('the reply to start', timeouts.inlineSuggestion, async () => (await lastReplyText(frame)) !== '');
      await workbench.screenshot('remote-03-chat-streaming');
      await waitFor('the reply to end', REPLY_MS, async () => !(await isStreaming(frame)));
      const reply = await lastReplyText(frame);
      await workbench.screenshot('remote-04-chat');
      assert.match(reply, /circumference|radius|pi/i, `an answer about the question, got ${JSON.stringify(reply.slice(0, 300))}`);
      // The menu names the server's model, not a catalog model the local engine would run.
      assert.equal(await frame.locator('select.model-select').inputValue(), `remote: ${server!.model}`);
      const errors = await frame.locator('p.error').allInnerTexts();
      assert.deepEqual(errors, [], 'no error in the panel');
    });
  });
});
