/**
 * @file A lock per file, across processes: two VS Code windows share global storage, and two
 * downloads of one model started milliseconds apart used to write the same `.part` file, so
 * both failed their size check or one renamed the other's file away (`ENOENT … rename`). The
 * lock is `<file>.lock`, created exclusively (`wx`) and holding the holder's pid and a token;
 * the holder touches it while it works, so a lock counts as stale when its pid is dead or it
 * has not been touched for `staleMs` (a crashed holder whose pid was reused). A waiter polls,
 * then runs its body under the lock, which is where it finds and reuses the first holder's
 * result.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { isProcessAlive } from '../runtime/leftovers';

/** How to wait for and keep a lock. */
export interface LockOptions {
  /** Stops waiting; the body never runs. */
  readonly signal?: AbortSignal;
  /** A lock untouched this long is stale even if its pid runs (default 60 s). */
  readonly staleMs?: number;
  /** How often a waiter looks again (default 50 ms). */
  readonly pollMs?: number;
  /** Called once when the lock is held by someone else and this call starts waiting. */
  readonly onWait?: (holderPid: number | undefined) => void;
}

const DEFAULT_STALE_MS = 60_000;

/** The lock's holder as written in it: `<pid> <token>`. */
function parseHolder(text: string): { pid?: number; token: string } {
  const [pid, token = ''] = text.trim().split(' ');
  return { pid: /^\d+$/.test(pid) ? Number(pid) : undefined, token };
}

/** Creates the lock file; false when another holder has it. */
async function tryCreate(lock: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lock, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

/** The lock's content when it is stale, else undefined (held, or gone already). */
async function staleContent(lock: string, staleMs: number): Promise<string | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    const { pid } = parseHolder(text);
    const untouched = Date.now() - info.mtimeMs > staleMs;
    // A lock without a pid yet is being created right now, unless it is old.
    return untouched || (pid !== undefined && !isProcessAlive(pid)) ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes `lock` if it still holds `content` (so that a fresh lock taken meanwhile survives). */
async function removeIfUnchanged(lock: string, content: string): Promise<void> {
  try {
    if ((await readFile(lock, 'utf8')) === content) await rm(lock, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Runs `body` while holding `lock` (a file path), waiting for another holder to finish or die
 * first. Rejects with the signal's reason when `options.signal` aborts while waiting.
 */
export async function withFileLock<T>(lock: string, body: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const content = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  let waiting = false;
  while (!(await tryCreate(lock, content))) {
    options.signal?.throwIfAborted();
    const stale = await staleContent(lock, staleMs);
    if (stale !== undefined) {
      await removeIfUnchanged(lock, stale);
      continue;
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(parseHolder(await readFile(lock, 'utf8').catch(() => '')).pid);
    }
    await sleep(options.pollMs ?? 50, options.signal);
  }
  // Touch the lock well within `staleMs` so that a long download is not taken for a crash.
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lock, now, now).catch(() => undefined);
  }, staleMs / 4);
  heartbeat.unref();
  try {
    return await body();
  } finally {
    clearInterval(heartbeat);
    await removeIfUnchanged(lock, content);
  }
}
