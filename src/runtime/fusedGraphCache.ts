/**
 * @file Fused graphs built on this machine for model folders that have none: the hub ships only
 * hub-layout ONNX files, and the fused graph (model/llamaFused.ts) is built from the folder's
 * config.json and model.safetensors. Each build gets a folder of its own in the cache, named by
 * a key of those two files, the dtype, the kind (an attention, or a prompt graph), the KV cache
 * type and the graph version; it is written under a temporary name and renamed when complete (with its
 * external-data file, if any), so an interrupted build never leaves a graph that loads. A new build removes the older builds of the
 * same dtype (a 1.7B q4 graph is 1.5 GB) but keeps the current ones of the other kinds, so
 * switching devices does not rebuild; the engine keeps ONNX Runtime's optimised copy of a
 * built graph in its folder, so that goes with it. The temporary folder of a build killed
 * midway is removed by the next lookup (leftovers.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { defaultKvCache, FUSED_ATTENTIONS, fusedGraphFile, isFusedVariant, KV_CACHE_TYPES, type Dtype, type FusedGraphKind, type FusedVariant, type KvCacheType } from '../model/configTypes';
import { parseModelConfig } from '../model/config';
import { architectureFor } from '../model/registry';
import { writeFusedGraph } from '../model/modelFolder';
import { withRecoveredBlocks } from '../model/recoveredBlocks';
import type { WeightSource } from '../model/weights';
import { partialPath, removeLeftovers } from './leftovers';
/** The cached fused graph of a folder, or why there is none. */
export type FusedGraphLookup =
  | { readonly path: string; readonly builtMs?: number }
  | { readonly path?: undefined; readonly reason: string };

/**
 * The cache type a graph of `kind` in `variant` is built with: a gqa graph's is always float32;
 * matmul and prompt graphs take `kvCache`, else the variant's default.
 */
function builtKvCache(variant: FusedVariant, kind: FusedGraphKind, kvCache?: KvCacheType): KvCacheType {
  return kind === 'gqa' ? 'float32' : (kvCache ?? defaultKvCache(variant));
}

/** Where the fused graph of `modelDir` in `dtype` of `kind` (with `kvCache`, see `builtKvCache`) is cached under `cacheDir`, or why it cannot be built. */
export function fusedGraphCachePath(
  modelDir: string,
  dtype: Dtype,
  kind: FusedGraphKind,
  cacheDir: string,
  kvCache?: KvCacheType,
): { path: string; variant: FusedVariant; kvCache: KvCacheType } | { reason: string } {
  if (!isFusedVariant(dtype)) return { reason: `there is no fused graph for ${dtype}` };
  const cache = builtKvCache(dtype, kind, kvCache);
  const weights = join(modelDir, 'model.safetensors');
  const config = join(modelDir, 'config.json');
  if (!existsSync(weights) || !existsSync(config)) return { reason: `${modelDir} has no model.safetensors to build a fused graph from` };
  const configBytes = readFileSync(config);
  let version: number;
  try {
    version = architectureFor(parseModelConfig(JSON.parse(configBytes.toString('utf8')), config)).fusedGraphVersion;
  } catch (error) {
    return { reason: `building the fused graph failed: ${(error as Error).message}` };
  }
  const stat = statSync(weights);
  const key = createHash('sha256')
    .update(`${version}\0${dtype}\0${kind}\0${cache}\0${stat.size}\0${stat.mtimeMs}\0`)
    .update(configBytes)
    .digest('hex')
    .slice(0, 16);
  return { path: join(cacheDir, `fused-${dtype}-${kind}-${key}`, fusedGraphFile(dtype, kind)), variant: dtype, kvCache: cache };
}

/**
 * The fused graph of `modelDir` in `dtype` of `kind` from `cacheDir`, built first when
 * missing (seconds for 135M; 35 s and 3.2 GB of memory for 1.7B q4 on 2 cores). A folder whose
 * weights do not build (another architecture, unreadable tensors) gets a reason instead, and the
 * caller runs the plain graph.
 */
export function cachedFusedGraph(modelDir: string, dtype: Dtype, kind: FusedGraphKind, cacheDir: string, kvCache?: KvCacheType): FusedGraphLookup {
  const planned = fusedGraphCachePath(modelDir, dtype, kind, cacheDir, kvCache);
  if ('reason' in planned) return planned;
  // Builds killed midway (209 MB for 135M, 1.5 GB for 1.7B) are only found here.
  removeLeftovers(cacheDir, 0);
  if (existsSync(planned.path)) return { path: planned.path };
  const folder = dirname(planned.path);
  const partial = partialPath(folder);
  const start = performance.now();
  try {
    const options = { ...(kind === 'prompt' ? { attention: 'matmul' as const, promptOnly: true } : { attention: kind }), kvCache: planned.kvCache };
    // A GGUF import's floats lie on its blocks' grid: every build here reads those blocks back
    // (a prompt graph looks the table up in them; a q4 graph built with `kvCache` holds the
    // weights the import's own graph holds instead of rounding them a second time). A hub
    // checkpoint's floats are on no grid and are quantized as before.
    const wrap = (weights: WeightSource) => withRecoveredBlocks(weights, 'model.layers.0.self_attn.q_proj.weight');
    writeFusedGraph(modelDir, planned.variant, join(partial, basename(planned.path)), options, wrap);
    rmSync(folder, { recursive: true, force: true });
    renameSync(partial, folder);
    const kinds: readonly FusedGraphKind[] = [...FUSED_ATTENTIONS, 'prompt'];
    // Both cache types of each kind stay: a benchmark alternates them.
    const plans = kinds.flatMap((k) => KV_CACHE_TYPES.map((type) => fusedGraphCachePath(modelDir, dtype, k, cacheDir, type)));
    const current = new Set(plans.flatMap((p) => ('path' in p ? [dirname(p.path)] : [])));
    for (const entry of readdirSync(cacheDir)) {
      const path = join(cacheDir, entry);
      if (entry.startsWith(`fused-${dtype}-`) && !current.has(path) && !entry.includes('.partial-')) rmSync(path, { recursive: true, force: true });
    }
    return { path: planned.path, builtMs: performance.now() - start };
  } catch (error) {
    return { reason: `building the fused graph failed: ${(error as Error).message}` };
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}
