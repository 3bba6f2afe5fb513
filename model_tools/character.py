"""One-character training data: the `kit` export of make_character.py (SPEC §11).

Each JSONL line is one dialog:
    {"character": "Базаров", "aliases": [...], "lines": ["<char>...", ...], "speakers": ["Базаров", null, ...]}

Targets (labels that count in the loss), for a dialog tokenised exactly as the
trainer tokenises a text block ("\\n".join(lines) + "\\n", then EOS):
  * every token of each of the character's lines: its <char>, its text and its
    trailing newline (the chat stops on it);
  * EOS, when the dialog ends on the character's line;
everything else (the other speakers' lines with their newlines, EOS after
someone else's line) is -100: context the model reads but is not trained to write.
"""
from __future__ import annotations

import json
from pathlib import Path

from dataset_tools.common import KitError, iter_jsonl, progress


def model_character(model_dir: str | Path) -> str | None:
    """The character a model was trained for (its character.json, written by train.py), or None."""
    info = Path(model_dir) / "character.json"
    return json.loads(info.read_text(encoding="utf-8"))["character"] if info.exists() else None


def read_kit(path: str | Path) -> list[dict]:
    records = []
    for n, rec in iter_jsonl(path):
        ok = isinstance(rec, dict) and isinstance(rec.get("character"), str)
        lines, speakers = (rec.get("lines"), rec.get("speakers")) if ok else (None, None)
        if not ok or not isinstance(lines, list) or not isinstance(speakers, list):
            raise KitError(f"{path}:{n}: a kit record needs 'character', 'lines' and 'speakers' "
                           "(write it with make_character.py --format kit)")
        if len(lines) != len(speakers):
            raise KitError(f"{path}:{n}: {len(lines)} lines but {len(speakers)} speakers")
        records.append(rec)
    return records


def _key(name: str) -> str:
    return name.strip().casefold().replace("ё", "е")


def select_character(records: list[dict], name: str, path) -> tuple[str, list[str], list[dict]]:
    """(canonical name, aliases, its records) for NAME given as the canonical name or any alias."""
    want = _key(name)
    mine = [r for r in records if want in {_key(r["character"]), *map(_key, r.get("aliases") or [])}]
    if not mine:
        found = sorted({r["character"] for r in records})
        raise KitError(f"CHARACTER '{name}' matches no record in {path}; it has: {', '.join(found[:10]) or 'none'}")
    canonical = mine[0]["character"]
    aliases = sorted({a for r in mine if r["character"] == canonical for a in r.get("aliases") or []})
    return canonical, aliases, [r for r in mine if r["character"] == canonical]


def dialog_labels(rec: dict, canonical: str, tok) -> tuple[list[int], list[int]]:
    """Token ids and labels of one dialog (see the module doc for the targets)."""
    text = "\n".join(rec["lines"]) + "\n"
    spans, pos = [], 0
    for line, who in zip(rec["lines"], rec["speakers"]):
        start = pos
        pos += len(line) + 1
        spans.append((start, pos, who == canonical))  # [the line's <char>, past its newline)
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    labels, i = [], 0
    for tid, (s, _) in zip(enc["input_ids"], enc["offset_mapping"]):
        while i < len(spans) - 1 and s >= spans[i][1]:
            i += 1
        start, end, target = spans[i]
        labels.append(tid if target and start <= s < end else -100)
    ids = enc["input_ids"] + [tok.eos_token_id]
    labels.append(tok.eos_token_id if spans and spans[-1][2] else -100)
    return ids, labels


def tokenize_character(path: str | Path, tok, name: str, desc: str) -> tuple[list, list, dict]:
    """(ids per dialog, labels per dialog, stats) for NAME's dialogs in a kit file."""
    if not getattr(tok, "is_fast", False):
        raise KitError("CHARACTER training needs a fast tokenizer (tokenizer.json) to map tokens to lines")
    records = read_kit(path)
    if not records:
        raise KitError(f"{path} has no dialogs")
    canonical, aliases, mine = select_character(records, name, path)
    ids_all, labels_all = [], []
    stats = {"character": canonical, "aliases": aliases, "dialogs": 0, "dialogs_without_lines": 0,
             "lines": 0, "character_lines": 0, "tokens": 0, "target_tokens": 0}
    for rec in progress(mine, desc=desc, unit="dialog"):
        n_mine = sum(s == canonical for s in rec["speakers"])
        if not n_mine:  # nothing to learn from; skip rather than spend compute on it
            stats["dialogs_without_lines"] += 1
            continue
        ids, labels = dialog_labels(rec, canonical, tok)
        ids_all.append(ids)
        labels_all.append(labels)
        stats["dialogs"] += 1
        stats["lines"] += len(rec["lines"])
        stats["character_lines"] += n_mine
        stats["tokens"] += len(ids)
        stats["target_tokens"] += sum(x != -100 for x in labels)
    if not ids_all:
        raise KitError(f"{path}: {canonical} has no lines in it")
    return ids_all, labels_all, stats
