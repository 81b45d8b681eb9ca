/**
 * @file A WorkerClient over the small fixture workers in test/fixtures/workers/ (or the real
 * one), with a fake
 * clock: the crash-loop tests fork real processes (a worker that dies on start takes tens of
 * milliseconds) but never wait out a backoff, and they read back how many processes started,
 * which waits were asked for and which crash-loop notices were raised.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WorkerClient, type WorkerCrashLoopError } from '../../src/worker/client';

/** Dies as it starts, in the way its argument names (see the file). */
export const DYING_WORKER = fileURLToPath(new URL('../fixtures/workers/dyingWorker.mjs', import.meta.url));
/** Starts at once and answers `runtime/info`. */
export const ANSWERING_WORKER = fileURLToPath(new URL('../fixtures/workers/answering.mjs', import.meta.url));

export interface WorkerScript {
  readonly path: string;
  readonly args?: readonly string[];
  /** Node flags (the real worker runs its TypeScript source through tsx). */
  readonly execArgv?: readonly string[];
  /** The runtime to spawn instead of this node. */
  readonly execPath?: string;
}

export class WorkerHarness {
  /** What the next start forks; tests swap it to "fix" the worker. */
  script: WorkerScript;
  /** Process ids of every worker started, in order (undefined where the spawn failed). */
  readonly starts: (number | undefined)[] = [];
  /** Every wait the client asked the clock for, in milliseconds. */
  readonly delays: number[] = [];
  readonly notices: WorkerCrashLoopError[] = [];
  readonly logs: string[] = [];
  now = 0;
  /** When set, `sleep` waits for this instead of returning at once (to act during a backoff). */
  holdSleeps: Promise<void> | undefined;
  readonly client: WorkerClient;

  constructor(script: WorkerScript) {
    this.script = script;
    this.client = new WorkerClient({
      workerPath: 'unused: the harness forks its script',
      log: (level, message) => this.logs.push(`${level}: ${message}`),
      onCrashLoop: (error) => this.notices.push(error),
      fork: (_path, _args, options) => {
        const child = fork(this.script.path, [...(this.script.args ?? [])], {
          ...options,
          execArgv: [...(this.script.execArgv ?? [])],
          execPath: this.script.execPath ?? options.execPath,
        });
        this.starts.push(child.pid);
        return child;
      },
      clock: {
        now: () => this.now,
        sleep: async (ms, signal) => {
          this.delays.push(ms);
          if (this.holdSleeps) await Promise.race([this.holdSleeps, new Promise((_, reject) => signal.addEventListener('abort', reject))]);
          this.now += ms;
        },
      },
    });
  }

  /** Sends `count` requests one after the other (as keystrokes would) and returns how each ended. */
  async requestInTurn(count: number): Promise<PromiseSettledResult<unknown>[]> {
    const results: PromiseSettledResult<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      results.push(await this.client.runtimeInfo().then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason })));
    }
    return results;
  }

  dispose(): void {
    this.client.dispose();
  }
}

/** The errors of the rejected results, in order. */
export function rejections(results: readonly PromiseSettledResult<unknown>[]): Error[] {
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
}
