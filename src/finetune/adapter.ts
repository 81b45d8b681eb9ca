/**
 * @file LoRA adapters in Hugging Face PEFT's on-disk format, so adapters trained elsewhere load
 * here and ours load in PEFT: `adapter_config.json` (peft_type LORA, r, lora_alpha,
 * target_modules, ...) and `adapter_model.safetensors` with
 * `base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_A.weight` [r, in] and
 * `...lora_B.weight` [out, r] (https://huggingface.co/docs/peft/developer_guides/checkpoint).
 * Features this runtime cannot honour (DoRA, biases, fan_in_fan_out, per-module ranks, extra
 * trained modules) are rejected with an error naming the file, the field and what is supported.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../model/config';
import { SafetensorsFile, writeSafetensors } from '../graph/safetensors';
import { LORA_TARGETS, loraModules, type LoraConfig, type LoraTarget, type LoraWeights } from '../model/lora';
import { FileError } from '../graph/fileError';
import { tempPath } from '../runtime/leftovers';
import { nonFiniteProblem } from '../graph/finite';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** An adapter in memory: its hyperparameters, base model and matrices by PEFT name. */
export interface Adapter {
  readonly lora: LoraConfig;
  readonly baseModel: string;
  readonly weights: LoraWeights;
}

/** A malformed or unsupported adapter; the message names the file and the problem. */
export class AdapterError extends FileError {
  override readonly name = 'AdapterError';
}

const TENSOR_NAME = /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.([a-z_]+)\.lora_(A|B)(?:\.default)?\.weight$/;

/** The adapter_config.json PEFT writes for `lora` (keys as in PEFT's LoraConfig). */
export function adapterConfigJson(lora: LoraConfig, baseModel: string): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: lora.rank,
    lora_alpha: lora.alpha,
    target_modules: [...lora.targets],
    use_rslora: lora.useRslora,
    lora_dropout: lora.dropout ?? 0,
    bias: 'none',
    fan_in_fan_out: false,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
}

/** One file to write: its final path and a function that writes it to a given temporary path. */
export type FileWrite = readonly [path: string, write: (tmp: string) => void];

/**
 * Writes `files` as a group: each to a temporary name in its folder first, and only when all of
 * them are complete renames them into place, back to back. A failure (or a kill) while writing
 * leaves the previous files untouched; the temporary files are removed, or swept at the next
 * start (runtime/leftovers.ts).
 */
export function writeFilesAtomic(files: readonly FileWrite[]): void {
  const temps = files.map(([path]) => tempPath(path));
  try {
    files.forEach(([, write], i) => write(temps[i]));
    files.forEach(([path], i) => renameSync(temps[i], path));
  } finally {
    for (const tmp of temps) rmSync(tmp, { force: true });
  }
}

/** Writes `path` atomically: a temporary file in the same folder, then a rename. */
export function writeFileAtomic(path: string, write: (tmp: string) => void): void {
  writeFilesAtomic([[path, write]]);
}

/**
 * Saves `adapter` into `dir` (which must exist) in PEFT's format, float32 tensors. The two files
 * are written as a pair, so a run stopped while saving never pairs new weights with the old
 * config (whose rank may differ).
 */
export function saveAdapter(dir: string, adapter: Adapter): void {
  const names = [...adapter.weights.keys()];
  const shapes = inferShapes(adapter);
  writeFilesAtomic([
    [
      join(dir, ADAPTER_WEIGHTS_FILE),
      (tmp) =>
        writeSafetensors(
          tmp,
          names.map((name) => ({ name, shape: shapes.get(name)!, values: () => adapter.weights.get(name)! })),
          'F32',
          { format: 'pt' },
        ),
    ],
    [join(dir, ADAPTER_CONFIG_FILE), (tmp) => writeFileSync(tmp, `${JSON.stringify(adapterConfigJson(adapter.lora, adapter.baseModel), null, 2)}\n`)],
  ]);
}

/** Shapes from sizes: A is [r, size / r], B is [size / r, r]. */
function inferShapes(adapter: Adapter): Map<string, number[]> {
  const r = adapter.lora.rank;
  const shapes = new Map<string, number[]>();
  for (const [name, values] of adapter.weights) {
    shapes.set(name, /\.lora_A\./.test(name) ? [r, values.length / r] : [values.length / r, r]);
  }
  return shapes;
}

function parseConfig(file: string, raw: unknown): { lora: LoraConfig; baseModel: string } {
  const fail = (problem: string): never => {
    throw new AdapterError(file, problem);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('is not a JSON object');
  const c = raw as Record<string, unknown>;
  if (c.peft_type !== 'LORA') fail(`peft_type is ${JSON.stringify(c.peft_type)}; only "LORA" is supported`);
  if (c.task_type !== undefined && c.task_type !== null && c.task_type !== 'CAUSAL_LM') {
    fail(`task_type is ${JSON.stringify(c.task_type)}; only "CAUSAL_LM" is supported`);
  }
  if (!Number.isInteger(c.r) || (c.r as number) <= 0) fail(`r must be a positive integer, got ${JSON.stringify(c.r)}`);
  const alpha = c.lora_alpha ?? 8;
  // 1e400 parses as Infinity, which would scale every merged weight to infinity.
  if (typeof alpha !== 'number' || !(alpha > 0) || alpha === Infinity) fail(`lora_alpha must be a positive finite number, got ${JSON.stringify(c.lora_alpha)}`);
  let targets = c.target_modules;
  if (typeof targets === 'string' && (LORA_TARGETS as readonly string[]).includes(targets)) targets = [targets];
  if (typeof targets === 'string') fail(`target_modules as a regular expression (${JSON.stringify(targets)}) is not supported; list module names of ${LORA_TARGETS.join(', ')}`);
  if (!Array.isArray(targets) || targets.length === 0) fail(`target_modules must be a non-empty list of ${LORA_TARGETS.join(', ')}`);
  const unknown = (targets as unknown[]).filter((t) => !(LORA_TARGETS as readonly unknown[]).includes(t));
  if (unknown.length > 0) fail(`unsupported target_modules ${JSON.stringify(unknown)}; supported: ${LORA_TARGETS.join(', ')}`);
  const unsupported: [string, unknown, unknown][] = [
    ['bias', c.bias ?? 'none', 'none'],
    ['fan_in_fan_out', c.fan_in_fan_out ?? false, false],
    ['use_dora', c.use_dora ?? false, false],
  ];
  for (const [key, value, allowed] of unsupported) if (value !== allowed) fail(`${key}=${JSON.stringify(value)} is not supported; only ${JSON.stringify(allowed)}`);
  for (const key of ['modules_to_save', 'layers_to_transform', 'layers_pattern']) {
    const v = c[key];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) fail(`${key}=${JSON.stringify(v)} is not supported; only null`);
  }
  for (const key of ['rank_pattern', 'alpha_pattern']) {
    const v = c[key];
    if (v !== undefined && v !== null && Object.keys(v as object).length > 0) fail(`${key} is not supported (one rank and alpha for all modules)`);
  }
  if (c.use_rslora !== undefined && typeof c.use_rslora !== 'boolean') fail(`use_rslora must be true or false, got ${JSON.stringify(c.use_rslora)}`);
  const order = LORA_TARGETS.filter((t) => (targets as string[]).includes(t));
  const dropout = typeof c.lora_dropout === 'number' && c.lora_dropout >= 0 && c.lora_dropout < 1 ? c.lora_dropout : 0;
  const lora: LoraConfig = { rank: c.r as number, alpha: alpha as number, targets: order as LoraTarget[], useRslora: c.use_rslora === true, dropout };
  return { lora, baseModel: typeof c.base_model_name_or_path === 'string' ? c.base_model_name_or_path : '' };
}

/**
 * Loads a PEFT adapter from `dir`. With `model`, also checks that it has exactly the matrices
 * `model` needs for its targets, with the right shapes; throws `AdapterError` otherwise.
 */
export function loadAdapter(dir: string, model?: ModelConfig): Adapter {
  const configPath = join(dir, ADAPTER_CONFIG_FILE);
  const weightsPath = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(configPath)) throw new AdapterError(dir, `no ${ADAPTER_CONFIG_FILE}; not a PEFT adapter folder`);
  if (!existsSync(weightsPath)) {
    const hint = existsSync(join(dir, 'adapter_model.bin')) ? ' (adapter_model.bin, a pickle, is not read; convert it to safetensors)' : '';
    throw new AdapterError(dir, `no ${ADAPTER_WEIGHTS_FILE}${hint}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new AdapterError(configPath, `is not valid JSON (${(error as Error).message})`);
  }
  const { lora, baseModel } = parseConfig(configPath, raw);
  const file = SafetensorsFile.open(weightsPath);
  const weights: LoraWeights = new Map();
  try {
    const fail = (problem: string): never => {
      throw new AdapterError(weightsPath, problem);
    };
    for (const name of file.names()) {
      const match = TENSOR_NAME.exec(name);
      if (!match) fail(`unexpected tensor "${name}"; only lora_A/lora_B weights of ${LORA_TARGETS.join(', ')} are supported`);
      const [, , , target, which] = match!;
      if (!lora.targets.includes(target as LoraTarget)) fail(`tensor "${name}" is for ${target}, which target_modules does not list`);
      const shape = file.info(name).shape;
      const rankDim = which === 'A' ? shape[0] : shape[1];
      if (shape.length !== 2 || rankDim !== lora.rank) fail(`tensor "${name}" has shape [${shape}]; lora_${which} must be ${which === 'A' ? '[r, in]' : '[out, r]'} with r=${lora.rank}`);
      const canonical = name.replace('.default.weight', '.weight');
      const values = Float32Array.from(file.readFloat32(name));
      // A NaN adapter would merge and train without complaint and leave a model that only says end-of-sequence.
      const nonFinite = nonFiniteProblem(name, values);
      if (nonFinite) fail(nonFinite);
      weights.set(canonical, values);
    }
  } finally {
    file.close();
  }
  if (weights.size === 0) throw new AdapterError(weightsPath, 'has no LoRA tensors');
  if (model) checkAgainstModel(weightsPath, { lora, baseModel, weights }, model);
  return { lora, baseModel, weights };
}

/** Throws unless `adapter` has exactly the matrices `model` needs, with the right shapes. */
export function checkAgainstModel(file: string, adapter: Adapter, model: ModelConfig): void {
  const expected = loraModules(model, adapter.lora);
  const seen = new Set<string>();
  for (const m of expected) {
    for (const [name, shape] of [
      [m.a, m.aShape],
      [m.b, m.bShape],
    ] as const) {
      const values = adapter.weights.get(name);
      if (!values) throw new AdapterError(file, `missing tensor "${name}" (shape [${shape}]) for this model`);
      if (values.length !== shape[0] * shape[1]) {
        throw new AdapterError(file, `tensor "${name}" has ${values.length} values; this model needs shape [${shape}] (is the adapter for another base model?)`);
      }
      seen.add(name);
    }
  }
  const extra = [...adapter.weights.keys()].filter((n) => !seen.has(n));
  if (extra.length > 0) throw new AdapterError(file, `tensor "${extra[0]}" does not match this model (${model.numHiddenLayers} layers)`);
}
