/**
 * @file llama-cpp-python's OpenAI-compatible server on loopback, running the real
 * SmolLM2-135M-Instruct GGUF on the CPU: the real server the remote-backend tests talk to
 * (scripts/python/prepare-llama-server.sh prepares it). Each server gets a free port and dies
 * with the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { freePort } from './freePort';
import { preparedBy } from './provided';

/** The prepared server's Python, or undefined after skipping (failing, under CI) `t`. */
export function preparedLlamaServer(t: TestContext): string | undefined {
  return preparedBy(t, 'scripts/python/prepare-llama-server.sh', 'SMOLCODE_LLAMA_SERVER_PYTHON', "llama-cpp-python's server");
}

/** The llama-cpp-python version the README names as tested (the preparer's pin). */
export const LLAMA_CPP_PYTHON_VERSION = '0.3.36';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface LlamaServer {
  /** `http://127.0.0.1:PORT` (the client adds `/v1`). */
  readonly url: string;
  /** The name `/v1/models` lists (`--model_alias`). */
  readonly model: string;
  readonly child: ChildProcess;
  /** The server's output so far, for failure messages. */
  log(): string;
  /** SIGKILL: a server that dies without closing its streams. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface LlamaServerOptions {
  readonly python: string;
  readonly gguf: string;
  readonly apiKey?: string;
  readonly model?: string;
}

/** Starts the server and resolves once it answers `/v1/models` (loading the 135M model takes a few seconds). */
export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const port = await freePort();
  const model = options.model ?? 'smollm2-135m-instruct';
  const args = [
    '-m', 'llama_cpp.server',
    '--model', options.gguf,
    '--model_alias', model,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--n_ctx', '4096',
    // The GGUF's own template is ChatML already; naming it keeps the test independent of llama-cpp-python's template detection.
    '--chat_format', 'chatml',
    // One thread: llama.cpp's threads spin at each step's barrier, which on a shared, loaded CI machine costs more than it gains.
    '--n_threads', '1',
    ...(options.apiKey ? ['--api_key', options.apiKey] : []),
  ];
  // Unbuffered, so the server's prints (such as the disconnect notice) reach log() as they happen.
  const child = spawn(options.python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child);
    resolve();
  }));
  const url = `http://127.0.0.1:${port}`;
  const server: LlamaServer = {
    url,
    model,
    child,
    log: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`llama-cpp-python's server exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-3000)}`);
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`llama-cpp-python's server did not answer on ${url} within 120 s:\n${output.slice(-3000)}`);
    }
    try {
      const response = await fetch(`${url}/v1/models`, { headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}, signal: AbortSignal.timeout(2000) });
      await response.text();
      if (response.ok) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
