/**
 * @file Exports a model, with a LoRA adapter merged in when one is given, as a GGUF for
 * llama.cpp, Ollama and LM Studio: model/ggufExport.ts writes the file, and the adapter is
 * folded into each adapted weight as it is written (merge.ts's W + scale·B·A), so no merged
 * model folder is needed in between. One pipeline for the CLI and the palette command.
 */
import { resolve } from 'node:path';
import { readModelFolderConfig } from '../model/configBounds';
import { exportGguf, type GgufExportOptions, type GgufExportResult } from '../model/ggufExport';
import { loadAdapter } from './adapter';
import { mergedWeights } from './merge';

/** What to export: the base model folder, optionally an adapter of it. */
export interface ModelGgufExportOptions extends Omit<GgufExportOptions, 'wrap'> {
  readonly adapterDir?: string;
}

/** Writes the (merged) model as GGUF; throws naming the folder when the adapter does not fit the model. */
export async function exportModelAsGguf(options: ModelGgufExportOptions): Promise<GgufExportResult> {
  const { adapterDir, ...rest } = options;
  if (!adapterDir) return exportGguf(rest);
  const config = readModelFolderConfig(resolve(options.modelDir));
  const adapter = loadAdapter(resolve(adapterDir), config);
  return exportGguf({ ...rest, wrap: (weights) => mergedWeights(weights, adapter, config) });
}
