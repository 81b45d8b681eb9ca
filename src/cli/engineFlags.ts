/**
 * @file Flags shared by the CLI commands that run a model (generate, chat, bench), and how
 * they become engine options.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EngineOptions } from '../runtime/engine';
import { choiceFlag, intFlag } from './args';
import { UsageError } from './command';
import { TOKENIZER_DEFAULT_USAGE } from '../model/tokenizerFiles';
import { DEVICES } from '../runtime/providers';
import { PROMPT_DTYPE_OPTIONS, promptDtypeOption } from '../runtime/promptDtype';
import { DTYPES, KV_CACHE_TYPES } from '../model/configTypes';
import { tokenizerDirFromEnv } from '../env';

export const ENGINE_FLAGS = {
  model: { type: 'string' },
  dtype: { type: 'string' },
  device: { type: 'string' },
  threads: { type: 'string' },
  'prompt-dtype': { type: 'string' },
  'kv-cache': { type: 'string' },
  'native-decode': { type: 'string' },
} as const;

export const ENGINE_USAGE = `  --model DIR      model folder in Hugging Face layout (e.g. from smolcode make-model); its
                   tokenizer files, else ${TOKENIZER_DEFAULT_USAGE}
  --dtype D        ${DTYPES.join('|')} (default q4, falling back to fp32 when absent)
  --device D       ${DEVICES.join('|')} (default auto)
  --threads N      CPU threads (default 0: one per physical core)
  --prompt-dtype D ${PROMPT_DTYPE_OPTIONS.join('|')}: int8 runs prompt chunks through the int8 fused
                   graph on the CPU, single tokens in --dtype; auto does so for q4 models of up
                   to 160M layer weights (135M); same never (default auto; smolcode.promptDtype)
  --kv-cache T     ${KV_CACHE_TYPES.join('|')}: build the fused graph with this KV cache type, even where
                   the folder ships one (default: the folder's graph, else int8 for q4 and int8)
  --native-decode on|off
                   every step, prompt chunks included, through SmolCode's native step where it
                   runs (q4, 8-bit cache, CPU; plain C: steps of up to 4 tokens); off keeps them
                   on ONNX Runtime (default: on where its kernel is AVX2 or better;
                   smolcode.nativeDecode)`;

interface EngineFlagValues {
  model?: string;
  dtype?: string;
  device?: string;
  threads?: string;
  'prompt-dtype'?: string;
  'kv-cache'?: string;
  'native-decode'?: string;
}

/** Engine options from parsed flags, with the model folder checked. */
export function engineOptions(values: EngineFlagValues): EngineOptions {
  if (!values.model) throw new UsageError('--model DIR is required');
  const modelDir = resolve(values.model);
  if (!existsSync(modelDir) || !statSync(modelDir).isDirectory()) {
    throw new UsageError(`--model ${values.model}: no such folder (hub ids are downloaded by the extension; pass a local folder here)`);
  }
  const explicit = values.dtype !== undefined;
  let dtype = choiceFlag(values.dtype, 'dtype', DTYPES, 'q4');
  if (!explicit && !existsSync(resolve(modelDir, 'onnx', 'model_q4.onnx'))) dtype = 'fp32';
  return {
    modelDir,
    dtype,
    device: choiceFlag(values.device, 'device', DEVICES, 'auto'),
    threads: intFlag(values.threads, 'threads', 0),
    tokenizerFallbackDir: tokenizerDirFromEnv(),
    ...promptDtypeOption(choiceFlag(values['prompt-dtype'], 'prompt-dtype', PROMPT_DTYPE_OPTIONS, 'auto')),
    ...(values['kv-cache'] === undefined ? {} : { kvCache: choiceFlag(values['kv-cache'], 'kv-cache', KV_CACHE_TYPES, 'int8'), buildFusedGraph: true }),
    ...(values['native-decode'] === undefined ? {} : { nativeDecode: choiceFlag(values['native-decode'], 'native-decode', ['on', 'off'] as const, 'on') === 'on' }),
  };
}
