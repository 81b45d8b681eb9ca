/**
 * @file Adapter folders as the extension uses them: decides how a role loads an adapter folder
 * (its merged ONNX model as is, or a merge first for a PEFT adapter trained elsewhere or for
 * another dtype), and lists the adapters SmolCode trained with what their run recorded. Pure
 * file-system logic, free of `vscode`, so it is tested on temp folders.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ONNX_FILE } from '../../modelStore/catalog';
import { ONNX_VARIANTS, type OnnxVariant, type Dtype, type Role } from '../../model/configTypes';
import { FIM_RECORD_FILE, readFimRecord, type FimRecord } from '../../model/fim';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../adapter';
import { currentMergeVariants, keepsUpdateBeside } from '../mergeRecord';
import { RUN_FILE } from '../runReport';

/** What the trainer writes beside the adapter. */
export const TRAINING_LOG_FILE = 'training_log.json';

/** A folder that cannot serve as an adapter; the message names it, what is missing and the way out. */
export class AdapterFolderError extends Error {
  constructor(dir: string, problem: string) {
    super(`adapter folder ${dir}: ${problem}. Choose another adapter, or None, with "SmolCode: Select Adapter".`);
    this.name = 'AdapterFolderError';
  }
}

/** The merge variant for a dtype: the dtype itself when merging can write it, else fp32. */
export function mergeVariantFor(dtype: Dtype): OnnxVariant {
  return (ONNX_VARIANTS as readonly string[]).includes(dtype) ? (dtype as OnnxVariant) : 'fp32';
}

/** How to load an adapter folder for `dtype`. */
export type AdapterLoadPlan =
  /** Load the folder's merged model; `dtype` is the variant to load (may differ from the setting). */
  | { readonly action: 'load'; readonly dtype: Dtype }
  /** Merge the PEFT adapter into the base model as `variant` first, then load that. */
  | { readonly action: 'merge'; readonly variant: OnnxVariant };

/**
 * Decides how to load `dir` for `dtype`: its merged model of that dtype (or of the fp32
 * fallback for dtypes merging cannot write), else a merge of its PEFT files. Throws
 * `AdapterFolderError` naming what is missing.
 */
export function planAdapterLoad(dir: string, dtype: Dtype): AdapterLoadPlan {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AdapterFolderError(dir, 'does not exist or is not a folder');
  const variant = mergeVariantFor(dtype);
  const hasConfig = existsSync(join(dir, 'config.json'));
  const peft = [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE];
  const missingPeft = peft.filter((file) => !existsSync(join(dir, file)));
  const current = currentMergeVariants(dir);
  for (const candidate of new Set<Dtype>([dtype, variant])) {
    // A quantized graph from an older merge rounded the update away; merge it again where we can.
    const stale = keepsUpdateBeside(candidate) && !current.includes(candidate) && missingPeft.length === 0;
    if (hasConfig && existsSync(join(dir, ONNX_FILE[candidate])) && !stale) return { action: 'load', dtype: candidate };
  }
  if (missingPeft.length === 0) return { action: 'merge', variant };
  const merged = hasConfig ? ONNX_FILE[dtype] : `config.json and ${ONNX_FILE[dtype]}`;
  const what =
    missingPeft.length === peft.length
      ? `it has neither a merged model (${merged} missing) nor a PEFT adapter (${peft.join(' + ')})`
      : `its PEFT adapter is incomplete (${missingPeft.join(', ')} missing) and it has no merged model (${merged} missing)`;
  throw new AdapterFolderError(dir, what);
}

/** What the adapter picker shows of one trained adapter. */
export interface AdapterSummary {
  readonly dir: string;
  readonly name: string;
  /** When the run finished (the run file's date, else the folder's modification time). */
  readonly created: Date;
  readonly role?: Role;
  readonly steps?: number;
  readonly initialValLoss?: number | null;
  readonly bestValLoss?: number | null;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : value === null ? null : undefined);

/** One adapter folder's summary from its run file and training log; undefined when it holds no adapter. */
export function summarizeAdapter(dir: string, name: string): AdapterSummary | undefined {
  if (!existsSync(join(dir, ADAPTER_CONFIG_FILE))) return undefined;
  const run = readJson(join(dir, RUN_FILE)) ?? {};
  const log = readJson(join(dir, TRAINING_LOG_FILE)) ?? {};
  const trainLosses = Array.isArray(log.trainLosses) ? log.trainLosses : [];
  const date = typeof run.finished === 'string' ? new Date(run.finished) : undefined;
  return {
    dir,
    name,
    created: date && !Number.isNaN(date.getTime()) ? date : statSync(dir).mtime,
    role: run.role === 'completion' || run.role === 'chat' ? run.role : undefined,
    steps: typeof run.steps === 'number' ? run.steps : trainLosses.length || undefined,
    initialValLoss: numberOrNull(run.initialValLoss ?? log.initialValLoss),
    bestValLoss: numberOrNull(run.bestValLoss ?? log.bestValLoss),
  };
}

/** The adapters under `root` (one folder each), newest first; [] when `root` does not exist. */
export function listAdapters(root: string): AdapterSummary[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => summarizeAdapter(join(root, entry.name), entry.name))
    .filter((s): s is AdapterSummary => s !== undefined)
    .sort((a, b) => b.created.getTime() - a.created.getTime() || a.name.localeCompare(b.name));
}

/** The picker's one-line description of an adapter, e.g. `completion · 40 steps · val loss 2.91 → 2.40`. */
export function describeAdapter(summary: AdapterSummary): string {
  const parts: string[] = [];
  if (summary.role) parts.push(summary.role);
  if (summary.steps !== undefined) parts.push(`${summary.steps} steps`);
  const fmt = (v: number) => v.toFixed(3);
  if (typeof summary.bestValLoss === 'number') {
    parts.push(typeof summary.initialValLoss === 'number' ? `val loss ${fmt(summary.initialValLoss)} → ${fmt(summary.bestValLoss)}` : `val loss ${fmt(summary.bestValLoss)}`);
  }
  return parts.join(' · ');
}

/**
 * A reader of adapter folders' FIM records for the completion options, which are asked on every
 * request: it reads a record again only when the file's modification time changes. '' (no
 * adapter) and folders without a record give undefined; a bad record gives undefined too, after
 * `onError` has seen it once (the completion then uses the setting's template).
 */
export function fimRecordReader(onError: (error: Error) => void): (dir: string) => FimRecord | undefined {
  const cache = new Map<string, { readonly mtimeMs: number; readonly record: FimRecord | undefined }>();
  return (dir) => {
    if (dir === '') return undefined;
    const path = join(dir, FIM_RECORD_FILE);
    const mtimeMs = existsSync(path) ? statSync(path).mtimeMs : -1;
    const cached = cache.get(dir);
    if (cached?.mtimeMs === mtimeMs) return cached.record;
    let record: FimRecord | undefined;
    try {
      record = readFimRecord(dir);
    } catch (error) {
      onError(error as Error);
    }
    cache.set(dir, { mtimeMs, record });
    return record;
  };
}
