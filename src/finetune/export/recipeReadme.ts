/**
 * @file The exported recipe's README.md and SLURM batch script: how to run train.py on one GPU,
 * several GPUs (DDP, DeepSpeed ZeRO-3, FSDP2) and several nodes (accelerate's num_machines,
 * machine_rank, main_process_ip; SLURM with srun), how to serve the adapter with vLLM, and how
 * to load it back into SmolCode. It states what SmolCode ran and what is documented only.
 */
import type { AccelerateConfig } from './accelerateConfigs';
import type { Role } from '../../model/configTypes';

/** What the README describes. */
export interface RecipeReadmeInput {
  readonly role: Role;
  readonly baseModel: string;
  readonly workspace: string;
  readonly dataFiles: { readonly train: string; readonly validation: string };
  readonly configs: readonly AccelerateConfig[];
  readonly gpus: number;
  /** LoRA rank, for vLLM's --max-lora-rank. */
  readonly rank: number;
  /** A summary of the training set, e.g. "12 of 14 files kept; ...". */
  readonly datasetSummary: string;
}

/** The adapter's name on a vLLM server: letters, digits, dashes. */
export function servedAdapterName(workspace: string, role: Role): string {
  const safe = workspace.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'workspace';
  return `${safe}-${role}`;
}

/** vLLM's serve line for the adapter in ./adapter (vLLM refuses ranks above --max-lora-rank, 16 by default). */
export function vllmServeLine(baseModel: string, adapterName: string, rank: number): string {
  return `vllm serve ${baseModel} --enable-lora --lora-modules ${adapterName}=$PWD/adapter${rank > 16 ? ` --max-lora-rank ${rank}` : ''}`;
}

/** slurm.sbatch: one task per node, each runs accelerate launch with its node's rank. */
export function slurmScript(gpus: number): string {
  return `#!/bin/bash
# Multi-node training with SLURM: sbatch slurm.sbatch (edit the resources first).
# One task per node; each runs accelerate launch, which starts one process per GPU.
#SBATCH --job-name=smolcode-lora
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=${gpus}
#SBATCH --cpus-per-task=32
#SBATCH --output=%x-%j.out
set -euo pipefail
cd "$SLURM_SUBMIT_DIR"
GPUS_PER_NODE=${gpus}
CONFIG=\${CONFIG:-accelerate/multi_gpu.yaml}
MAIN_IP=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
# \\$SLURM_PROCID is expanded by each task, so every node gets its own machine_rank.
srun bash -c "accelerate launch --config_file $CONFIG \\
  --num_machines $SLURM_NNODES --num_processes $((SLURM_NNODES * GPUS_PER_NODE)) \\
  --machine_rank \\$SLURM_PROCID --main_process_ip $MAIN_IP --main_process_port 29500 \\
  train.py"
`;
}

/** The text of README.md. */
export function recipeReadme(input: RecipeReadmeInput): string {
  const name = servedAdapterName(input.workspace, input.role);
  const n = input.gpus;
  return `# Cluster training recipe: ${input.workspace} (${input.role})

Written by \`smolcode export-training\`. It fine-tunes a LoRA adapter on the training set SmolCode
built from \`${input.workspace}\`, with TRL's \`SFTTrainer\` and PEFT, launched by \`accelerate\`, with the
hyperparameters SmolCode's local fine-tuning would choose for this data. The adapter loads back
into SmolCode and serves with vLLM.

Training set: ${input.datasetSummary}

| File | What it is |
|---|---|
| \`train.py\` | the training script (base model \`${input.baseModel}\`; \`python train.py --help\`) |
| \`${input.dataFiles.train}\`, \`${input.dataFiles.validation}\` | the training and validation samples (TRL JSONL) |
| \`data/report.md\` | what the dataset builder kept and dropped, and why |
${input.configs.map((c) => `| \`accelerate/${c.file}\` | ${c.title} |`).join('\n')}
| \`slurm.sbatch\` | several nodes under SLURM |
| \`requirements.txt\` | pinned versions |

## Install

\`\`\`sh
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt
\`\`\`

The base model comes from the Hugging Face Hub (set \`HF_TOKEN\` if it is gated), or pass a
local folder with \`--model DIR\`.

## Run

One GPU:

\`\`\`sh
accelerate launch --config_file accelerate/single_gpu.yaml train.py
\`\`\`

${n} GPUs on one machine (set \`num_processes\` in the file, or \`--num_processes\`, to your GPU count):

\`\`\`sh
accelerate launch --config_file accelerate/multi_gpu.yaml train.py   # DDP
accelerate launch --config_file accelerate/zero3.yaml train.py       # DeepSpeed ZeRO-3 (pip install deepspeed)
accelerate launch --config_file accelerate/fsdp2.yaml train.py       # FSDP2
\`\`\`

A smoke test on any machine, on the CPU, for 3 steps:

\`\`\`sh
accelerate launch --config_file accelerate/cpu.yaml train.py --max-steps 3 --output-dir smoke
\`\`\`

The plan (steps, batch, warmup, evaluation interval) is sized from the number of training
sequences, as SmolCode's plan.ts does; with N processes the effective batch is N times larger,
so the run takes 1/N of the steps for the same epochs. \`train.py\` prints the plan it resolved as a
JSON line and writes it to \`adapter/smolcode_plan.json\`. \`--max-steps\`, \`--lr\` and \`--seq-len\`
override it; the other options are in the \`OPTIONS\` block of \`train.py\`.

## Several nodes

Every node runs the same \`accelerate launch\` with its own \`--machine_rank\`; \`--num_processes\`
is the total over all nodes, and \`--main_process_ip\` is the address of the node with rank 0.
For 2 nodes of ${n} GPUs:

\`\`\`sh
# on node 0 (10.0.0.1)
accelerate launch --config_file accelerate/multi_gpu.yaml --num_machines 2 --num_processes ${2 * n} \\
  --machine_rank 0 --main_process_ip 10.0.0.1 --main_process_port 29500 train.py
# on node 1
accelerate launch --config_file accelerate/multi_gpu.yaml --num_machines 2 --num_processes ${2 * n} \\
  --machine_rank 1 --main_process_ip 10.0.0.1 --main_process_port 29500 train.py
\`\`\`

(Or set \`num_machines\`, \`machine_rank\` and \`main_process_ip\` in a copy of the YAML for each node.)
The same works with \`zero3.yaml\` and \`fsdp2.yaml\`.

Under SLURM, \`slurm.sbatch\` starts one task per node with \`srun\`; each task's \`$SLURM_PROCID\` is its
machine rank and the first host of the allocation is the main process:

\`\`\`sh
sbatch slurm.sbatch                                 # DDP
CONFIG=accelerate/fsdp2.yaml sbatch slurm.sbatch    # FSDP2
\`\`\`

## Use the adapter

The adapter is in \`adapter/\` (\`adapter_config.json\` and \`adapter_model.safetensors\`, PEFT's format).

- **In SmolCode:** copy the folder to the machine with the editor and run **SmolCode: Select
  Adapter**, pick the ${input.role === 'completion' ? 'Completion' : 'Chat'} role, then *Browse…* and the folder. SmolCode merges it into its
  own ${input.role} model (same base) on first use.
- **On a vLLM server:**

  \`\`\`sh
  ${vllmServeLine(input.baseModel, name, input.rank)}
  \`\`\`

  Clients ask for the model \`${name}\`; the base model is served as \`${input.baseModel}\`.

## What SmolCode tested, and what is documented only

SmolCode's integration test (test/integration/python/exportTraining.test.ts) exports a recipe for a
small workspace and a tiny random model, runs \`train.py\` with \`accelerate launch --config_file
accelerate/cpu.yaml\` for 3 steps with the versions in requirements.txt, loads the adapter in
SmolCode and checks that its logits equal PEFT's merged forward within 1e-4; it also checks that
every YAML file here loads in accelerate. GPUs, DeepSpeed, FSDP2, several nodes, SLURM and vLLM
were not available there: those parts follow the accelerate, TRL and vLLM documentation and
were not run.
`;
}
