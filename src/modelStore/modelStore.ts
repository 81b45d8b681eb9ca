/**
 * @file The model store's entry point: turns a model id and dtype into a folder the engine can
 * load. With a local model folder it only checks that folder; otherwise it downloads the
 * catalog's files from the hub into `<storage>/models/<repo>/<revision>/`, all or nothing, and
 * afterwards answers from disk without the network.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { catalogEntry, DEFAULT_REVISION, modelFiles, onnxFile, TOKENIZER_FILES, WEIGHTS_FILES, type HubFile } from './catalog';
import { HubFileNotFoundError, MissingModelFilesError } from './errors';
import { damagedFiles, describeDamage, readMarker, writeMarker, type MarkedFiles } from './completeMarker';
import { downloadFile, probeFile, sha256OfFile, sizeOnDisk, type DownloadContext, type FileProgress } from './fileDownload';
import type { ProxyConfig } from './hubConfig';
import { resolveUrl, type HubFileMeta } from './hubRequest';
import { checkLocalModelFolder, findTokenizerDir, missingTokenizerError } from './localFolder';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';

/** Which model to get. */
export interface ModelRequest {
  /** Catalog id, e.g. `SmolLM2-135M` (see `MODEL_IDS`). */
  readonly model: string;
  /** `fp32 | fp16 | q4 | q4f16 | int8`. */
  readonly dtype: string;
  /** Hub branch, tag or commit; `main` when absent. */
  readonly revision?: string;
  /** Also get the float weights (`model.safetensors`) that fine-tuning and merging read. */
  readonly weights?: boolean;
}

/** Byte counts for the file in flight and for the whole model. */
export interface StoreProgress {
  readonly file: string;
  readonly fileBytes: number;
  readonly fileTotal?: number;
  /** Bytes on disk over all files still to fetch (resumed parts included). */
  readonly doneBytes: number;
  /** Sum of the announced sizes of the files still to fetch. */
  readonly totalBytes: number;
}

/** Where to store, where to download from, and how. */
export interface StoreOptions {
  /** Root for downloads (VS Code's global storage). */
  readonly storageDir: string;
  /** A folder in hub layout to use instead of downloading (`smolcode.localModelPath`); empty = unset. */
  readonly localModelPath?: string;
  /** Tokenizer fallback folder for a local folder without tokenizer files (see `resolveTokenizerPath`). */
  readonly tokenizerPath?: string;
  /** Hub base URL (see `resolveEndpoint`). */
  readonly endpoint: string;
  /** Hub token (see `resolveToken`); sent to the endpoint's origin only. */
  readonly token?: string;
  readonly proxy?: ProxyConfig;
  /** Never touch the network, not even for a missing tokenizer. */
  readonly offline?: boolean;
  readonly retry?: RetryPolicy;
  /** Idle time after which a connection counts as dropped; 30 s by default. */
  readonly timeoutMs?: number;
  /** Cancels the download; rejects with an `AbortError` and keeps partial files for the next call. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: StoreProgress) => void;
}

/** A model ready to load. */
export interface ResolvedModel {
  readonly source: 'local' | 'hub';
  /** The model folder (config.json, generation_config.json, onnx/). */
  readonly dir: string;
  readonly onnxPath: string;
  /** A folder with tokenizer.json and tokenizer_config.json; may differ from `dir` for local folders. */
  readonly tokenizerDir: string;
}

/** Records, per dtype, that every file of a model was downloaded and verified. */
const completeMarker = (dtype: string) => `.smolcode-${dtype}.complete.json`;

/** Records that the float weights were downloaded and verified (apart from any dtype). */
const WEIGHTS_MARKER = '.smolcode-weights.complete.json';

/** Throws `MissingModelFilesError` when a local folder lacks the float weights a request asks for. */
function checkLocalWeights(dir: string, request: ModelRequest): void {
  if (!request.weights) return;
  const missing = WEIGHTS_FILES.map((f) => f.path).filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) {
    throw new MissingModelFilesError(dir, missing, 'fine-tuning and adapter merging read the float weights; add them beside config.json or clear smolcode.localModelPath');
  }
}

/** Branch, tag or commit names as the hub allows them; no `..` so that it stays inside the store. */
function checkRevision(revision: string): string {
  if (!/^[\w.\-/]+$/.test(revision) || revision.split('/').includes('..')) {
    throw new Error(`revision "${revision}" is not a branch, tag or commit name`);
  }
  return revision;
}

/** The store folder of `repo` at `revision`. */
export function storeDir(storageDir: string, repo: string, revision: string): string {
  return join(storageDir, 'models', ...repo.split('/'), encodeURIComponent(checkRevision(revision)));
}

function downloadContext(options: StoreOptions, onProgress?: (p: FileProgress) => void): DownloadContext {
  return {
    target: {
      endpoint: options.endpoint,
      token: options.token || undefined,
      http: { proxy: options.proxy, signal: options.signal, timeoutMs: options.timeoutMs ?? 30_000 },
    },
    retry: options.retry ?? DEFAULT_RETRY,
    signal: options.signal,
    onProgress,
  };
}

/**
 * What a previous download into `dir` recorded in `marker`, or undefined unless every file is
 * there at its recorded size. Markers without sizes are trusted only offline, where nothing
 * could re-check them.
 */
async function verifiedFiles(dir: string, marker: string, offline: boolean | undefined): Promise<MarkedFiles | undefined> {
  const files = await readMarker(dir, marker);
  if (!files || (await damagedFiles(dir, files)).length > 0) return undefined;
  return offline || [...files.values()].every((size) => size !== undefined) ? files : undefined;
}

/**
 * Whether `file`, on disk but not confirmed by a marker, is the hub's: its size, then (for LFS
 * files, whose SHA-256 the hub announces) its hash. A file that is not is deleted.
 */
async function keepUnconfirmed(path: string, meta: HubFileMeta): Promise<boolean> {
  const size = await sizeOnDisk(path);
  const good = (meta.size === undefined || size === meta.size) && (meta.sha256 === undefined || (await sha256OfFile(path)) === meta.sha256);
  if (!good) await rm(path, { force: true });
  return good;
}

/**
 * Downloads `files` of `repo` into `dir`: asks the hub about every missing one first (so a
 * wrong repo, revision or token fails before any large transfer, and the total is known),
 * then fetches them one by one. A file already on disk is kept without a request when
 * `confirmed` records its size, and after comparing it with the hub's size and hash otherwise.
 * Returns the files present afterwards (absent optional ones left out).
 */
async function downloadFiles(
  repo: string,
  revision: string,
  files: readonly HubFile[],
  dir: string,
  options: StoreOptions,
  confirmed: MarkedFiles = new Map(),
): Promise<string[]> {
  const probe = downloadContext(options);
  const todo: { file: string; meta: HubFileMeta }[] = [];
  const present: string[] = [];
  for (const { path: file, required } of files) {
    const recorded = confirmed.get(file);
    if (recorded !== undefined && (await sizeOnDisk(join(dir, file))) === recorded) {
      present.push(file);
      continue;
    }
    const meta = await probeFile(probe, { repo, revision, file });
    if (meta) {
      if (!existsSync(join(dir, file)) || !(await keepUnconfirmed(join(dir, file), meta))) todo.push({ file, meta });
      present.push(file);
    } else if (required) {
      throw new HubFileNotFoundError(repo, file, revision, resolveUrl(options.endpoint, repo, revision, file).href);
    }
  }
  const totalBytes = todo.reduce((sum, { meta }) => sum + (meta.size ?? 0), 0);
  let finishedBytes = 0;
  for (const { file, meta } of todo) {
    const report = (p: FileProgress) =>
      options.onProgress?.({ file, fileBytes: p.bytes, fileTotal: p.total, doneBytes: finishedBytes + p.bytes, totalBytes });
    const dest = join(dir, file);
    report({ file, bytes: await sizeOnDisk(`${dest}.part`), total: meta.size });
    await downloadFile(downloadContext(options, report), { repo, revision, file }, meta, dest);
    finishedBytes += meta.size ?? (await sizeOnDisk(dest));
  }
  return present;
}

/** Why an offline store cannot answer: the model was never downloaded, or files were damaged since. */
async function offlineError(hubDir: string, markers: readonly string[], what: string, graph: string): Promise<MissingModelFilesError> {
  for (const marker of markers) {
    const files = await readMarker(hubDir, marker);
    const damaged = files ? await damagedFiles(hubDir, files) : [];
    if (damaged.length > 0) {
      return new MissingModelFilesError(hubDir, damaged.map((d) => d.file), `${describeDamage(damaged)}; they were changed after the download and the store is offline, so they cannot be fetched again`);
    }
  }
  return new MissingModelFilesError(hubDir, [graph], `${what} was never downloaded and the store is offline`);
}

/**
 * The model for `request`, from disk when possible, without any network access; `undefined`
 * when `ensureModel` would have to download something. Throws for a broken local folder.
 */
export async function findCachedModel(request: ModelRequest, options: StoreOptions): Promise<ResolvedModel | undefined> {
  const entry = catalogEntry(request.model);
  const graph = onnxFile(request.dtype);
  const revision = request.revision ?? DEFAULT_REVISION;
  const hubDir = storeDir(options.storageDir, entry.repo, revision);
  if (options.localModelPath) {
    const dir = resolve(options.localModelPath);
    const tokenizerDir = checkLocalModelFolder(dir, graph, options.tokenizerPath) ?? findTokenizerDir([hubDir]);
    checkLocalWeights(dir, request);
    return tokenizerDir ? { source: 'local', dir, onnxPath: join(dir, graph), tokenizerDir } : undefined;
  }
  if (!(await verifiedFiles(hubDir, completeMarker(request.dtype), options.offline))) return undefined;
  if (request.weights && !(await verifiedFiles(hubDir, WEIGHTS_MARKER, options.offline))) return undefined;
  return { source: 'hub', dir: hubDir, onnxPath: join(hubDir, graph), tokenizerDir: hubDir };
}

/**
 * The model for `request`, downloading what is missing. With `localModelPath` it checks that
 * folder and downloads nothing, except the tokenizer files when neither the folder nor
 * `tokenizerPath` has them (and `offline` is off). Rejects with `HubFileNotFoundError`,
 * `HubAccessError`, `IntegrityError`, `DownloadFailedError`, `MissingModelFilesError` or an
 * `AbortError`.
 */
export async function ensureModel(request: ModelRequest, options: StoreOptions): Promise<ResolvedModel> {
  const cached = await findCachedModel(request, options);
  if (cached) return cached;
  const entry = catalogEntry(request.model);
  const revision = request.revision ?? DEFAULT_REVISION;
  const hubDir = storeDir(options.storageDir, entry.repo, revision);
  if (options.localModelPath) {
    const dir = resolve(options.localModelPath);
    if (options.offline) throw missingTokenizerError(dir, options.tokenizerPath, 'offline, so they cannot be fetched from the hub');
    const tokenizerFiles = TOKENIZER_FILES.map((path) => ({ path, required: true }));
    await downloadFiles(entry.repo, revision, tokenizerFiles, hubDir, options);
    return { source: 'local', dir, onnxPath: join(dir, onnxFile(request.dtype)), tokenizerDir: hubDir };
  }
  const markers = [completeMarker(request.dtype), ...(request.weights ? [WEIGHTS_MARKER] : [])];
  if (options.offline) throw await offlineError(hubDir, markers, `${entry.id} (${request.dtype})`, onnxFile(request.dtype));
  // One download for everything missing, so that progress counts against one total.
  const graphDone = await verifiedFiles(hubDir, completeMarker(request.dtype), false);
  const graphFiles = graphDone ? [] : modelFiles(request.dtype);
  const weightFiles = request.weights && !(await verifiedFiles(hubDir, WEIGHTS_MARKER, false)) ? WEIGHTS_FILES : [];
  const confirmed = new Map<string, number | undefined>();
  for (const marker of markers) for (const [file, size] of (await readMarker(hubDir, marker)) ?? []) confirmed.set(file, size);
  const present = await downloadFiles(entry.repo, revision, [...graphFiles, ...weightFiles], hubDir, options, confirmed);
  const of = (files: readonly HubFile[]) => present.filter((file) => files.some((f) => f.path === file));
  if (!graphDone) await writeMarker(hubDir, completeMarker(request.dtype), of(graphFiles));
  if (weightFiles.length > 0) await writeMarker(hubDir, WEIGHTS_MARKER, of(weightFiles));
  return { source: 'hub', dir: hubDir, onnxPath: join(hubDir, onnxFile(request.dtype)), tokenizerDir: hubDir };
}
