/**
 * @file The files of an exported training recipe, as text: train.py carries exactly the options
 * it was given (and plan.ts's defaults as its fallbacks), the accelerate configs have the keys
 * accelerate 1.15 reads, requirements.txt pins what scripts/python/requirements.txt pins, and
 * the README has the launch, multi-node, SLURM and vLLM lines. Running them is the
 * integration test's job (test/integration/python/exportTraining.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { accelerateConfigs } from '../../../../src/finetune/export/accelerateConfigs';
import { checkOutDir, recipeFolderFor } from '../../../../src/finetune/export/exportRecipe';
import { recipeOptions } from '../../../../src/finetune/export/recipeOptions';
import { recipeReadme, servedAdapterName, slurmScript, vllmServeLine } from '../../../../src/finetune/export/recipeReadme';
import { DEEPSPEED_PIN, RECIPE_PINS, requirementsTxt } from '../../../../src/finetune/export/requirements';
import { OPTIONS_BEGIN, OPTIONS_END, trainScript, type TrainScriptInput } from '../../../../src/finetune/export/trainScript';
import { fimRecord } from '../../../../src/model/fim';
import { LORA_TARGETS } from '../../../../src/model/lora';

const INPUT: TrainScriptInput = {
  role: 'completion',
  baseModel: 'HuggingFaceTB/SmolLM2-360M',
  dataFiles: { train: 'data/code-train.jsonl', validation: 'data/code-validation.jsonl' },
  training: { rank: 16, alpha: 24, dropout: 0.05, lr: 3e-4, seqLen: 1024, steps: 500, targets: ['q_proj', 'v_proj'], seed: 7 },
  workspace: 'shapes',
};

/** The OPTIONS object embedded in a train.py. */
function embeddedOptions(script: string): Record<string, unknown> {
  const block = script.slice(script.indexOf(OPTIONS_BEGIN) + OPTIONS_BEGIN.length, script.indexOf(OPTIONS_END));
  const json = /json\.loads\("""([\s\S]*)"""\)/.exec(block);
  assert.ok(json, 'no OPTIONS = json.loads("""...""") between the markers');
  return JSON.parse(json[1]) as Record<string, unknown>;
}

/** `key: value` lines of a flat-or-nested YAML as accelerate config writes it ("a.b" for nested keys). */
function yamlKeys(yaml: string): Map<string, string> {
  const out = new Map<string, string>();
  let parent = '';
  for (const line of yaml.split('\n').filter(Boolean)) {
    const m = /^( *)([a-z0-9_]+):(?: (.*))?$/.exec(line);
    assert.ok(m, `not a key line: ${line}`);
    if (m[1] === '') parent = m[3] === undefined ? m[2] : '';
    out.set(m[1] === '' ? m[2] : `${parent}.${m[2]}`, m[3] ?? '');
  }
  return out;
}

describe('train.py', () => {
  const script = trainScript(INPUT);

  it('embeds the options it was given, with null where plan.ts sizes the value from the data', () => {
    assert.deepEqual(embeddedOptions(script), {
      steps: 500,
      epochs: null,
      lr: 3e-4,
      batch_size: null,
      grad_accum: null,
      seq_len: 1024,
      rank: 16,
      alpha: 24,
      targets: ['q_proj', 'v_proj'],
      use_rslora: null,
      lora_dropout: 0.05,
      optimizer: null,
      weight_decay: null,
      max_grad_norm: null,
      warmup_ratio: null,
      shuffle: null,
      seed: 7,
      eval_every: null,
      checkpoint_every: null,
      patience: null,
    });
  });

  it('records FIM in the adapter folder when the training set has FIM samples, and nothing otherwise', () => {
    const record = (text: string) => JSON.parse(/FIM_RECORD = json\.loads\("""([\s\S]*?)"""\)/.exec(text)![1]!) as unknown;
    assert.equal(record(script), null);
    assert.match(script, /^FIM_SEQ_LEN = None$/m);
    const fim = trainScript({ ...INPUT, fim: { record: fimRecord(0.5), seqLen: 1024 } });
    assert.deepEqual(record(fim), fimRecord(0.5));
    assert.match(fim, /^FIM_SEQ_LEN = 1024$/m);
    assert.ok(fim.includes('(args.output_dir / "smolcode_fim.json").write_text(json.dumps(FIM_RECORD, indent=2) + "\\n")'));
  });

  it("falls back to plan.ts's defaults: all seven targets, rank 8, alpha 2 x rank, lr 1e-3, warmup 5%, seed 42", () => {
    assert.deepEqual(recipeOptions({}).targets, [...LORA_TARGETS]);
    for (const fallback of [
      'pick(options, "rank", 8)',
      'pick(options, "alpha", 2 * rank)',
      'pick(options, "lr", 1e-3 if optimizer == "adamw" else 1e-2)',
      'pick(options, "warmup_ratio", 0.05)',
      'pick(options, "weight_decay", 0.01 if optimizer == "adamw" else 0)',
      'pick(options, "max_grad_norm", 1)',
      'pick(options, "seed", 42)',
      'pick(options, "patience", 3)',
      'max(1, min(8, samples // batch_size))',
      '3 if samples < 1000 else 2 if samples < 10000 else 1',
    ]) {
      assert.ok(script.includes(fallback), fallback);
    }
  });

  it('trains with TRL SFTTrainer and PEFT LoraConfig from the plan, on the role data, and loads the base model given', () => {
    for (const line of [
      'from trl import SFTConfig, SFTTrainer',
      'from peft import LoraConfig',
      'BASE_MODEL = "HuggingFaceTB/SmolLM2-360M"',
      'DATA_FILES = {"train": "data/code-train.jsonl", "validation": "data/code-validation.jsonl"}',
      'r=plan["rank"]',
      'lora_alpha=plan["alpha"]',
      'target_modules=plan["targets"]',
      'use_rslora=plan["use_rslora"]',
      'lora_dropout=plan["lora_dropout"]',
      'learning_rate=plan["lr"]',
      'lr_scheduler_type="cosine"',
      'warmup_steps=plan["warmup_steps"]',
      'weight_decay=plan["weight_decay"]',
      'max_grad_norm=plan["max_grad_norm"]',
      'max_length=seq_len',
      'max_steps=plan["steps"]',
      'gradient_accumulation_steps=plan["grad_accum"]',
      'seed=plan["seed"]',
      'trainer.save_model(str(args.output_dir))',
      'HOOK (fill-in-the-middle)',
    ]) {
      assert.ok(script.includes(line), line);
    }
  });
});

describe('accelerate configs', () => {
  const configs = accelerateConfigs(4);

  it('writes the CPU, one-GPU, DDP, ZeRO-3 and FSDP2 configs', () => {
    assert.deepEqual(
      configs.map((c) => c.file),
      ['cpu.yaml', 'single_gpu.yaml', 'multi_gpu.yaml', 'zero3.yaml', 'fsdp2.yaml'],
    );
  });

  it('has the keys accelerate config writes, and the values of each kind', () => {
    const keys = Object.fromEntries(configs.map((c) => [c.file, yamlKeys(c.yaml)]));
    for (const [file, k] of Object.entries(keys)) {
      for (const key of ['compute_environment', 'distributed_type', 'machine_rank', 'main_training_function', 'mixed_precision', 'num_machines', 'num_processes', 'use_cpu']) {
        assert.ok(k.has(key), `${file}: ${key}`);
      }
    }
    const pick = (file: string, key: string) => keys[file].get(key);
    assert.deepEqual([pick('cpu.yaml', 'distributed_type'), pick('cpu.yaml', 'use_cpu'), pick('cpu.yaml', 'mixed_precision'), pick('cpu.yaml', 'num_processes')], ["'NO'", 'true', "'no'", '1']);
    assert.deepEqual([pick('single_gpu.yaml', 'distributed_type'), pick('single_gpu.yaml', 'num_processes'), pick('single_gpu.yaml', 'mixed_precision')], ["'NO'", '1', 'bf16']);
    assert.deepEqual([pick('multi_gpu.yaml', 'distributed_type'), pick('multi_gpu.yaml', 'num_processes')], ['MULTI_GPU', '4']);
    assert.deepEqual([pick('zero3.yaml', 'distributed_type'), pick('zero3.yaml', 'deepspeed_config.zero_stage'), pick('zero3.yaml', 'deepspeed_config.zero3_init_flag')], ['DEEPSPEED', '3', 'true']);
    assert.deepEqual(
      [pick('fsdp2.yaml', 'distributed_type'), pick('fsdp2.yaml', 'fsdp_config.fsdp_version'), pick('fsdp2.yaml', 'fsdp_config.fsdp_auto_wrap_policy'), pick('fsdp2.yaml', 'fsdp_config.fsdp_state_dict_type')],
      ['FSDP', '2', 'TRANSFORMER_BASED_WRAP', 'FULL_STATE_DICT'],
    );
  });
});

describe('requirements.txt', () => {
  it('pins what the Python toolchain SmolCode tests with pins', () => {
    const toolchain = new Map(
      readFileSync('scripts/python/requirements.txt', 'utf8')
        .split('\n')
        .filter((l) => /^[\w-]+==/.test(l))
        .map((l) => l.split('==') as [string, string]),
    );
    for (const [name, version] of Object.entries(RECIPE_PINS)) assert.equal(version, toolchain.get(name), name);
    const text = requirementsTxt();
    for (const name of ['trl', 'peft', 'transformers', 'accelerate', 'torch', 'datasets']) assert.match(text, new RegExp(`^${name}==\\d`, 'm'), name);
    assert.match(text, new RegExp(`^# deepspeed==${DEEPSPEED_PIN.replace(/\./g, '\\.')}$`, 'm'));
  });
});

describe('README.md and slurm.sbatch', () => {
  const readme = recipeReadme({
    role: 'chat',
    baseModel: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    workspace: 'My Shapes',
    dataFiles: { train: 'data/tokens-train.jsonl', validation: 'data/tokens-validation.jsonl' },
    configs: accelerateConfigs(8),
    gpus: 8,
    rank: 8,
    datasetSummary: '3 of 3 files kept',
  });

  it('has the launch lines for one GPU, DDP, ZeRO-3, FSDP2 and several nodes', () => {
    for (const line of [
      'accelerate launch --config_file accelerate/single_gpu.yaml train.py',
      'accelerate launch --config_file accelerate/multi_gpu.yaml train.py',
      'accelerate launch --config_file accelerate/zero3.yaml train.py',
      'accelerate launch --config_file accelerate/fsdp2.yaml train.py',
      '--num_machines 2 --num_processes 16',
      '--machine_rank 1 --main_process_ip 10.0.0.1',
      'sbatch slurm.sbatch',
      'SmolCode: Select\n  Adapter',
    ]) {
      assert.ok(readme.includes(line), line);
    }
  });

  it('serves the adapter with vLLM by a safe name, raising --max-lora-rank only above 16', () => {
    assert.equal(servedAdapterName('My Shapes', 'chat'), 'my-shapes-chat');
    assert.ok(readme.includes('vllm serve HuggingFaceTB/SmolLM2-135M-Instruct --enable-lora --lora-modules my-shapes-chat=$PWD/adapter'));
    assert.equal(vllmServeLine('b', 'n', 32), 'vllm serve b --enable-lora --lora-modules n=$PWD/adapter --max-lora-rank 32');
  });

  it('runs one accelerate launch per node under srun, with the node rank from SLURM_PROCID', () => {
    const script = slurmScript(4);
    assert.match(script, /#SBATCH --gpus-per-node=4/);
    assert.match(script, /^srun bash -c "accelerate launch/m);
    assert.match(script, /--machine_rank \\\$SLURM_PROCID --main_process_ip \$MAIN_IP/);
  });
});

describe('the recipe folder', () => {
  it('is the chosen folder when empty or an earlier recipe, else a new folder inside it; other non-empty folders are refused', () => {
    const root = mkdtempSync(join(tmpdir(), 'smolcode-recipe-'));
    try {
      assert.equal(recipeFolderFor(root, 'ws', 'chat'), root);
      writeFileSync(join(root, 'notes.txt'), 'mine');
      assert.equal(recipeFolderFor(root, 'my ws', 'chat'), join(root, 'my_ws-chat-training'));
      assert.throws(() => checkOutDir(root), /is not empty and holds no earlier recipe/);
      const earlier = join(root, 'earlier');
      mkdirSync(earlier);
      writeFileSync(join(earlier, 'train.py'), '');
      assert.equal(recipeFolderFor(earlier, 'ws', 'completion'), earlier);
      checkOutDir(earlier);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
