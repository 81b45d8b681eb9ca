/**
 * @file Extra latency of an explicit request's choices (Alt+\) over the single automatic
 * suggestion, on a real model folder: at each of N positions of a repository (the eval
 * harness's positions), the greedy pipeline alone, then `runChoices` with the extension's
 * default count, each from a cold completion slot (another prompt ran in between), so both pay
 * the prefill once. Reports medians, the runs spent, distinct choices and the engine's prefill
 * counter (one per request when the choices share the prompt's cache):
 *
 *   node --import tsx scripts/bench/choices.ts --model DIR --dtype q4 [--threads 2]
 *     [--repo test/fixtures/eval-repo] [--positions 20] [--choices 3] [--seed 1] [--time-budget-ms N]
 *     [--result FILE]
 */
import '../../src/runtime/telemetry';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChoices } from '../../src/completion/choices';
import { completionInput } from '../../src/completion/context/completionInput';
import { engineRunModel } from '../../src/completion/engineRunner';
import { runPipeline, type PipelineOptions } from '../../src/completion/pipeline';
import { repositoryTemplate } from '../../src/completion/template/promptTemplate';
import { quantile } from '../../src/eval/completionEval';
import { choosePositions } from '../../src/eval/completionPositions';
import { readRepository } from '../../src/eval/repoFiles';
import { DTYPES, type Dtype } from '../../src/model/configTypes';
import { Engine } from '../../src/runtime/engine';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function setting(properties: Record<string, { default?: unknown }>, key: string): number {
  const value = properties[`smolcode.${key}`]?.default;
  if (typeof value !== 'number') throw new Error(`package.json declares no numeric default for smolcode.${key}`);
  return value;
}

/** One position's measurements. */
interface Sample {
  readonly path: string;
  readonly line: number;
  readonly promptTokens: number;
  readonly singleMs: number;
  readonly choicesMs: number;
  /** This process's CPU time (user + system): less swayed than wall time by other processes on a shared machine. */
  readonly singleCpuMs: number;
  readonly choicesCpuMs: number;
  readonly runs: number;
  readonly distinct: number;
  /** Requests that ran prompt tokens during the choices (1: one prefill served every choice). */
  readonly prefills: number;
  readonly firstEqualsSingle: boolean;
  readonly single: string;
  readonly choices: readonly string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      dtype: { type: 'string', default: 'q4' },
      threads: { type: 'string', default: '2' },
      repo: { type: 'string', default: join(ROOT, 'test/fixtures/eval-repo') },
      positions: { type: 'string', default: '20' },
      choices: { type: 'string' },
      seed: { type: 'string', default: '1' },
      result: { type: 'string' },
      // The default 1 s budget cuts runs by wall time, so on a loaded machine choice 1 and the single run may end differently.
      'time-budget-ms': { type: 'string' },
    },
  });
  if (!values.model) throw new Error('--model DIR is required (an imported or downloaded model folder)');
  const dtype = values.dtype as Dtype;
  if (!DTYPES.includes(dtype)) throw new Error(`--dtype must be one of ${DTYPES.join(', ')}, got ${values.dtype}`);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default?: unknown }> } } };
  const properties = pkg.contributes.configuration.properties;
  const count = values.choices ? Number(values.choices) : setting(properties, 'completion.choices');
  const pipeline: PipelineOptions = {
    template: repositoryTemplate,
    maxNewTokens: setting(properties, 'completion.maxTokens'),
    maxLines: setting(properties, 'completion.maxLines'),
    timeBudgetMs: values['time-budget-ms'] ? Number(values['time-budget-ms']) : setting(properties, 'completion.timeBudgetMs'),
  };
  const contextTokens = setting(properties, 'completion.contextTokens');
  const wanted = Number(values.positions);

  const repository = await readRepository(values.repo);
  const perFile = Math.ceil(wanted / Math.max(repository.files.length, 1));
  const positions = choosePositions(repository.files, { files: repository.files.length, perFile, seed: Number(values.seed) }).slice(0, wanted);
  const engine = await Engine.load({ modelDir: values.model, dtype, device: 'cpu', threads: Number(values.threads), buildFusedGraph: true });
  const run = engineRunModel(engine);
  const signal = new AbortController().signal;
  /** Another prompt on the completion slot, so the next request prefills as after a cursor jump. */
  const coldSlot = () => engine.complete({ slot: 'completion', prompt: '\n', maxNewTokens: 1 });
  process.stderr.write(`${engine.graph.file} on ${engine.provider.name}, ${values.threads} threads, ${positions.length} positions, ${count} choices\n`);

  const samples: Sample[] = [];
  for (const position of positions) {
    const { file, offset } = position;
    const lineEnd = file.text.indexOf('\n', offset);
    const cursor = { path: file.path, languageId: file.language.fence, before: file.text.slice(0, offset), after: lineEnd < 0 ? '' : file.text.slice(lineEnd), repoName: repository.name };
    const input = completionInput(cursor, [], { contextTokens });
    await coldSlot();
    let start = performance.now();
    let cpu = process.cpuUsage();
    const single = await runPipeline(input, pipeline, run, signal);
    const singleMs = performance.now() - start;
    const singleCpuMs = cpuMs(process.cpuUsage(cpu));
    await coldSlot();
    const before = engine.counters.prefills;
    start = performance.now();
    cpu = process.cpuUsage();
    const choices = await runChoices(input, pipeline, run, count, signal);
    const choicesMs = performance.now() - start;
    const choicesCpuMs = cpuMs(process.cpuUsage(cpu));
    const sample: Sample = {
      path: file.path,
      line: position.line + 1,
      promptTokens: single.stats?.promptTokens ?? 0,
      singleMs,
      choicesMs,
      singleCpuMs,
      choicesCpuMs,
      runs: choices.runs,
      distinct: choices.texts.length,
      prefills: engine.counters.prefills - before,
      firstEqualsSingle: (choices.texts[0] ?? '') === single.text,
      single: single.text,
      choices: choices.texts,
    };
    samples.push(sample);
    process.stderr.write(`${file.path}:${sample.line} prompt ${sample.promptTokens} tok: 1 choice ${singleMs.toFixed(0)} ms (cpu ${singleCpuMs.toFixed(0)}), ${count} choices ${choicesMs.toFixed(0)} ms (cpu ${choicesCpuMs.toFixed(0)}, ${sample.runs} runs, ${sample.distinct} distinct, ${sample.prefills} prefill)\n`);
  }
  await engine.dispose();

  const median = (f: (s: Sample) => number) => quantile(samples.map(f), 0.5);
  const summary = {
    model: values.model,
    graph: engine.graph.file,
    threads: Number(values.threads),
    timeBudgetMs: pipeline.timeBudgetMs,
    choices: count,
    positions: samples.length,
    medianSingleMs: median((s) => s.singleMs),
    medianChoicesMs: median((s) => s.choicesMs),
    medianExtraMs: median((s) => s.choicesMs - s.singleMs),
    medianRatio: median((s) => s.choicesMs / s.singleMs),
    medianSingleCpuMs: median((s) => s.singleCpuMs),
    medianChoicesCpuMs: median((s) => s.choicesCpuMs),
    medianCpuRatio: median((s) => s.choicesCpuMs / s.singleCpuMs),
    loadAverage: loadavg()[0],
    medianRuns: median((s) => s.runs),
    meanDistinct: samples.reduce((sum, s) => sum + s.distinct, 0) / Math.max(samples.length, 1),
    prefillsPerRequest: samples.reduce((sum, s) => sum + s.prefills, 0) / Math.max(samples.length, 1),
    firstEqualsSingle: samples.filter((s) => s.firstEqualsSingle).length,
    samples,
  };
  const json = JSON.stringify(summary, null, 2);
  if (values.result) writeFileSync(values.result, json);
  process.stdout.write(`${JSON.stringify({ ...summary, samples: undefined }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
