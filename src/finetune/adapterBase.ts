/**
 * @file Which base model an adapter was trained on, and a warning when a role now runs it on
 * another. The shapes catch a different size (merging fails, naming the tensor), but not the
 * case that matters most: SmolLM2-135M and SmolLM2-135M-Instruct, or a user's own fine-tune,
 * have the same shapes and different weights, and an adapter moved between them silently
 * learns nothing it was trained to do. So a run records its base's name and a fingerprint of
 * its weights, and loading compares them with the base in use.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

/** Bytes read at each sample point of the weights file. */
const SAMPLE_BYTES = 64 * 1024;
const SAMPLES = 16;

/**
 * A fingerprint of a model folder's float weights: SHA-256 over config.json, the size of
 * model.safetensors and 16 evenly spaced 64 KiB samples of it (header included), so it costs a
 * millisecond on a 540 MB file and still tells two fine-tunes of one shape apart (they differ
 * everywhere). Undefined when the folder has no model.safetensors (an ONNX-only download).
 */
export function modelFingerprint(dir: string): string | undefined {
  const weights = join(dir, 'model.safetensors');
  if (!existsSync(weights)) return undefined;
  const hash = createHash('sha256');
  const config = join(dir, 'config.json');
  if (existsSync(config)) hash.update(readFileSync(config));
  const size = statSync(weights).size;
  hash.update(String(size));
  const fd = openSync(weights, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    for (let i = 0; i < SAMPLES; i++) {
      const offset = Math.floor(((size - SAMPLE_BYTES) * i) / (SAMPLES - 1));
      const read = readSync(fd, buffer, 0, SAMPLE_BYTES, Math.max(0, offset));
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The base an adapter was trained on, as its run recorded it. */
export interface RecordedBase {
  /** A catalog id, or the folder trained on. */
  readonly name: string;
  readonly fingerprint?: string;
}

/** The base a role runs now. */
export type CurrentBase =
  | { readonly kind: 'catalog'; readonly id: string }
  /** A local folder (or a GGUF's import) with its fingerprint when it has float weights. */
  | { readonly kind: 'local'; readonly dir: string; readonly fingerprint?: string };

const describe = (base: CurrentBase) => (base.kind === 'catalog' ? base.id : base.dir);

/**
 * Why running an adapter trained on `recorded` over `current` is likely wrong, or undefined.
 * Fingerprints decide when both are known; otherwise names do (a catalog id against a catalog
 * id, a folder against a folder).
 */
export function adapterBaseWarning(adapterDir: string, recorded: RecordedBase, current: CurrentBase): string | undefined {
  const trainedOn = `the adapter ${adapterDir} was trained on ${recorded.name}`;
  if (current.kind === 'local' && recorded.fingerprint && current.fingerprint) {
    return recorded.fingerprint === current.fingerprint ? undefined : `${trainedOn}, whose weights differ from those of ${current.dir}, the base in use`;
  }
  // PEFT records hub names (HuggingFaceTB/SmolLM2-135M); the catalog's ids are the part after the owner.
  const same = current.kind === 'catalog' ? recorded.name === current.id || recorded.name.endsWith(`/${current.id}`) : resolve(recorded.name) === resolve(current.dir);
  return same ? undefined : `${trainedOn}, but the base in use is ${describe(current)}`;
}

/** The base recorded in an adapter folder's run file (SmolCode's runs) or adapter config (PEFT's), if any. */
export function recordedBase(adapterDir: string, runFile: string, adapterConfigFile: string): RecordedBase | undefined {
  const read = (file: string): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(readFileSync(join(adapterDir, file), 'utf8'));
      return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const run = read(runFile);
  if (run && typeof run.baseModel === 'string' && run.baseModel !== '') {
    return { name: run.baseModel, fingerprint: typeof run.baseFingerprint === 'string' ? run.baseFingerprint : undefined };
  }
  const peft = read(adapterConfigFile);
  return peft && typeof peft.base_model_name_or_path === 'string' && peft.base_model_name_or_path !== '' ? { name: peft.base_model_name_or_path } : undefined;
}
