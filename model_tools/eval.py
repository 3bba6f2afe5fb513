"""Evaluates one or more fine-tuned models on the validation dialogs.

* Perplexity: the validation file tokenised and packed exactly as training sees
  it (train.load_blocks + Collator), mean NLL over the target tokens.
* Replies: for N contexts (a validation dialog's prefix ending at a line
  boundary, picked by SEED) the model writes the next line with the chat's
  sampling settings; the replies are scored for form, identity, copying and
  variety (score_replies).

Writes eval.json and eval_samples.txt into each model directory and prints one
table with a column per model.
"""
from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

import click

from dataset_tools.assemble import iter_blocks
from dataset_tools.common import KitError, atomic_write, cli_main, log, progress, write_json
from dataset_tools.morph import WORD, has_name_tag, parse_all, parse_top

from . import CHAR_TOKEN
from .character import model_character
from .chat import CONTEXT_REPLICAS, Generator, gen_options
from .loading import context_length
from .quiet import quiet_libraries

# Lemmas of verbs that introduce speech in a remark.
SPEECH_VERBS = {
    "сказать", "говорить", "ответить", "отвечать", "спросить", "спрашивать", "крикнуть", "кричать", "закричать",
    "шепнуть", "шептать", "прошептать", "зашептать", "воскликнуть", "вскрикнуть", "проговорить", "пробормотать",
    "бормотать", "промолвить", "молвить", "произнести", "продолжать", "продолжить", "перебить", "добавить",
    "заметить", "замечать", "возразить", "возражать", "повторить", "повторять", "подтвердить", "согласиться",
    "сообщить", "объяснить", "объяснять", "пообещать", "обещать", "признаться", "протянуть", "буркнуть",
    "рассказать", "рассказывать", "позвать", "окликнуть", "пропеть", "простонать", "вздохнуть", "засмеяться",
    "усмехнуться", "улыбнуться", "подумать", "думать", "попросить", "просить", "приказать", "велеть",
}
SUBJECTS = ("я", "ты", "name", "он/она", "other")
_PRONOUN = {"я": "я", "ты": "ты", "он": "он/она", "она": "он/она", "мы": "other", "вы": "other", "они": "other"}
_REMARK = re.compile(r"\(([^()]*)\)")


@dataclass
class Reply:
    text: str            # the line the model wrote, <char> included, no newline
    stopped: bool        # ended by EOS or a newline within MAX_NEW_TOKENS


def balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def well_formed(r: Reply) -> bool:
    """One line that starts with <char>, stops by itself, is not empty and has
    balanced remark parentheses."""
    body = r.text[len(CHAR_TOKEN):] if r.text.startswith(CHAR_TOKEN) else None
    return (body is not None and CHAR_TOKEN not in body and r.stopped and bool(body.strip())
            and balanced(body))


def _speech_verb(word: str) -> bool:
    # Any indicative reading counts: a remark's verb is often ambiguous out of context (`начала`).
    return any(p.tag.POS == "VERB" and p.tag.mood == "indc" and p.normal_form in SPEECH_VERBS
               for p in parse_all(word.lower()))


def _subject_kind(word: str) -> str | None:
    low = word.lower()
    if low in _PRONOUN:
        return _PRONOUN[low]
    top = parse_top(low).tag
    # Lower-cased, a surname reads as a common noun first (`базаров`: of `базар`), so any name reading counts.
    if word[:1].isupper() and (top.POS == "NOUN" and top.case == "nomn" or any(
            has_name_tag(p.tag) and p.tag.case == "nomn" for p in parse_all(low))):
        return "name"
    if top.POS == "NOUN" and top.case == "nomn" and "anim" in top:
        return "other"  # `сказал князь`
    return None


def remark_subject(remark: str) -> str | None:
    """The subject of the remark's speech verb: я, ты, name, он/она, other, or
    None when the remark has no speech verb with a subject. The subject stands
    right after the verb (`сказал я`, `сказал тихо он`) or right before it
    (`Базаров ответил`)."""
    words = [m.group(0) for m in WORD.finditer(remark)]
    for i, w in enumerate(words):
        if not _speech_verb(w):
            continue
        after = [x for x in words[i + 1:i + 3] if parse_top(x.lower()).tag.POS != "ADVB"][:1]
        for cand in after + words[max(0, i - 1):i]:
            kind = _subject_kind(cand)
            if kind:
                return kind
        return None
    return None


def reply_subject(r: Reply) -> str | None:
    for remark in _REMARK.findall(r.text):
        kind = remark_subject(remark)
        if kind:
            return kind
    return None


def words_of(text: str) -> list[str]:
    return [m.group(0).lower() for m in WORD.finditer(text.replace(CHAR_TOKEN, " "))]


def distinct(replies: list[Reply], n: int) -> float:
    grams = [tuple(ws[i:i + n]) for r in replies for ws in [words_of(r.text)] for i in range(len(ws) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def normalise_line(line: str) -> str:
    return " ".join(line.split())


def score_replies(replies: list[Reply], train_lines: set[str]) -> dict:
    """Shares over all replies; identity shares over the replies whose remark
    has a speech verb with a subject."""
    n = len(replies)
    subjects = [s for s in map(reply_subject, replies) if s]
    out = {
        "replies": n,
        "well_formed": sum(map(well_formed, replies)) / n if n else 0.0,
        "stopped": sum(r.stopped for r in replies) / n if n else 0.0,
        "with_subject": len(subjects),
        "identity": {k: (subjects.count(k) / len(subjects) if subjects else 0.0) for k in SUBJECTS},
        "copied": sum(normalise_line(r.text) in train_lines for r in replies) / n if n else 0.0,
        "distinct_1": distinct(replies, 1),
        "distinct_2": distinct(replies, 2),
    }
    return out


# ---------------------------------------------------------------- data

def read_dialogs(path: Path, character: str = "") -> list[tuple[list[str], list[int]]]:
    """(lines, the indices a context may end before) per validation dialog:
    every line but the first, or the character's lines for a kit export."""
    if character:
        from .character import read_kit, select_character

        canonical, _, recs = select_character(read_kit(path), character, path)
        return [(r["lines"], [i for i, s in enumerate(r["speakers"]) if i > 0 and s == canonical]) for r in recs]
    return [(lines, list(range(1, len(lines)))) for b in iter_blocks(path) for lines in [b.split("\n")]]


def train_line_set(path: Path | None) -> set[str]:
    if path is None:
        return set()
    if path.suffix == ".jsonl":
        from .character import read_kit

        return {normalise_line(x) for r in read_kit(path) for x in r["lines"]}
    return {normalise_line(x) for b in iter_blocks(path) for x in b.split("\n")}


def pick_contexts(dialogs, n: int, seed: int, context_replicas: int) -> list[dict]:
    """n (dialog, cut) pairs, the same for every model given the seed."""
    cuts = [(d, k) for d, (_, ks) in enumerate(dialogs) for k in ks]
    if not cuts:
        raise KitError("the validation file has no dialog with two lines or more")
    picked = sorted(random.Random(seed).sample(cuts, min(n, len(cuts))))
    return [{"dialog": d, "line": k, "context": dialogs[d][0][max(0, k - context_replicas):k],
             "reference": dialogs[d][0][k]} for d, k in picked]


# ---------------------------------------------------------------- model side

def perplexity(model, tok, val: Path, block_size: int, batch_size: int, character: str, device: str) -> dict:
    import torch

    from .train import Collator, PackedDataset, load_blocks

    blocks, labels, _ = load_blocks(val, tok, block_size, character, "tokenize val")
    data = PackedDataset(blocks, labels)
    collate = Collator(tok.pad_token_id)
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(blocks), batch_size):
            feats = [data[j] for j in range(i, min(i + batch_size, len(data)))]
            batch = {k: v.to(device) for k, v in collate(feats).items()}
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            target = batch["labels"][:, 1:]  # as the model's own loss: token t predicted from tokens < t
            nll = torch.nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1).float(), target.flatten(),
                                                    ignore_index=-100, reduction="sum")
            total += nll.item()
            count += int((target != -100).sum())
    if not count:
        raise KitError(f"{val}: no tokens to score")
    loss = total / count
    try:
        ppl = math.exp(loss)
    except OverflowError:  # an untrained model can have a loss past exp's range
        ppl = float("inf")
    return {"loss": loss, "perplexity": ppl, "tokens": count, "blocks": len(blocks)}


def model_block_size(model_dir: str, model, wanted: int) -> int:
    """BLOCK_SIZE, or (0) the block size the model was trained with; capped by its context."""
    if not wanted:
        args = Path(model_dir) / "run_args.json"
        wanted = json.loads(args.read_text(encoding="utf-8")).get("block_size", 512) if args.exists() else 512
    max_pos = context_length(model)
    return min(wanted, max_pos) if max_pos else wanted


def evaluate_model(model_dir: str, val: Path, train_lines: set[str], contexts: list[dict], cfg: dict,
                   gen: dict) -> tuple[dict, list[Reply]]:
    from transformers import set_seed

    g = Generator(model_dir, **gen)
    block = model_block_size(model_dir, g.model, cfg["block_size"])
    log.info(f"{model_dir}: perplexity on {val} (blocks of <= {block} tokens)")
    ppl = perplexity(g.model, g.tok, val, block, cfg["batch_size"], cfg["character"], g.device)
    # An empty line or an immediate end is never a reply; the model must write <char> itself.
    no_start = sorted({t for t in g.newline + [g.tok.eos_token_id] if t is not None})
    set_seed(cfg["seed"])  # the same sampling stream for every model
    replies = []
    for c in progress(contexts, desc=f"replies {Path(model_dir).name}", unit="reply"):
        text, stopped = g.complete("\n".join(c["context"]) + "\n", no_start)
        replies.append(Reply(text, stopped))
    scores = score_replies(replies, train_lines)
    result = {"model": model_dir, "val_file": str(val), "block_size": block, **{f"val_{k}": v for k, v in ppl.items()},
              **scores, "settings": dict(gen, seed=cfg["seed"], samples=len(contexts),
                                         context_replicas=cfg["context_replicas"], character=cfg["character"] or None)}
    if math.isinf(result["val_perplexity"]):
        result["val_perplexity"] = None  # JSON has no infinity
    return result, replies


def write_samples(path: Path, contexts: list[dict], replies: list[Reply]) -> None:
    with atomic_write(path) as f:
        for i, (c, r) in enumerate(zip(contexts, replies), 1):
            flags = ", ".join(x for x, on in (("well-formed", well_formed(r)), ("no stop", not r.stopped),
                                              (f"subject {reply_subject(r)}", reply_subject(r))) if on)
            f.write(f"### {i} · dialog {c['dialog'] + 1}, line {c['line'] + 1} · {flags or 'malformed'}\n")
            f.writelines(line + "\n" for line in c["context"])
            f.write(f">>> {r.text}\n")
            f.write(f"ref {c['reference']}\n\n")


ROWS = [
    ("val perplexity", lambda r: "inf" if r["val_perplexity"] is None else f"{r['val_perplexity']:.2f}"),
    ("val loss", lambda r: f"{r['val_loss']:.4f}"),
    ("val tokens", lambda r: str(r["val_tokens"])),
    ("replies", lambda r: str(r["replies"])),
    ("well-formed", lambda r: f"{r['well_formed']:.2f}"),
    ("stops by itself", lambda r: f"{r['stopped']:.2f}"),
    ("with a speech-verb subject", lambda r: str(r["with_subject"])),
    *[(f"  subject {k}", lambda r, k=k: f"{r['identity'][k]:.2f}") for k in SUBJECTS],
    ("copied training line", lambda r: f"{r['copied']:.2f}"),
    ("distinct-1", lambda r: f"{r['distinct_1']:.3f}"),
    ("distinct-2", lambda r: f"{r['distinct_2']:.3f}"),
]


def format_table(results: list[dict]) -> str:
    names = [r["model"] for r in results]
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines += [f"| {label} | " + " | ".join(fn(r) for r in results) + " |" for label, fn in ROWS]
    return "\n".join(lines)


def run_eval(models: list[str], val_file: str, train_file: str, samples: int, seed: int, block_size: int,
             batch_size: int, context_replicas: int, character: str, gen: dict) -> list[dict]:
    quiet_libraries()
    val = Path(val_file)
    if not val.exists():
        raise KitError(f"validation file not found: {val} (make_datasets.sh with VAL_SHARE > 0, or set VAL_FILE)")
    if val.suffix == ".jsonl" and not character:
        character = model_character(models[0])
        if character is None:
            raise KitError(f"{val} is a character export: set CHARACTER to the character to evaluate")
    if character and val.suffix != ".jsonl":
        raise KitError("CHARACTER needs a kit JSONL validation file (VAL_FILE=...jsonl)")
    train = Path(train_file) if train_file else None
    if train is not None and not train.exists():
        log.warning(f"warning: training file {train} not found; copying is not measured")
        train = None
    contexts = pick_contexts(read_dialogs(val, character), samples, seed, context_replicas)
    lines = train_line_set(train)
    cfg = {"seed": seed, "block_size": block_size, "batch_size": batch_size, "character": character,
           "context_replicas": context_replicas}
    results = []
    for m in models:
        res, replies = evaluate_model(m, val, lines, contexts, cfg, gen)
        res["train_file"] = str(train) if train else None
        write_json(Path(m) / "eval.json", res)
        write_samples(Path(m) / "eval_samples.txt", contexts, replies)
        log.info(f"{m}: wrote eval.json and eval_samples.txt")
        results.append(res)
    return results


@click.command()
@click.option("--model", "models", required=True, help="Model directory; a comma list to compare.")
@click.option("--val-file", required=True)
@click.option("--train-file", default="", help="For the copying check ('' = skip).")
@click.option("--samples", type=int, default=100, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--block-size", type=int, default=0, help="0 = as the model was trained.")
@click.option("--batch-size", type=int, default=4, show_default=True)
@click.option("--context-replicas", type=int, default=CONTEXT_REPLICAS, show_default=True)
@click.option("--character", default="")
@gen_options
@cli_main
def main(models, val_file, train_file, samples, seed, block_size, batch_size, context_replicas, character, **gen):
    """Perplexity and reply metrics for one or more models, side by side."""
    names = [m.strip() for m in models.split(",") if m.strip()]
    if not names:
        raise KitError("MODEL is empty")
    if samples < 1 or batch_size < 1:
        raise KitError("SAMPLES and BATCH_SIZE must be at least 1")
    results = run_eval(names, val_file, train_file, samples, seed, block_size, batch_size, context_replicas,
                       character, gen)
    click.echo(format_table(results))


if __name__ == "__main__":
    main()
