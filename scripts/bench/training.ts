/**
 * @file Training benchmark: LoRA training tokens/s and peak RSS for a SmolLM2-shaped model
 * (default 135M, all seven targets, rank 8, AdamW lr 2e-4) at one sequence length (default 512)
 * on one device, next to what a user would pick instead, PyTorch with PEFT's LoRA on the CPU
 * (peftTraining.py, the same folder, threads and token ids), and the engine's prefill tokens/s
 * on the same model (fp32). Each measurement runs in its own child process so that its peak RSS
 * is its own; PyTorch is skipped, with a line saying so, where scripts/python/prepare.sh has not
 * prepared its venv (SMOLCODE_PYTHON names another interpreter).
 *
 *   node --import tsx scripts/bench/training.ts [--shape 135M] [--seq-len 512] [--batch-size 1]
 *     [--steps 3] [--threads 0] [--device cpu] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeBatch } from '../../src/finetune/data';
import { LoraGraphSession } from '../../src/finetune/graphSession';
import { adamW } from '../../src/finetune/optimizer';
import { initLoraWeights, LORA_TARGETS, loraModules, type LoraConfig } from '../../src/model/lora';
import { buildTrainingGraph } from '../../src/model/trainingGraph';
import { Engine } from '../../src/runtime/engine';
import { readModelConfig } from '../../src/model/config';
import { SHAPE_NAMES, type ShapeName } from '../../src/model/configTypes';
import { SafetensorsFile } from '../../src/graph/safetensors';
import { safetensorsSource } from '../../src/model/weights';
import { chooseTrainingMemory } from '../../src/finetune/trainingMemory';
import { cpuSnapshot, othersShare } from './contention';
import { DEFAULT_MODEL_CACHE, ensureModel } from './models';
import type { Device } from '../../src/runtime/providers';
import { peakRssMiB } from './peakRss';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '135M' },
    'seq-len': { type: 'string', default: '512' },
    'batch-size': { type: 'string', default: '1' },
    steps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '0' },
    device: { type: 'string', default: 'cpu' },
    json: { type: 'string' },
    part: { type: 'string' },
    model: { type: 'string' },
  },
});
const seqLen = Number(values['seq-len']);
const batchSize = Number(values['batch-size']);
const steps = Number(values.steps);
const threads = Number(values.threads);
const device = values.device as Device;
const LORA: LoraConfig = { rank: 8, alpha: 16, targets: [...LORA_TARGETS], useRslora: false };
/** PEFT's usual LoRA learning rate; peftTraining.py uses the same. */
const LEARNING_RATE = 2e-4;
const ROOT = resolve(import.meta.dirname, '..', '..');

/** Deterministic pseudo-random token ids (the model is random, so any ids are typical). */
function tokens(n: number, vocab: number): number[] {
  let x = 12345;
  return Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) % 2147483648) % vocab);
}

/** Our trainer in memory mode `mode` (finetune/trainingMemory.ts), as `smolcode finetune --memory` runs it. */
async function measureTraining(modelDir: string, mode: 'low' | 'fast'): Promise<Record<string, number | string>> {
  const config = readModelConfig(join(modelDir, 'config.json'));
  const memory = chooseTrainingMemory(mode, config, { seqLen, batchSize, dropout: 0 });
  const file = SafetensorsFile.open(join(modelDir, 'model.safetensors'));
  const buildStart = performance.now();
  const graph = buildTrainingGraph(config, safetensorsSource(file), { batchSize, seqLen, lora: LORA, gradients: true, recompute: memory.recompute, storeLogProbs: memory.storeLogProbs });
  const session = await LoraGraphSession.open(graph, { device, threads, prepack: memory.prepack });
  file.close();
  const setupSeconds = (performance.now() - buildStart) / 1000;
  const params = initLoraWeights(loraModules(config, LORA), 0);
  const rows = Array.from({ length: batchSize }, (_, r) => {
    const ids = tokens(seqLen + r, config.vocabSize).slice(r);
    return { inputIds: ids, labels: ids };
  });
  const batch = makeBatch(rows, seqLen);
  // A training step as PyTorch's: gradients, then AdamW on the LoRA matrices.
  const optimizer = adamW();
  const step = async () => {
    const { loss, grads } = await session.run(batch, params);
    optimizer.step(params, grads, LEARNING_RATE);
    return loss;
  };
  const firstLoss = await step(); // warm-up: first-run allocations
  const cpuBefore = cpuSnapshot();
  const ownCpu = process.cpuUsage();
  const start = performance.now();
  let loss = 0;
  for (let i = 0; i < steps; i++) loss = await step();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(ownCpu);
  const share = othersShare(cpuBefore, cpuSnapshot());
  await session.dispose();
  return {
    provider: session.provider,
    trainTokensPerSecond: (steps * batchSize * seqLen) / seconds,
    secondsPerMicroBatch: seconds / steps,
    // CPU time is what a busy shared machine distorts least (wall time waits for other work).
    cpuSecondsPerStep: (cpu.user + cpu.system) / 1e6 / steps,
    setupSeconds,
    firstLoss,
    loss,
    trainPeakRssMiB: peakRssMiB(),
    ...(share === undefined ? {} : { trainOthersCpuShare: share }),
  };
}

async function measurePrefill(modelDir: string): Promise<Record<string, number | string>> {
  const engine = await Engine.load({ modelDir, dtype: 'fp32', device, threads, prefillChunk: seqLen });
  const config = readModelConfig(join(modelDir, 'config.json'));
  const prompt = engine.tokenizer.decode(tokens(seqLen, config.vocabSize));
  await engine.complete({ slot: 'warm', prompt, maxNewTokens: 1, reuseCache: false });
  let best = Infinity;
  let promptTokens = 0;
  const cpuBefore = cpuSnapshot();
  for (let i = 0; i < steps; i++) {
    const stats = await engine.complete({ slot: 'bench', prompt, maxNewTokens: 1, reuseCache: false });
    best = Math.min(best, stats.timeToFirstTokenMs);
    promptTokens = stats.promptTokens;
  }
  const share = othersShare(cpuBefore, cpuSnapshot());
  await engine.dispose();
  return {
    prefillTokensPerSecond: promptTokens / (best / 1000),
    prefillTokens: promptTokens,
    prefillPeakRssMiB: peakRssMiB(),
    ...(share === undefined ? {} : { prefillOthersCpuShare: share }),
  };
}

/** The prepared venv's python, or why there is none. */
function preparedPython(): { python: string } | { skipped: string } {
  if (process.env.SMOLCODE_PYTHON) return { python: process.env.SMOLCODE_PYTHON };
  const check = spawnSync('bash', [join(ROOT, 'scripts/python/prepare.sh'), '--check'], { encoding: 'utf8' });
  const python = /SMOLCODE_PYTHON='([^']+)'/.exec(check.stdout ?? '')?.[1];
  return python ? { python } : { skipped: 'PyTorch + PEFT skipped: no prepared venv (run scripts/python/prepare.sh)' };
}

/** PyTorch + PEFT on the same folder, in its own process; its fields prefixed `peft`. */
function measurePeft(modelDir: string): Record<string, number | string> {
  if (device !== 'cpu') return { peftSkipped: `PyTorch + PEFT skipped: it runs on the CPU here, the bench ran on ${device}` };
  const venv = preparedPython();
  if ('skipped' in venv) return { peftSkipped: venv.skipped };
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-peft-'));
  try {
    const out = join(dir, 'result.json');
    const args = [join(ROOT, 'scripts/bench/peftTraining.py'), '--model', modelDir, '--seq-len', String(seqLen), '--steps', String(steps), '--threads', String(threads), '--json', out];
    const child = spawnSync(venv.python, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', TRANSFORMERS_VERBOSITY: 'error', PYTHONWARNINGS: 'ignore' },
    });
    if (child.status !== 0) throw new Error(`peftTraining.py failed (exit ${child.status}): ${(child.stderr ?? '').slice(-2000)}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number | string>;
    return Object.fromEntries(Object.entries(result).map(([k, v]) => [`peft${k[0]!.toUpperCase()}${k.slice(1)}`, v]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runPart(part: string, modelDir: string): Record<string, number | string> {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--part', part, '--model', modelDir, ...process.argv.slice(2)];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } });
  if (child.status !== 0) throw new Error(`${part} measurement failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
}

if (values.part) {
  const result =
    values.part === 'train'
      ? await measureTraining(values.model!, 'low')
      : values.part === 'train-fast'
        ? Object.fromEntries(Object.entries(await measureTraining(values.model!, 'fast')).map(([k, v]) => [`fast${k[0]!.toUpperCase()}${k.slice(1)}`, v]))
        : await measurePrefill(values.model!);
  console.log(JSON.stringify(result));
} else {
  if (!(SHAPE_NAMES as readonly string[]).includes(values.shape!)) throw new Error(`--shape must be one of ${SHAPE_NAMES.join(', ')}`);
  const model = ensureModel(values.shape as ShapeName, 0, ['fp32'], DEFAULT_MODEL_CACHE, (line) => console.error(line));
  const prefill = runPart('prefill', model.dir);
  const train = runPart('train', model.dir);
  const trainFast = runPart('train-fast', model.dir);
  const peft = measurePeft(model.dir);
  const report = { shape: values.shape, seqLen, batchSize, steps, threads, device, loraRank: LORA.rank, targets: LORA.targets.length, ...prefill, ...train, ...trainFast, ...peft };
  console.log(
    `${values.shape} seq ${seqLen} x${batchSize} on ${device} (${train.provider}): ` +
      `training ${Number(train.trainTokensPerSecond).toFixed(0)} tok/s (${Number(train.secondsPerMicroBatch).toFixed(2)} s per micro-batch, peak RSS ${Number(train.trainPeakRssMiB).toFixed(0)} MiB), ` +
      `fast ${Number(trainFast.fastTrainTokensPerSecond).toFixed(0)} tok/s (peak RSS ${Number(trainFast.fastTrainPeakRssMiB).toFixed(0)} MiB); ` +
      `engine prefill ${Number(prefill.prefillTokensPerSecond).toFixed(0)} tok/s (fp32, peak RSS ${Number(prefill.prefillPeakRssMiB).toFixed(0)} MiB); ` +
      (peft.peftSkipped !== undefined
        ? String(peft.peftSkipped)
        : `PyTorch + PEFT ${Number(peft.peftTrainTokensPerSecond).toFixed(0)} tok/s (peak RSS ${Number(peft.peftTrainPeakRssMiB).toFixed(0)} MiB)`),
  );
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
}
