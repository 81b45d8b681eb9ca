/**
 * @file The extension side of the model worker: starts the worker process lazily, talks to it
 * over JSON-RPC, streams generated text, and survives the worker dying: requests in flight fail
 * with a clear error, and the next request starts a fresh worker and reloads its models. A
 * worker that keeps crashing is started again only after a growing wait, and after a few
 * crashes in a row not at all until `restart()` (see restartPolicy.ts): requests then fail at
 * once with one error that quotes the worker's last stderr lines.
 */
import { fork as nodeFork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { DEFAULT_RESTART_POLICY, RestartPolicy, type RestartPolicyOptions } from './restartPolicy';
import { OutputTail } from './outputTail';

/** Starts a worker process; node's `fork` unless a test counts or replaces the processes. */
export type ForkWorker = (modulePath: string, args: readonly string[], options: ForkOptions) => ChildProcess;

/** Time and waiting, injected so tests check the restart backoff without waiting for it. */
export interface WorkerClock {
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts (the client was disposed). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const REAL_CLOCK: WorkerClock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) };

export interface WorkerClientOptions {
  /** The worker's entry file (dist/worker.mjs). */
  readonly workerPath: string;
  /** Extra node flags for the worker (tests run the TypeScript source through tsx). */
  readonly execArgv?: readonly string[];
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /**
   * Called once each time crashes stop the restarts (not once per failed request), so the
   * host can show one error with a Restart action.
   */
  readonly onCrashLoop?: (error: WorkerCrashLoopError) => void;
  /**
   * The worker's scheduling priority as a niceness (os.setPriority: 10 is below normal, on
   * Windows too). Long jobs run below the editor so that a fine-tune does not make typing lag.
   */
  readonly priority?: number;
  readonly fork?: ForkWorker;
  readonly clock?: WorkerClock;
  readonly restartPolicy?: RestartPolicyOptions;
}

/** Raised for requests that were in flight when the worker process ended. */
export class WorkerExitedError extends Error {}

/** Raised for every request once the worker crashed too often to be started again by itself. */
export class WorkerCrashLoopError extends WorkerExitedError {
  override readonly name = 'WorkerCrashLoopError';

  constructor(
    readonly crashes: number,
    /** The last exit: `exit code 1`, `signal SIGSEGV`. */
    readonly lastExit: string,
    /** The last lines the crashed worker wrote on stderr. */
    readonly stderr: readonly string[],
    windowMs: number,
  ) {
    const output = stderr.length > 0 ? `Its last lines on stderr:\n${stderr.join('\n')}` : 'It wrote nothing on stderr.';
    super(
      `the SmolCode model worker crashed ${crashes} times within ${windowMs / 1000} s (last: ${lastExit}), so it is not started ` +
        `again until you choose Restart. ${output}`,
    );
  }
}

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
  private readonly shutdown = new AbortController();
  private readonly clock: WorkerClock;
  private readonly policy: RestartPolicy;
  /** A start waiting out the backoff, shared by every request that arrives meanwhile. */
  private starting: Promise<Running> | undefined;
  /** Set when crashes stopped the restarts; cleared by `restart()`. */
  private halted: WorkerCrashLoopError | undefined;

  constructor(private readonly options: WorkerClientOptions) {
    this.clock = options.clock ?? REAL_CLOCK;
    this.policy = new RestartPolicy(options.restartPolicy ?? DEFAULT_RESTART_POLICY);
  }

  /** Sets the model of a role; it is loaded now and again after any worker restart. */
  async load(role: Role, engine: EngineOptions): Promise<LoadResult> {
    this.wanted.set(role, engine);
    const running = await this.ensure();
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
    const running = await this.ensure();
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
  async runtimeInfo(): Promise<RuntimeInfo> {
    const running = await this.ensure();
    return this.call(running, (c) => c.sendRequest(runtimeInfoRequest));
  }

  /**
   * Lets the worker start again after crashes stopped it (the user's Restart): the crashes are
   * forgotten and the next request starts a fresh worker, which reloads the models in use.
   */
  restart(): void {
    if (this.disposed || !this.halted) return;
    this.halted = undefined;
    this.policy.reset();
    this.options.log('info', 'restart requested: the model worker starts on the next request');
  }

  /** Whether a worker process is running now. */
  get isRunning(): boolean {
    return this.running !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.shutdown.abort();
    this.stop();
  }

  /** A running worker with the role's model loaded (reloaded after a restart). */
  private async ready(role: Role): Promise<Running> {
    const engine = this.wanted.get(role);
    if (!engine) throw new Error(`no model chosen for ${role}`);
    const running = await this.ensure();
    if (running.loaded.get(role) !== JSON.stringify(engine)) await this.load(role, engine);
    return running;
  }

  private async cancellable<T>(running: Running, signal: AbortSignal | undefined, send: (token: CancellationTokenSource['token']) => Promise<T>): Promise<T> {
    const source = new CancellationTokenSource();
    const abort = () => source.cancel();
    signal?.addEventListener('abort', abort);
    // A signal that aborted before the request (while the model loaded) fires no event.
    if (signal?.aborted) abort();
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

  private ensure(): Promise<Running> {
    if (this.running) return Promise.resolve(this.running);
    this.starting ??= this.startAfterBackoff().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startAfterBackoff(): Promise<Running> {
    const wait = this.policy.waitBeforeStart(this.clock.now());
    if (wait > 0 && !this.disposed && !this.halted) {
      this.options.log('info', `the model worker starts again in ${wait} ms (backoff after a crash)`);
      await this.clock.sleep(wait, this.shutdown.signal).catch(() => undefined);
    }
    if (this.disposed) throw new Error('the SmolCode model worker was shut down');
    if (this.halted) throw this.halted;
    return this.start();
  }

  private start(): Running {
    const child = (this.options.fork ?? nodeFork)(this.options.workerPath, [], {
      execArgv: [...(this.options.execArgv ?? [])],
      env: workerEnv(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const stderr = new OutputTail();
    child.stdout?.on('data', (data: Buffer) => this.options.log('info', `worker: ${data.toString().trimEnd()}`));
    child.stderr?.on('data', (data: Buffer) => {
      stderr.push(data.toString());
      this.options.log('warn', `worker: ${data.toString().trimEnd()}`);
    });
    // Without a listener a failed spawn (EAGAIN, EMFILE) would throw in the extension host.
    child.on('error', (error) => {
      stderr.push(`${error.message}\n`);
      this.options.log('error', `the model worker process failed: ${error.message}`);
    });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.onNotification(chunkNotification, ({ id, text }) => this.listeners.get(id)?.(text));
    connection.onNotification(jobProgressNotification, ({ id, progress }) => this.jobListeners.get(id)?.(progress));
    const exited = new Promise<never>((_, reject) => {
      // 'close' rather than 'exit': it comes after stderr is drained, so the crash's last words are in the tail.
      child.once('close', (code, signal) => {
        reject(this.ended(child, signal ? `signal ${signal}` : `exit code ${code}`, stderr));
        // Disposing rejects the connection's pending requests too; let the clearer error above win the race.
        setImmediate(() => connection.dispose());
      });
    });
    exited.catch(() => undefined);
    connection.listen();
    this.options.log('info', `started the model worker (pid ${child.pid})`);
    if (this.options.priority !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, this.options.priority);
      } catch (error) {
        // Some containers forbid it; the worker still works, only at normal priority.
        this.options.log('warn', `could not lower the worker's priority: ${(error as Error).message}`);
      }
    }
    this.running = { child, connection, exited, loaded: new Map() };
    return this.running;
  }

  /** Counts an unexpected exit as a crash and returns the error for the requests it cut off. */
  private ended(child: ChildProcess, how: string, stderr: OutputTail): WorkerExitedError {
    const lost = `the SmolCode model worker stopped unexpectedly (${how}); the request was lost.`;
    if (this.running?.child !== child || this.disposed) return new WorkerExitedError(lost);
    this.running = undefined;
    const verdict = this.policy.recordCrash(this.clock.now());
    if (verdict.restart) {
      this.options.log('error', `the model worker (pid ${child.pid}) stopped with ${how}; it restarts on the next request, after ${verdict.delayMs} ms at the earliest`);
      return new WorkerExitedError(`${lost} Try again: the worker restarts.`);
    }
    this.halted = new WorkerCrashLoopError(verdict.crashes, how, stderr.lines(), this.policy.options.windowMs);
    this.options.log('error', `the model worker (pid ${child.pid}) stopped with ${how}: ${this.halted.message}`);
    this.options.onCrashLoop?.(this.halted);
    return this.halted;
  }

  private stop(): void {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    running.connection.dispose();
    running.child.kill();
  }
}
