/**
 * @file GGUF files imported for the extension, cached by content: `<storage>/gguf/<sha256>/` is
 * the model folder `importGguf` makes of a file, so a second use of the same bytes (by any path:
 * a file the user chose, an Ollama blob, a copy) loads at once. A path's SHA-256 is remembered
 * with its size and modification time in `<storage>/gguf/hashes.json`, so a file is hashed once
 * per version. A folder lacking the ONNX variant a later `smolcode.dtype` asks for gets it added.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VARIANT_FILE, type Dtype, type OnnxVariant } from '../model/configTypes';
import { addGgufVariants, importGguf } from '../model/ggufImport';

/** Which GGUF to import for which precision, and where imports are kept. */
export interface GgufImportRequest {
  /** Root of SmolCode's storage; imports go to `gguf/` below it. */
  readonly storageDir: string;
  readonly gguf: string;
  /** `smolcode.dtype`; `q4f16`, which SmolCode does not write, is imported as `q4`. */
  readonly dtype: Dtype;
}

/** An imported model folder, and the ONNX variant of it to load. */
export interface ImportedGguf {
  readonly dir: string;
  readonly sha256: string;
  readonly variant: OnnxVariant;
}

/** How far an import is, for a progress notification. */
export interface GgufImportProgress {
  readonly message: string;
  /** Share of the step done, 0..1, when known. */
  readonly fraction?: number;
}

interface HashEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/**
 * Whether `smolcode.localModelPath` names a GGUF file rather than a model folder: by its
 * extension, or by being a file at all (Ollama's blobs have no extension; a file that is not a
 * GGUF is then refused by the importer, naming it).
 */
export function isGgufPath(path: string): boolean {
  const trimmed = path.trim();
  if (!trimmed) return false;
  if (/\.gguf$/i.test(trimmed)) return true;
  try {
    return statSync(trimmed).isFile();
  } catch {
    return false;
  }
}

/** The ONNX variant an import writes for `dtype`. */
export function importVariant(dtype: Dtype): OnnxVariant {
  return dtype === 'q4f16' ? 'q4' : dtype;
}

const importsRoot = (storageDir: string) => join(storageDir, 'gguf');
const hashIndexPath = (storageDir: string) => join(importsRoot(storageDir), 'hashes.json');

function readHashIndex(storageDir: string): Record<string, HashEntry> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(hashIndexPath(storageDir), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, HashEntry>) : {};
  } catch {
    // No index yet, or a damaged one: hashing again only costs time.
    return {};
  }
}

function rememberHash(storageDir: string, path: string, entry: HashEntry): void {
  const index = { ...readHashIndex(storageDir), [path]: entry };
  const file = hashIndexPath(storageDir);
  mkdirSync(importsRoot(storageDir), { recursive: true });
  writeFileSync(`${file}.tmp-${process.pid}`, JSON.stringify(index, null, 1));
  renameSync(`${file}.tmp-${process.pid}`, file);
}

/** The remembered SHA-256 of `path`, if the file has not changed since. */
function knownHash(storageDir: string, path: string): string | undefined {
  const stat = statSync(path);
  const entry = readHashIndex(storageDir)[path];
  return entry && entry.size === stat.size && entry.mtimeMs === stat.mtimeMs && /^[0-9a-f]{64}$/.test(entry.sha256) ? entry.sha256 : undefined;
}

/** SHA-256 of a file, streamed, with progress; rejects with an AbortError when `signal` aborts. */
export async function fileSha256(path: string, onFraction?: (fraction: number) => void, signal?: AbortSignal): Promise<string> {
  const size = statSync(path).size;
  const hash = createHash('sha256');
  let done = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 22, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    done += chunk.length;
    onFraction?.(size > 0 ? done / size : 1);
  }
  return hash.digest('hex');
}

/** Whether the imported folder `dir` holds what loading `variant` needs. */
function hasVariant(dir: string, variant: OnnxVariant): boolean {
  return ['config.json', 'tokenizer.json', 'model.safetensors', join('onnx', VARIANT_FILE[variant])].every((file) => existsSync(join(dir, file)));
}

/** The import of `request.gguf`, when it is already there for its dtype; never hashes or writes. */
export function findImportedGguf(request: GgufImportRequest): ImportedGguf | undefined {
  const gguf = resolve(request.gguf);
  if (!existsSync(gguf)) return undefined;
  const sha256 = knownHash(request.storageDir, gguf);
  const variant = importVariant(request.dtype);
  const dir = sha256 && join(importsRoot(request.storageDir), sha256);
  return dir && hasVariant(dir, variant) ? { dir, sha256, variant } : undefined;
}

/** Imports running in this process, by folder: a second role asking for the same file waits for the first. */
const running = new Map<string, Promise<ImportedGguf>>();

/**
 * The import of `request.gguf`: found, or made (hashing the file first when its hash is not
 * known). Throws the importer's errors, which name the file; a cancel leaves no partial folder.
 */
export async function ensureImportedGguf(
  request: GgufImportRequest,
  onProgress: (progress: GgufImportProgress) => void = () => undefined,
  signal?: AbortSignal,
): Promise<ImportedGguf> {
  const gguf = resolve(request.gguf);
  if (!existsSync(gguf) || !statSync(gguf).isFile()) throw new Error(`${gguf}: no such GGUF file (setting smolcode.localModelPath)`);
  let sha256 = knownHash(request.storageDir, gguf);
  if (!sha256) {
    const stat = statSync(gguf);
    sha256 = await fileSha256(gguf, (fraction) => onProgress({ message: 'checking the file', fraction }), signal);
    rememberHash(request.storageDir, gguf, { size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
  }
  const dir = join(importsRoot(request.storageDir), sha256);
  const variant = importVariant(request.dtype);
  // Another role's import of this file may be running: wait for it, then use or extend its folder.
  for (let other = running.get(dir); other; other = running.get(dir)) await other.catch(() => undefined);
  if (hasVariant(dir, variant)) return { dir, sha256, variant };
  const report = (message: string) => onProgress({ message });
  const job = (async () => {
    if (existsSync(join(dir, 'config.json'))) await addGgufVariants({ gguf, modelDir: dir, variants: [variant], onProgress: report, signal });
    else await importGguf({ gguf, outDir: dir, variants: [variant], onProgress: report, signal });
    return { dir, sha256, variant };
  })().finally(() => running.delete(dir));
  running.set(dir, job);
  return job;
}
