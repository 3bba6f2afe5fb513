"""Which DATASET_MIX makes the better roleplay model? One base model, one book,
the same number of training tokens per mix, the same validation dialogs.

    .venv/bin/python bench/dataset_mix.py [--mixes "dialogs;dialogs,me,ti;dialogs,pov;dialogs,me,ti,pov"]

1. Pretrain (cached in WORK/pretrained-<key>): a small GPT-2 with a BPE
   tokenizer, trained on the narration (non-replica paragraphs) of the shared
   corpus for a fixed number of steps, then <char> added (dash init).
   No pretrained model can be downloaded here, so this stands in for one.
2. make_datasets.sh on the book once; then the assemble stage once per mix,
   same SEED and VAL_SHARE. The split is by dialog, so every mix holds out the
   same dialogs; this is checked. All models are evaluated on the original
   (`dialogs`) versions of those dialogs.
3. model_train_gpt2.sh per mix from the same base: the same steps, batch and
   block size, so the same number of token slots.
4. model_eval.sh on all models in one run: perplexity and reply metrics.

Prints one table with the command that made it. A mix whose files are missing
(pov needs pov_dialogs.txt from the speakers work) is reported and skipped.
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from dataset_tools.assemble import MIX_FILES, iter_blocks  # noqa: E402
from dataset_tools.replicas import is_replica  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
BOOK = ["Дуэль.txt", "В овраге.txt", "Барыня.txt", "Ариадна.txt", "Каштанка.txt", "Архиерей.txt", "Враги.txt",
        "Человек в футляре.txt"]
DEFAULT_MIXES = "dialogs;dialogs,me,ti;dialogs,pov;dialogs,me,ti,pov"


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(cmd: list[str], env: dict | None = None, quiet: bool = True) -> str:
    e = dict(os.environ, TIME_KIT_PROGRESS="0", HF_HUB_OFFLINE="1", **(env or {}))
    r = subprocess.run(cmd, env=e, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"failed: {shlex.join(cmd)}\n{r.stderr[-3000:]}")
    if not quiet:
        sys.stderr.write(r.stderr)
    return r.stdout


# ---------------------------------------------------------------- 1. pretraining

def corpus_items(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.is_dir() or p.suffix in (".txt", ".fb2"))


def narration(corpus: Path, work: Path) -> Path:
    from dataset_tools.prepare import prepare

    out = work / "narration.txt"
    paras = []
    for i, item in enumerate(corpus_items(corpus)):
        tmp = work / f"paragraphs_{i}.txt"
        prepare(item, tmp)
        paras += [p for p in tmp.read_text(encoding="utf-8").splitlines() if p.strip() and not is_replica(p)]
        tmp.unlink()
    out.write_text("\n\n".join(paras) + "\n", encoding="utf-8")  # one block per paragraph
    return out


def pretrain(corpus: Path, work: Path, steps: int, layers: int, embd: int, block: int, seed: int) -> Path:
    """The cached base model with <char>; trained once per corpus and budget."""
    files = sorted((str(p.relative_to(corpus)), p.stat().st_size) for p in corpus.rglob("*") if p.is_file())
    key = hashlib.sha1(json.dumps([files, steps, layers, embd, block, seed]).encode()).hexdigest()[:10]
    out = work / f"pretrained-{key}"
    if (out / "pretrain.json").exists():
        say(f"pretrained base: cached {out}")
        return out
    from model_tools.quiet import quiet_libraries

    quiet_libraries()  # before transformers pulls in bitsandbytes
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments, set_seed
    from transformers.trainer_callback import PrinterCallback

    from model_tools.add_tokens import add_char_token
    from model_tools.build_default import build_default
    from model_tools.train import Collator, PackedDataset, align_model, pack, tokenize_dialogs
    tmp = work / f"pretrain-{key}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    t0 = time.perf_counter()
    text = narration(corpus, tmp)
    say(f"pretraining: narration of {corpus} ({text.stat().st_size / 2**20:.1f} MB), {steps} steps")
    build_default(text, tmp / "scratch", vocab_size=4000, n_layer=layers, n_embd=embd, n_head=4,
                  n_positions=block, seed=seed)
    tok = AutoTokenizer.from_pretrained(tmp / "scratch")
    model = AutoModelForCausalLM.from_pretrained(tmp / "scratch")
    tok.pad_token = tok.eos_token
    align_model(model, tok)
    set_seed(seed)
    blocks = pack(tokenize_dialogs(text, tok, "tokenize narration"), block)
    args = TrainingArguments(output_dir=str(tmp / "run"), per_device_train_batch_size=8, max_steps=steps,
                             learning_rate=1e-3, warmup_steps=min(50, steps // 10), lr_scheduler_type="cosine",
                             weight_decay=0.01, logging_steps=max(1, steps // 10), save_strategy="no",
                             report_to="none", disable_tqdm=True, optim="adamw_torch", seed=seed,
                             dataloader_pin_memory=torch.cuda.is_available())
    trainer = Trainer(model=model, args=args, train_dataset=PackedDataset(blocks),
                      data_collator=Collator(tok.pad_token_id))
    trainer.remove_callback(PrinterCallback)  # stdout is for the table
    result = trainer.train()
    add_char_token(model, tok, "dash")
    model.save_pretrained(tmp / "model")
    tok.save_pretrained(tmp / "model")
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    info = {"steps": steps, "tokens": steps * 8 * block, "narration_mb": round(text.stat().st_size / 2**20, 2),
            "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None,
            "train_loss": result.metrics["train_loss"], "seconds": round(time.perf_counter() - t0, 1),
            "layers": layers, "embd": embd, "block": block, "parameters": sum(p.numel() for p in model.parameters())}
    (tmp / "model" / "pretrain.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp / "model", out)  # the cache appears only when complete
    shutil.rmtree(tmp)
    say(f"pretrained base: {out} (loss {info['first_loss']} -> {info['last_loss']}, {info['seconds']} s)")
    return out


# ---------------------------------------------------------------- 2. datasets

def mix_name(mix: str) -> str:
    return "mix_" + mix.replace(",", "_")


def val_dialog_ids(data: Path, val_file: Path, kinds: list[str]) -> set[int]:
    """Indices (in dialogs.txt) of the dialogs whose versions fill a val file."""
    index = {}
    for kind in kinds:
        for i, b in enumerate(iter_blocks(data / MIX_FILES[kind])):
            index.setdefault(b, i)
    return {index[b] for b in iter_blocks(val_file)}


def build_datasets(book: list[Path], work: Path, mixes: list[str], val_share: float, seed: int):
    data = work / "book"
    src = work / "book_src"
    if not (data / "dialogs.txt").exists():
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        for p in book:
            shutil.copy(p, src / p.name)
        say(f"datasets: make_datasets.sh on {len(book)} texts")
        run(["bash", str(ROOT / "make_datasets.sh"), "--src-file", str(src), "--out-dir", str(data),
             "--dict-dir", str(data / "dicts"), "--val-share", str(val_share), "--seed", str(seed),
             "--dataset-mix", "dialogs"])
    ready, skipped = [], {}
    for mix in mixes:
        missing = [MIX_FILES[k] for k in mix.split(",") if not (data / MIX_FILES[k]).exists()]
        if missing:
            skipped[mix] = f"{', '.join(missing)} missing"
            continue
        run(["bash", str(ROOT / "make_datasets.sh"), "--stage", "assemble", "--out-dir", str(data),
             "--dict-dir", str(data / "dicts"), "--val-share", str(val_share), "--seed", str(seed),
             "--dataset-mix", mix, "--base-name", mix_name(mix)])
        ready.append(mix)
    available = [k for k in MIX_FILES if (data / MIX_FILES[k]).exists()]
    # the common validation file (original dialogs) and every line of the book for the copying check
    for mix, name in (("dialogs", "common"), (",".join(available), "all_versions")):
        run(["bash", str(ROOT / "make_datasets.sh"), "--stage", "assemble", "--out-dir", str(data),
             "--dict-dir", str(data / "dicts"), "--val-share", str(val_share), "--seed", str(seed),
             "--dataset-mix", mix, "--base-name", name])
    want = val_dialog_ids(data, data / "common_val.txt", ["dialogs"])
    for mix in ready:
        got = val_dialog_ids(data, data / f"{mix_name(mix)}_val.txt", ["dialogs", *available])
        if got != want:
            raise SystemExit(f"{mix}: its validation file holds other dialogs than the common one")
    say(f"datasets: {len(ready)} mixes, all holding out the same {len(want)} dialogs")
    return data, ready, skipped, len(want)


# ---------------------------------------------------------------- 3-4. train and evaluate

@click.command()
@click.option("--book", "books", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Book file(s) to fine-tune on (default: 8 Chekhov stories of the shared corpus).")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), default=SHARED,
              show_default=True, help="Pretraining corpus; only its narration is used.")
@click.option("--mixes", default=DEFAULT_MIXES, show_default=True, help="DATASET_MIX values, ';'-separated.")
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "runs" / "dataset_mix", show_default=True)
@click.option("--pretrain-steps", default=300, show_default=True)
@click.option("--steps", default=250, show_default=True, help="Fine-tuning steps per mix (batch 8).")
@click.option("--block", default=128, show_default=True)
@click.option("--layers", default=4, show_default=True)
@click.option("--embd", default=256, show_default=True)
@click.option("--lr", default=0.0005, show_default=True)
@click.option("--samples", default=100, show_default=True, help="Replies per model for the reply metrics.")
@click.option("--val-share", default=0.05, show_default=True)
@click.option("--seed", default=42, show_default=True)
def main(books, corpus, mixes, work, pretrain_steps, steps, block, layers, embd, lr, samples, val_share, seed):
    command = shlex.join([".venv/bin/python", "bench/dataset_mix.py", *sys.argv[1:]])
    t0 = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    book = list(books) or [corpus / "chekhov" / n for n in BOOK]
    mix_list = [m.strip() for m in mixes.split(";") if m.strip()]
    base = pretrain(corpus, work, pretrain_steps, layers, embd, block, seed)
    data, ready, skipped, n_val = build_datasets(book, work, mix_list, val_share, seed)
    models = []
    for mix in ready:
        proj = work / f"ft_{mix_name(mix)}"
        say(f"fine-tuning {mix}: {steps} steps")
        run(["bash", str(ROOT / "model_train_gpt2.sh"), "--dataset-file", str(data / f"{mix_name(mix)}.txt"),
             "--val-file", str(data / "common_val.txt"), "--src-model", str(base), "--project-name", str(proj),
             "--max-steps", str(steps), "--save-steps", str(steps), "--batch-size", "8", "--block-size", str(block),
             "--lr", str(lr), "--logging-steps", str(max(1, steps // 5)), "--fresh", "true", "--save-total-limit",
             "1", "--optimizer", "adamw_torch"])
        for cp in proj.glob("checkpoint-*"):  # the final model is beside them; the eval needs no optimizer state
            shutil.rmtree(cp)
        models.append(proj)
    if not models:
        raise SystemExit(f"no mix could be built: {skipped}")
    say(f"evaluating {len(models)} models on {n_val} validation dialogs")
    run(["bash", str(ROOT / "model_eval.sh"), "--model", ",".join(map(str, models)),
         "--val-file", str(data / "common_val.txt"), "--train-file", str(data / "all_versions.txt"),
         "--samples", str(samples), "--seed", str(seed)])
    rows = []
    for mix, proj in zip(ready, models):
        ev = json.loads((proj / "eval.json").read_text(encoding="utf-8"))
        args = json.loads((proj / "run_args.json").read_text(encoding="utf-8"))
        per_slot = args["train_tokens"] / args["train_blocks"]  # real tokens per packed block
        rows.append((mix, args["train_blocks"], args["train_tokens"], round(per_slot * steps * 8), ev))
    pre = json.loads((base / "pretrain.json").read_text(encoding="utf-8"))
    print(f"command: {command}")
    print(f"base: GPT-2 {layers}x{embd}, {pre['parameters'] / 1e6:.1f}M parameters, pretrained {pre['steps']} steps "
          f"({pre['tokens']:,} token slots) on the narration of {corpus} (loss {pre['first_loss']:.2f} -> "
          f"{pre['last_loss']:.2f}); fine-tuning {steps} steps x batch 8 x block {block}, LR {lr}; "
          f"validation: {n_val} original dialogs held out from every mix; {samples} replies per model")
    print("| DATASET_MIX | train blocks | train tokens | tokens seen | val ppl | well-formed | я | ты | name | "
          "он/она | with subject | copied | distinct-1 | distinct-2 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for mix, blocks, tokens, seen, ev in rows:
        idn = ev["identity"]
        ppl = "inf" if ev["val_perplexity"] is None else f"{ev['val_perplexity']:.1f}"
        print(f"| {mix} | {blocks} | {tokens:,} | {seen:,} | {ppl} | {ev['well_formed']:.2f} | {idn['я']:.2f} | "
              f"{idn['ты']:.2f} | {idn['name']:.2f} | {idn['он/она']:.2f} | {ev['with_subject']} | "
              f"{ev['copied']:.2f} | {ev['distinct_1']:.3f} | {ev['distinct_2']:.3f} |")
    for mix, why in skipped.items():
        print(f"| {mix} | skipped: {why} |")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
