/**
 * @file How well models predict the middles of fill-in-the-middle samples (model/fim.ts): per
 * model folder, the mean negative log-likelihood of the middle and end tokens, the same for the
 * first middle token alone (where the model must jump from the suffix back to the cursor), and
 * how often the most likely token is the right one. The samples are read as the trainer reads
 * them (`parseSampleLine`), so the tokens scored are the tokens trained on; a FIM adapter that
 * learned the format scores its own training samples far better than the base does.
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
  console.log('| model | middle NLL (nats/token) | first middle token NLL | top-1 accuracy | tokens |\n|---|---:|---:|---:|---:|');
  for (const dir of positionals) {
    const session = await CausalLmSession.open(join(dir, 'onnx', 'model.onnx'), { device: 'cpu', threads: 2 });
    let total = 0;
    let tokens = 0;
    let first = 0;
    let hits = 0;
    for (const sample of samples) {
      const logits = await session.allLogits(sample.inputIds);
      const vocab = logits.length / sample.inputIds.length;
      const middle = sample.labels.findIndex((label, i) => i > 0 && label !== IGNORE_INDEX);
      for (let i = middle; i < sample.labels.length; i++) {
        const target = sample.labels[i]!;
        // Row i - 1 predicts token i (the trainer's shift).
        const nll = tokenNegativeLogLikelihood(logits, i - 1, vocab, target);
        total += nll;
        tokens++;
        if (i === middle) first += nll;
        const row = logits.subarray((i - 1) * vocab, i * vocab);
        let best = 0;
        for (let v = 1; v < vocab; v++) if (row[v]! > row[best]!) best = v;
        if (best === target) hits++;
      }
    }
    await session.dispose();
    console.log(`| ${dir} | ${(total / tokens).toFixed(3)} | ${(first / samples.length).toFixed(3)} | ${(hits / tokens).toFixed(3)} | ${tokens} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
