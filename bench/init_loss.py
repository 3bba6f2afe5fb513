"""First-step loss on dialogs.txt for the three <char> initialisations.

A tiny GPT-2 is first trained on the book's paragraphs (where replicas start
with "— "), so the dash means something to it; then <char> is added with dash,
mean or random init, and the loss on dialogs.txt is measured before any update.

    .venv/bin/python bench/init_loss.py OUT_DIR      # OUT_DIR of make_datasets.sh
"""
import copy
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from model_tools.add_tokens import add_char_token  # noqa: E402
from model_tools.build_default import build_default  # noqa: E402


def loss_on(model, tok, lines, n=64):
    model.eval()
    losses = []
    with torch.no_grad():
        for text in lines[:n]:
            ids = tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"][:, :128]
            losses.append(model(input_ids=ids, labels=ids).loss.item())
    return sum(losses) / len(losses)


def main(out_dir: Path, steps: int = 300):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = out_dir / "init_bench_base"
    build_default(out_dir / "paragraphs.txt", base, vocab_size=2000, n_layer=2, n_embd=128)
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base)
    paras = [p for p in (out_dir / "paragraphs.txt").read_text(encoding="utf-8").splitlines() if p][:4000]
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    torch.manual_seed(0)
    model.train()
    for step in range(steps):
        batch = [paras[(step * 8 + i) % len(paras)] for i in range(8)]
        enc = tok(batch, return_tensors="pt", padding=True, truncation=True, max_length=96) \
            if tok.pad_token else None
        if enc is None:
            tok.pad_token = tok.eos_token
            enc = tok(batch, return_tensors="pt", padding=True, truncation=True, max_length=96)
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        loss = model(**enc, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    dialogs = [b for b in (out_dir / "dialogs.txt").read_text(encoding="utf-8").split("\n\n") if b.strip()]
    print(f"base model trained {steps} steps on paragraphs; last loss {loss.item():.3f}")
    print("| init | first-step loss on dialogs.txt | perplexity |")
    print("|---|---|---|")
    for init in ("dash", "mean", "random"):
        m, t = copy.deepcopy(model), copy.deepcopy(tok)
        torch.manual_seed(0)
        info = add_char_token(m, t, init)
        val = loss_on(m, t, dialogs)
        print(f"| {info['init']} | {val:.3f} | {math.exp(val):.1f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 300)
