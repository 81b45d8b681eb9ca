/**
 * The remote backend against a real server: llama-cpp-python's OpenAI-compatible server on
 * loopback, running the real SmolLM2-135M-Instruct GGUF on the CPU (both prepared by
 * `npm run test:prepare`). Completion goes through our pipeline (template, stop strings,
 * postprocessing) and `remoteRunModel`; chat through `remoteChatBackend`; the failure paths are
 * the real server's own (a wrong key, an unknown model, the process killed mid-reply).
 */
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { runPipeline } from '../../../src/completion/pipeline';
import { repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../../src/completion/types';
import { OpenAiClient } from '../../../src/remote/openaiClient';
import { remoteChatBackend } from '../../../src/remote/remoteChatBackend';
import type { RemoteError } from '../../../src/remote/remoteErrors';
import { remoteRunModel } from '../../../src/remote/remoteRunner';
import { RemoteServer, type RoleModelSettings } from '../../../src/remote/remoteServer';
import { freePort } from '../../support/freePort';
import { preparedLlamaServer, startLlamaServer, type LlamaServer } from '../../support/llamaServer';
import { preparedGguf } from '../../support/realModel';

const started: LlamaServer[] = [];
after(async () => {
  for (const server of started) await server.stop();
});

let shared: Promise<LlamaServer> | undefined;

/** One server for the tests that do not kill it or need a key. */
function sharedServer(t: TestContext): Promise<LlamaServer> | undefined {
  const python = preparedLlamaServer(t);
  const gguf = python && preparedGguf(t);
  if (!python || !gguf) return undefined;
  shared ??= startLlamaServer({ python, gguf }).then((server) => (started.push(server), server));
  return shared;
}

async function ownServer(t: TestContext, apiKey?: string): Promise<LlamaServer | undefined> {
  const python = preparedLlamaServer(t);
  const gguf = python && preparedGguf(t);
  if (!python || !gguf) return undefined;
  const server = await startLlamaServer({ python, gguf, apiKey });
  started.push(server);
  return server;
}

function remote(url: string, model: Partial<RoleModelSettings> = {}, apiKey?: string): RemoteServer {
  return new RemoteServer(new OpenAiClient({ baseUrl: url, apiKey }), () => ({ model: '', adapter: '', adapterModels: {}, ...model }));
}

const python: CompletionInput = {
  path: 'people.py',
  languageId: 'python',
  repoName: 'crm',
  prefix: 'class Person:\n    def __init__(self, name, age, email):\n        ',
  suffix: '\n',
  snippets: [],
};

const chatMessages = [
  { role: 'system', content: 'You are a helpful coding assistant.' },
  { role: 'user', content: 'Write a Python function that reverses a string, and explain it.' },
] as const;

describe('remote backend on a real llama-cpp-python server', { timeout: 600_000 }, () => {
  it('completes through our pipeline: our prompt, stop strings and postprocessing', async (t) => {
    const server = await sharedServer(t);
    if (!server) return;
    const backend = remote(server.url);
    const runModel = remoteRunModel(async () => backend);
    const options = { template: repositoryTemplate, maxNewTokens: 64, maxLines: 2 };
    const suggestion = await runPipeline(python, options, runModel, AbortSignal.timeout(120_000));
    t.diagnostic(`raw ${JSON.stringify(suggestion.raw)} → ${JSON.stringify(suggestion.text)}`);
    assert.equal(suggestion.mode, 'multi');
    // The prefix's last space is left to the model (trailingSpace.ts), which writes it back first.
    assert.equal(suggestion.prompt, `<repo_name>crm<file_sep>people.py\n${python.prefix.slice(0, -1)}`);
    assert.match(suggestion.raw, /^ self\.name = name\n/);
    const lines = suggestion.text.split('\n');
    // The model initialises the three fields; the pipeline keeps maxLines of them, indented as the file is.
    assert.equal(lines.length, 2, suggestion.text);
    assert.match(lines[0], /^self\.name = name$/);
    assert.match(lines[1], /^ {8}self\.age = age$/);
    // Once it had its lines the pipeline closed the request: a cancelled run reports no stats.
    assert.equal(suggestion.stats, undefined);

    // Single-line mode: the pipeline's '\n' stop goes to the server, which honours it.
    const inline = await runPipeline({ ...python, prefix: `${python.prefix}self.name = `, suffix: '\n' }, options, runModel, AbortSignal.timeout(120_000));
    t.diagnostic(`single-line raw ${JSON.stringify(inline.raw)}`);
    assert.equal(inline.mode, 'single');
    assert.equal(inline.raw.includes('\n'), false);
    assert.equal(inline.text, 'name');
    backend.dispose();
  });

  it('stops at a stop string on the server', async (t) => {
    const server = await sharedServer(t);
    if (!server) return;
    const client = new OpenAiClient({ baseUrl: server.url });
    const prompt = '<file_sep>count.py\nfor i in range(10):\n    print(i)\nfor j in range(10):\n';
    const free = await client.complete({ model: server.model, prompt, maxTokens: 32, stop: [], temperature: 0, stream: false }, () => undefined, AbortSignal.timeout(120_000));
    const stopped = await client.complete({ model: server.model, prompt, maxTokens: 32, stop: ['{'], temperature: 0, stream: true }, () => undefined, AbortSignal.timeout(120_000));
    t.diagnostic(`without stop ${JSON.stringify(free.text)}, with "{" ${JSON.stringify(stopped.text)}`);
    assert.ok(free.text.indexOf('{') > 0, free.text);
    assert.equal(stopped.text, free.text.slice(0, free.text.indexOf('{')));
    assert.equal(stopped.finishReason, 'stop');
    client.dispose();
  });

  it('streams a chat reply', async (t) => {
    const server = await sharedServer(t);
    if (!server) return;
    const backend = remote(server.url);
    const chat = remoteChatBackend(async () => backend, () => 0);
    const chunks: string[] = [];
    const reply = await chat.reply(chatMessages, 48, (text) => chunks.push(text), AbortSignal.timeout(400_000));
    t.diagnostic(`${chunks.length} chunks, finish ${reply.finishReason}: ${JSON.stringify(reply.text.slice(0, 200))}`);
    assert.ok(chunks.length > 5, `${chunks.length} chunks`);
    assert.equal(chunks.join(''), reply.text);
    assert.ok(reply.text.trim().length > 0);
    assert.ok(reply.finishReason === 'eos' || reply.finishReason === 'max-tokens');
    assert.equal(await chat.contextLength(), 4096);
    backend.dispose();
  });

  it('cancels: aborting closes the request, the server stops and answers the next one', async (t) => {
    const server = await sharedServer(t);
    if (!server) return;
    const backend = remote(server.url);
    const chat = remoteChatBackend(async () => backend, () => 0);
    const controller = new AbortController();
    let received = 0;
    const pending = chat.reply(chatMessages, 2000, () => {
      if (++received === 3) controller.abort();
    }, controller.signal);
    await assert.rejects(pending, (error: Error) => error.name === 'AbortError');
    assert.equal(received, 3);
    const next = await chat.reply([{ role: 'user', content: 'Say hi.' }], 8, () => undefined, AbortSignal.timeout(120_000));
    assert.ok(next.text.length > 0);
    // llama-cpp-python logs the closed stream it noticed (llama_cpp/server/app.py, get_event_publisher).
    assert.match(server.log(), /Disconnected from client/);
    backend.dispose();
  });

  it('names a model the server does not serve, with the served names', async (t) => {
    const server = await sharedServer(t);
    if (!server) return;
    const client = new OpenAiClient({ baseUrl: server.url });
    // What the server itself does with an unknown name: llama-cpp-python answers with its one model.
    const direct = await client.complete({ model: 'no-such-model', prompt: 'def f', maxTokens: 4, stop: [], temperature: 0, stream: false }, () => undefined, AbortSignal.timeout(120_000));
    t.diagnostic(`llama-cpp-python answered an unknown model name with ${JSON.stringify(direct.text)}`);
    assert.ok(direct.text.length > 0);
    client.dispose();
    // So the backend checks the name against /v1/models first.
    const backend = remote(server.url, { model: 'no-such-model' });
    const runModel = remoteRunModel(async () => backend);
    await assert.rejects(runPipeline(python, { template: repositoryTemplate, maxNewTokens: 8, maxLines: 2 }, runModel, AbortSignal.timeout(60_000)), (error: RemoteError) => {
      assert.equal(error.kind, 'model');
      assert.equal(error.message, `${server.url} does not serve the model "no-such-model"; it serves "${server.model}". Set smolcode.remote.completionModel`);
      return true;
    });
    // An adapter is requested by its folder name: not served here either, and the message says how to fix it.
    const adapter = remote(server.url, { adapter: '/home/me/.smolcode/adapters/team-python' });
    await assert.rejects(adapter.model('completion', AbortSignal.timeout(60_000)), /does not serve the model "team-python".*adapterModels/);
    backend.dispose();
    adapter.dispose();
  });

  it('refuses a missing or wrong key with a clear message, accepts the right one', async (t) => {
    const server = await ownServer(t, 'sk-team-secret');
    if (!server) return;
    const ask = (apiKey?: string) => remoteChatBackend(async () => remote(server.url, {}, apiKey), () => 0).reply([{ role: 'user', content: 'hi' }], 4, () => undefined, AbortSignal.timeout(120_000));
    await assert.rejects(ask(undefined), (error: RemoteError) => {
      assert.equal(error.kind, 'auth');
      assert.match(error.message, /^http:\/\/127\.0\.0\.1:\d+ refused the request \(401.*\): the server needs an API key; set it with "SmolCode: Set Remote API Key"$/);
      return true;
    });
    await assert.rejects(ask('sk-wrong'), (error: RemoteError) => error.kind === 'auth' && /\(401.*the API key is wrong/.test(error.message));
    assert.ok((await ask('sk-team-secret')).text.length > 0);
  });

  it('keeps the partial reply and says so when the server is killed mid-stream', async (t) => {
    const server = await ownServer(t);
    if (!server) return;
    const backend = remote(server.url);
    const chat = remoteChatBackend(async () => backend, () => 0);
    let text = '';
    let killed: Promise<void> | undefined;
    const pending = chat.reply(chatMessages, 2000, (delta) => {
      text += delta;
      if (text.length >= 20) killed ??= server.kill();
    }, AbortSignal.timeout(120_000));
    await assert.rejects(pending, (error: RemoteError) => {
      assert.equal(error.kind, 'interrupted');
      assert.ok(error.partialText.length >= 20);
      assert.equal(error.partialText, text);
      assert.match(error.message, new RegExp(`^${server.url.replace(/\./g, '\\.')} closed the connection mid-reply \\(.*\\) after ${text.length} characters of the reply; the server may have stopped or restarted$`));
      return true;
    });
    await killed;
    // Gone for good: the next request says the server is unreachable, after the retries.
    await assert.rejects(chat.reply(chatMessages, 8, () => undefined, AbortSignal.timeout(60_000)), /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check smolcode\.remote\.url/);
    backend.dispose();
  });

  it('says when the URL is not an OpenAI-compatible base, or nothing listens there', async (t) => {
    const server = await sharedServer(t);
    if (!server) return;
    const wrongPath = new OpenAiClient({ baseUrl: `${server.url}/api` });
    await assert.rejects(wrongPath.listModels(AbortSignal.timeout(10_000)), (error: RemoteError) => error.kind === 'notFound' && /has no \/api\/v1\/models \(404/.test(error.message));
    wrongPath.dispose();
    const nobody = new OpenAiClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    await assert.rejects(nobody.listModels(AbortSignal.timeout(10_000)), (error: RemoteError) => error.kind === 'unreachable');
    nobody.dispose();
  });
});
