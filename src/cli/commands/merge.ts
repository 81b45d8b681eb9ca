/**
 * @file `smolcode merge`: folds a PEFT LoRA adapter into its base model (W + scale·B·A) and
 * writes a model folder the engine loads: config, tokenizer files and onnx/model*.onnx.
 */
import { resolve } from 'node:path';
import { ONNX_VARIANTS, type OnnxVariant } from '../../model/configTypes';
import { mergeAdapter } from '../../finetune/merge';
import { TOKENIZER_DEFAULT_USAGE } from '../../model/tokenizerFiles';
import { parseFlags } from '../args';
import { UsageError, type CliCommand } from '../command';

const USAGE = `Usage: smolcode merge --model DIR --adapter DIR [--out DIR] [--dtypes LIST]

Merges the LoRA adapter in --adapter (adapter_config.json + adapter_model.safetensors) into the
base model in --model (config.json + model.safetensors) and writes config, tokenizer files and
onnx/model*.onnx to --out (default: the adapter folder), ready for generate, chat and the
extension; fp32, q4 and int8 also get their fused graph (the attention this machine's engine
prefers), since a merged folder has no weights to build it from later. Tokenizer files are copied from --model when it has them; without them, generate and
chat use ${TOKENIZER_DEFAULT_USAGE}.

Options:
  --dtypes LIST    comma-separated ONNX variants of ${ONNX_VARIANTS.join(', ')} (default: those the base folder has)`;

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: 'merge a LoRA adapter into its base model as a new ONNX model folder',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      model: { type: 'string' },
      adapter: { type: 'string' },
      out: { type: 'string' },
      dtypes: { type: 'string' },
    });
    if (!values.model) throw new UsageError('--model DIR is required');
    if (!values.adapter) throw new UsageError('--adapter DIR is required');
    let variants: OnnxVariant[] | undefined;
    if (values.dtypes !== undefined) {
      const items = values.dtypes.split(',').map((s) => s.trim()).filter(Boolean);
      if (items.length === 0 || items.some((s) => !(ONNX_VARIANTS as readonly string[]).includes(s))) {
        throw new UsageError(`--dtypes must be a comma-separated list of ${ONNX_VARIANTS.join(', ')}; got "${values.dtypes}"`);
      }
      variants = items as OnnxVariant[];
    }
    const files = mergeAdapter({ modelDir: resolve(values.model), adapterDir: resolve(values.adapter), outDir: values.out ? resolve(values.out) : undefined, variants });
    for (const f of files) console.log(`${f.path}  ${(f.bytes / 1e6).toFixed(1)} MB  ${f.seconds.toFixed(1)} s`);
    return 0;
  },
};
