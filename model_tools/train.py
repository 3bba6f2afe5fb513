"""Fine-tunes a GPT-2-class model on dataset.txt with the HF Trainer.

Dialogs end with EOS and are packed whole into blocks of up to BLOCK_SIZE
tokens (split only when longer than a block); EOS labels are kept so the
model learns to stop. Resumes from the newest checkpoint by default.
LORA=true trains peft adapters and the <char> row instead of every weight;
CHARACTER=NAME on a kit JSONL export puts the loss on NAME's lines only.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

from dataset_tools.assemble import iter_blocks
from dataset_tools.common import KitError, atomic_write, cli_main, log, progress, write_json

from . import CHAR_TOKEN
from .loading import check_source, context_length, load_model, load_tokenizer
from .lora import ADAPTER_DIR, count_parameters
from .quiet import quiet_libraries


@dataclass
class TrainConfig:
    dataset_file: str = field(default="dataset.txt", metadata={"help": "Training file from make_datasets.sh."})
    src_model: str = field(default="gpt2_small_for_train", metadata={"help": "Model with <char> (dir or hub name)."})
    project_name: str = field(default="finetune", metadata={"help": "Output directory: checkpoints, records, model."})
    val_file: str = field(default="", metadata={"help": "Validation file; '' = {BASE}_val.txt beside the dataset if any."})
    save_steps: int = 500
    batch_size: int = 1
    gas: int = 1
    weight_decay: float = 0.03
    lr: float = 0.00006
    optimizer: str = "adamw_bnb_8bit"
    epochs: float = 1.0
    max_steps: int = 0
    block_size: int = 512
    fp16: str = "auto"
    grad_checkpointing: bool = False
    save_total_limit: int = 3
    logging_steps: int = 10
    fresh: bool = False
    seed: int = 42
    character: str = field(default="", metadata={"help": "Train one character of a kit JSONL export."})
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: str = field(default="", metadata={"help": "Comma list of modules; '' = attention + MLP projections."})
    lora_merge: bool = True

    def __post_init__(self):
        if self.fp16 not in ("auto", "true", "false"):
            raise KitError(f"FP16 must be auto, true or false, got '{self.fp16}'")
        for name in ("save_steps", "batch_size", "gas", "block_size", "logging_steps"):
            if getattr(self, name) < 1:
                raise KitError(f"{name.upper()} must be at least 1")
        if self.lr <= 0:
            raise KitError("LR must be positive")
        if self.max_steps <= 0 and self.epochs <= 0:
            raise KitError("set EPOCHS > 0 or MAX_STEPS > 0")
        if self.lora and (self.lora_r < 1 or self.lora_alpha <= 0 or not 0 <= self.lora_dropout < 1):
            raise KitError("LORA_R must be at least 1, LORA_ALPHA positive and LORA_DROPOUT in [0, 1)")
        kit = self.dataset_file.endswith(".jsonl")
        if kit and not self.character:
            raise KitError(f"{self.dataset_file} is a character export: set CHARACTER to the character to train "
                           "(its name or any alias)")
        if self.character and not kit:
            raise KitError("CHARACTER needs a kit JSONL export as DATASET_FILE "
                           "(make_character.py OUT_DIR NAME --format kit -o FILE.jsonl)")


def align_model(model, tok) -> None:
    """The kit's settings the model config lacks: the pad id the tokenizer uses
    (saves the Trainer rewriting the config) and the causal-LM loss, which
    transformers cannot infer from a class name like GPT2LMHeadModel."""
    model.config.pad_token_id = tok.pad_token_id
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.pad_token_id = tok.pad_token_id
    model.loss_type = "ForCausalLM"


def resolve_val_file(cfg: TrainConfig) -> Path | None:
    if cfg.val_file:
        p = Path(cfg.val_file)
        if not p.exists():
            raise KitError(f"validation file not found: {p}")
        return p
    ds = Path(cfg.dataset_file)
    cand = ds.with_name(ds.stem + "_val" + ds.suffix)
    return cand if cand.exists() else None


def tokenize_dialogs(path: Path, tok, desc: str) -> list[list[int]]:
    """Each dialog block -> its token ids + EOS."""
    blocks = list(iter_blocks(path))
    out: list[list[int]] = []
    step = 256
    for i in progress(range(0, len(blocks), step), desc=desc, unit="batch"):
        enc = tok([b + "\n" for b in blocks[i:i + step]], add_special_tokens=False)["input_ids"]
        out.extend(ids + [tok.eos_token_id] for ids in enc)
    return out


def pack(dialogs: list[list[int]], block_size: int) -> list[list[int]]:
    """Packs whole dialogs into blocks; only a dialog longer than a block is split.
    The blocks depend only on the lengths, so packing labels of the same
    lengths gives the matching label blocks."""
    blocks: list[list[int]] = []
    cur: list[int] = []
    for ids in dialogs:
        if len(ids) > block_size:
            if cur:
                blocks.append(cur)
                cur = []
            chunks = [ids[i:i + block_size] for i in range(0, len(ids), block_size)]
            blocks.extend(chunks[:-1])
            cur = chunks[-1]  # the tail may share a block with the next dialogs
            continue
        if len(cur) + len(ids) > block_size:
            blocks.append(cur)
            cur = []
        cur = cur + ids
    if cur:
        blocks.append(cur)
    return blocks


def load_blocks(path: Path, tok, block_size: int, character: str = "", desc: str = "tokenize"):
    """(blocks, label blocks or None, character stats or None): a text file or a
    kit JSONL (with CHARACTER) tokenised and packed as training sees it."""
    if character:
        from .character import tokenize_character

        ids, labels, stats = tokenize_character(path, tok, character, desc)
        return pack(ids, block_size), pack(labels, block_size), stats
    return pack(tokenize_dialogs(path, tok, desc), block_size), None, None


class PackedDataset:
    def __init__(self, blocks, labels=None):
        self.blocks = blocks
        self.labels = labels

    def __len__(self):
        return len(self.blocks)

    def __getitem__(self, i):
        if self.labels is None:
            return {"input_ids": self.blocks[i]}
        return {"input_ids": self.blocks[i], "labels": self.labels[i]}


class Collator:
    """Pads a batch; labels are masked by the attention mask, never by token id,
    so EOS stays a target even when it doubles as the pad token. Given labels
    (CHARACTER training) are used as they are, padded with -100."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, features):
        import torch

        n = max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), n), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(features), n), dtype=torch.long)
        for i, f in enumerate(features):
            ids[i, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
            mask[i, : len(f["input_ids"])] = 1
        labels = ids.masked_fill(mask == 0, -100)
        for i, f in enumerate(features):
            if "labels" in f:
                labels[i, : len(f["labels"])] = torch.tensor(f["labels"])
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def precision_flags(setting: str) -> dict:
    """FP16=auto: half precision only on CUDA GPUs of compute capability >= 7.0
    (GTX 10xx cards are faster in fp32); bf16 where the GPU supports it."""
    import torch

    if setting == "false" or not torch.cuda.is_available():
        if setting == "true" and not torch.cuda.is_available():
            log.warning("warning: FP16=true needs a CUDA GPU; training in fp32")
        return {"fp16": False, "bf16": False}
    major, _ = torch.cuda.get_device_capability()
    if setting == "auto" and major < 7:
        return {"fp16": False, "bf16": False}
    if torch.cuda.is_bf16_supported():
        return {"fp16": False, "bf16": True}
    return {"fp16": True, "bf16": False}


def choose_optimizer(name: str) -> str:
    """8-bit AdamW needs a working bitsandbytes; otherwise fall back to adamw_torch."""
    if "bnb" not in name and "8bit" not in name:
        return name
    try:
        import bitsandbytes as bnb
        import torch

        dev = "cuda" if torch.cuda.is_available() else "cpu"
        p = torch.nn.Parameter(torch.zeros(4096, device=dev))
        p.grad = torch.ones_like(p)
        bnb.optim.AdamW8bit([p], lr=1e-3).step()
    except Exception as e:  # noqa: BLE001 - any failure means it can't run here
        log.warning(f"warning: {name} can't run here ({type(e).__name__}: {str(e).splitlines()[0][:120]}); "
                    "using adamw_torch")
        return "adamw_torch"
    return name


def describe_optimizer(opt) -> str:
    import torch

    inner = getattr(opt, "optimizer", opt)
    dtypes = {}
    for state in inner.state.values():
        for k, v in state.items():
            if isinstance(v, torch.Tensor) and v.dim() > 0 and k.startswith(("state", "exp_avg")):
                dtypes[str(v.dtype).replace("torch.", "")] = dtypes.get(str(v.dtype).replace("torch.", ""), 0) + 1
    eight = dtypes.get("uint8", 0)
    states = ", ".join(f"{n}× {d}" for d, n in sorted(dtypes.items())) or "none yet"
    return f"{type(inner).__module__}.{type(inner).__name__}; state tensors: {states}; 8-bit states: " + (
        "yes" if eight and eight == sum(dtypes.values()) else "partly" if eight else "no")


def newest_checkpoint(out_dir: Path) -> Path | None:
    cps = [p for p in out_dir.glob("checkpoint-*") if p.is_dir() and re.fullmatch(r"checkpoint-\d+", p.name)
           and (p / "trainer_state.json").exists()]
    return max(cps, key=lambda p: int(p.name.split("-")[1]), default=None)


def plot_history(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(h["step"], h["loss"]) for h in history if "loss" in h]
    evals = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h]
    fig, axes = plt.subplots(1, 2 if evals else 1, figsize=(10 if evals else 6, 4), squeeze=False)
    ax = axes[0][0]
    if train:
        ax.plot(*zip(*train), label="train loss")
    if evals:
        ax.plot(*zip(*evals), "o-", label="eval loss")
        ppl = axes[0][1]
        ppl.plot([s for s, _ in evals], [math.exp(min(v, 50)) for _, v in evals], "o-", color="C2")
        ppl.set_title("eval perplexity")
        ppl.set_xlabel("step")
    ax.set_xlabel("step")
    ax.set_title("loss")
    ax.legend()
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def write_history(history: list[dict], path: Path) -> None:
    with atomic_write(path) as f:
        for h in history:
            f.write(json.dumps(h, ensure_ascii=False) + "\n")


def train(cfg: TrainConfig) -> dict:
    quiet_libraries()
    import torch
    from transformers import Trainer, TrainerCallback, TrainingArguments, set_seed

    ds = Path(cfg.dataset_file)
    if not ds.exists():
        raise KitError(f"dataset not found: {ds} (run make_datasets.sh, or set DATASET_FILE)")
    if not ds.read_text(encoding="utf-8").strip():
        raise KitError(f"dataset is empty: {ds}")
    check_source(cfg.src_model)
    out = Path(cfg.project_name)
    resume = None if cfg.fresh else newest_checkpoint(out)
    # A resumed run continues the same weights; the checkpoint holds them.
    tok = load_tokenizer(cfg.src_model)
    if CHAR_TOKEN not in tok.get_vocab():
        raise KitError(f"{cfg.src_model} has no {CHAR_TOKEN} token; run model_add_tokens.sh first "
                       f"(SRC_MODEL={cfg.src_model} NEW_MODEL=... ./model_add_tokens.sh)")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if resume and (resume / "adapter_config.json").exists() != cfg.lora:
        kind = "a LoRA" if cfg.lora else "a full"
        raise KitError(f"{resume} is not from {kind} run; set FRESH=true or another PROJECT_NAME")
    set_seed(cfg.seed)
    model = load_model(cfg.src_model)
    align_model(model, tok)
    max_pos = context_length(model)
    block = min(cfg.block_size, max_pos) if max_pos else cfg.block_size
    train_blocks, train_labels, char_stats = load_blocks(ds, tok, block, cfg.character, "tokenize train")
    if not train_blocks:
        raise KitError(f"dataset has no dialogs: {ds}")
    val_path = resolve_val_file(cfg)
    val_blocks, val_labels, _ = load_blocks(val_path, tok, block, cfg.character, "tokenize val") \
        if val_path else (None, None, None)
    if char_stats:
        log.info(f"CHARACTER {char_stats['character']}: loss on {char_stats['target_tokens']:,} of "
                 f"{char_stats['tokens']:,} tokens ({char_stats['character_lines']} of {char_stats['lines']} lines "
                 f"in {char_stats['dialogs']} dialogs)")
    lora_targets = None
    if cfg.lora:
        from .lora import apply_lora

        model, lora_targets = apply_lora(model, cfg, tok.convert_tokens_to_ids(CHAR_TOKEN))
    n_train, n_all = count_parameters(model)
    what = (f"LoRA r={cfg.lora_r} alpha={cfg.lora_alpha} dropout={cfg.lora_dropout} on "
            f"{','.join(lora_targets)} + the {CHAR_TOKEN} row" if cfg.lora else "full fine-tuning")
    log.info(f"{what}: {n_train:,} of {n_all:,} parameters train ({100 * n_train / n_all:.2f}%)")

    optim = choose_optimizer(cfg.optimizer)
    prec = precision_flags(cfg.fp16)
    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.gas,
        learning_rate=cfg.lr,
        weight_decay=cfg.weight_decay,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps if cfg.max_steps > 0 else -1,
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit or None,
        logging_steps=cfg.logging_steps,
        eval_strategy="steps" if val_blocks else "no",
        eval_steps=cfg.save_steps if val_blocks else None,
        optim=optim,
        activation_checkpointing=cfg.grad_checkpointing,
        dataloader_pin_memory=torch.cuda.is_available(),  # pinning needs an accelerator
        report_to="none",
        seed=cfg.seed,
        disable_tqdm=os.environ.get("TIME_KIT_PROGRESS") == "0",
        **prec,
    )
    out.mkdir(parents=True, exist_ok=True)
    record = {"config": asdict(cfg), "optimizer_used": optim, "precision": prec, "block_size": block,
              "train_blocks": len(train_blocks), "val_blocks": len(val_blocks or []),
              "train_tokens": sum(map(len, train_blocks)), "resumed_from": str(resume) if resume else None,
              "device": "cuda" if torch.cuda.is_available() else "cpu",
              "trainable_parameters": n_train, "all_parameters": n_all, "lora_targets": lora_targets,
              "character": char_stats}
    write_json(out / "run_args.json", record)

    class Records(TrainerCallback):
        def on_log(self, args, state, control, **kw):
            write_history(state.log_history, out / "log_history.jsonl")

        def on_step_end(self, args, state, control, **kw):
            if state.global_step >= state.max_steps:
                control.should_save = True  # always leave a checkpoint at the end

    trainer = Trainer(model=model, args=args, train_dataset=PackedDataset(train_blocks, train_labels),
                      eval_dataset=PackedDataset(val_blocks, val_labels) if val_blocks else None,
                      data_collator=Collator(tok.pad_token_id), processing_class=tok, callbacks=[Records()])
    if resume:
        log.info(f"resuming from {resume}")
    log.info(f"training: {len(train_blocks)} blocks of <= {block} tokens, optimizer {optim}, "
             f"{'bf16' if prec['bf16'] else 'fp16' if prec['fp16'] else 'fp32'}")
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    opt_desc = describe_optimizer(trainer.optimizer)
    log.info(f"optimizer that ran: {opt_desc}")
    metrics = dict(result.metrics, optimizer=opt_desc, seconds=round(time.perf_counter() - t0, 2))
    if val_blocks:
        ev = trainer.evaluate()
        metrics.update(ev)
        metrics["eval_perplexity"] = math.exp(min(ev["eval_loss"], 50))
    if cfg.lora:
        from .lora import save_lora

        # one process writes (NUM_GPUS > 1): the merge rewrites the weights in place
        saved = save_lora(trainer.model, tok, out, cfg.lora_merge) if trainer.is_world_process_zero() else ""
    else:
        trainer.save_model(str(out))
        saved = f"model in {out}"
        if (out / ADAPTER_DIR).is_dir():  # an earlier LoRA run's adapter no longer matches the model
            shutil.rmtree(out / ADAPTER_DIR)
    tok.save_pretrained(str(out))
    if char_stats:  # the chat says whom it plays
        write_json(out / "character.json", {"character": char_stats["character"], "aliases": char_stats["aliases"]})
    elif (out / "character.json").exists():
        (out / "character.json").unlink()
    write_history(trainer.state.log_history, out / "log_history.jsonl")
    plot_history(trainer.state.log_history, out / "loss.png")
    write_json(out / "metrics.json", metrics)
    log.info(f"saved {saved}; tokenizer, run_args.json, log_history.jsonl, loss.png, metrics.json in {out} "
             f"(step {trainer.state.global_step})")
    return metrics


def config_from_env(env=os.environ) -> TrainConfig:
    """Fields are read from the environment variables of the same name in
    upper case (DATASET_FILE, SAVE_STEPS...), as model_train_gpt2.sh exports them."""
    kw = {}
    for f in TrainConfig.__dataclass_fields__.values():
        raw = env.get(f.name.upper())
        if raw is None or raw == "" and f.type != "str":
            continue
        try:
            if f.type == "bool":
                if raw not in ("true", "false"):
                    raise ValueError
                kw[f.name] = raw == "true"
            elif f.type == "int":
                kw[f.name] = int(raw)
            elif f.type == "float":
                kw[f.name] = float(raw)
            else:
                kw[f.name] = raw
        except ValueError:
            raise KitError(f"{f.name.upper()} must be {'true or false' if f.type == 'bool' else 'a number'}, "
                           f"got '{raw}'") from None
    return TrainConfig(**kw)


@click.command()
@cli_main
def main():
    """Fine-tune a causal LM on a <char> dialog dataset (settings from the environment)."""
    train(config_from_env())


if __name__ == "__main__":
    main()
