/**
 * @file The exported `train.py`: TRL's SFTTrainer with PEFT's LoraConfig, launched by
 * `accelerate launch`, trained on the JSONL files SmolCode's dataset builder wrote, with the
 * hyperparameters SmolCode's local trainer would choose. It reproduces what our trainer does
 * to the data (text gets the end-of-sequence token; long samples are split into windows of the
 * sequence length rather than truncated; windows with nothing to predict are dropped) so that
 * the number of sequences, hence the plan, is the same, and it ports plan.ts's rules to
 * Python (`resolve_plan`), with one addition for clusters: the effective batch counts every
 * process, so N processes take 1/N of the steps for the same epochs.
 */
import { recipeOptions, type RecipeTraining } from './recipeOptions';
import type { Role } from '../../model/configTypes';
import { FIM_FORMAT, FIM_RECORD_FILE, type FimRecord } from '../../model/fim';

/** What a `train.py` is written for. */
export interface TrainScriptInput {
  readonly role: Role;
  /** A Hub id or a folder with config.json, model.safetensors and the tokenizer. */
  readonly baseModel: string;
  /** The training and validation JSONL files, relative to the recipe folder. */
  readonly dataFiles: { readonly train: string; readonly validation: string };
  readonly training: RecipeTraining;
  /** The workspace the data came from, for the header. */
  readonly workspace: string;
  /** When the training set has FIM samples: the record the adapter folder gets, and the tokens each sample fits. */
  readonly fim?: { readonly record: FimRecord; readonly seqLen: number };
}

/** Marks the embedded options so that tests (and people) find them. */
export const OPTIONS_BEGIN = '# --- SmolCode options (begin) ---';
export const OPTIONS_END = '# --- SmolCode options (end) ---';

function pyString(value: string): string {
  return JSON.stringify(value);
}

/** The text of train.py for `input`. */
export function trainScript(input: TrainScriptInput): string {
  const options = JSON.stringify(recipeOptions(input.training), null, 4);
  const fim = input.fim ? JSON.stringify(input.fim.record, null, 4) : 'null';
  return `#!/usr/bin/env python3
"""LoRA fine-tuning of ${input.baseModel} for SmolCode's ${input.role} role, on the training set
SmolCode built from ${input.workspace}. Written by \`smolcode export-training\`.

TRL's SFTTrainer with PEFT's LoraConfig, with the hyperparameters SmolCode's local trainer
would choose (src/finetune/plan.ts: rank, alpha, targets, learning rate, cosine schedule with
warmup, weight decay, gradient clipping, sequence length, steps, seed). The adapter it saves
(adapter_config.json + adapter_model.safetensors) loads in SmolCode with "SmolCode: Select
Adapter", and in vLLM with --enable-lora.

    accelerate launch --config_file accelerate/single_gpu.yaml train.py
    accelerate launch --config_file accelerate/cpu.yaml train.py --max-steps 3   # a smoke test

See README.md for several GPUs, DeepSpeed ZeRO-3, FSDP2 and several nodes.
"""
import argparse
import json
import math
import os
from pathlib import Path

import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoConfig, AutoTokenizer, EarlyStoppingCallback
from trl import SFTConfig, SFTTrainer

HERE = Path(__file__).resolve().parent
BASE_MODEL = ${pyString(input.baseModel)}
ROLE = ${pyString(input.role)}
DATA_FILES = {"train": ${pyString(input.dataFiles.train)}, "validation": ${pyString(input.dataFiles.validation)}}
IGNORE_INDEX = -100
ALL_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

# The options SmolCode was given; null (None) means "sized from the data" by resolve_plan.
${OPTIONS_BEGIN}
OPTIONS = json.loads("""
${options}
""")
${OPTIONS_END}

# HOOK (fill-in-the-middle): when the completion training set has FIM samples, the adapter folder
# gets FIM_RECORD as ${FIM_RECORD_FILE}, which tells SmolCode to prompt it in the FIM format.
# Each FIM sample fits FIM_SEQ_LEN tokens; a shorter --seq-len would split some of them.
FIM_RECORD = json.loads("""
${fim}
""")
FIM_SEQ_LEN = ${input.fim ? input.fim.seqLen : 'None'}
FIM_MARKERS = ${JSON.stringify([FIM_FORMAT.suffix, FIM_FORMAT.middle])}
FIM_END = ${JSON.stringify(FIM_FORMAT.end)}
FIM_MIDDLE_ID = ${FIM_FORMAT.ids.middle}


def pick(options, name, default):
    value = options.get(name)
    return default if value is None else value


def resolve_plan(options, samples, seq_len, world_size=1):
    """SmolCode's plan.ts resolvePlan, for \`samples\` training sequences on \`world_size\` processes."""
    if options.get("steps") is not None and options.get("epochs") is not None:
        raise ValueError("give steps or epochs, not both")
    batch_size = pick(options, "batch_size", 1)
    grad_accum = pick(options, "grad_accum", max(1, min(8, samples // batch_size)))
    effective = batch_size * grad_accum * world_size
    epochs = pick(options, "epochs", 3 if samples < 1000 else 2 if samples < 10000 else 1)
    steps = pick(options, "steps", max(1, math.ceil((epochs * samples) / effective)))
    optimizer = pick(options, "optimizer", "adamw")
    warmup_ratio = pick(options, "warmup_ratio", 0.05)
    warmup_steps = math.floor(steps * warmup_ratio) or (1 if steps >= 20 and warmup_ratio > 0 else 0)
    # JavaScript's Math.round rounds halves up; Python's round() rounds them to even.
    eval_every = pick(options, "eval_every", max(1, math.floor(steps / 10 + 0.5)))
    rank = pick(options, "rank", 8)
    return {
        "steps": steps,
        "epochs": (steps * effective) / samples,
        "lr": pick(options, "lr", 1e-3 if optimizer == "adamw" else 1e-2),
        "batch_size": batch_size,
        "grad_accum": grad_accum,
        "seq_len": seq_len,
        "warmup_steps": warmup_steps,
        "rank": rank,
        "alpha": pick(options, "alpha", 2 * rank),
        "targets": list(pick(options, "targets", ALL_TARGETS)),
        "use_rslora": pick(options, "use_rslora", False),
        "lora_dropout": pick(options, "lora_dropout", 0.0),
        "optimizer": optimizer,
        "weight_decay": pick(options, "weight_decay", 0.01 if optimizer == "adamw" else 0),
        "max_grad_norm": pick(options, "max_grad_norm", 1),
        "shuffle": pick(options, "shuffle", True),
        "seed": pick(options, "seed", 42),
        "eval_every": eval_every,
        "checkpoint_every": pick(options, "checkpoint_every", eval_every),
        "patience": pick(options, "patience", 3),
    }


def is_fim_sample(text):
    """SmolCode's FIM format (src/model/fim.ts): each marker once, in order (SPM), the end token last."""
    places = [text.find(m) for m in FIM_MARKERS]
    in_order = all(a < b for a, b in zip(places, places[1:]))
    return all(text.count(m) == 1 for m in FIM_MARKERS) and places[0] >= 0 and in_order and text.endswith(FIM_END)


def sample_ids(record, tokenizer, where):
    """Token ids and labels of one JSONL record, as SmolCode's trainer reads them (src/finetune/data.ts)."""
    if "input_ids" in record:
        return record["input_ids"], record.get("labels") or record["input_ids"]
    if "text" in record:
        # HOOK (fill-in-the-middle): when SmolCode's dataset writes FIM samples for the completion
        # role, they arrive here as {"text"} already in the FIM format; as in SmolCode's trainer,
        # they learn what follows the middle marker only (prefix, middle, end token), not the suffix.
        ids = tokenizer(record["text"], add_special_tokens=False)["input_ids"]
        if is_fim_sample(record["text"]):
            middle = ids.index(FIM_MIDDLE_ID)
            return ids, [IGNORE_INDEX if i <= middle else t for i, t in enumerate(ids)]
        ids = ids + [tokenizer.eos_token_id]
        return ids, ids
    raise ValueError(f'{where}: each line must be {{"text"}} or {{"input_ids", "labels"}} (got keys {sorted(record)})')


def read_windows(path, tokenizer, seq_len):
    """The file's samples split into windows of at most seq_len tokens, dropping windows with nothing to predict."""
    input_ids, labels = [], []
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            ids, targets = sample_ids(json.loads(line), tokenizer, f"{path}:{number}")
            for start in range(0, len(ids), seq_len):
                window = targets[start : start + seq_len]
                # Position 0's label is never predicted (the loss shifts), so a window needs one after it.
                if any(label != IGNORE_INDEX for label in window[1:]):
                    input_ids.append(ids[start : start + seq_len])
                    labels.append(window)
    return Dataset.from_dict({"input_ids": input_ids, "labels": labels}) if input_ids else None


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\\n\\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=BASE_MODEL, help="base model: a Hub id or a folder (default: %(default)s)")
    parser.add_argument("--data-dir", type=Path, default=HERE, help="folder the data files are relative to (default: this folder)")
    parser.add_argument("--output-dir", type=Path, default=HERE / "adapter", help="where the adapter goes (default: ./adapter)")
    parser.add_argument("--max-steps", type=int, help="train this many optimizer steps instead of the planned epochs")
    parser.add_argument("--lr", type=float, help="peak learning rate instead of the planned one")
    parser.add_argument("--seq-len", type=int, help="tokens per sequence instead of the planned length")
    parser.add_argument("--fp32", action="store_true", help="train in float32 even where bf16 is available")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --output-dir")
    return parser.parse_args()


def main():
    args = parse_args()
    options = dict(OPTIONS)
    if args.max_steps is not None:
        options.update(steps=args.max_steps, epochs=None)
    if args.lr is not None:
        options["lr"] = args.lr
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    max_positions = AutoConfig.from_pretrained(args.model).max_position_embeddings
    seq_len = args.seq_len or options.get("seq_len") or min(512, max_positions)
    if not 2 <= seq_len <= max_positions:
        raise SystemExit(f"the sequence length must be from 2 to {max_positions}, got {seq_len}")
    if FIM_SEQ_LEN is not None and seq_len < FIM_SEQ_LEN:
        print(f"warning: FIM samples fit {FIM_SEQ_LEN} tokens; with --seq-len {seq_len} some are split into windows", flush=True)
    train = read_windows(args.data_dir / DATA_FILES["train"], tokenizer, seq_len)
    if train is None:
        raise SystemExit(f"no training sequences in {args.data_dir / DATA_FILES['train']}")
    validation = read_windows(args.data_dir / DATA_FILES["validation"], tokenizer, seq_len)
    plan = resolve_plan(options, len(train), seq_len, world_size)

    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported() and not args.fp32
    evaluate = validation is not None
    checkpoint_every = plan["checkpoint_every"]
    if evaluate and checkpoint_every % plan["eval_every"] != 0:
        # The Trainer keeps the best checkpoint only when checkpoints fall on evaluations.
        checkpoint_every = plan["eval_every"]
    config = SFTConfig(
        output_dir=str(args.output_dir),
        max_steps=plan["steps"],
        per_device_train_batch_size=plan["batch_size"],
        per_device_eval_batch_size=plan["batch_size"],
        gradient_accumulation_steps=plan["grad_accum"],
        learning_rate=plan["lr"],
        lr_scheduler_type="cosine",
        warmup_steps=plan["warmup_steps"],
        optim="adamw_torch" if plan["optimizer"] == "adamw" else "sgd",
        adam_beta1=0.9,
        adam_beta2=0.999,
        adam_epsilon=1e-8,
        weight_decay=plan["weight_decay"],
        max_grad_norm=plan["max_grad_norm"],
        seed=plan["seed"],
        data_seed=plan["seed"],
        train_sampling_strategy="random" if plan["shuffle"] else "sequential",
        max_length=seq_len,
        packing=False,
        bf16=bf16,
        gradient_checkpointing=False,
        model_init_kwargs={"dtype": torch.bfloat16 if bf16 else torch.float32},
        logging_steps=1,
        report_to="none",
        eval_strategy="steps" if evaluate else "no",
        eval_steps=plan["eval_every"] if evaluate else None,
        eval_on_start=evaluate,
        save_strategy="steps",
        save_steps=checkpoint_every,
        save_total_limit=2,
        load_best_model_at_end=evaluate,
        metric_for_best_model="eval_loss" if evaluate else None,
        greater_is_better=False if evaluate else None,
    )
    peft_config = LoraConfig(
        r=plan["rank"],
        lora_alpha=plan["alpha"],
        target_modules=plan["targets"],
        use_rslora=plan["use_rslora"],
        lora_dropout=plan["lora_dropout"],
        bias="none",
        task_type="CAUSAL_LM",
    )
    callbacks = [EarlyStoppingCallback(early_stopping_patience=plan["patience"])] if evaluate and plan["patience"] > 0 else []
    trainer = SFTTrainer(
        model=args.model,
        args=config,
        train_dataset=train,
        eval_dataset=validation,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
    if trainer.is_world_process_zero():
        print(json.dumps({"smolcode_plan": plan, "train_sequences": len(train), "validation_sequences": 0 if validation is None else len(validation), "world_size": world_size}), flush=True)
    resume = args.resume and any(args.output_dir.glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    trainer.save_model(str(args.output_dir))
    if trainer.is_world_process_zero():
        plan_file = args.output_dir / "smolcode_plan.json"
        plan_file.write_text(json.dumps({"plan": plan, "train_sequences": len(train), "world_size": world_size, "base_model": args.model}, indent=2) + "\\n")
        if FIM_RECORD is not None:
            (args.output_dir / ${JSON.stringify(FIM_RECORD_FILE)}).write_text(json.dumps(FIM_RECORD, indent=2) + "\\n")
        print(f"adapter saved in {args.output_dir}", flush=True)


if __name__ == "__main__":
    main()
`;
}
