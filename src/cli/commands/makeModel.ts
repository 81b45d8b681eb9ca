/**
 * @file `smolcode make-model`: writes a Hugging Face-layout SmolLM2 folder with deterministic
 * random weights and ONNX variants, for tests and benchmarks (the hub is out of reach here).
 */
import { resolve } from 'node:path';
import { FUSED_VARIANTS, isFusedVariant, ONNX_VARIANTS, SHAPE_NAMES, type ModelFlavour } from '../../model/configTypes';
import { makeModelFolder } from '../../model/modelFolder';
import { SHAPES } from '../../model/shapes';
import { resolveTokenizerDir, TOKENIZER_DEFAULT_USAGE } from '../../model/tokenizerFiles';
import { choiceFlag, intFlag, parseFlags, variantsFlag } from '../args';
import { UsageError, type CliCommand } from '../command';

const usage = `Usage: smolcode make-model --out DIR [options]

Writes config.json, generation_config.json, the SmolLM2 tokenizer files, model.safetensors
(random weights, normal with the shape's initializer_range, deterministic for a seed) and
onnx/model*.onnx into DIR.

Options:
  --shape NAME       ${SHAPE_NAMES.join(' | ')} (default tiny)
  --seed N           random seed (default 0)
  --out DIR          output folder (required)
  --base             base model files: bos/eos <|endoftext|> (default)
  --instruct         instruct model files: ChatML template, bos <|im_start|>, eos <|im_end|>
  --dtypes LIST      comma-separated ONNX variants of ${ONNX_VARIANTS.join(', ')} (default fp32,fp16,q4)
  --fused            also write the fused graphs (onnx/<variant>_fused.onnx, GroupQueryAttention; <variant>_fused_matmul.onnx,
                     MatMul attention over engine-owned caches) of each of those in ${FUSED_VARIANTS.join(', ')}
  --vocab N          override the vocabulary size (token ids from the real tokenizer may then be out of range)
  --tokenizer DIR    SmolLM2 tokenizer files (default ${TOKENIZER_DEFAULT_USAGE})`;

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** The `make-model` subcommand. */
export const makeModelCommand: CliCommand = {
  name: 'make-model',
  summary: 'generate a random SmolLM2-shaped model folder (safetensors + ONNX variants)',
  usage,
  async run(args) {
    const { values } = parseFlags(args, {
      shape: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      base: { type: 'boolean' },
      instruct: { type: 'boolean' },
      dtypes: { type: 'string' },
      fused: { type: 'boolean' },
      vocab: { type: 'string' },
      tokenizer: { type: 'string' },
    });
    if (!values.out) throw new UsageError('--out DIR is required');
    if (values.base && values.instruct) throw new UsageError('pass at most one of --base and --instruct');
    const shape = choiceFlag(values.shape, 'shape', SHAPE_NAMES, 'tiny');
    const vocab = intFlag(values.vocab, 'vocab', 0);
    const config = vocab > 0 ? { ...SHAPES[shape], vocabSize: vocab } : SHAPES[shape];
    const flavour: ModelFlavour = values.instruct ? 'instruct' : 'base';
    const outDir = resolve(values.out);
    const variants = variantsFlag(values.dtypes, ['fp32', 'fp16', 'q4']);
    const fusedVariants = values.fused ? variants.filter(isFusedVariant) : [];
    const start = performance.now();
    const files = makeModelFolder({
      config,
      seed: intFlag(values.seed, 'seed', 0),
      outDir,
      flavour,
      variants,
      fusedVariants,
      tokenizerDir: resolveTokenizerDir(values.tokenizer),
    });
    for (const f of files) console.log(`${f.path}  ${formatBytes(f.bytes)}  ${f.seconds.toFixed(1)} s`);
    console.log(`wrote ${shape} (${flavour}) to ${outDir} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return 0;
  },
};
