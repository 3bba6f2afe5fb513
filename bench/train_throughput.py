"""Training throughput: the kit's packed Trainer vs a plain HF Trainer that pads
every line, same small model, data, batch size and steps, side by side.

    .venv/bin/python bench/train_throughput.py DATASET_TXT [STEPS]

Reports real (non-pad) tokens per second, the share of non-pad tokens per
batch and peak RSS growth during training (CPU) or peak CUDA memory (GPU).

    .venv/bin/python bench/train_throughput.py DATASET_TXT [STEPS] --lora [--batch=8]

compares full fine-tuning with LORA=true instead: model_tools.train itself, one
process per run, same model, data, optimizer and steps; reports the trainable
parameters (from run_args.json), the process's peak RSS (the kernel's
high-water mark, wait4) and the time per step.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dataset_tools.assemble import iter_blocks  # noqa: E402
from model_tools.add_tokens import add_char_token  # noqa: E402
from model_tools.build_default import build_default  # noqa: E402
from model_tools.train import Collator, PackedDataset, pack, tokenize_dialogs  # noqa: E402


def run(model_dir, dataset, steps, bs, block, packed: bool):
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    if packed:
        data = pack(tokenize_dialogs(dataset, tok, "tok"), block)
    else:  # the naive way: every line its own sample, padded to the batch's longest
        lines = [x for b in iter_blocks(dataset) for x in b.split("\n")]
        data = [ids[:block] for ids in tok(lines, add_special_tokens=False)["input_ids"]]
    ds = PackedDataset(data)
    collate = Collator(tok.pad_token_id)
    real = padded = 0
    for i in range(0, min(len(ds), steps * bs), bs):
        b = collate([ds[j % len(ds)] for j in range(i, i + bs)])
        real += int(b["attention_mask"].sum())
        padded += b["attention_mask"].numel()
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(output_dir=out, per_device_train_batch_size=bs, max_steps=steps,
                                 learning_rate=1e-3, report_to="none", save_strategy="no",
                                 logging_steps=10**9, disable_tqdm=True, optim="adamw_torch",
                                 dataloader_drop_last=False)
        tr = Trainer(model=model, args=args, train_dataset=ds, data_collator=collate)
        rss0 = psutil.Process().memory_info().rss
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        tr.train()
        secs = time.perf_counter() - t
        mem = (torch.cuda.max_memory_allocated() if torch.cuda.is_available()
               else psutil.Process().memory_info().rss - rss0) / 2**20
    seen = min(len(ds), steps * bs)
    tokens = real * (steps * bs / seen)  # real tokens processed over all steps
    return {"tokens_s": tokens / secs, "fill": real / padded, "secs": secs, "mem_mb": mem}


def main(dataset: Path, steps: int = 60, bs: int = 8, block: int = 256):
    with tempfile.TemporaryDirectory() as tmp:
        base = build_default(dataset, Path(tmp) / "m", vocab_size=2000, n_layer=4, n_embd=256, n_positions=block)
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok, model = AutoTokenizer.from_pretrained(base), AutoModelForCausalLM.from_pretrained(base)
        add_char_token(model, tok)
        model.save_pretrained(base)
        tok.save_pretrained(base)
        rows = {name: run(base, dataset, steps, bs, block, packed) for name, packed in
                (("padded lines (plain Trainer)", False), ("packed dialogs (kit)", True))}
    print(f"{steps} steps, batch {bs}, block {block}, device {'cuda' if torch.cuda.is_available() else 'cpu'}")
    print("| run | real tokens/s | non-pad share | train s | memory MB |")
    print("|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['tokens_s']:.0f} | {r['fill']:.2f} | {r['secs']:.1f} | {r['mem_mb']:.0f} |")
    a, b = rows["packed dialogs (kit)"], rows["padded lines (plain Trainer)"]
    print(f"ratio kit / baseline tokens/s: {a['tokens_s'] / b['tokens_s']:.2f}")


def lora_vs_full(dataset: Path, steps: int = 60, bs: int = 8, block: int = 256, n_layer: int = 4,
                 n_embd: int = 256, lr: float = 0.001):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    root = Path(__file__).resolve().parent.parent
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(dataset, tmp / "train.txt")  # no _val file beside it: no eval in the timing
        base = build_default(dataset, tmp / "m", vocab_size=2000, n_layer=n_layer, n_embd=n_embd, n_positions=block)
        tok, model = AutoTokenizer.from_pretrained(base), AutoModelForCausalLM.from_pretrained(base)
        add_char_token(model, tok)
        model.save_pretrained(base)
        tok.save_pretrained(base)
        for name, extra in (("full fine-tuning", {}), ("LoRA r=16 (default targets + <char> row)", {"LORA": "true"})):
            proj = tmp / f"p{len(rows)}"
            env = dict(os.environ, DATASET_FILE=str(tmp / "train.txt"), SRC_MODEL=str(base), PROJECT_NAME=str(proj),
                       MAX_STEPS=str(steps), BATCH_SIZE=str(bs), BLOCK_SIZE=str(block), SAVE_STEPS=str(10**6),
                       LOGGING_STEPS=str(max(1, steps // 4)), LR=str(lr), TIME_KIT_PROGRESS="0",
                       PYTHONPATH=str(root), **extra)
            proc = subprocess.Popen([sys.executable, "-m", "model_tools.train"], env=env, cwd=root,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            err = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode:
                raise SystemExit(f"{name} failed:\n{err.decode()[-2000:]}")
            args = json.loads((proj / "run_args.json").read_text())
            metrics = json.loads((proj / "metrics.json").read_text())
            rows[name] = {"trainable": args["trainable_parameters"], "all": args["all_parameters"],
                          "rss_mb": usage.ru_maxrss / 1024, "secs": metrics["train_runtime"],
                          "loss": metrics["train_loss"], "optimizer": args["optimizer_used"]}
    n = rows["full fine-tuning"]["all"]
    print(f"GPT-2 {n_layer} layers x {n_embd}, {n / 1e6:.2f}M parameters; {steps} steps, batch {bs}, block {block}, "
          f"LR {lr}, optimizer {rows['full fine-tuning']['optimizer']}, device "
          f"{'cuda' if torch.cuda.is_available() else 'cpu'}")
    print("| run | trainable parameters | share | peak RSS MB | s/step | mean train loss |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['trainable']:,} | {100 * r['trainable'] / r['all']:.1f}% | {r['rss_mb']:.0f} | "
              f"{r['secs'] / steps:.3f} | {r['loss']:.3f} |")


if __name__ == "__main__":
    pos = [a for a in sys.argv[1:] if not a.startswith("--")]
    run_steps = int(pos[1]) if len(pos) > 1 else 60
    batch = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--batch=")), 8))
    if "--lora" in sys.argv:
        lora_vs_full(Path(pos[0]), run_steps, bs=batch)
    else:
        main(Path(pos[0]), run_steps)
