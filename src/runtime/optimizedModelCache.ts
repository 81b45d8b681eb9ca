/**
 * @file A disk cache of ONNX Runtime's optimised graphs. The first session over a model file
 * runs the graph optimisers and saves the result (`optimizedModelFilePath`, weights as external
 * data so ORT can memory-map them and files past 2 GB stay valid); later sessions load the saved
 * graph with optimisation off (on the CPU the first load does too: session.ts releases the
 * saving session and opens `saved`, so no session holds the parsed and the packed weights at
 * once). Entries are keyed by the model file (path, size, mtime), the ORT
 * version and the provider, and only count once a `.done` marker is written after the session
 * that produced them opened, so a crash mid-write is never mistaken for a cache entry. The
 * marker names the model file; an entry whose model file is gone (a fused graph rebuilt into a
 * new cache folder, 132 MB for 135M's int8 prompt graph) is removed when another is written.
 * See https://onnxruntime.ai/docs/performance/model-optimizations/graph-optimizations.html#onlineoffline-mode
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** How to open one model file: directly, or through the cache. */
export interface OptimizedModelPlan {
  /** The file to give `InferenceSession.create`. */
  readonly path: string;
  /** Whether `path` is an already optimised cache entry. */
  readonly cached: boolean;
  /** Session options to merge (optimisation level, where to save). */
  readonly sessionOptions: {
    readonly graphOptimizationLevel: 'disabled' | 'extended';
    readonly optimizedModelFilePath?: string;
    readonly extra?: Record<string, unknown>;
  };
  /** How to open the saved graph once written: the entry as a later, cached plan gives it. */
  readonly saved: { readonly path: string; readonly sessionOptions: { readonly graphOptimizationLevel: 'disabled' } };
  /** Marks a freshly written entry valid; call after the session opened. */
  commit(): void;
  /** Drops the entry (e.g. the cached file failed to load). */
  discard(): void;
}

/**
 * The plan for `modelPath` under `cacheDir`, or undefined when the cache cannot be used (no
 * model file, folder not writable). The saved graph uses the `extended` level, the highest that
 * ORT calls portable; `all` only adds layout transforms for convolutions.
 */
export function planOptimizedModel(modelPath: string, cacheDir: string, runtimeVersion: string, provider: string, variant = ''): OptimizedModelPlan | undefined {
  let key: string;
  try {
    const stat = statSync(modelPath);
    key = createHash('sha256').update(`${resolve(modelPath)}\0${stat.size}\0${stat.mtimeMs}\0${runtimeVersion}\0${provider}${variant === '' ? '' : `\0${variant}`}`).digest('hex').slice(0, 16);
    mkdirSync(cacheDir, { recursive: true });
  } catch {
    return undefined;
  }
  const name = `${basename(modelPath, '.onnx')}-${key}.onnx`;
  const path = join(cacheDir, name);
  const marker = `${path}.done`;
  const discard = () => {
    for (const file of [marker, path, `${path}.data`]) rmSync(file, { force: true });
  };
  const saved = { path, sessionOptions: { graphOptimizationLevel: 'disabled' } } as const;
  if (existsSync(marker) && existsSync(path)) {
    return { ...saved, cached: true, saved, commit: () => {}, discard };
  }
  discard();
  removeOrphans(cacheDir);
  return {
    path: modelPath,
    cached: false,
    sessionOptions: {
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath: path,
      // Values must be strings in the Node.js binding.
      extra: { session: { optimized_model_external_initializers_file_name: `${name}.data`, optimized_model_external_initializers_min_size_in_bytes: '1024' } },
    },
    saved,
    commit: () => writeFileSync(marker, `${resolve(modelPath)}\n`),
    discard,
  };
}

/**
 * Removes the entries in `cacheDir` whose model file no longer exists, as their markers name it.
 * An entry another process still has open stays readable on POSIX; where it cannot be removed
 * (Windows, a mapped file) it is left for a later sweep.
 */
function removeOrphans(cacheDir: string): void {
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.onnx.done')) continue;
    const marker = join(cacheDir, name);
    try {
      const source = readFileSync(marker, 'utf8').split('\n')[0] ?? '';
      if (source !== '' && existsSync(source)) continue;
      const entry = marker.slice(0, -'.done'.length);
      // The marker goes first, so a sweep stopped midway never leaves an entry that counts.
      for (const file of [marker, entry, `${entry}.data`]) rmSync(file, { force: true });
    } catch {
      // Unreadable or locked: left for a later sweep.
    }
  }
}
