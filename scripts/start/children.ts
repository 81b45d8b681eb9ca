/**
 * @file How `npm start` talks and stops: `start:` progress lines on stderr, the stop signals
 * (Ctrl+C, SIGTERM, a closed terminal's SIGHUP) caught once, and preparation steps run as child
 * processes that a stop request reaches too. The children share our process group, so a
 * terminal's Ctrl+C reaches them directly; a signal sent to this process alone (`kill PID`) is
 * forwarded, so either way a half-done step (an import) gets to clean up before we exit.
 */
import { spawn } from 'node:child_process';

/** Writes one progress line to stderr. */
export function log(line: string): void {
  process.stderr.write(`start: ${line}\n`);
}

/** The signals that stop `npm start`. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A step ended because a stop signal arrived. */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
  }
}

/**
 * The first stop signal this process receives. Later ones are ignored: `npm start` hands the
 * terminal's Ctrl+C on to us although we got it from the terminal already, and stopping twice
 * would gain nothing (the server's stop has its own deadline).
 */
export class StopRequests {
  private received?: NodeJS.Signals;
  private readonly listeners = new Set<(signal: NodeJS.Signals) => void>();
  /** Resolves with the first stop signal. */
  readonly requested: Promise<NodeJS.Signals>;

  constructor() {
    let resolveRequested: (signal: NodeJS.Signals) => void = () => undefined;
    this.requested = new Promise((resolvePromise) => (resolveRequested = resolvePromise));
    for (const signal of STOP_SIGNALS) {
      process.on(signal, () => {
        if (this.received) return;
        this.received = signal;
        resolveRequested(signal);
        for (const listener of this.listeners) listener(signal);
      });
    }
  }

  /** The stop signal received so far, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.received;
  }

  /** Throws {@link Interrupted} once a stop signal has arrived. */
  throwIfRequested(): void {
    if (this.received) throw new Interrupted(this.received);
  }

  /** Calls `listener` on the stop signal (at once if it already came); returns the unsubscribe. */
  onRequest(listener: (signal: NodeJS.Signals) => void): () => void {
    if (this.received) {
      listener(this.received);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Options of {@link runChild}. */
export interface RunChildOptions {
  readonly stop: StopRequests;
  /** Return the child's stdout instead of passing it to our stderr (on failure, its tail is in the error). */
  readonly captureStdout?: boolean;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs `command args` with its stderr (and, unless captured, its stdout) on our stderr, so our
 * stdout carries only the address. Resolves with the captured stdout when it exits 0; rejects
 * naming the command and its exit status, or with {@link Interrupted} after a stop request,
 * once the child has exited.
 */
export function runChild(command: string, args: readonly string[], options: RunChildOptions): Promise<string> {
  options.stop.throwIfRequested();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', options.captureStdout ? 'pipe' : 2, 2],
    });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const unsubscribe = options.stop.onRequest((signal) => child.kill(signal));
    child.once('error', (error) => {
      unsubscribe();
      reject(new Error(`could not run ${command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      unsubscribe();
      if (options.stop.signal) reject(new Interrupted(options.stop.signal));
      else if (code === 0) resolvePromise(stdout);
      else {
        const tail = stdout.trimEnd().split('\n').slice(-20).join('\n');
        reject(new Error(`${[command, ...args].join(' ')} exited with ${signal ?? `code ${code}`}${tail ? `; the end of its output:\n${tail}` : ''}`));
      }
    });
  });
}
