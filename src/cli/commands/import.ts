/**
 * @file `smolcode import`: turns a Llama GGUF (a llama.cpp, Ollama or LM Studio model file) into
 * a model folder that generate, chat, finetune and the extension run (model/ggufImport.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GgufFile } from '../../graph/gguf/ggufFile';
import { ONNX_VARIANTS } from '../../model/configTypes';
import { importGguf, tensorTypeCensus } from '../../model/ggufImport';
import { defaultStoreRoots, findLocalGgufs, resolveOllamaModel } from '../../modelStore/ggufStores';
import { parseFlags, variantsFlag } from '../args';
import { UsageError, type CliCommand } from '../command';
import { sigintSignal } from '../interrupt';

const USAGE = `Usage: smolcode import FILE.gguf --out DIR [--dtypes LIST] [--no-fused]
       smolcode import ollama:NAME[:TAG] --out DIR      (a model in Ollama's store, e.g. ollama:smollm2:135m)
       smolcode import --list                           (the SmolLM2 GGUFs in Ollama's and LM Studio's stores)

Imports a Llama GGUF (as llama.cpp, Ollama and LM Studio keep models; SmolLM2 at any size and
quantization of F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q4_K, Q6_K) into DIR:
config.json and tokenizer files from the file's metadata, model.safetensors dequantized to
float32, and the ONNX graphs. DIR must not exist yet (or be empty); a failed or cancelled import
leaves none. Progress goes to stderr; Ctrl+C stops it between tensors or graphs. Ollama's store
is $OLLAMA_MODELS or ~/.ollama/models; LM Studio's is ~/.lmstudio/models (or ~/.cache/lm-studio/models).

Options:
  --out DIR        the model folder to create (required)
  --dtypes LIST    comma-separated ONNX variants of ${ONNX_VARIANTS.join(', ')} (default fp32,q4)
  --no-fused       skip the fused graphs (default: written for each variant that has them)
  --requantize     build q4 from the dequantized floats instead of the file's own Q4_0/Q4_1 blocks
                   (the default keeps them: on SmolLM2-135M Q4_1 the q4 graph then equals fp32, while
                   quantizing again moved logits by up to 18.7 and cost 12% more bits per byte on
                   code; decoding the fused q4 graph is about 20% slower with the blocks' offsets)
  --info           print the file's architecture, config keys and tensor types, and stop
  --list           list the SmolLM2 GGUFs found in Ollama's and LM Studio's stores, and what was skipped`;

/** The GGUF file a positional names: a path, or `ollama:NAME[:TAG]` resolved through Ollama's manifests. */
function ggufOf(argument: string): string {
  if (argument.startsWith('ollama:')) {
    const root = defaultStoreRoots().ollama;
    if (!root) throw new UsageError('no Ollama store: set OLLAMA_MODELS (or HOME)');
    return resolveOllamaModel(root, argument.slice('ollama:'.length));
  }
  const path = resolve(argument);
  if (!existsSync(path)) throw new UsageError(`${argument}: no such file`);
  return path;
}

function listStores(): number {
  const { found, skipped } = findLocalGgufs();
  for (const g of found) console.log(`${g.store}\t${g.name}\t${g.summary.parameters} ${g.summary.quantization}\t${(g.bytes / 1e6).toFixed(0)} MB\t${g.path}`);
  for (const s of skipped) console.error(`skipped ${s.store} ${s.name}: ${s.problem}`);
  if (found.length === 0) console.error('no SmolLM2 GGUF found in Ollama\'s or LM Studio\'s store');
  return 0;
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'import a Llama GGUF (llama.cpp, Ollama, LM Studio) as a model folder',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { out: { type: 'string' }, dtypes: { type: 'string' }, 'no-fused': { type: 'boolean' }, requantize: { type: 'boolean' }, info: { type: 'boolean' }, list: { type: 'boolean' } },
      true,
    );
    if (values.list) return listStores();
    if (positionals.length !== 1) throw new UsageError('pass exactly one FILE.gguf or ollama:NAME[:TAG]');
    const gguf = ggufOf(positionals[0]);
    if (values.info) {
      const file = GgufFile.open(gguf);
      try {
        console.log(`GGUF v${file.version}, ${file.tensors.length} tensors: ${Object.entries(tensorTypeCensus(file)).map(([t, n]) => `${n} ${t}`).join(', ')}`);
        for (const [key, value] of file.metadata) {
          if (!key.startsWith('tokenizer.ggml.') || typeof value !== 'object') console.log(`${key} = ${typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : String(value)}`);
        }
      } finally {
        file.close();
      }
      return 0;
    }
    if (!values.out) throw new UsageError('--out DIR is required');
    const interrupt = sigintSignal();
    const start = performance.now();
    try {
      const written = await importGguf({
        gguf,
        outDir: resolve(values.out),
        variants: variantsFlag(values.dtypes, ['fp32', 'q4']),
        fused: !values['no-fused'],
        quantizeAgain: values.requantize,
        onProgress: (message) => console.error(message),
        signal: interrupt.signal,
      });
      for (const file of written) console.log(`${file.path}  ${(file.bytes / 1e6).toFixed(1)} MB`);
      console.log(`imported ${gguf} into ${resolve(values.out)} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
      return 0;
    } catch (error) {
      if (!interrupt.signal.aborted) throw error;
      console.error(`cancelled; nothing was written to ${resolve(values.out)}`);
      return 130;
    } finally {
      interrupt.dispose();
    }
  },
};
