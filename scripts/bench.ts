/**
 * @file `npm run bench`, in sections (`--sections`, default all):
 * - engine: our engine against stock transformers.js on the same ONNX files of random
 *   SmolLM2-shaped models (generated once and cached): per dtype the plain (hub-layout) file and
 *   the fused one (model/llamaFused.ts; transformers.js runs its GQA file, ours the
 *   matmul-attention file of the same weights, what the engine picks on CPU). For each shape and
 *   dtype, each run of each runtime is measured in its own child process (scripts/bench/worker.ts), so that peak RSS is
 *   one runtime's and load time is a fresh process's;
 * - speed: scripts/bench/speed.ts on the 135M shape (ours on the plain and both fused graphs,
 *   llama.cpp on Q4_0 and Q8_0 GGUFs of the same weights,
 *   transformers.js on each file, cached load, the memory-bandwidth bound), in its own process;
 * - replay: typing a real function keystroke by keystroke against inline completion
 *   (scripts/bench/replay.ts, one process per run);
 * - training: LoRA training throughput and peak RSS, ours beside PyTorch + PEFT's, per shape
 *   (scripts/bench/training.ts).
 * The parent prints markdown tables to stdout, progress to stderr, and writes every sample as
 * JSON. Not a test: nothing here asserts on timings.
 */
import '../src/runtime/telemetry';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fusedVariantFile, isFusedVariant, VARIANT_FILE, type FusedVariant, type OnnxVariant, type ShapeName } from '../src/model/configTypes';
import { loadTokenizer } from '../src/runtime/tokenizer';
import { runScript } from './bench/child';
import { medians, mergeResults, RUNTIME_LABEL, type RuntimeName, type WorkerResult } from './bench/metrics';
import { ensureModel, generatorVersion, onnxBytes, type BenchModel } from './bench/models';
import { parseBenchOptions, USAGE, type BenchGraph, type BenchOptions } from './bench/options';
import { buildPrompts, type BenchPrompts } from './bench/prompts';
import { measureReplay, replayTable } from './bench/replaySection';
import { speedReport, type SpeedRun } from './bench/speed';
import { report, type CaseResult, type RuntimeResult } from './bench/report';
import { measureTraining, trainingTable } from './bench/trainingSection';
import { cpuInfo, describeCpu } from './bench/cpuInfo';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORKER = join(HERE, 'bench', 'worker.ts');
const SPEED = join(HERE, 'bench', 'speed.ts');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The commit and the number of uncommitted changes under src/, which is what "ours" ran. */
function sourceState(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: resolve(HERE, '..'), encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty > 0 ? ` + ${dirty} uncommitted change(s) under src/` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function packageVersion(name: string): string {
  const path = resolve(HERE, '..', 'node_modules', ...name.split('/'), 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/**
 * Measures both runtimes on one model file, one worker process per runtime and run, the
 * runtimes taking turns run by run so that a busy spell on a shared machine hits both alike.
 */
async function measureCase(
  model: BenchModel,
  dtype: OnnxVariant,
  graph: BenchGraph,
  options: BenchOptions,
  promptsPath: string,
  scratch: string,
): Promise<CaseResult> {
  const parts = new Map<RuntimeName, WorkerResult[]>(options.runtimes.map((r) => [r, []]));
  const seconds = new Map<RuntimeName, number>(options.runtimes.map((r) => [r, 0]));
  for (let run = 1; run <= options.runs; run++) {
    for (const runtime of options.runtimes) {
      log(`${model.shape} ${dtype} ${graph}: ${RUNTIME_LABEL[runtime]}, run ${run}/${options.runs}`);
      const start = performance.now();
      const args = [
        ['--runtime', runtime],
        ['--model', model.dir],
        ['--dtype', dtype],
        ['--graph', graph],
        ['--threads', String(options.threads)],
        ['--runs', '1'],
        ['--first-run', String(run)],
        ['--decode-tokens', String(options.decodeTokens)],
        ['--prompts', promptsPath],
      ].flat();
      parts.get(runtime)?.push(await runScript<WorkerResult>(WORKER, args, '--result', join(scratch, `${model.shape}-${dtype}-${graph}-${runtime}-${run}.json`)));
      seconds.set(runtime, (seconds.get(runtime) ?? 0) + (performance.now() - start) / 1000);
    }
  }
  const runtimes: Partial<Record<RuntimeName, RuntimeResult>> = {};
  for (const [runtime, results] of parts) {
    const merged = mergeResults(results);
    runtimes[runtime] = { ...merged, medians: medians(merged.samples), wallSeconds: seconds.get(runtime) ?? 0 };
  }
  // On CPU the engine runs the fused graph with matmul attention, which transformers.js cannot
  // feed; it runs the GQA file of the same weights.
  const file = `onnx/${graph === 'fused' ? fusedVariantFile(dtype as FusedVariant) : VARIANT_FILE[dtype]}`;
  const label = graph === 'fused' ? `${file}; ours: ${fusedVariantFile(dtype as FusedVariant, 'matmul')}` : file;
  return { shape: model.shape, dtype, graph, file: label, fileBytes: onnxBytes(model.dir, file), runtimes };
}

/** The shape the speed and replay sections use (the completion model's size). */
const SECTION_SHAPE: ShapeName = '135M';

/** The (dtype, graph) pairs the engine section measures; float16 has no fused graph. */
function engineCases(options: BenchOptions): { dtype: OnnxVariant; graph: BenchGraph }[] {
  return options.dtypes.flatMap((dtype) =>
    options.graphs.filter((graph) => graph === 'plain' || isFusedVariant(dtype)).map((graph) => ({ dtype, graph })),
  );
}

/** Which variants of which shapes the chosen sections need, so each folder is generated once. */
function neededModels(options: BenchOptions): Map<ShapeName, { variants: OnnxVariant[]; fused: FusedVariant[] }> {
  const needed = new Map<ShapeName, { variants: OnnxVariant[]; fused: FusedVariant[] }>();
  const want = (shape: ShapeName, dtypes: readonly OnnxVariant[], fused: readonly FusedVariant[] = []) => {
    const had = needed.get(shape);
    needed.set(shape, { variants: [...new Set([...(had?.variants ?? []), ...dtypes])], fused: [...new Set([...(had?.fused ?? []), ...fused])] });
  };
  const fused = engineCases(options).flatMap((c) => (c.graph === 'fused' ? [c.dtype as FusedVariant] : []));
  if (options.sections.includes('engine')) for (const shape of options.shapes) want(shape, options.dtypes, fused);
  if (options.sections.includes('replay')) want(SECTION_SHAPE, options.replayDtypes);
  if (options.sections.includes('training')) for (const shape of options.shapes) want(shape, ['fp32']);
  return needed;
}

function setupLines(options: BenchOptions, models: readonly BenchModel[], prompts: BenchPrompts | undefined): string[] {
  const cpu = describeCpu(cpuInfo());
  const lines = [
    `## SmolCode bench, ${new Date().toISOString()}`,
    '',
    `- sections: ${options.sections.join(', ')}${options.quick ? ' (--quick)' : ''}`,
    `- machine: ${cpu}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ` +
      `onnxruntime-node ${packageVersion('onnxruntime-node')}; @huggingface/transformers ${packageVersion('@huggingface/transformers')}`,
    `- ours: the engine in the working tree at ${sourceState()}`,
    `- models: random weights (seed ${options.seed}), generator ${generatorVersion()}: ` +
      models.map((m) => `${m.shape} ${m.generated ? `generated in ${m.generationSeconds.toFixed(1)} s` : 'from cache'}`).join(', '),
  ];
  if (prompts) {
    lines.push(
      `- engine: both runtimes on the CPU provider with ${options.threads} intra-op threads; medians of ${options.runs} run(s), one process per run, runtimes alternating`,
      `- engine prompts: ${prompts.source}; decode starts after ${prompts.decode.ids.length} tokens, greedy, end-of-sequence ignored; ` +
        'prefill tok/s = prompt tokens / time to first token; keystroke = time to first token',
      `- engine load: ours = Engine.load (tokenizer + session, from prompt text); transformers.js = AutoModelForCausalLM.from_pretrained (no tokenizer, token ids in)`,
    );
  }
  lines.push(`- 1-minute load average at the end: ${loadavg()[0]?.toFixed(2)} on ${cpus().length} CPUs (other work on the machine skews timings; see the per-table notes)`);
  return lines;
}

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const start = performance.now();
  const models = [...neededModels(options)].map(([shape, { variants, fused }]) => {
    const model = ensureModel(shape, options.seed, variants, options.cacheDir, log, fused);
    for (const f of model.written) log(`  wrote ${f.path} ${(f.bytes / 1e6).toFixed(1)} MB in ${f.seconds.toFixed(1)} s`);
    return model;
  });
  const modelOf = (shape: ShapeName) => models.find((m) => m.shape === shape) as BenchModel;
  const scratch = mkdtempSync(join(tmpdir(), 'smolcode-bench-'));
  try {
    let prompts: BenchPrompts | undefined;
    const cases: CaseResult[] = [];
    if (options.sections.includes('engine')) {
      prompts = buildPrompts(await loadTokenizer(modelOf(options.shapes[0] as ShapeName).dir));
      const promptsPath = join(scratch, 'prompts.json');
      writeFileSync(promptsPath, JSON.stringify(prompts));
      for (const shape of options.shapes) {
        for (const { dtype, graph } of engineCases(options)) cases.push(await measureCase(modelOf(shape), dtype, graph, options, promptsPath, scratch));
      }
    }
    const speed = options.sections.includes('speed')
      ? await runScript<SpeedRun>(SPEED, ['--shape', SECTION_SHAPE, '--dtypes', options.quick ? 'q4' : 'q4,fp32', '--rounds', String(options.runs), '--threads', String(options.threads)], '--json', join(scratch, 'speed.json'))
      : undefined;
    const replay = options.sections.includes('replay')
      ? await measureReplay(modelOf(SECTION_SHAPE), { dtypes: options.replayDtypes, runs: options.runs, threads: options.threads, maxChars: options.replayChars }, scratch, log)
      : undefined;
    const training = options.sections.includes('training')
      ? await measureTraining({ shapes: options.shapes, seqLen: options.trainSeqLen, steps: options.trainSteps, threads: options.threads, runs: options.runs }, scratch, log)
      : undefined;

    const wallSeconds = (performance.now() - start) / 1000;
    const heading = setupLines(options, models, prompts);
    const parts = [prompts ? report(heading, cases, options.decodeTokens) : [...heading, ''].join('\n')];
    if (speed) parts.push(`### Speed: ${SECTION_SHAPE}, plain and fused files`, '', speedReport(speed), '');
    if (replay) parts.push(replayTable(replay, modelOf(SECTION_SHAPE)), '');
    if (training) parts.push(trainingTable(training), '');
    console.log(parts.join('\n'));
    console.log(`total wall time ${wallSeconds.toFixed(0)} s`);
    const json = {
      schema: 2,
      date: new Date().toISOString(),
      wallSeconds,
      options,
      machine: { cpu: cpus()[0]?.model, cpuInfo: cpuInfo(), cpus: cpus().length, totalMemBytes: totalmem(), node: process.version, platform: process.platform },
      versions: {
        onnxruntimeNode: packageVersion('onnxruntime-node'),
        transformers: packageVersion('@huggingface/transformers'),
        generator: generatorVersion(),
        source: sourceState(),
      },
      models: models.map((m) => ({ ...m, written: m.written.map((f) => ({ ...f })) })),
      prompts: prompts && {
        source: prompts.source,
        tokens: {
          decode: prompts.decode.ids.length,
          prefill512: prompts.prefill512.ids.length,
          prefill1500: prompts.prefill1500.ids.length,
          edits: prompts.edits.map((e) => e.ids.length),
        },
      },
      cases,
      speed,
      replay,
      training,
    };
    mkdirSync(dirname(resolve(options.out)), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${options.out}`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
