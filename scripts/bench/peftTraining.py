"""PyTorch + PEFT LoRA training, the baseline of the bench's training section (training.ts).

What a user would pick instead of SmolCode's trainer: transformers' LlamaForCausalLM on the same
model folder (config.json + model.safetensors) in float32 on the CPU, PEFT LoRA r=8 alpha=16 on
all seven projections, torch.optim.AdamW lr 2e-4, batch 1. One warm-up step, then `--steps`
timed steps of forward, backward and optimizer step on the same token ids as ours. Writes one
JSON object (the fields training.ts reads) to `--json`.

    python scripts/bench/peftTraining.py --model DIR --seq-len 512 --steps 3 --threads 2 --json OUT
"""

import argparse
import json
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaForCausalLM

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def tokens(n: int, vocab: int) -> list[int]:
    """The same ids as training.ts's tokens(): its LCG runs in JavaScript numbers, so in doubles here too."""
    x, out = 12345.0, []
    for _ in range(n):
        x = (x * 1103515245.0 + 12345.0) % 2147483648.0
        out.append(int(x % vocab))
    return out


def peak_rss_mib() -> float:
    # VmHWM is this process's own peak; ru_maxrss carries the spawning bench process's peak
    # across fork and exec (see peakRss.ts). ru_maxrss is in KiB on Linux.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    setup_start = time.perf_counter()
    model = LlamaForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=TARGETS, task_type="CAUSAL_LM"))
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    setup_seconds = time.perf_counter() - setup_start

    ids = torch.tensor([tokens(args.seq_len, model.config.vocab_size)], dtype=torch.long)
    mask = torch.ones_like(ids)

    def step() -> float:
        loss = model(input_ids=ids, attention_mask=mask, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    first_loss = step()  # warm-up: first-run allocations
    start = time.perf_counter()
    cpu_start = time.process_time()
    loss = 0.0
    for _ in range(args.steps):
        loss = step()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    result = {
        "torchVersion": torch.__version__,
        "threads": torch.get_num_threads(),
        "trainTokensPerSecond": args.steps * args.seq_len / seconds,
        "secondsPerMicroBatch": seconds / args.steps,
        "cpuSecondsPerStep": cpu_seconds / args.steps,
        "setupSeconds": setup_seconds,
        "firstLoss": first_loss,
        "loss": loss,
        "trainPeakRssMiB": peak_rss_mib(),
    }
    with open(args.json, "w", encoding="utf8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
