/**
 * @file The extension side of the model worker: starts the worker process lazily, talks to it
 * over JSON-RPC, streams generated text, and survives the worker dying: requests in flight fail
 * with a clear error, and the next request starts a fresh worker and reloads its models.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  CancellationTokenSource,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type MessageConnection,
  type RequestParam,
  type RequestType,
} from 'vscode-jsonrpc/node';
import type { EngineOptions, GenerateRequest, GenerateStats } from '../runtime/engine';
import {
  chunkNotification,
  countTokensRequest,
  generateRequest,
  jobProgressNotification,
  loadRequest,
  runtimeInfoRequest,
  type LoadResult,
  type RuntimeInfo,
} from './protocol';
import type { Role } from '../model/configTypes';
import { workerEnv } from '../env';

export interface WorkerClientOptions {
  /** The worker's entry file (dist/worker.mjs). */
  readonly workerPath: string;
  /** Extra node flags for the worker (tests run the TypeScript source through tsx). */
  readonly execArgv?: readonly string[];
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Raised for requests that were in flight when the worker process ended. */
export class WorkerExitedError extends Error {}

interface Running {
  readonly child: ChildProcess;
  readonly connection: MessageConnection;
  readonly exited: Promise<never>;
  readonly loaded: Map<Role, string>;
}

export class WorkerClient {
  private running: Running | undefined;
  private readonly wanted = new Map<Role, EngineOptions>();
  private readonly listeners = new Map<number, (text: string) => void>();
  private readonly jobListeners = new Map<number, (progress: unknown) => void>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: WorkerClientOptions) {}

  /** Sets the model of a role; it is loaded now and again after any worker restart. */
  async load(role: Role, engine: EngineOptions): Promise<LoadResult> {
    this.wanted.set(role, engine);
    const running = this.ensure();
    const result = await this.call(running, (c) => c.sendRequest(loadRequest, { role, options: engine }));
    running.loaded.set(role, JSON.stringify(engine));
    return result;
  }

  /** Generates with the role's model, calling `onText` for each streamed chunk. */
  async generate(role: Role, request: GenerateRequest, onText: (text: string) => void, signal?: AbortSignal): Promise<GenerateStats> {
    const running = await this.ready(role);
    const id = this.nextId++;
    this.listeners.set(id, onText);
    try {
      return await this.cancellable(running, signal, (token) => running.connection.sendRequest(generateRequest, { id, role, request }, token));
    } finally {
      this.listeners.delete(id);
    }
  }

  /**
   * Runs a long job (its request takes an `id`); `onProgress` gets the job's progress
   * notifications; `signal` cancels it through JSON-RPC cancellation.
   */
  async job<P extends { readonly id: number }, R, T>(
    type: RequestType<P, R, void>,
    params: Omit<P, 'id'>,
    onProgress: (progress: T) => void,
    signal?: AbortSignal,
  ): Promise<R> {
    const running = this.ensure();
    const id = this.nextId++;
    this.jobListeners.set(id, onProgress as (progress: unknown) => void);
    try {
      return await this.cancellable(running, signal, (token) => running.connection.sendRequest(type, { ...params, id } as RequestParam<P>, token));
    } finally {
      this.jobListeners.delete(id);
    }
  }

  /** Token counts of `texts` with the role's tokenizer. */
  async countTokens(role: Role, texts: readonly string[]): Promise<number[]> {
    const running = await this.ready(role);
    return this.call(running, (c) => c.sendRequest(countTokensRequest, { role, texts }));
  }

  /** The worker's ONNX Runtime description (starts the worker if needed). */
  runtimeInfo(): Promise<RuntimeInfo> {
    const running = this.ensure();
    return this.call(running, (c) => c.sendRequest(runtimeInfoRequest));
  }

  /** Whether a worker process is running now. */
  get isRunning(): boolean {
    return this.running !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }

  /** A running worker with the role's model loaded (reloaded after a restart). */
  private async ready(role: Role): Promise<Running> {
    const engine = this.wanted.get(role);
    if (!engine) throw new Error(`no model chosen for ${role}`);
    const running = this.ensure();
    if (running.loaded.get(role) !== JSON.stringify(engine)) await this.load(role, engine);
    return running;
  }

  private async cancellable<T>(running: Running, signal: AbortSignal | undefined, send: (token: CancellationTokenSource['token']) => Promise<T>): Promise<T> {
    const source = new CancellationTokenSource();
    const abort = () => source.cancel();
    signal?.addEventListener('abort', abort);
    try {
      return await Promise.race([send(source.token), running.exited]);
    } catch (error) {
      // A job cancelled on purpose fails in the worker with its own error; report the abort.
      throw signal?.aborted ? (signal.reason as Error) : error;
    } finally {
      signal?.removeEventListener('abort', abort);
      source.dispose();
    }
  }

  private call<T>(running: Running, send: (connection: MessageConnection) => Promise<T>): Promise<T> {
    return Promise.race([send(running.connection), running.exited]);
  }

  private ensure(): Running {
    if (this.disposed) throw new Error('the SmolCode model worker was shut down');
    if (this.running) return this.running;
    const child = fork(this.options.workerPath, [], {
      execArgv: [...(this.options.execArgv ?? [])],
      env: workerEnv(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child.stdout?.on('data', (data: Buffer) => this.options.log('info', `worker: ${data.toString().trimEnd()}`));
    child.stderr?.on('data', (data: Buffer) => this.options.log('warn', `worker: ${data.toString().trimEnd()}`));
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.onNotification(chunkNotification, ({ id, text }) => this.listeners.get(id)?.(text));
    connection.onNotification(jobProgressNotification, ({ id, progress }) => this.jobListeners.get(id)?.(progress));
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        if (this.running?.child === child) this.running = undefined;
        if (!this.disposed) this.options.log('error', `the model worker (pid ${child.pid}) stopped with ${how}; it restarts on the next request`);
        reject(new WorkerExitedError(`the SmolCode model worker stopped unexpectedly (${how}); the request was lost. Try again: the worker restarts.`));
        // Disposing rejects the connection's pending requests too; let the clearer error above win the race.
        setImmediate(() => connection.dispose());
      });
    });
    exited.catch(() => undefined);
    connection.listen();
    this.options.log('info', `started the model worker (pid ${child.pid})`);
    this.running = { child, connection, exited, loaded: new Map() };
    return this.running;
  }

  private stop(): void {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    running.connection.dispose();
    running.child.kill();
  }
}
