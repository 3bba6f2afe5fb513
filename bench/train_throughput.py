"""Training throughput: the kit's packed Trainer vs a plain HF Trainer that pads
every line, same small model, data, batch size and steps, side by side.

    .venv/bin/python bench/train_throughput.py DATASET_TXT [STEPS]

Reports real (non-pad) tokens per second, the share of non-pad tokens per
batch and peak RSS growth during training (CPU) or peak CUDA memory (GPU).
"""
from __future__ import annotations

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


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 60)
