/**
 * @file GGUF models already on this machine in other tools' stores: Ollama's (manifests that name
 * content-addressed blobs) and LM Studio's (plain `.gguf` files under publisher/repository
 * folders). Lists the SmolLM2 ones for the model picker and resolves an Ollama model name to its
 * GGUF blob. Reads headers only; nothing here writes or touches the network.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { FileError } from '../graph/fileError';
import { GgufFile } from '../graph/gguf/ggufFile';
import { ggmlTypeName } from '../graph/gguf/ggmlTypes';
import { homeFromEnv, ollamaModelsFromEnv, processEnv, type Env } from '../env';

/** The media type of the layer of an Ollama manifest that holds the weights. */
export const OLLAMA_MODEL_LAYER = 'application/vnd.ollama.image.model';
/** Where `ollama pull smollm2:135m` writes its manifest, below the store's `manifests/`. */
const OLLAMA_DEFAULT_REGISTRY = ['registry.ollama.ai', 'library'];
/** SmolLM2's vocabulary (its own tokenizer at every size): how its GGUFs and fine-tunes are told apart from other Llamas. */
const SMOLLM2_VOCAB = 49152;

/** Where the two stores live. */
export interface StoreRoots {
  /** Ollama's models folder (`$OLLAMA_MODELS`, else `~/.ollama/models`). */
  readonly ollama?: string;
  /** LM Studio's models folders (`~/.lmstudio/models`, and the older `~/.cache/lm-studio/models`). */
  readonly lmStudio: readonly string[];
}

/** The stores' default places for this user. */
export function defaultStoreRoots(env: Env = processEnv()): StoreRoots {
  const home = homeFromEnv(env);
  return {
    ollama: ollamaModelsFromEnv(env) ?? (home ? join(home, '.ollama', 'models') : undefined),
    lmStudio: home ? [join(home, '.lmstudio', 'models'), join(home, '.cache', 'lm-studio', 'models')] : [],
  };
}

/** What a GGUF's header says about the model, for a one-line description. */
export interface GgufSummary {
  readonly architecture: string;
  /** `general.name`, when the file has one. */
  readonly name?: string;
  readonly vocabSize: number;
  /** Parameter count, rounded as models are named: `135M`, `1.7B`. */
  readonly parameters: string;
  /** The type most of the weights are stored in (`Q4_1`, `Q8_0`, `F16`…). */
  readonly quantization: string;
}

/** A model found in a store. */
export interface LocalGguf {
  readonly store: 'ollama' | 'lmstudio';
  /** As the store names it: `smollm2:135m`, or `publisher/repo/file.gguf`. */
  readonly name: string;
  /** The GGUF file (for Ollama, the blob). */
  readonly path: string;
  readonly bytes: number;
  readonly summary: GgufSummary;
}

/** A store entry that could not be used, and why (shown in the log, never thrown at the picker). */
export interface SkippedGguf {
  readonly store: 'ollama' | 'lmstudio';
  readonly name: string;
  readonly problem: string;
}

/** An Ollama manifest that does not lead to a GGUF file. */
export class OllamaManifestError extends FileError {
  constructor(manifest: string, problem: string) {
    super(manifest, `${problem} (Ollama manifest)`);
    this.name = 'OllamaManifestError';
  }
}

/** `134_515_008` → `135M`, `1_711_376_384` → `1.7B`. */
export function parameterLabel(count: number): string {
  const [value, unit] = count >= 1e9 ? [count / 1e9, 'B'] : count >= 1e6 ? [count / 1e6, 'M'] : [count / 1e3, 'K'];
  return `${value >= 10 ? Math.round(value) : Number(value.toPrecision(2))}${unit}`;
}

/** Reads the header of `path`; throws a GgufError naming the file for anything that is not a readable GGUF. */
export function summarizeGguf(path: string): GgufSummary {
  const file = GgufFile.open(path);
  try {
    const elements = new Map<string, number>();
    let parameters = 0;
    for (const t of file.tensors) {
      const count = t.dims.reduce((a, b) => a * b, 1);
      parameters += count;
      // 1-D tensors (norms) stay F32 in every quantization; the matrices say how the file is stored.
      if (t.dims.length > 1) elements.set(ggmlTypeName(t.type), (elements.get(ggmlTypeName(t.type)) ?? 0) + count);
    }
    const quantization = [...elements].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'F32';
    const tokens = file.get('tokenizer.ggml.tokens');
    const name = file.get('general.name');
    return {
      architecture: String(file.get('general.architecture') ?? 'unknown'),
      name: typeof name === 'string' ? name : undefined,
      vocabSize: Array.isArray(tokens) ? tokens.length : 0,
      parameters: parameterLabel(parameters),
      quantization,
    };
  } finally {
    file.close();
  }
}

/** Whether a GGUF holds a SmolLM2 (any size, base, Instruct or a fine-tune): a Llama with SmolLM2's vocabulary. */
export function isSmolLM2(summary: GgufSummary): boolean {
  return summary.architecture === 'llama' && summary.vocabSize === SMOLLM2_VOCAB;
}

/** Whether the first bytes of `path` are GGUF's magic. */
function startsWithGgufMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === 'GGUF';
  } finally {
    closeSync(fd);
  }
}

/** The GGUF blob an Ollama manifest names; throws `OllamaManifestError` naming the manifest. */
export function ollamaBlobOf(root: string, manifest: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch (error) {
    throw new OllamaManifestError(manifest, `not readable as JSON: ${(error as Error).message}`);
  }
  const layers = (parsed as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) throw new OllamaManifestError(manifest, 'no "layers" list');
  const layer = layers.find((l: unknown) => (l as { mediaType?: unknown })?.mediaType === OLLAMA_MODEL_LAYER) as { digest?: unknown } | undefined;
  if (!layer) throw new OllamaManifestError(manifest, `no layer of media type ${OLLAMA_MODEL_LAYER}`);
  const digest = typeof layer.digest === 'string' ? /^sha256[:-]([0-9a-f]{64})$/.exec(layer.digest) : null;
  if (!digest) throw new OllamaManifestError(manifest, `the model layer's digest ${JSON.stringify(layer.digest)} is not sha256:<64 hex digits>`);
  const blob = join(root, 'blobs', `sha256-${digest[1]}`);
  if (!existsSync(blob)) throw new OllamaManifestError(manifest, `its model layer ${blob} is missing from the store`);
  if (!startsWithGgufMagic(blob)) throw new OllamaManifestError(manifest, `its model layer ${blob} is not a GGUF file`);
  return blob;
}

/** Files exactly `depth` folders below `dir` (missing folders: none). */
function filesAtDepth(dir: string, depth: number): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (depth === 0) return entry.isFile() || entry.isSymbolicLink() ? [path] : [];
    return entry.isDirectory() ? filesAtDepth(path, depth - 1) : [];
  });
}

/** `registry.ollama.ai/library/smollm2/135m` → `smollm2:135m`; other registries keep their host and namespace. */
function ollamaName(manifestsDir: string, manifest: string): string {
  const parts = relative(manifestsDir, manifest).split(sep);
  const tag = parts.pop()!;
  const model = parts.pop()!;
  const prefix = parts.join('/') === OLLAMA_DEFAULT_REGISTRY.join('/') ? '' : `${parts.join('/')}/`;
  return `${prefix}${model}:${tag}`;
}

/** The manifest file of Ollama model `reference` (`name`, `name:tag`, or `host/namespace/name:tag`). */
export function ollamaManifestPath(root: string, reference: string): string {
  const [path, tag = 'latest'] = reference.split(/:(?=[^/:]*$)/);
  const segments = path.split('/');
  if (segments.some((s) => !/^[\w.-]+$/.test(s) || s === '..' || s === '.') || !/^[\w.-]+$/.test(tag)) {
    throw new Error(`"${reference}" is not an Ollama model name (name, name:tag or host/namespace/name:tag)`);
  }
  const full = segments.length === 1 ? [...OLLAMA_DEFAULT_REGISTRY, ...segments] : segments.length === 2 ? [OLLAMA_DEFAULT_REGISTRY[0], ...segments] : segments;
  return join(root, 'manifests', ...full, tag);
}

/** The GGUF file of Ollama model `reference` in the store at `root`; throws naming what is missing. */
export function resolveOllamaModel(root: string, reference: string): string {
  const manifest = ollamaManifestPath(root, reference);
  if (!existsSync(manifest)) throw new Error(`Ollama has no model "${reference}" in ${root} (no ${manifest}; run \`ollama pull ${reference}\`, or set OLLAMA_MODELS)`);
  return ollamaBlobOf(root, manifest);
}

/** Every SmolLM2 GGUF in the stores, with the entries that were skipped and why. */
export function findLocalGgufs(roots: StoreRoots = defaultStoreRoots()): { found: LocalGguf[]; skipped: SkippedGguf[] } {
  const found: LocalGguf[] = [];
  const skipped: SkippedGguf[] = [];
  const consider = (store: LocalGguf['store'], name: string, locate: () => string) => {
    try {
      const path = locate();
      const summary = summarizeGguf(path);
      if (isSmolLM2(summary)) found.push({ store, name, path, bytes: statSync(path).size, summary });
      else skipped.push({ store, name, problem: `not a SmolLM2 (${summary.architecture}, ${summary.vocabSize} tokens)` });
    } catch (error) {
      skipped.push({ store, name, problem: (error as Error).message });
    }
  };
  if (roots.ollama) {
    const manifests = join(roots.ollama, 'manifests');
    // manifests/<host>/<namespace>/<model>/<tag>
    for (const manifest of filesAtDepth(manifests, 3)) consider('ollama', ollamaName(manifests, manifest), () => ollamaBlobOf(roots.ollama!, manifest));
  }
  for (const root of roots.lmStudio) {
    // <publisher>/<repository>/<file>.gguf; multi-part files (-00001-of-00003) are not importable.
    for (const path of filesAtDepth(root, 2)) {
      if (!path.toLowerCase().endsWith('.gguf') || /-\d{5}-of-\d{5}\.gguf$/i.test(path)) continue;
      consider('lmstudio', relative(root, path).split(sep).join('/'), () => path);
    }
  }
  return { found, skipped };
}
