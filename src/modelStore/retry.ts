/**
 * @file Which download failures are worth another try, and how long to wait before it:
 * exponential backoff, or the server's `Retry-After` when it names a short wait.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Tries per file without progress, the first included. */
  readonly attempts: number;
  /** Wait before the second try; doubles per try up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Five tries, 0.5 s to 8 s apart: rides out a hub deploy or a Wi-Fi hiccup, gives up within half a minute. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000 };

/** A response status that may go away by itself. */
export class RetryableStatusError extends Error {
  constructor(
    readonly status: number,
    url: string,
    /** Seconds from `Retry-After`, when given as a number. */
    readonly retryAfterS?: number,
  ) {
    super(`HTTP ${status} from ${url}`);
    this.name = 'RetryableStatusError';
  }
}

/** The body ended before the announced size with no error; the next try resumes. */
export class ShortBodyError extends Error {
  constructor(file: string, got: number, expected: number) {
    super(`${file}: connection closed after ${got} of ${expected} bytes`);
    this.name = 'ShortBodyError';
  }
}

/** Network-level error codes that describe a connection, not a request, going wrong. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  // Also what an offline machine gets; retried so that the final error says which file and how often.
  'ENOTFOUND',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EPROXY',
  'ERR_STREAM_PREMATURE_CLOSE',
  'HPE_INVALID_CONSTANT',
]);

/** Whether `status` is worth retrying: server errors and rate limiting. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Whether `error` is a transient failure (not a 404, a hash mismatch, a full disk, a cancel). */
export function isTransient(error: unknown): boolean {
  if (error instanceof RetryableStatusError || error instanceof ShortBodyError) return true;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/** Waits before try number `attempt + 1` (attempt counts from 1); rejects when `signal` aborts. */
export async function backoff(policy: RetryPolicy, attempt: number, error: unknown, signal?: AbortSignal): Promise<void> {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const retryAfterMs = error instanceof RetryableStatusError && error.retryAfterS !== undefined ? error.retryAfterS * 1000 : 0;
  // Jitter spreads the retries of many clients after a hub outage.
  const delay = Math.max(exponential * (0.75 + Math.random() * 0.5), Math.min(retryAfterMs, 30_000));
  await sleep(delay, undefined, { signal });
}
