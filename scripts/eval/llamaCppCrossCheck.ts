/**
 * @file The next-line benchmark's cross-check against llama.cpp (issue #17): the same positions
 * and the same prompts (recorded from `evalCompletion`, tokenized by our tokenizer so both
 * runtimes read the same ids), continued greedily by llama.cpp on the GGUF and by our engine on
 * its import, then both continuations put through the same pipeline postprocessing and scores.
 * Prints both score sets, how many suggestions are identical, and the positions where they differ.
 *
 * Usage: node --import tsx scripts/eval/llamaCppCrossCheck.ts --model DIR --gguf FILE --repo DIR
 *          [--dtype q4] [--files N] [--positions N] [--held-out F] [--seed S] [--out FILE]
 * Needs node-llama-cpp from `bash scripts/llamacpp/prepare.sh`.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMPLETION_DEFAULTS } from '../../src/completion/defaults';
import { engineRunModel } from '../../src/completion/engineRunner';
import type { RunModel } from '../../src/completion/pipeline';
import { templateNamed } from '../../src/completion/template/promptTemplate';
import { evalCompletion, type CompletionEvalOptions, type CompletionEvalReport } from '../../src/eval/completionEval';
import { readRepository } from '../../src/eval/repoFiles';
import { eosTokenIds } from '../../src/runtime/modelFiles';
import { Engine } from '../../src/runtime/engine';
import type { Dtype } from '../../src/model/configTypes';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    gguf: { type: 'string' },
    repo: { type: 'string' },
    dtype: { type: 'string', default: 'q4' },
    files: { type: 'string', default: '10' },
    positions: { type: 'string', default: '4' },
    'held-out': { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
if (!values.model || !values.gguf || !values.repo) throw new Error('--model, --gguf and --repo are required');

const prepared = spawnSync('bash', ['scripts/llamacpp/prepare.sh', '--check'], { encoding: 'utf8' });
const llamaDir = /SMOLCODE_LLAMACPP='([^']+)'/.exec(prepared.stdout)?.[1];
if (!llamaDir) throw new Error('llama.cpp is not prepared: run `bash scripts/llamacpp/prepare.sh`');

const options: CompletionEvalOptions = {
  pipeline: { template: templateNamed(COMPLETION_DEFAULTS.template), maxNewTokens: COMPLETION_DEFAULTS.maxTokens, maxLines: COMPLETION_DEFAULTS.maxLines },
  contextTokens: COMPLETION_DEFAULTS.contextTokens,
  useOtherFiles: true,
  files: Number(values.files),
  perFile: Number(values.positions),
  seed: Number(values.seed),
  validationFraction: Number(values['held-out']),
};
const repository = await readRepository(values.repo);
const engine = await Engine.load({ modelDir: values.model, dtype: values.dtype as Dtype, device: 'cpu', threads: 2, buildFusedGraph: true });

// Our engine, recording each call's prompt and stop strings on the way.
const calls: { prompt: string; stopStrings: readonly string[]; maxNewTokens: number }[] = [];
const ours = engineRunModel(engine);
const recording: RunModel = (call, onText, signal) => {
  calls.push({ prompt: call.prompt, stopStrings: call.stopStrings, maxNewTokens: call.maxNewTokens });
  return ours(call, onText, signal);
};
const engineReport = await evalCompletion(repository, recording, options);

// llama.cpp on the same ids.
const prompts = calls.map((c) => engine.tokenizer.encode(c.prompt));
const run = spawnSync(process.execPath, ['test/support/llamaCppGreedy.mjs', llamaDir], {
  input: JSON.stringify({ gguf: values.gguf, prompts, maxTokens: options.pipeline.maxNewTokens, threads: 2 }),
  encoding: 'utf8',
  maxBuffer: 64 << 20,
});
if (run.status !== 0) throw new Error(`llama.cpp exited ${run.status}: ${run.stderr.slice(-2000)}`);
const continuations = (JSON.parse(run.stdout) as { tokens: number[][] }).tokens;

// Replayed through the pipeline as the engine would have streamed it: cut at end-of-sequence ids and stop strings.
const eos = new Set(eosTokenIds(values.model));
let index = 0;
const replay: RunModel = async (call, onText) => {
  const tokens = continuations[index++] ?? [];
  const end = tokens.findIndex((t) => eos.has(t));
  let text = engine.tokenizer.decode(end < 0 ? tokens : tokens.slice(0, end));
  const stops = call.stopStrings.map((s) => text.indexOf(s)).filter((i) => i >= 0);
  if (stops.length > 0) text = text.slice(0, Math.min(...stops));
  onText(text);
  return undefined;
};
const llamaReport = await evalCompletion(repository, replay, options);
await engine.dispose();

const same = engineReport.results.filter((r, i) => r.suggestion === llamaReport.results[i]?.suggestion).length;
const line = (name: string, r: CompletionEvalReport) =>
  `${name.padEnd(10)} positions ${r.overall.positions}  exact ${(100 * r.overall.exactMatch).toFixed(1)}%  edit sim ${r.overall.editSimilarity.toFixed(3)}  empty ${(100 * r.overall.emptyShare).toFixed(1)}%`;
console.log(line(`ours ${values.dtype}`, engineReport));
console.log(line('llama.cpp', llamaReport));
console.log(`identical suggestions: ${same}/${engineReport.results.length}`);
for (const [i, r] of engineReport.results.entries()) {
  const other = llamaReport.results[i]!;
  if (r.suggestion !== other.suggestion) console.log(`  ${r.path}:${r.line}\n    target    ${JSON.stringify(r.target)}\n    ours      ${JSON.stringify(r.suggestion)}\n    llama.cpp ${JSON.stringify(other.suggestion)}`);
}
if (values.out) writeFileSync(values.out, JSON.stringify({ options: { ...options, pipeline: { ...options.pipeline, template: COMPLETION_DEFAULTS.template } }, ours: engineReport, llamaCpp: llamaReport }, null, 1));
