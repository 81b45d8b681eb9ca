/**
 * @file Which evaluated files an adapter trained on. `finetune --workspace` keeps its training
 * set's report in `ADAPTER_DIR/dataset/report.json`, with each kept file's split; the benchmark's
 * held-out files are drawn the same way but over its own file list, so with another `--held-out`
 * or seed, or a workspace whose filters kept other files, some may be training files. A score on
 * them says nothing about code the adapter never saw, so the CLI names them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `finetune --workspace` writes the training set's report inside the adapter folder. */
export const ADAPTER_DATASET_REPORT = join('dataset', 'report.json');

/**
 * The `paths` that the training set beside the model in `modelDir` used for training; [] when
 * the folder has no such report (a base model, an adapter trained from `--data`) or it is unreadable.
 */
export function trainedPaths(modelDir: string, paths: readonly string[]): string[] {
  const file = join(modelDir, ADAPTER_DATASET_REPORT);
  if (!existsSync(file)) return [];
  let kept: unknown;
  try {
    kept = (JSON.parse(readFileSync(file, 'utf8')) as { kept?: unknown }).kept;
  } catch {
    return [];
  }
  if (!Array.isArray(kept)) return [];
  const trained = new Set(kept.filter((k: { split?: unknown; path?: unknown }) => k?.split === 'train' && typeof k.path === 'string').map((k: { path: string }) => k.path));
  return [...new Set(paths)].filter((p) => trained.has(p)).sort();
}
