"""Golden files for the bundled sample: regenerate and diff them.

    .venv/bin/python -m tests.golden          # diff against tests/golden/
    .venv/bin/python -m tests.golden --update # rewrite tests/golden/
"""
from __future__ import annotations

import difflib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SAMPLE = ROOT / "data" / "sample" / "raw.txt"
FILES = ["dialogs.txt", "raw_dialogs.txt", "me_dialogs.txt", "ti_dialogs.txt", "dict_me.py", "dict_ti.py",
         "characters.py", "speakers.jsonl", "speaker_dialogs.txt", "pov_dialogs.txt", "dataset.txt", "dataset_val.txt"]


def build(out: Path) -> dict[str, str]:
    """Runs every dataset stage on the sample into `out`; returns file texts."""
    from dataset_tools.assemble import assemble
    from dataset_tools.dialogs import read_dialogs_jsonl, write_dialogs
    from dataset_tools.dicts import write_dict
    from dataset_tools.names import dict_entries, find_names, write_names
    from dataset_tools.prepare import prepare
    from dataset_tools.speakers import write_speakers
    from dataset_tools.time_replace import write_time

    prepare(SAMPLE, out / "paragraphs.txt")
    with open(out / "paragraphs.txt", encoding="utf-8") as f:
        write_dialogs(f, out)
    forms = find_names(read_dialogs_jsonl(out / "dialogs.jsonl"),
                       paragraphs=(out / "paragraphs.txt").read_text(encoding="utf-8").splitlines())
    for mode in ("me", "ti"):
        write_dict(out, mode, dict_entries(forms, mode))
    write_names(out, forms)
    write_speakers(out, out)
    write_time(out, out)
    assemble(out, "dataset", 0.1, 42)
    return {name: (out / name).read_text(encoding="utf-8") for name in FILES}


def diff(update: bool = False) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        got = build(Path(tmp))
    bad = 0
    for name, text in got.items():
        path = GOLDEN / name
        if update:
            path.write_text(text, encoding="utf-8")
            continue
        want = path.read_text(encoding="utf-8") if path.exists() else ""
        if want != text:
            bad += 1
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), text.splitlines(True), f"golden/{name}", f"new/{name}"))
    return bad


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(1 if diff(update="--update" in sys.argv) else 0)
