/**
 * @file When the model worker may start again after a crash. Restarting at once on every
 * request turned a worker that dies on start into a fork storm (20 requests started 20
 * processes in 1.2 s, issue #22), so each crash within the window doubles the wait before the
 * next start, and enough crashes within the window stop the restarts until the user asks for
 * one. Crashes older than the window are forgotten: a worker that has run quietly for that
 * long starts the count afresh.
 */

export interface RestartPolicyOptions {
  /** Wait before the start that follows a first crash; each further crash in the window doubles it. */
  readonly firstDelayMs: number;
  /** The longest wait between a crash and the next start. */
  readonly maxDelayMs: number;
  /** This many crashes within `windowMs` stop the restarts. */
  readonly maxCrashes: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  firstDelayMs: 500,
  maxDelayMs: 8000,
  maxCrashes: 3,
  windowMs: 60_000,
};

/** What a crash leads to: a start after `delayMs`, or no more starts. */
export type CrashVerdict = { readonly restart: true; readonly delayMs: number } | { readonly restart: false; readonly crashes: number };

export class RestartPolicy {
  private crashTimes: number[] = [];
  private notBefore = 0;

  constructor(readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {
    const { firstDelayMs, maxDelayMs, maxCrashes, windowMs } = options;
    if (!(firstDelayMs >= 0 && maxDelayMs >= firstDelayMs && Number.isInteger(maxCrashes) && maxCrashes >= 1 && windowMs > 0)) {
      throw new Error(`invalid restart policy ${JSON.stringify(options)}: need 0 <= firstDelayMs <= maxDelayMs, an integer maxCrashes >= 1 and windowMs > 0`);
    }
  }

  /** Counts a crash at `now` (milliseconds) and says whether, and after how long, to start again. */
  recordCrash(now: number): CrashVerdict {
    this.crashTimes = this.crashTimes.filter((time) => now - time < this.options.windowMs);
    this.crashTimes.push(now);
    const crashes = this.crashTimes.length;
    if (crashes >= this.options.maxCrashes) return { restart: false, crashes };
    const delayMs = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** (crashes - 1));
    this.notBefore = now + delayMs;
    return { restart: true, delayMs };
  }

  /** How long a start wanted at `now` must still wait. */
  waitBeforeStart(now: number): number {
    return Math.max(0, this.notBefore - now);
  }

  /** Forgets every crash (the user asked for a restart). */
  reset(): void {
    this.crashTimes = [];
    this.notBefore = 0;
  }
}
