"""Stage prepare: book (.txt/.fb2/folder) -> paragraphs.txt.

paragraphs.txt holds one clean paragraph per line; an empty line separates
texts (files of a folder), so no dialog runs from one text into the next.
"""
from __future__ import annotations

import time
from pathlib import Path

import click

from .common import KitError, atomic_write, cli_main, log, progress, write_stats


def prepare(src: str | Path, out_file: str | Path) -> dict:
    from .textio import list_sources, read_text_file

    files = list_sources(src)
    stats = {"texts": 0, "paragraphs": 0, "chars": 0, "empty_texts": []}
    with atomic_write(out_file) as f:
        for path in progress(files, desc="prepare", unit="file"):
            paragraphs = read_text_file(path)
            if not paragraphs:
                stats["empty_texts"].append(str(path))
                continue
            if stats["texts"]:
                f.write("\n")
            for p in paragraphs:
                f.write(p + "\n")
            stats["texts"] += 1
            stats["paragraphs"] += len(paragraphs)
            stats["chars"] += sum(map(len, paragraphs))
        if not stats["texts"]:
            raise KitError(f"{src} has no text (empty or only spaces); check SRC_FILE")
    for p in stats["empty_texts"]:
        log.warning(f"warning: {p} is empty, skipped")
    return stats


@click.command()
@click.option("--src", required=True, help="A .txt/.fb2 book or a folder of them.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False), help="Where paragraphs.txt goes.")
@cli_main
def main(src, out_dir):
    """Read, decode and normalise a book into paragraphs.txt."""
    t0 = time.perf_counter()
    stats = prepare(src, Path(out_dir) / "paragraphs.txt")
    write_stats(out_dir, "prepare", stats, t0)


if __name__ == "__main__":
    main()
