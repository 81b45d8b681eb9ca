import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmptyDiffError, MAX_DIFF_TOKENS, REPLY_TOKENS, writeCommitMessage } from '../../../src/commitMessage/commitMessageWriter';
import { ScriptedBackend } from '../chat/fakes';
import { LOCK, MODIFIED } from './diffs';

/** A staged diff of `files` files, each with one hunk of `lines` added lines. */
function bigDiff(files: number, lines: number): string {
  return Array.from({ length: files }, (_, f) => [
    `diff --git a/src/file${f}.ts b/src/file${f}.ts`,
    '@@ -0,0 +1,' + lines + ' @@',
    ...Array.from({ length: lines }, (_, i) => `+export const value${i} = ${i}; // some filler text`),
  ].join('\n')).join('\n') + '\n';
}

describe('writing a commit message with the chat backend', () => {
  it('streams the cleaned message and returns it with what the prompt held', async () => {
    const backend = new ScriptedBackend();
    backend.chunks = ['```\n', 'feat(math): add', ' subtract\n', '```'];
    const streamed: string[] = [];
    const written = await writeCommitMessage(MODIFIED + LOCK, backend, (message) => streamed.push(message), new AbortController().signal);
    assert.equal(written.message, 'feat(math): add subtract');
    assert.deepEqual(streamed, ['', 'feat(math): add', 'feat(math): add subtract', 'feat(math): add subtract']);
    assert.equal(written.files, 2);
    assert.deepEqual(written.fitted.summaries, ['package-lock.json (lock file, +1 -1)']);
    assert.deepEqual(written.fitted.omitted, []);
    assert.equal(backend.requests.length, 1);
    assert.equal(backend.requests[0].maxNewTokens, REPLY_TOKENS);
    assert.match(backend.requests[0].messages.at(-1)!.content, /export function subtract/);
  });

  it('fits a diff larger than the window, naming what it left out', async () => {
    const backend = new ScriptedBackend();
    backend.window = 1024;
    backend.chunks = ['fix: x'];
    const written = await writeCommitMessage(bigDiff(60, 40), backend, () => undefined, new AbortController().signal);
    const { messages } = backend.requests[0];
    const counts = await backend.countTokens(messages.map((message) => message.content));
    // Each message pays 5 tokens of chat template.
    const promptTokens = counts.reduce((a, b) => a + b + 5, 0);
    assert.ok(promptTokens + REPLY_TOKENS <= 1024, `prompt ${promptTokens} tokens + reply fit 1024`);
    assert.equal(written.promptTokens, promptTokens);
    const user = messages.at(-1)!;
    assert.ok(written.fitted.omitted.length > 0);
    assert.match(user.content, new RegExp(`\\(${written.fitted.omitted.length} more files omitted: src/file\\d+\\.ts`));
    assert.ok(written.fitted.cutHunks > 0);
  });

  it('caps the diff at MAX_DIFF_TOKENS in a large window', async () => {
    const backend = new ScriptedBackend();
    backend.window = 32_768;
    backend.chunks = ['fix: x'];
    const written = await writeCommitMessage(bigDiff(10, 400), backend, () => undefined, new AbortController().signal);
    assert.ok(written.fitted.tokens <= MAX_DIFF_TOKENS, `${written.fitted.tokens} diff tokens`);
    assert.ok(written.promptTokens < MAX_DIFF_TOKENS + 800);
  });

  it('refuses a diff with no files before asking the model', async () => {
    const backend = new ScriptedBackend();
    await assert.rejects(writeCommitMessage('', backend, () => undefined, new AbortController().signal), EmptyDiffError);
    assert.equal(backend.requests.length, 0);
  });

  it('stops when cancelled during the reply', async () => {
    const backend = new ScriptedBackend();
    backend.hold = true;
    backend.chunks = ['feat: a'];
    const controller = new AbortController();
    const run = writeCommitMessage(MODIFIED, backend, () => setImmediate(() => controller.abort()), controller.signal);
    await assert.rejects(run, (error: Error) => error.name === 'AbortError');
  });

  it('passes the backend\'s failure on', async () => {
    const backend = new ScriptedBackend();
    backend.failWith = new Error('the worker crashed');
    await assert.rejects(writeCommitMessage(MODIFIED, backend, () => undefined, new AbortController().signal), /the worker crashed/);
  });
});
