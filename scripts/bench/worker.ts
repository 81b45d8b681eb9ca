/**
 * @file One benchmark measurement in its own process, so that peak RSS belongs to one runtime
 * and one model file: `node --import tsx scripts/bench/worker.ts --runtime ours|transformers
 * --model DIR --dtype D [--graph plain|fused] --threads N --runs N [--first-run N] --decode-tokens N --prompts FILE --result FILE`.
 * The result is written as JSON to --result; progress goes to stderr.
 */
import '../../src/runtime/telemetry';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RUNTIMES, type RuntimeName } from './metrics';
import { GRAPHS, type BenchGraph } from './options';
import { runPlan } from './plan';
import type { BenchPrompts } from './prompts';
import { oursRuntime } from './runtimes/ours';
import type { BenchRuntime } from './runtimes/runtime';
import { transformersRuntime } from './runtimes/transformers';
import type { Dtype } from '../../src/model/configTypes';

const RUNTIME: Record<RuntimeName, BenchRuntime> = { ours: oursRuntime, transformers: transformersRuntime };

function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(required(name, value));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be an integer >= 1, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runtime: { type: 'string' },
      model: { type: 'string' },
      dtype: { type: 'string' },
      graph: { type: 'string', default: 'plain' },
      threads: { type: 'string' },
      runs: { type: 'string' },
      'first-run': { type: 'string' },
      'decode-tokens': { type: 'string' },
      prompts: { type: 'string' },
      result: { type: 'string' },
    },
  });
  const runtime = required('runtime', values.runtime);
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    throw new Error(`--runtime must be one of ${RUNTIMES.join(', ')}, got "${runtime}"`);
  }
  const name = runtime as RuntimeName;
  const dtype = required('dtype', values.dtype) as Dtype;
  if (!(GRAPHS as readonly string[]).includes(values.graph)) throw new Error(`--graph must be one of ${GRAPHS.join(', ')}, got "${values.graph}"`);
  const graph = values.graph as BenchGraph;
  const prompts = JSON.parse(readFileSync(required('prompts', values.prompts), 'utf8')) as BenchPrompts;
  const result = await runPlan(RUNTIME[name], {
    runtime: name,
    modelDir: required('model', values.model),
    dtype,
    graph,
    threads: positiveInt('threads', values.threads),
    runs: positiveInt('runs', values.runs),
    firstRun: positiveInt('first-run', values['first-run'] ?? '1') - 1,
    decodeTokens: positiveInt('decode-tokens', values['decode-tokens']),
    prompts,
    log: (line) => process.stderr.write(`  [${name} ${dtype} ${graph}] ${line}\n`),
  });
  writeFileSync(required('result', values.result), JSON.stringify(result));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
