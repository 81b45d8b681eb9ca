/**
 * @file `smolcode import`: turns a Llama GGUF (a llama.cpp, Ollama or LM Studio model file) into
 * a model folder that generate, chat, finetune and the extension run (model/ggufImport.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GgufFile } from '../../graph/gguf/ggufFile';
import { ONNX_VARIANTS } from '../../model/configTypes';
import { importGguf, tensorTypeCensus } from '../../model/ggufImport';
import { parseFlags, variantsFlag } from '../args';
import { UsageError, type CliCommand } from '../command';
import { sigintSignal } from '../interrupt';

const USAGE = `Usage: smolcode import FILE.gguf --out DIR [--dtypes LIST] [--no-fused]

Imports a Llama GGUF (as llama.cpp, Ollama and LM Studio keep models; SmolLM2 at any size and
quantization of F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q4_K, Q6_K) into DIR:
config.json and tokenizer files from the file's metadata, model.safetensors dequantized to
float32, and the ONNX graphs. DIR must not exist yet (or be empty); a failed or cancelled import
leaves none. Progress goes to stderr; Ctrl+C stops it between tensors or graphs.

Options:
  --out DIR        the model folder to create (required)
  --dtypes LIST    comma-separated ONNX variants of ${ONNX_VARIANTS.join(', ')} (default fp32,q4)
  --no-fused       skip the fused graphs (default: written for each variant that has them)
  --requantize     build q4 from the dequantized floats instead of the file's own Q4_0/Q4_1 blocks
                   (the default keeps them: on SmolLM2-135M Q4_1 the q4 graph then equals fp32, while
                   quantizing again moved logits by up to 18.7; decoding the fused q4 graph is about
                   20% slower with the blocks' offsets)
  --info           print the file's architecture, config keys and tensor types, and stop`;

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'import a Llama GGUF (llama.cpp, Ollama, LM Studio) as a model folder',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { out: { type: 'string' }, dtypes: { type: 'string' }, 'no-fused': { type: 'boolean' }, requantize: { type: 'boolean' }, info: { type: 'boolean' } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError('pass exactly one FILE.gguf');
    const gguf = resolve(positionals[0]);
    if (!existsSync(gguf)) throw new UsageError(`${positionals[0]}: no such file`);
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
