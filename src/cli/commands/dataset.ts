/**
 * @file `smolcode dataset`: builds a fine-tuning set from a folder (see finetune/dataset) and
 * prints a summary; the full report lands in the output folder as report.md and report.json.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseLanguageNames } from '../../finetune/dataset/languages';
import { openModelScorer } from '../../finetune/dataset/modelScorer';
import { buildDataset } from '../../finetune/dataset/pipeline';
import { DEFAULT_FIM_RATE } from '../../finetune/dataset/samples/fimSamples';
import { loadSampleTokenizer } from '../../finetune/dataset/samples/sampleTokenizer';
import { resolveTokenizerDir, TOKENIZER_DEFAULT_USAGE } from '../../model/tokenizerFiles';
import { parseMixture } from '../../finetune/dataset/types';
import { intFlag, parseFlags, rangeFlag } from '../args';
import { UsageError, type CliCommand } from '../command';
import { sigintSignal } from '../interrupt';

const USAGE = `Usage: smolcode dataset --workspace DIR --out DIR [options]

Builds a training set from the code in DIR: filters (secrets, vendored, generated, minified,
binary), a 0-5 quality score, deduplication, a train/validation split, and samples as
JSONL ({"text"}, {"messages"}, {"input_ids", "labels"}), with report.md and report.json.

Options:
  --workspace DIR    the folder to read (required)
  --out DIR          where to write the set (required)
  --seq-len N        most tokens per sample (default 2048)
  --min-score S      drop files scoring below S, from 0 to 5 (default 2.5)
  --seed N           seed of the split and the sampling (default 0)
  --validation F     share of files for validation, from 0 to under 1 (default 0.1)
  --languages L,...  languages to keep (default: all 15 of Stack-Edu)
  --mixture JSON     sampling rates, e.g. '{"fillInMiddle":0}' (default
                     {"code":1,"docToCode":1,"signatureToBody":0.5,"prefixToRest":0.25,"fillInMiddle":0.25})
  --fim-rate F       share of code chunks written as fill-in-the-middle samples, 0..1 (default
                     ${DEFAULT_FIM_RATE}, as smolcode finetune --workspace's; 0: none)
  --fim-seq-len N    tokens each FIM sample fits: the training --seq-len, so none is split
                     (default 512, smolcode finetune's)
  --tokenizer DIR    SmolLM2 Instruct tokenizer files (default ${TOKENIZER_DEFAULT_USAGE})
  --perplexity-model DIR
                     drop files whose perplexity under this base model (its onnx/model.onnx)
                     is an outlier (modified z-score > 3.5), as Refact does`;

function mixtureFlag(value: string | undefined) {
  if (value === undefined) return undefined;
  try {
    return parseMixture(JSON.parse(value) as Record<string, unknown>);
  } catch (error) {
    throw new UsageError(`--mixture: ${(error as Error).message}`);
  }
}

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: 'build a fine-tuning training set from a folder of code',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      workspace: { type: 'string' },
      out: { type: 'string' },
      'seq-len': { type: 'string' },
      'min-score': { type: 'string' },
      seed: { type: 'string' },
      validation: { type: 'string' },
      languages: { type: 'string' },
      mixture: { type: 'string' },
      'fim-rate': { type: 'string' },
      'fim-seq-len': { type: 'string' },
      tokenizer: { type: 'string' },
      'perplexity-model': { type: 'string' },
    });
    if (values.workspace === undefined) throw new UsageError('--workspace DIR is required');
    if (values.out === undefined) throw new UsageError('--out DIR is required');
    if (!existsSync(values.workspace)) throw new UsageError(`--workspace ${values.workspace}: no such folder`);
    const tokenizerDir = resolveTokenizerDir(values.tokenizer);
    let languages;
    try {
      languages = values.languages === undefined ? undefined : parseLanguageNames(values.languages.split(','));
    } catch (error) {
      throw new UsageError(`--languages: ${(error as Error).message}`);
    }
    const options = {
      workspace: values.workspace,
      out: values.out,
      seqLen: intFlag(values['seq-len'], 'seq-len', 2048),
      minScore: rangeFlag(values['min-score'], 'min-score', 0, 5) ?? 2.5,
      seed: intFlag(values.seed, 'seed', 0),
      validationFraction: rangeFlag(values.validation, 'validation', 0, 0.99) ?? 0.1,
      languages,
      mixture: mixtureFlag(values.mixture),
      fimRate: rangeFlag(values['fim-rate'], 'fim-rate', 0, 1) ?? DEFAULT_FIM_RATE,
      fimSeqLen: intFlag(values['fim-seq-len'], 'fim-seq-len', 512),
    };
    const tokenizer = await loadSampleTokenizer(tokenizerDir);
    const perplexityModel = values['perplexity-model'];
    if (perplexityModel !== undefined && !existsSync(resolve(perplexityModel, 'onnx', 'model.onnx'))) {
      throw new UsageError(`--perplexity-model ${perplexityModel}: no onnx/model.onnx (the filter runs the fp32 graph)`);
    }
    const scorer = perplexityModel === undefined ? undefined : await openModelScorer(resolve(perplexityModel), tokenizer.encode);
    const interrupt = sigintSignal();
    const start = performance.now();
    let lastLine = 0;
    try {
      const report = await buildDataset(options, {
        tokenizer,
        scorer,
        signal: interrupt.signal,
        onProgress: ({ phase, done, total }) => {
          const now = performance.now();
          if (now - lastLine < 1000) return;
          lastLine = now;
          console.error(`[${phase}] ${done}${total === undefined ? '' : `/${total}`} files`);
        },
      });
      const seconds = (performance.now() - start) / 1000;
      const { files, splits } = report;
      const samples = (s: typeof splits.train) => Object.values(s.samples).reduce((a, b) => a + b, 0);
      console.log(`${files.seen} files seen, ${files.kept} kept, ${files.dropped} dropped in ${seconds.toFixed(1)} s (${(files.seen / seconds).toFixed(0)} files/s)`);
      console.log(`train: ${samples(splits.train)} samples, ${splits.train.tokens} tokens; validation: ${samples(splits.validation)} samples, ${splits.validation.tokens} tokens`);
      console.log(`dropped: ${Object.entries(report.droppedByReason).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
      console.log(`report: ${resolve(values.out, 'report.md')}`);
      return 0;
    } finally {
      interrupt.dispose();
      await scorer?.dispose();
    }
  },
};
