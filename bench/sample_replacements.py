"""Prints N random individual replacements (word-level diff of dialogs.txt vs
me_dialogs.txt, ti_dialogs.txt or pov_dialogs.txt) with a little context, for
judging precision by eye. In pov mode each edit also shows who speaks to whom
(speakers.jsonl) and the whole source line.

    .venv/bin/python bench/sample_replacements.py OUT_DIR [N] [SEED] [me|ti|pov]
"""
import difflib
import json
import random
import sys
from pathlib import Path

import click


def edits_of(out: Path, mode: str) -> list[str]:
    orig = (out / "dialogs.txt").read_text(encoding="utf-8").splitlines()
    new = (out / f"{mode}_dialogs.txt").read_text(encoding="utf-8").splitlines()
    who = [None] * len(orig)
    if mode == "pov":
        rows = iter(json.loads(x) for x in (out / "speakers.jsonl").read_text(encoding="utf-8").splitlines() if x)
        who = [None if not line else next(rows) for line in orig]
    edits = []
    for a, b, w in zip(orig, new, who):
        if a == b:
            continue
        wa, wb = a[6:].split(), b[6:].split()
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
            if op != "equal":
                left = " ".join(wa[max(0, i1 - 5):i1])
                e = f"{left} [{' '.join(wa[i1:i2])} -> {' '.join(wb[j1:j2])}] {' '.join(wa[i2:i2 + 4])}"
                if w is not None:
                    e = f"({w['speaker']} → {w['addressee'] or '?'}) {e}\n       line: {a[:160]}"
                edits.append(e)
    return edits


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("n", type=int, default=100)
@click.argument("seed", type=int, default=1)
@click.argument("mode", type=click.Choice(["me", "ti", "pov"]), default="me")
def main(out_dir: Path, n: int, seed: int, mode: str) -> None:
    need = ["dialogs.txt", f"{mode}_dialogs.txt"] + (["speakers.jsonl"] if mode == "pov" else [])
    missing = [f for f in need if not (out_dir / f).is_file()]
    if missing:
        raise click.ClickException(f"{out_dir} has no {', '.join(missing)}: run make_datasets.sh up to the time stage")
    edits = edits_of(out_dir, mode)
    print(f"{len(edits)} edits", file=sys.stderr)
    for i, e in enumerate(random.Random(seed).sample(edits, min(n, len(edits))), 1):
        print(f"{i:3}. {e}")


if __name__ == "__main__":
    main()
