"""Stage dialogs: paragraphs.txt -> dialogs.txt, raw_dialogs.txt, dialogs.jsonl.

dialogs.jsonl keeps each replica's segments with source punctuation, one
dialog per line, for the TiMe stages; the two .txt files follow SPEC §3-4.

A play (SPEC §10, see play.py) gives the same three files, so later stages
work unchanged, plus play.json (persons and labels) and play_speakers.jsonl
(one line per dialog: [speaker, addressee] for each replica).
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from .common import KitError, atomic_write, cli_main, progress, require_file, write_json, write_stats
from .replicas import is_replica, render_char, render_raw, split_replica

Dialog = list[list[tuple[str, str]]]  # replicas, each a list of segments
FORMATS = ("auto", "prose", "play")
PLAY_FILES = ("play.json", "play_speakers.jsonl")


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


def split_texts(paragraphs: Iterable[str]) -> list[list[str]]:
    """paragraphs.txt lines -> texts (an empty line separates the files of a folder)."""
    texts: list[list[str]] = [[]]
    for p in paragraphs:
        p = p.rstrip("\n")
        if p:
            texts[-1].append(p)
        elif texts[-1]:
            texts.append([])
    return [t for t in texts if t]


def _text_format(text: list[str], fmt: str) -> str:
    from .play import is_play

    if fmt != "auto":
        return fmt
    return "play" if is_play(text) else "prose"


def write_dialogs(paragraphs: Iterable[str], out_dir: str | Path, fmt: str = "auto") -> dict:
    """Writes dialogs.txt, raw_dialogs.txt, dialogs.jsonl; for plays also
    play.json and play_speakers.jsonl. `fmt`: auto (each text detected), prose, play."""
    if fmt not in FORMATS:
        raise KitError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    texts = split_texts(paragraphs)
    kinds = [_text_format(t, fmt) for t in texts]
    stats: dict = {"paragraphs": 0, "replicas": 0, "dialogs": 0, "remarks": 0}
    if "play" not in kinds:
        _write_all(((d, None) for t in texts for d in iter_dialogs(t, stats)), out_dir, stats)
        for name in PLAY_FILES:  # stale sidecars of an earlier play run would mislead later stages
            (out_dir / name).unlink(missing_ok=True)
        stats.update(format="prose", labelled_paragraphs=0, persons=0)
        return stats
    from .play import parse_play

    persons: dict[str, dict] = {}
    labels: Counter[str] = Counter()
    label_persons: dict[str, str] = {}
    extra = {"labelled_paragraphs": 0, "continuations": 0, "directions": 0, "headings": 0, "addressees": 0}

    def dialogs():
        for text, kind in zip(texts, kinds):
            if kind == "prose":
                for d in iter_dialogs(text, stats):
                    yield d, [[None, None] for _ in d]
                continue
            play = parse_play(text)
            stats["paragraphs"] += play.stats["paragraphs"]
            for k in extra:
                extra[k] += play.stats[k]
            for p in play.persons:
                if p.name not in persons:
                    persons[p.name] = p.to_json()
            labels.update(play.labels)
            label_persons.update(play.label_person)
            yield from zip(play.dialogs, play.speakers)

    with atomic_write(out_dir / "play_speakers.jsonl") as fs:
        _write_all(dialogs(), out_dir, stats, fs)
    write_json(out_dir / "play.json", {
        "persons": list(persons.values()),
        "labels": dict(labels.most_common()),  # label as written -> paragraphs
        "label_persons": {lb: label_persons[lb] for lb, _ in labels.most_common()},  # typos, caps
        "texts": kinds,  # per text of paragraphs.txt: play or prose, as decided here
    })
    stats.update(format="play" if "prose" not in kinds else "mixed", persons=len(persons), **extra)
    return stats


def _write_all(dialogs, out_dir: Path, stats: dict, speakers_file=None) -> None:
    with (
        atomic_write(out_dir / "dialogs.txt") as fd,
        atomic_write(out_dir / "raw_dialogs.txt") as fr,
        atomic_write(out_dir / "dialogs.jsonl") as fj,
    ):
        for dialog, speakers in dialogs:
            dialog_stats(dialog, stats)
            for i, segs in enumerate(dialog):
                fd.write(render_char(segs) + "\n")
                fr.write(render_raw(segs, first=i == 0) + "\n")
            fd.write("\n")
            fj.write(json.dumps(dialog, ensure_ascii=False) + "\n")
            if speakers_file is not None:
                speakers_file.write(json.dumps(speakers, ensure_ascii=False) + "\n")
        if not stats["dialogs"]:
            raise KitError(
                "no dialogs found: no paragraph starts with a dash (— – - ...) or a speaker label "
                "(`Лопахин. ...`). The kit needs direct speech written as dash replicas, or a play"
            )


def read_dialogs_jsonl(path: str | Path) -> Iterator[Dialog]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield [[tuple(s) for s in rep] for rep in json.loads(line)]


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False), help="Holds paragraphs.txt; outputs go here.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="prose: dash replicas; play: speaker labels (SPEC §10); auto: detected per text.")
@cli_main
def main(out_dir, fmt):
    """Extract dialogs from paragraphs.txt."""
    t0 = time.perf_counter()
    src = require_file(Path(out_dir) / "paragraphs.txt", "paragraphs.txt", "run the prepare stage first")
    with open(src, encoding="utf-8") as f:
        lines = f.readlines()
    stats = write_dialogs(progress(lines, desc="dialogs", unit="par"), out_dir, fmt)
    write_stats(out_dir, "dialogs", stats, t0)


if __name__ == "__main__":
    main()
