#!/usr/bin/env python3
"""Export raw_dialogs.txt for other tuners: an Alpaca JSON array or chat JSONL.

    python make_alpaca.py raw_dialogs.txt dataset.json
    python make_alpaca.py raw_dialogs.txt chat.jsonl --format messages --context 4
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import click  # noqa: E402

from dataset_tools.alpaca import write_alpaca  # noqa: E402
from dataset_tools.common import cli_main, log  # noqa: E402


@click.command()
@click.argument("src", type=click.Path(dir_okay=False))
@click.argument("dst", type=click.Path(dir_okay=False))
@click.option("--context", type=click.IntRange(0), default=0, show_default=True,
              help="Put up to N earlier replicas into `input`.")
@click.option("--drop-remarks", is_flag=True, help="Leave the author's remarks out.")
@click.option("--format", "fmt", type=click.Choice(["alpaca", "messages"]), default="alpaca", show_default=True,
              help="alpaca: JSON array; messages: OpenAI-style JSONL (LLaMA-Factory, axolotl).")
@cli_main
def main(src, dst, context, drop_remarks, fmt):
    """Write one record per pair of consecutive replicas of a dialog."""
    n = write_alpaca(src, dst, context, drop_remarks, fmt)
    log.info(f"{dst}: {n} records")


if __name__ == "__main__":
    main()
