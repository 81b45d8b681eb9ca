/**
 * @file The cluster training recipe (`smolcode export-training`) run for real, with TRL, PEFT,
 * accelerate, transformers and torch from the Python toolchain (scripts/python/requirements.txt):
 * - its train.py resolves the same plan as plan.ts (a grid of options and sample counts), and
 *   every accelerate config it writes loads in accelerate;
 * - train.py runs through `accelerate launch --config_file accelerate/cpu.yaml` for 3 steps on a
 *   tiny model, with the same number of training sequences and the same plan as our trainer
 *   would use, and SmolCode's merge of the adapter gives PEFT's merged forward's logits;
 * - the reverse: an adapter trained by `smolcode finetune` loads in PEFT, whose LoRA forward and
 *   merged forward give our merged model's logits.
 * Tolerance: 1e-4 of the largest logit (at least 1), as transformersForward.test.ts: both sides
 * are float32 with different summation orders. Each comparison also checks that the adapter
 * moved the logits by far more than that, so an adapter that was silently dropped would fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSamples } from '../../../src/finetune/data';
import { recipeOptions, type RecipeTraining } from '../../../src/finetune/export/recipeOptions';
import { mergeAdapter } from '../../../src/finetune/merge';
import { resolvePlan, type TrainingPlan } from '../../../src/finetune/plan';
import { runFinetune } from '../../../src/finetune/trainer';
import { loadTokenizer } from '../../../src/runtime/tokenizer';
import { openOrtModel, runOrt } from '../../support/ortModel';
import { preparedPython, runPythonJson } from '../../support/python';
import { fimRecord, readFimRecord } from '../../../src/model/fim';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const PYTHON_ENV = { OMP_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' };

/** Token ids spread over the vocabulary, deterministic. */
const IDS = Array.from({ length: 16 }, (_, i) => (i * 7919 + 13) % 49152);

const PEFT_FORWARD = `
import json, sys, torch
from transformers import AutoModelForCausalLM
from peft import PeftModel
r = json.load(sys.stdin)
torch.set_num_threads(1)
base = AutoModelForCausalLM.from_pretrained(r["model"], dtype=torch.float32).eval()
ids = torch.tensor([r["ids"]])
with torch.no_grad():
    plain = base(ids).logits[0].flatten().tolist()
    peft = PeftModel.from_pretrained(base, r["adapter"]).eval()
    lora = peft(ids).logits[0].flatten().tolist()
    merged = peft.merge_and_unload()(ids).logits[0].flatten().tolist()
json.dump({"base": plain, "lora": lora, "merged": merged}, sys.stdout)
`;

const PLANS = `
import importlib.util, json, sys
r = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location("train", r["script"])
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
json.dump([train.resolve_plan(c["options"], c["samples"], c["seq_len"]) for c in r["cases"]], sys.stdout)
`;

const LOAD_CONFIGS = `
import json, sys
from accelerate.commands.config.config_args import ClusterConfig
r = json.load(sys.stdin)
out = {}
for path in r["files"]:
    c = ClusterConfig.from_yaml_file(path)
    out[path.rsplit("/", 1)[-1]] = {"distributed_type": getattr(c.distributed_type, "value", c.distributed_type), "num_processes": c.num_processes, "fsdp_version": (c.fsdp_config or {}).get("fsdp_version"), "zero_stage": (c.deepspeed_config or {}).get("zero_stage"), "use_cpu": c.use_cpu}
json.dump(out, sys.stdout)
`;

const VERSIONS = `
import json, sys, accelerate, peft, torch, transformers, trl
json.dump({"trl": trl.__version__, "peft": peft.__version__, "accelerate": accelerate.__version__, "transformers": transformers.__version__, "torch": torch.__version__}, sys.stdout)
`;

/** plan.ts's plan in train.py's key names. */
function pythonPlan(p: TrainingPlan): Record<string, unknown> {
  return {
    steps: p.steps,
    epochs: p.epochs,
    lr: p.lr,
    batch_size: p.batchSize,
    grad_accum: p.gradAccum,
    seq_len: p.seqLen,
    warmup_steps: p.warmupSteps,
    rank: p.lora.rank,
    alpha: p.lora.alpha,
    targets: [...p.lora.targets],
    use_rslora: p.lora.useRslora,
    lora_dropout: p.lora.dropout ?? 0,
    optimizer: p.optimizer,
    weight_decay: p.weightDecay,
    max_grad_norm: p.maxGradNorm,
    shuffle: p.shuffle,
    seed: p.seed,
    eval_every: p.evalEvery,
    checkpoint_every: p.checkpointEvery,
    patience: p.patience,
  };
}

function cli(args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8', env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } });
}

/** Runs the recipe's train.py through `accelerate launch` with the CPU config; returns what it printed as its plan. */
function launchOnCpu(python: string, recipeDir: string, args: readonly string[]) {
  // `python -m accelerate.commands.launch` is `accelerate launch` (the same entry point) without
  // relying on the venv's console scripts, whose #! line names the folder the venv was built in.
  const run = spawnSync(python, ['-m', 'accelerate.commands.launch', '--config_file', 'accelerate/cpu.yaml', 'train.py', ...args], {
    cwd: recipeDir,
    encoding: 'utf8',
    env: { ...process.env, ...PYTHON_ENV },
    timeout: 540_000,
  });
  assert.equal(run.status, 0, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  const line = run.stdout.split('\n').find((l) => l.startsWith('{"smolcode_plan"'));
  assert.ok(line, `train.py printed no plan:\n${run.stdout.slice(-2000)}`);
  return JSON.parse(line) as { smolcode_plan: Record<string, unknown>; train_sequences: number; validation_sequences: number };
}

/** Our merged model's logits (all positions) for IDS: the adapter through SmolCode's merge and engine graph. */
async function smolcodeLogits(modelDir: string, adapterDir: string, outDir: string): Promise<Float32Array | number[]> {
  mergeAdapter({ modelDir, adapterDir, outDir, variants: ['fp32'] });
  const ort = await openOrtModel(join(outDir, 'onnx', 'model.onnx'));
  try {
    return (await runOrt(ort, [IDS], [IDS.map(() => 1)], [IDS.map((_, i) => i)])).logits;
  } finally {
    await ort.session.release();
  }
}

/** The largest |a - b| and the largest |b|. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>): { worst: number; largest: number } {
  assert.equal(a.length, b.length);
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    largest = Math.max(largest, Math.abs(b[i]));
  }
  return { worst, largest };
}

/** Asserts `ours` equals `reference` within 1e-4 of the largest logit, and that `reference` is far from `base`. */
function assertSameLogits(label: string, ours: ArrayLike<number>, reference: ArrayLike<number>, base: ArrayLike<number>): void {
  const { worst, largest } = compare(ours, reference);
  const tolerance = 1e-4 * Math.max(1, largest);
  const moved = compare(base, reference).worst;
  console.log(`${label}: max |ours - PEFT| ${worst.toExponential(2)} (largest logit ${largest.toFixed(3)}); the adapter moved the logits by up to ${moved.toExponential(2)}`);
  assert.ok(moved > 100 * tolerance, `${label}: the adapter barely changes the logits (${moved}), so the comparison would prove nothing`);
  assert.ok(worst <= tolerance, `${label}: max abs difference ${worst} > ${tolerance}`);
}

/**
 * Forty-five small, distinct Python files the dataset builder keeps, a few of them for
 * validation: at the default FIM share they give 18 FIM training samples, enough for train.py
 * to record FIM (MIN_FIM_TRAIN_SAMPLES, 16; fifteen files gave 6).
 */
function writeWorkspace(dir: string): void {
  const bases = ['circle', 'square', 'triangle', 'rectangle', 'ellipse', 'trapezoid', 'pentagon', 'hexagon', 'octagon', 'rhombus', 'kite', 'parallelogram', 'star', 'ring', 'sector'];
  const shapes = ['', '_1', '_2'].flatMap((suffix) => bases.map((base) => `${base}${suffix}`));
  mkdirSync(dir, { recursive: true });
  for (const name of shapes) {
    writeFileSync(
      join(dir, `${name}.py`),
      `"""Geometry of the ${name}: its area and a description."""\nimport math\n\n\ndef ${name}_area(a, b):\n    """Area of a ${name} with sides a and b."""\n    return a * b * ${name.length} / 7\n\n\ndef describe_${name}():\n    """A short description of the ${name}."""\n    return "the ${name} has ${name.length} sides"\n`,
    );
  }
}

describe('export-training: the recipe through accelerate, TRL and PEFT', () => {
  let model: TempModel;
  let instruct: TempModel;
  let root: string;
  let recipe: string;
  before(() => {
    model = makeTempModel({ seed: 11 });
    instruct = makeTempModel({ seed: 12, flavour: 'instruct' });
    root = mkdtempSync(join(tmpdir(), 'smolcode-export-'));
    writeWorkspace(join(root, 'shapes'));
    recipe = join(root, 'recipe');
    const run = cli(['export-training', '--workspace', join(root, 'shapes'), '--out', recipe, '--model', model.dir, '--fim-rate', '0.5']);
    assert.equal(run.status, 0, run.stderr);
  });
  after(() => {
    model.dispose();
    instruct.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('records the versions it runs against', (t) => {
    const python = preparedPython(t);
    if (python === undefined) return;
    const versions = runPythonJson<Record<string, string>>(python, VERSIONS, {});
    console.log(`versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    assert.deepEqual(Object.keys(versions).sort(), ['accelerate', 'peft', 'torch', 'transformers', 'trl']);
  });

  it("train.py's resolve_plan equals plan.ts's resolvePlan over options and sample counts", (t) => {
    const python = preparedPython(t);
    if (python === undefined) return;
    const optionSets: RecipeTraining[] = [
      {},
      { steps: 37 },
      { epochs: 1.5, batchSize: 2 },
      { optimizer: 'sgd', warmupRatio: 0.1, rank: 16, dropout: 0.1 },
      { gradAccum: 4, evalEvery: 5, checkpointEvery: 10, patience: 0, weightDecay: 0, maxGradNorm: 0, shuffle: false, seed: 7, alpha: 8, useRslora: true, targets: ['q_proj', 'v_proj'], lr: 1e-3 },
    ];
    const cases = optionSets.flatMap((training) => [1, 3, 7, 8, 9, 15, 50, 205, 999, 1000, 4321, 10000, 25000].map((samples) => ({ training, samples, seqLen: 512 })));
    const python_ = runPythonJson<Record<string, unknown>[]>(python, PLANS, {
      script: join(recipe, 'train.py'),
      cases: cases.map((c) => ({ options: recipeOptions(c.training), samples: c.samples, seq_len: c.seqLen })),
    });
    cases.forEach((c, i) => {
      const ours = pythonPlan(resolvePlan({ ...c.training, modelDir: '', dataPath: '', outDir: '' }, c.samples, c.seqLen));
      assert.deepEqual(python_[i], ours, `${JSON.stringify(c.training)} with ${c.samples} samples`);
    });
  });

  it('writes accelerate configs that accelerate loads', (t) => {
    const python = preparedPython(t);
    if (python === undefined) return;
    const dir = join(recipe, 'accelerate');
    const loaded = runPythonJson<Record<string, Record<string, unknown>>>(python, LOAD_CONFIGS, { files: readdirSync(dir).map((f) => join(dir, f)) });
    assert.deepEqual(loaded, {
      'cpu.yaml': { distributed_type: 'NO', num_processes: 1, fsdp_version: null, zero_stage: null, use_cpu: true },
      'single_gpu.yaml': { distributed_type: 'NO', num_processes: 1, fsdp_version: null, zero_stage: null, use_cpu: false },
      'multi_gpu.yaml': { distributed_type: 'MULTI_GPU', num_processes: 8, fsdp_version: null, zero_stage: null, use_cpu: false },
      'zero3.yaml': { distributed_type: 'DEEPSPEED', num_processes: 8, fsdp_version: null, zero_stage: 3, use_cpu: false },
      'fsdp2.yaml': { distributed_type: 'FSDP', num_processes: 8, fsdp_version: 2, zero_stage: null, use_cpu: false },
    });
  });

  it('trains through accelerate launch on the CPU, with our plan, into an adapter SmolCode loads with PEFT-equal logits', async (t) => {
    const python = preparedPython(t);
    if (python === undefined) return;
    const adapter = join(root, 'exported-adapter');
    const printed = launchOnCpu(python, recipe, ['--model', model.dir, '--max-steps', '3', '--lr', '1e-2', '--seq-len', '64', '--output-dir', adapter]);

    // The same sequences and plan as our trainer on the same data.
    const tokenizer = await loadTokenizer(model.dir);
    const train = readSamples(join(recipe, 'data', 'code-train.jsonl'), tokenizer, 64, model.config.vocabSize);
    const validation = readSamples(join(recipe, 'data', 'code-validation.jsonl'), tokenizer, 64, model.config.vocabSize);
    assert.ok(train.length > 13, `expected long files to be split into several windows, got ${train.length}`);
    assert.ok(validation.length > 0, 'expected validation sequences, so that evaluation and early stopping run');
    assert.deepEqual([printed.train_sequences, printed.validation_sequences], [train.length, validation.length]);
    assert.deepEqual(printed.smolcode_plan, pythonPlan(resolvePlan({ modelDir: '', dataPath: '', outDir: '', steps: 3, lr: 1e-2 }, train.length, 64)));
    // The FIM share asked for: train.py records it beside the adapter, as SmolCode's runs do.
    assert.deepEqual(readFimRecord(adapter), fimRecord(0.5));
    const saved = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8')) as { r: number; lora_alpha: number; target_modules: string[] };
    assert.deepEqual([saved.r, saved.lora_alpha, [...saved.target_modules].sort()], [8, 16, ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']]);

    const reference = runPythonJson<{ base: number[]; lora: number[]; merged: number[] }>(python, PEFT_FORWARD, { model: model.dir, adapter, ids: IDS });
    const ours = await smolcodeLogits(model.dir, adapter, join(root, 'exported-merged'));
    assertSameLogits('TRL-trained adapter, SmolCode merge vs PEFT merged', ours, reference.merged, reference.base);
  });

  it('exports the chat role on the token files (labels on the replies), which train.py reads into our sequences', async (t) => {
    const python = preparedPython(t);
    if (python === undefined) return;
    const chatRecipe = join(root, 'chat-recipe');
    const exported = cli(['export-training', '--workspace', join(root, 'shapes'), '--out', chatRecipe, '--model', instruct.dir, '--role', 'chat']);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(readFileSync(join(chatRecipe, 'train.py'), 'utf8'), /DATA_FILES = \{"train": "data\/tokens-train.jsonl"/);
    const printed = launchOnCpu(python, chatRecipe, ['--max-steps', '1', '--seq-len', '64', '--output-dir', join(root, 'chat-adapter')]);
    const tokenizer = await loadTokenizer(instruct.dir);
    const train = readSamples(join(chatRecipe, 'data', 'tokens-train.jsonl'), tokenizer, 64, instruct.config.vocabSize);
    assert.ok(train.length > 0);
    assert.equal(printed.train_sequences, train.length);
    assert.deepEqual(printed.smolcode_plan, pythonPlan(resolvePlan({ modelDir: '', dataPath: '', outDir: '', steps: 1 }, train.length, 64)));
  });

  it('an adapter trained by SmolCode loads in PEFT with equal logits', async (t) => {
    const python = preparedPython(t);
    if (python === undefined) return;
    const adapter = join(root, 'smolcode-adapter');
    const result = await runFinetune({ modelDir: model.dir, dataPath: join(recipe, 'data', 'code-train.jsonl'), outDir: adapter, steps: 2, lr: 1e-2, seqLen: 64, threads: 1 });
    assert.equal(result.status, 'completed');
    const reference = runPythonJson<{ base: number[]; lora: number[]; merged: number[] }>(python, PEFT_FORWARD, { model: model.dir, adapter, ids: IDS });
    const ours = await smolcodeLogits(model.dir, adapter, join(root, 'smolcode-merged'));
    assertSameLogits('SmolCode-trained adapter, ours vs PEFT LoRA forward', ours, reference.lora, reference.base);
    assertSameLogits('SmolCode-trained adapter, ours vs PEFT merged', ours, reference.merged, reference.base);
  });
});
