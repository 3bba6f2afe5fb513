"""Prints N random replica lines that the time stage changed, original above
the me version, for reading by eye (precision checks in the issue notes).

    .venv/bin/python bench/sample_changes.py OUT_DIR [N] [SEED]
"""
import random
import sys
from pathlib import Path

out = Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
orig = (out / "dialogs.txt").read_text(encoding="utf-8").splitlines()
me = (out / "me_dialogs.txt").read_text(encoding="utf-8").splitlines()
pairs = [(a, b) for a, b in zip(orig, me) if a != b]
print(f"{len(pairs)} changed lines of {sum(1 for x in orig if x)}", file=sys.stderr)
for i, (a, b) in enumerate(random.Random(seed).sample(pairs, min(n, len(pairs))), 1):
    print(f"{i:3}. {a[6:]}\n     {b[6:]}")
