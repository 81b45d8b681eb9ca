/**
 * @file `smolcode export-gguf`: writes a model folder, with an adapter merged in, as a GGUF file
 * that llama.cpp, Ollama and LM Studio run (finetune/exportGguf.ts).
 */
import { resolve } from 'node:path';
import { exportModelAsGguf } from '../../finetune/exportGguf';
import { GGUF_EXPORT_TYPES } from '../../model/ggufExport';
import { choiceFlag, parseFlags } from '../args';
import { UsageError, type CliCommand } from '../command';
import { sigintSignal } from '../interrupt';

const USAGE = `Usage: smolcode export-gguf --model DIR [--adapter DIR] --out FILE.gguf [--type f16|q8_0|q4_0]

Writes the model in --model (config.json, model.safetensors, tokenizer files), with the LoRA
adapter in --adapter merged into its weights (W + scale·B·A), as a GGUF v3 file that llama.cpp,
Ollama and LM Studio load: llama.* hyperparameters, the tokenizer and chat template as
tokenizer.* metadata, weights under llama.cpp's names. Norms stay F32; the matrices are F16 or
Q8_0 (blocks of 32 with one f16 scale, as llama.cpp's converter writes them; about half the size
of F16) or Q4_0 (4-bit blocks as llama-quantize writes them, the output head kept at Q8_0). The file is written beside FILE.gguf and renamed when complete, so a failed or
cancelled export (Ctrl+C) leaves no partial file. Ollama: a Modelfile with "FROM ./FILE.gguf",
then \`ollama create NAME -f Modelfile\`.

Options:
  --model DIR      the base model folder (required)
  --adapter DIR    a PEFT LoRA adapter of that model (adapter_config.json + adapter_model.safetensors)
  --out FILE       the .gguf file to write (required)
  --type TYPE      ${GGUF_EXPORT_TYPES.join(' | ')} (default f16)
  --name NAME      general.name in the file (default: the model folder's name)`;

export const exportGgufCommand: CliCommand = {
  name: 'export-gguf',
  summary: 'export a model (with an adapter merged in) as GGUF for llama.cpp, Ollama, LM Studio',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      model: { type: 'string' },
      adapter: { type: 'string' },
      out: { type: 'string' },
      type: { type: 'string' },
      name: { type: 'string' },
    });
    if (!values.model) throw new UsageError('--model DIR is required');
    if (!values.out) throw new UsageError('--out FILE.gguf is required');
    const type = choiceFlag(values.type, 'type', GGUF_EXPORT_TYPES, 'f16');
    const out = resolve(values.out);
    const interrupt = sigintSignal();
    const start = performance.now();
    let lastReport = 0;
    try {
      const result = await exportModelAsGguf({
        modelDir: resolve(values.model),
        adapterDir: values.adapter ? resolve(values.adapter) : undefined,
        out,
        type,
        name: values.name,
        signal: interrupt.signal,
        onTensor: (written, total) => {
          if (written < total && performance.now() - lastReport < 1000) return;
          lastReport = performance.now();
          console.error(`wrote ${written}/${total} tensors`);
        },
      });
      const census = Object.entries(result.census).map(([t, n]) => `${n} ${t}`).join(', ');
      console.log(`${result.path}  ${(result.bytes / 1e6).toFixed(1)} MB  (${census})  ${((performance.now() - start) / 1000).toFixed(1)} s`);
      return 0;
    } catch (error) {
      if (!interrupt.signal.aborted) throw error;
      console.error(`cancelled; nothing was written to ${out}`);
      return 130;
    } finally {
      interrupt.dispose();
    }
  },
};
