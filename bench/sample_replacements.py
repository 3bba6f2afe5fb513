"""Prints N random individual replacements (word-level diff of dialogs.txt vs
me_dialogs.txt) with a little context, for judging precision by eye.

    .venv/bin/python bench/sample_replacements.py OUT_DIR [N] [SEED] [me|ti]
"""
import difflib
import random
import sys
from pathlib import Path

out = Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
orig = (out / "dialogs.txt").read_text(encoding="utf-8").splitlines()
mode = sys.argv[4] if len(sys.argv) > 4 else "me"
me = (out / f"{mode}_dialogs.txt").read_text(encoding="utf-8").splitlines()
edits = []
for a, b in zip(orig, me):
    if a == b:
        continue
    wa, wb = a[6:].split(), b[6:].split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op != "equal":
            left = " ".join(wa[max(0, i1 - 5):i1])
            edits.append(f"{left} [{' '.join(wa[i1:i2])} -> {' '.join(wb[j1:j2])}] {' '.join(wa[i2:i2 + 4])}")
print(f"{len(edits)} edits", file=sys.stderr)
for i, e in enumerate(random.Random(seed).sample(edits, min(n, len(edits))), 1):
    print(f"{i:3}. {e}")
