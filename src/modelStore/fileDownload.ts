/**
 * @file Downloads one hub file: asks the hub for its size and hash (HEAD), fetches the bytes
 * into `<file>.part` (resuming with `Range` from whatever is already there), retries transient
 * failures, verifies size and SHA-256, and only then renames the part to its final name, so a
 * file under its final name is always complete. One download per file at a time, across
 * processes: see fileLock.ts.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { DownloadAbortedError, DownloadFailedError, HubAccessError, HubFileNotFoundError, IntegrityError } from './errors';
import { withFileLock } from './fileLock';
import { openHub, resolveUrl, type HubFileMeta, type HubTarget } from './hubRequest';
import { backoff, isRetryableStatus, isTransient, RetryableStatusError, ShortBodyError, type RetryPolicy } from './retry';

/** A file of a hub repository at a revision. */
export interface HubFileRef {
  readonly repo: string;
  readonly revision: string;
  /** Path inside the repository, e.g. `onnx/model_q4.onnx`. */
  readonly file: string;
}

/** Bytes of one file on disk so far (resumed bytes included) and its size when known. */
export interface FileProgress {
  readonly file: string;
  readonly bytes: number;
  readonly total?: number;
}

/** What every request of a download shares. */
export interface DownloadContext {
  readonly target: HubTarget;
  readonly retry: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FileProgress) => void;
}

/** Size of `path`, or 0 when it does not exist. */
export async function sizeOnDisk(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Lower-case hex SHA-256 of a file. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Throws for statuses that end a request: 404 (`undefined` is returned for it by HEAD instead), auth, server trouble. */
function checkStatus(ref: HubFileRef, response: IncomingMessage, url: URL, hadToken: boolean): void {
  const status = response.statusCode ?? 0;
  if (status === 404) {
    response.resume();
    throw new HubFileNotFoundError(ref.repo, ref.file, ref.revision, url.href);
  }
  if (status === 401 || status === 403) {
    response.resume();
    throw new HubAccessError(ref.repo, ref.file, status, hadToken);
  }
  if (isRetryableStatus(status)) {
    response.resume();
    const retryAfter = Number(response.headers['retry-after']);
    throw new RetryableStatusError(status, url.href, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with backoff. `progressed`
 * reports whether the failed try moved the download forward; such a try resets the count, so
 * a slow but flaky link still finishes while a dead one fails after `policy.attempts` tries.
 */
async function withRetries<T>(
  ctx: DownloadContext,
  file: string,
  attempt: () => Promise<T>,
  progressed: () => Promise<boolean> = async () => false,
): Promise<T> {
  for (let failures = 0; ; ) {
    if (ctx.signal?.aborted) throw new DownloadAbortedError(file, ctx.signal.reason);
    try {
      return await attempt();
    } catch (error) {
      if (ctx.signal?.aborted) throw new DownloadAbortedError(file, ctx.signal.reason);
      if (!isTransient(error)) throw error;
      failures = (await progressed()) ? 1 : failures + 1;
      if (failures >= ctx.retry.attempts) throw new DownloadFailedError(file, failures, error);
      try {
        await backoff(ctx.retry, failures, error, ctx.signal);
      } catch {
        throw new DownloadAbortedError(file, ctx.signal?.reason);
      }
    }
  }
}

/**
 * Asks the hub (HEAD) for a file's size and SHA-256; `undefined` when the hub has no such file
 * (404), so that callers decide whether that is an error.
 */
export async function probeFile(ctx: DownloadContext, ref: HubFileRef): Promise<HubFileMeta | undefined> {
  return withRetries(ctx, ref.file, async () => {
    const { response, url, meta } = await openHub(ctx.target, resolveUrl(ctx.target.endpoint, ref.repo, ref.revision, ref.file), 'HEAD', {});
    response.resume();
    if (response.statusCode === 404) return undefined;
    checkStatus(ref, response, url, ctx.target.token !== undefined);
    if ((response.statusCode ?? 0) >= 400) throw new Error(`HTTP ${response.statusCode} for HEAD ${url.href}`);
    return meta;
  });
}

/** Start offset of a `Content-Range: bytes start-end/total` header, or `undefined`. */
function contentRangeStart(value: string | undefined): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Bytes read ahead of the disk before reading pauses. */
const MAX_QUEUED = 8 * 1024 * 1024;

/**
 * Appends `response`'s body to the file `out` opens, in order, calling `written` after each
 * chunk is on disk. It listens synchronously and takes chunks as they arrive rather than
 * pulling them, because a response destroyed by a dropped connection discards what it still
 * buffers: those bytes would be lost and the resume offset would fall short of what the
 * server actually sent.
 */
async function writeBody(response: IncomingMessage, out: Promise<FileHandle>, written: (length: number) => void): Promise<void> {
  let queued = 0;
  let writeError: unknown;
  let writes: Promise<unknown> = out.catch((error: unknown) => {
    writeError = error;
    response.destroy();
  });
  response.on('data', (chunk: Buffer) => {
    queued += chunk.length;
    if (queued > MAX_QUEUED) response.pause();
    writes = writes.then(async () => {
      if (writeError !== undefined) return;
      try {
        await (await out).writeFile(chunk);
      } catch (error) {
        writeError = error;
        response.destroy();
        return;
      }
      queued -= chunk.length;
      written(chunk.length);
      if (queued <= MAX_QUEUED / 2) response.resume();
    });
  });
  let readError: unknown;
  try {
    await finished(response);
  } catch (error) {
    readError = error;
  }
  await writes;
  if (writeError !== undefined) throw writeError;
  if (readError !== undefined) throw readError;
}

/** One GET into the part file, from its current end. Resolves when the body ended with all announced bytes. */
async function fetchIntoPart(ctx: DownloadContext, ref: HubFileRef, meta: HubFileMeta, part: string): Promise<void> {
  let from = await sizeOnDisk(part);
  if (meta.size !== undefined && from > meta.size) {
    await rm(part);
    from = 0;
  }
  // A part of exactly the announced size is complete; verification decides whether it is good.
  if (from > 0 && from === meta.size) return;
  const headers: Record<string, string> = from > 0 ? { range: `bytes=${from}-` } : {};
  const { response, url } = await openHub(ctx.target, resolveUrl(ctx.target.endpoint, ref.repo, ref.revision, ref.file), 'GET', headers);
  checkStatus(ref, response, url, ctx.target.token !== undefined);
  const status = response.statusCode ?? 0;
  if (status === 416) {
    // Our part does not fit the file the server has (it changed, or the part is stale): start over.
    response.resume();
    await rm(part, { force: true });
    throw new RetryableStatusError(416, url.href);
  }
  const append = status === 206 && contentRangeStart(response.headers['content-range']) === from;
  if (!append && status !== 200) {
    response.resume();
    if (status === 206) {
      await rm(part, { force: true });
      throw new RetryableStatusError(206, `${url.href} (Content-Range ${response.headers['content-range']} does not start at ${from})`);
    }
    throw new Error(`unexpected HTTP ${status} for ${ref.file} from ${url.href}`);
  }
  // A 200 to a Range request means the server ignored it: the body is the whole file.
  let bytes = append ? from : 0;
  // Not awaited: the body must be listened to before any I/O turn (see writeBody).
  const out = open(part, append ? 'a' : 'w');
  try {
    await writeBody(response, out, (length) => {
      bytes += length;
      ctx.onProgress?.({ file: ref.file, bytes, total: meta.size });
    });
  } finally {
    response.destroy();
    await (await out).close();
  }
  if (meta.size !== undefined && bytes < meta.size) throw new ShortBodyError(ref.file, bytes, meta.size);
}

/** Checks the finished part against the hub's size and SHA-256; deletes it and throws on a mismatch. */
async function verifyPart(part: string, file: string, meta: HubFileMeta): Promise<void> {
  const size = await sizeOnDisk(part);
  if (meta.size !== undefined && size !== meta.size) {
    await rm(part, { force: true });
    throw new IntegrityError(file, 'size', `${meta.size} bytes`, `${size} bytes`);
  }
  if (meta.sha256 !== undefined) {
    const got = await sha256OfFile(part);
    if (got !== meta.sha256) {
      await rm(part, { force: true });
      throw new IntegrityError(file, 'sha256', meta.sha256, got);
    }
  }
}

/** Whether `dest` already holds the file `meta` describes: a holder of the lock before us downloaded it. */
async function alreadyDownloaded(dest: string, meta: HubFileMeta): Promise<boolean> {
  try {
    const { size } = await stat(dest);
    return meta.size === undefined || size === meta.size;
  } catch {
    return false;
  }
}

/**
 * Downloads `ref` to `dest` (through `dest.part`), given the hub's `meta` from `probeFile`.
 * Holds `dest.lock` meanwhile (see fileLock.ts), so a second download of the same file, from
 * this process or another, waits and then reuses the first one's result. Rejects with
 * `DownloadAbortedError` (name `AbortError`) when `ctx.signal` aborts, leaving the part for the
 * next call to resume.
 */
export async function downloadFile(ctx: DownloadContext, ref: HubFileRef, meta: HubFileMeta, dest: string): Promise<void> {
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  try {
    await withFileLock(`${dest}.lock`, () => downloadLocked(ctx, ref, meta, dest, part), { signal: ctx.signal });
  } catch (error) {
    if (ctx.signal?.aborted && !(error instanceof DownloadAbortedError)) throw new DownloadAbortedError(ref.file, ctx.signal.reason);
    throw error;
  }
}

async function downloadLocked(ctx: DownloadContext, ref: HubFileRef, meta: HubFileMeta, dest: string, part: string): Promise<void> {
  if (await alreadyDownloaded(dest, meta)) {
    ctx.onProgress?.({ file: ref.file, bytes: await sizeOnDisk(dest), total: meta.size });
    return;
  }
  let before = 0;
  await withRetries(
    ctx,
    ref.file,
    async () => {
      before = await sizeOnDisk(part);
      await fetchIntoPart(ctx, ref, meta, part);
    },
    async () => (await sizeOnDisk(part)) > before,
  );
  await verifyPart(part, ref.file, meta);
  await rename(part, dest);
}
