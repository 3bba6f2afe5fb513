"""Scores the speakers stage against a hand-made gold (bench/gold/*.jsonl).

    .venv/bin/python bench/speakers.py bench/gold/speakers_*.jsonl
    .venv/bin/python bench/speakers.py bench/gold/heldout_speakers.jsonl --work /tmp/spk

Each source the gold names is run through the stages prepare..speakers (once;
`--rerun` forces it) into WORK/<name>/. Every gold replica is found in
dialogs.txt by its rendered line, in order, and compared with speakers.jsonl.

Gold format: a header {"src", "first_line", "cast": {key: [aliases]}} opens
each passage, then one {"line", "par", "speaker", "addressee"} per replica.
A speaker is a cast key, "-" (a person with no name) or "?" (a reader cannot
tell); an addressee may also be "*" (several people).

precision = right speakers / replicas the kit gave a speaker
coverage  = right speakers / replicas whose gold speaker is a named character
A kit speaker is right when its canonical name is one of the gold speaker's
aliases. Gold "?" replicas count in neither. The same for addressees.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"

from dataset_tools.names import NOBILIARY  # noqa: E402
from dataset_tools.replicas import replica_to_char  # noqa: E402


def norm(name: str) -> str:
    # "фон Корен" is the kit's "Корен": the particle is no part of the key
    words = name.replace("ё", "е").lower().split()
    while len(words) > 1 and words[0] in NOBILIARY:
        words = words[1:]
    return " ".join(words)


def read_gold(paths):
    passages = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            if "src" in obj:
                passages.append({**obj, "items": [], "gold_file": Path(path).name})
            else:
                passages[-1]["items"].append(obj)
    return passages


def run_stages(src: Path, out: Path, rerun: bool, speakers_only: bool = False) -> None:
    if (out / "speakers.jsonl").exists() and not rerun and not speakers_only:
        return
    out.mkdir(parents=True, exist_ok=True)
    py = [str(ROOT / ".venv" / "bin" / "python"), "-m"]
    steps = [
        ["dataset_tools.prepare", "--src", str(src), "--out-dir", str(out)],
        ["dataset_tools.dialogs", "--out-dir", str(out)],
        ["dataset_tools.names", "--out-dir", str(out), "--dict-dir", str(out)],
        ["dataset_tools.speakers", "--out-dir", str(out), "--dict-dir", str(out)],
    ]
    if speakers_only and (out / "names.json").exists():
        steps = steps[-1:]
    for step in steps:
        subprocess.run(py + step, check=True, cwd=ROOT, env={"TIME_KIT_PROGRESS": "0", "PATH": "/usr/bin:/bin"})


def load_run(out: Path):
    lines = [ln for ln in (out / "dialogs.txt").read_text(encoding="utf-8").splitlines() if ln]
    rows = [json.loads(ln) for ln in (out / "speakers.jsonl").read_text(encoding="utf-8").splitlines() if ln]
    assert len(lines) == len(rows), f"{out}: dialogs.txt and speakers.jsonl disagree"
    return lines, rows


class Score:
    def __init__(self):
        self.c = defaultdict(int)

    def add(self, key, n=1):
        self.c[key] += n

    def pct(self, a, b):
        return f"{100 * self.c[a] / self.c[b]:.1f}% ({self.c[a]}/{self.c[b]})" if self.c[b] else "—"


def score_passage(p, lines, rows, sc: Score, per_how: dict, errors: list, start: int, misses: list) -> int:
    cast = {k: {norm(k)} | {norm(a) for a in v} for k, v in p["cast"].items()}
    pos = start
    for item in p["items"]:
        want = replica_to_char(item["par"])
        try:
            i = lines.index(want, pos)
        except ValueError:
            sc.add("unaligned")
            continue
        pos = i + 1
        row = rows[i]
        gs, ga = item["speaker"], item["addressee"]
        ks, kh, ka = row["speaker"], row["how"], row["addressee"]
        if gs != "?":
            sc.add("replicas")
            named = gs in cast
            sc.add("gold_named", named)
            if ks is not None:
                right = named and norm(ks) in cast[gs]
                sc.add("given")
                sc.add("right", right)
                per_how[kh]["given"] += 1
                per_how[kh]["right"] += right
                if not right:
                    errors.append(f"{p['src']}:{item['line']}: speaker {ks} ({kh}), gold {gs}: {want[:90]}")
            elif named:
                misses.append(f"{p['src']}:{item['line']}: gold {gs}: {want[:110]}")
        if ga != "?":
            sc.add("a_replicas")
            named = ga in cast or ga == "*"
            sc.add("a_gold_named", named)
            if ka is not None:
                right = (ka == "*" and ga == "*") or (ga in cast and norm(ka) in cast[ga])
                sc.add("a_given")
                sc.add("a_right", right)
                if not right:
                    errors.append(f"{p['src']}:{item['line']}: addressee {ka}, gold {ga}: {want[:90]}")
    return pos


@click.command()
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--work", default="/tmp/time_kit_speakers", show_default=True, help="Where the runs go.")
@click.option("--rerun", is_flag=True, help="Run the stages again even where outputs exist.")
@click.option("--speakers", "speakers_only", is_flag=True, help="Run the speakers stage again (reuse the names).")
@click.option("--errors", "show_errors", is_flag=True, help="List every wrong speaker and addressee.")
@click.option("--misses", "show_misses", is_flag=True, help="List every named gold speaker the run left null.")
def main(gold, work, rerun, speakers_only, show_errors, show_misses):
    passages = read_gold(gold)
    by_book: dict[str, list] = defaultdict(list)
    for p in passages:
        by_book[p["src"]].append(p)
    total = Score()
    total_how: dict = defaultdict(lambda: defaultdict(int))
    rows_out = []
    errors: list[str] = []
    misses: list[str] = []
    for src, ps in by_book.items():
        out = Path(work) / Path(src).stem.replace(" ", "_")
        run_stages(CORPUS / src, out, rerun, speakers_only)
        lines, rows = load_run(out)
        sc = Score()
        pos = 0
        for p in sorted(ps, key=lambda p: p["first_line"]):
            pos = score_passage(p, lines, rows, sc, total_how, errors, pos, misses)
        for k, v in sc.c.items():
            total.add(k, v)
        rows_out.append((src, sc))
    print(f"$ python bench/speakers.py {' '.join(gold)}")
    print()
    print("| book | replicas | speaker precision | speaker coverage | addressee precision | addressee coverage |")
    print("|---|---|---|---|---|---|")
    for src, sc in rows_out + [("**all**", total)]:
        print(f"| {src} | {sc.c['replicas']} | {sc.pct('right', 'given')} | {sc.pct('right', 'gold_named')} "
              f"| {sc.pct('a_right', 'a_given')} | {sc.pct('a_right', 'a_gold_named')} |")
    print()
    print("| method | speakers given | precision |")
    print("|---|---|---|")
    for how, c in sorted(total_how.items(), key=lambda kv: -kv[1]["given"]):
        print(f"| {how} | {c['given']} | {100 * c['right'] / c['given']:.1f}% |")
    if total.c["unaligned"]:
        print(f"\nwarning: {total.c['unaligned']} gold replicas not found in dialogs.txt")
    if show_errors:
        print("\n" + "\n".join(errors))
    if show_misses:
        print("\n" + "\n".join(misses))


if __name__ == "__main__":
    main()
