"""The end-of-run summary, read from the stats_<stage>.json files."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .common import cli_main

STAGES = ("prepare", "dialogs", "names", "speakers", "time", "assemble")


def load_stats(out_dir: str | Path) -> dict:
    out = {}
    for s in STAGES:
        p = Path(out_dir) / f"stats_{s}.json"
        if p.exists():
            out[s] = json.loads(p.read_text(encoding="utf-8"))
    return out


def format_summary(st: dict) -> str:
    lines = ["", "=== make_datasets summary ==="]
    if "prepare" in st:
        p = st["prepare"]
        lines.append(f"texts: {p['texts']}   paragraphs: {p['paragraphs']}   characters: {p['chars']}")
    if "dialogs" in st:
        d = st["dialogs"]
        lines.append(f"replica paragraphs: {d['replicas']}   dialogs: {d['dialogs']}   remarks: {d['remarks']}")
    if "names" in st:
        n = st["names"]
        lines.append(f"name forms: {n['forms']} ({n['found_by_ner']} seen by NER)   occurrences: {n['occurrences']}")
        if n["top"]:
            lines.append("top names: " + ", ".join(f"{t['name']} {t['count']}" for t in n["top"]))
    if "speakers" in st:
        sp = st["speakers"]
        n = max(1, sp["replicas"])
        how = ", ".join(f"{k} {v}" for k, v in sorted(sp["how"].items(), key=lambda kv: -kv[1]) if k != "none")
        lines.append(f"characters: {sp['characters']}{' (hand-edited characters.py)' if sp.get('edited_characters') else ''}"
                     f"   replicas with a speaker: {100 * sp['with_speaker'] / n:.1f}% ({how or 'none'})"
                     f"   with an addressee: {100 * sp['with_addressee'] / n:.1f}%")
        if sp["top"]:
            lines.append("top speakers: " + "; ".join(
                f"{t['name']} {t['replicas']}" + (f" ({', '.join(a for a in t['aliases'] if a != t['name'])})"
                                                 if len(t["aliases"]) > 1 else "") for t in sp["top"]))
    if "time" in st:
        t = st["time"]
        for mode in ("me", "ti"):
            s = t.get(mode, {})
            repl = ", ".join(f"{k[9:]} {v}" for k, v in s.items() if k.startswith("replaced_")) or "none"
            lines.append(
                f"{mode}: dialogs changed {t[f'changed_{mode}']}/{t['dialogs']}; replaced: {repl}; "
                f"verbs re-inflected {s.get('verbs_reinflected', 0)}, vocatives removed "
                f"{s.get('vocatives_removed', 0)}, introductions kept {s.get('introductions_kept', 0)}, "
                f"prepositions lengthened {s.get('prepositions_lengthened', 0)}, "
                f"names kept: attached {s.get('attached_kept', 0)}, "
                f"same person in the sentence {s.get('same_person_kept', 0)}, "
                f"next to another name {s.get('crowded_kept', 0)}"
            )
    if "time" in st and "pov_lines" in st["time"]:
        t = st["time"]
        p = t.get("pov", {})
        n = max(1, t["pov_lines"])
        lines.append(
            f"pov: lines rewritten {t['pov_changed']}/{t['pov_lines']} ({100 * t['pov_changed'] / n:.1f}%), "
            f"dialogs with a speaker on every line {t['dialogs_all_speakers']}/{t['dialogs']}; "
            f"remark pronouns {p.get('remark_pronouns', 0)} (+{p.get('follow_up_pronouns', 0)} later in the remark), "
            f"vocatives removed {p.get('vocatives_removed', 0)}, "
            f"verbs re-inflected {p.get('verbs_reinflected', 0)}")
    if "assemble" in st:
        a = st["assemble"]
        for split in ("train", "val"):
            s = a[split]
            mix = [("orig" if k == "dialogs" else k) for k in a.get("mix", ["dialogs", "me", "ti"])]
            kinds = ", ".join(f"{'dialogs' if k == 'orig' else k} {s.get(k, 0)}" for k in mix)
            lines.append(f"{a['base_name']}{'' if split == 'train' else '_val'}.txt: {s['blocks']} blocks ({kinds})")
    times = "  ".join(f"{s} {st[s]['seconds']:.1f}s" for s in STAGES if s in st)
    lines.append(f"time per stage: {times}")
    return "\n".join(lines)


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@cli_main
def main(out_dir):
    """Print the summary of the last make_datasets.sh run."""
    click.echo(format_summary(load_stats(out_dir)))


if __name__ == "__main__":
    main()
