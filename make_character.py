#!/usr/bin/env python3
"""Export one character of the book as the assistant (SPEC §11).

    python make_character.py out Базаров --format messages -o bazarov.jsonl
    python make_character.py out Евгений --format sharegpt -o bazarov_sharegpt.jsonl --book "Отцы и дети"
    python make_character.py out Базаров --format card -o bazarov.png     # or .json
    python make_character.py out Базаров --format kit -o bazarov_kit.jsonl
"""
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import click  # noqa: E402

from dataset_tools.common import cli_main, log  # noqa: E402
from dataset_tools.persona import FORMATS, check_jsonl_with_datasets, export_character  # noqa: E402


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="messages / sharegpt: chat JSONL; card: chara_card_v2 (.png or .json); kit: for CHARACTER= training.")
@click.option("-o", "--output", "dst", type=click.Path(dir_okay=False), required=True, help="The file to write.")
@click.option("--dict-dir", default="dicts", show_default=True, type=click.Path(file_okay=False),
              help="Where make_datasets.sh wrote characters.py (its DICT_DIR).")
@click.option("--system", default=None,
              help="System turn; {name} and {book} are filled in; '' for none. "
                   "[default: 'Ты — {name}, персонаж книги «{book}».']")
@click.option("--book", default=None,
              help="Book title. [default: the title at the top of paragraphs.txt; '' for none]")
@click.option("--keep-opening", is_flag=True,
              help="Keep the character's line that opens a dialog (an assistant turn right after system).")
@click.option("--check", is_flag=True, help="Read messages/sharegpt output back with the datasets library.")
@cli_main
def main(out_dir, name, fmt, dst, dict_dir, system, book, keep_opening, check):
    """Write NAME's dialogs (NAME: a canonical name or any alias from characters.py)."""
    logging.getLogger("pymorphy2").setLevel(logging.WARNING)  # natasha's dictionary banner
    st = export_character(out_dir, name, fmt, dst, dict_dir, system, book, keep_opening)
    if check and fmt in ("messages", "sharegpt"):
        with tempfile.TemporaryDirectory() as cache:
            check_jsonl_with_datasets(dst, cache)
    book_part = f" of «{st['book']}»" if st["book"] else ""
    log.info(f"{dst}: {st['character']}{book_part} ({fmt}): {st['dialogs']} dialogs, "
             f"{st['turns']} turns, {st['assistant_turns']} {st['character']} turns")


if __name__ == "__main__":
    main()
