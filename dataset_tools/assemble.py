"""Stage assemble: dialogs + me/ti versions -> {BASE_NAME}.txt and {BASE_NAME}_val.txt (SPEC §6).

Each dialog contributes its original block plus the me and ti blocks that
differ from it; a block already written (anywhere) is never written again.
Whole dialogs, with their me/ti versions, go to the validation file.
"""
from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from pathlib import Path

import click

from .common import KitError, atomic_write, cli_main, require_file, write_stats


def iter_blocks(path: str | Path) -> Iterator[str]:
    """Dialog blocks of a dialogs.txt-style file (separated by empty lines)."""
    cur: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                cur.append(line)
            elif cur:
                yield "\n".join(cur)
                cur = []
    if cur:
        yield "\n".join(cur)


def count_blocks(path: str | Path) -> int:
    return sum(1 for _ in iter_blocks(path))


def pick_val(n: int, share: float, seed: int) -> set[int]:
    if share <= 0 or n < 2:
        return set()
    k = min(n - 1, max(1, round(n * share)))
    return set(random.Random(seed).sample(range(n), k))


MIX_FILES = {"dialogs": "dialogs.txt", "me": "me_dialogs.txt", "ti": "ti_dialogs.txt", "pov": "pov_dialogs.txt"}
_KIND = {"dialogs": "orig", "me": "me", "ti": "ti", "pov": "pov"}


def parse_mix(mix: str | list[str]) -> list[str]:
    kinds = [k.strip() for k in mix.split(",")] if isinstance(mix, str) else list(mix)
    bad = [k for k in kinds if k not in MIX_FILES]
    if bad or not kinds:
        raise KitError(f"DATASET_MIX must be a comma list of {', '.join(MIX_FILES)}; got {','.join(kinds)!r}")
    return list(dict.fromkeys(kinds))


def assemble(out_dir: str | Path, base_name: str, val_share: float, seed: int,
             mix: str | list[str] = "dialogs,me,ti") -> dict:
    """Writes {base_name}.txt and {base_name}_val.txt. `mix` chooses the
    versions of each dialog that go in; the split is by dialog, the same
    whatever the mix, so runs with different mixes share their validation."""
    out_dir = Path(out_dir)
    mix = parse_mix(mix)
    files = {"dialogs": require_file(out_dir / "dialogs.txt", "dialogs.txt", "run the earlier stages first")}
    for kind in mix:
        files[kind] = require_file(out_dir / MIX_FILES[kind], MIX_FILES[kind],
                                   "run the earlier stages first (STAGE=time writes the me/ti/pov files)")
    n = count_blocks(files["dialogs"])
    if n == 0:
        raise KitError("dialogs.txt has no dialogs; run the dialogs stage on a text with direct speech")
    val_idx = pick_val(n, val_share, seed)
    seen: set[bytes] = set()
    empty = {"blocks": 0, **{_KIND[k]: 0 for k in MIX_FILES}}
    stats = {"dialogs": n, "mix": mix, "train": dict(empty), "val": dict(empty), "duplicates_skipped": 0}
    others = [k for k in MIX_FILES if k in mix and k != "dialogs"]
    train_path, val_path = out_dir / f"{base_name}.txt", out_dir / f"{base_name}_val.txt"
    with atomic_write(train_path) as ft, atomic_write(val_path) as fv:
        first = {"train": True, "val": True}
        blocks = zip(*(iter_blocks(files[k]) for k in ["dialogs", *others]), strict=True)
        try:
            for i, (orig, *variants) in enumerate(blocks):
                split = "val" if i in val_idx else "train"
                f = fv if split == "val" else ft
                chosen = ([("orig", orig)] if "dialogs" in mix else []) + [
                    (_KIND[k], b) for k, b in zip(others, variants)
                    # a version with nothing replaced is the dialog itself
                    if not ("dialogs" in mix and b == orig)]
                for kind, block in chosen:
                    h = hashlib.blake2b(block.encode("utf-8"), digest_size=16).digest()
                    if h in seen:
                        stats["duplicates_skipped"] += 1
                        continue
                    seen.add(h)
                    f.write(("" if first[split] else "\n") + block + "\n")
                    first[split] = False
                    stats[split]["blocks"] += 1
                    stats[split][kind] += 1
        except ValueError:
            raise KitError(f"dialogs.txt and {', '.join(MIX_FILES[k] for k in others)} differ in dialog count; "
                           "re-run from STAGE=time") from None
    if not val_idx:
        val_path.unlink(missing_ok=True)
    return stats


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--base-name", default="dataset", show_default=True)
@click.option("--val-share", type=click.FloatRange(0, 1), default=0.02, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--mix", default="dialogs,me,ti", show_default=True, help="Comma list of dialogs, me, ti, pov.")
@cli_main
def main(out_dir, base_name, val_share, seed, mix):
    """Build the training (and validation) file."""
    t0 = time.perf_counter()
    stats = assemble(out_dir, base_name, val_share, seed, mix)
    write_stats(out_dir, "assemble", dict(stats, base_name=base_name), t0)


if __name__ == "__main__":
    main()
