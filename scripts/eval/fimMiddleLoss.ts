/**
 * @file How well models predict fill-in-the-middle samples (model/fim.ts): per model folder, the
 * mean negative log-likelihood of the tokens a FIM sample trains on (prefix, middle and end token,
 * after the middle marker), how often the most likely token is the right one, and the same two
 * for the end token alone: where the middle meets the suffix, the one thing the base model
 * cannot know. The samples are read as the trainer reads them (`parseSampleLine`), so the tokens
 * scored are the tokens trained on.
 *
 *   node --import tsx scripts/eval/fimMiddleLoss.ts --data code-train.jsonl [--samples 6] MODEL_DIR...
 *
 * Each MODEL_DIR needs onnx/model.onnx (a merged adapter folder has one).
 */
import '../../src/runtime/telemetry';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSampleLine } from '../../src/finetune/data';
import { IGNORE_INDEX } from '../../src/graph/autodiff/index';
import { FIM_FORMAT } from '../../src/model/fim';
import { CausalLmSession } from '../../src/runtime/session';
import { loadTokenizer } from '../../src/runtime/tokenizer';
import { tokenNegativeLogLikelihood } from '../../src/runtime/tokenLoss';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { data: { type: 'string' }, samples: { type: 'string', default: '6' } } });
  if (!values.data || positionals.length === 0) throw new Error('usage: fimMiddleLoss.ts --data FILE.jsonl [--samples N] MODEL_DIR...');
  const tokenizer = await loadTokenizer(positionals[0]!);
  const lines = readFileSync(values.data, 'utf8').split('\n').filter((line) => line.includes(FIM_FORMAT.middle));
  const samples = lines.slice(0, Number(values.samples)).map((line, i) => parseSampleLine(line, tokenizer, values.data!, i + 1));
  if (samples.length === 0) throw new Error(`${values.data} has no FIM samples`);
  console.log('| model | NLL (nats/token) | top-1 accuracy | end token NLL | end token top-1 | tokens |\n|---|---:|---:|---:|---:|---:|');
  for (const dir of positionals) {
    const session = await CausalLmSession.open(join(dir, 'onnx', 'model.onnx'), { device: 'cpu', threads: 2 });
    let total = 0;
    let tokens = 0;
    let end = 0;
    let endHits = 0;
    let hits = 0;
    for (const sample of samples) {
      const logits = await session.allLogits(sample.inputIds);
      const vocab = logits.length / sample.inputIds.length;
      const from = sample.labels.findIndex((label, i) => i > 0 && label !== IGNORE_INDEX);
      const last = sample.labels.length - 1;
      for (let i = from; i <= last; i++) {
        const target = sample.labels[i]!;
        // Row i - 1 predicts token i (the trainer's shift).
        const nll = tokenNegativeLogLikelihood(logits, i - 1, vocab, target);
        total += nll;
        tokens++;
        const row = logits.subarray((i - 1) * vocab, i * vocab);
        let best = 0;
        for (let v = 1; v < vocab; v++) if (row[v]! > row[best]!) best = v;
        if (best === target) hits++;
        if (i === last) {
          end += nll;
          if (best === target) endHits++;
        }
      }
    }
    await session.dispose();
    const n = samples.length;
    console.log(`| ${dir} | ${(total / tokens).toFixed(3)} | ${(hits / tokens).toFixed(3)} | ${(end / n).toFixed(3)} | ${endHits}/${n} | ${tokens} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
