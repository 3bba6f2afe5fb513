"""Stage dialogs: paragraphs.txt -> dialogs.txt, raw_dialogs.txt, dialogs.jsonl.

dialogs.jsonl keeps each replica's segments with source punctuation, one
dialog per line, for the TiMe stages; the two .txt files follow SPEC §3-4.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from .common import KitError, atomic_write, cli_main, progress, require_file, write_stats
from .replicas import is_replica, render_char, render_raw, split_replica

Dialog = list[list[tuple[str, str]]]  # replicas, each a list of segments


def iter_dialogs(paragraphs: Iterable[str], stats: dict | None = None) -> Iterator[Dialog]:
    """Groups paragraphs into dialogs. Narration and text boundaries (empty
    lines in paragraphs.txt) end a dialog."""
    stats = {} if stats is None else stats
    cur: Dialog = []
    for p in paragraphs:
        p = p.rstrip("\n")
        if p:
            stats["paragraphs"] = stats.get("paragraphs", 0) + 1
        if p and is_replica(p):
            cur.append(split_replica(p))
            continue
        if cur:
            yield cur
            cur = []
    if cur:
        yield cur


def dialog_stats(dialog: Dialog, stats: dict) -> None:
    stats["dialogs"] = stats.get("dialogs", 0) + 1
    stats["replicas"] = stats.get("replicas", 0) + len(dialog)
    stats["remarks"] = stats.get("remarks", 0) + sum(k == "r" for rep in dialog for k, _ in rep)


def write_dialogs(paragraphs: Iterable[str], out_dir: str | Path) -> dict:
    out_dir = Path(out_dir)
    stats: dict = {"paragraphs": 0, "replicas": 0, "dialogs": 0, "remarks": 0}
    with (
        atomic_write(out_dir / "dialogs.txt") as fd,
        atomic_write(out_dir / "raw_dialogs.txt") as fr,
        atomic_write(out_dir / "dialogs.jsonl") as fj,
    ):
        for dialog in iter_dialogs(paragraphs, stats):
            dialog_stats(dialog, stats)
            for i, segs in enumerate(dialog):
                fd.write(render_char(segs) + "\n")
                fr.write(render_raw(segs, first=i == 0) + "\n")
            fd.write("\n")
            fj.write(json.dumps(dialog, ensure_ascii=False) + "\n")
        if not stats["dialogs"]:
            raise KitError(
                "no dialogs found: no paragraph starts with a dash (— – - ...). "
                "The kit needs direct speech written as dash replicas"
            )
    return stats


def read_dialogs_jsonl(path: str | Path) -> Iterator[Dialog]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield [[tuple(s) for s in rep] for rep in json.loads(line)]


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False), help="Holds paragraphs.txt; outputs go here.")
@cli_main
def main(out_dir):
    """Extract dialogs from paragraphs.txt."""
    t0 = time.perf_counter()
    src = require_file(Path(out_dir) / "paragraphs.txt", "paragraphs.txt", "run the prepare stage first")
    total = sum(1 for _ in open(src, encoding="utf-8"))
    with open(src, encoding="utf-8") as f:
        stats = write_dialogs(progress(f, total=total, desc="dialogs", unit="par"), out_dir)
    write_stats(out_dir, "dialogs", stats, t0)


if __name__ == "__main__":
    main()
