"""Builds the offline default model: a byte-level BPE tokenizer trained on the
dataset and a small GPT-2 from a config. It shows the pipeline, not quality."""
from __future__ import annotations

from pathlib import Path

import click

from dataset_tools.common import KitError, cli_main, log, require_file


def build_default(dataset: str | Path, out_dir: str | Path, vocab_size: int = 2000, n_layer: int = 2,
                  n_embd: int = 128, n_head: int = 4, n_positions: int = 256, seed: int = 0) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    dataset = require_file(dataset, "dataset", "run make_datasets.sh first")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train([str(dataset)], vocab_size=vocab_size, min_frequency=2, special_tokens=["<|endoftext|>"],
              show_progress=False)
    if bpe.get_vocab_size() < 300:
        raise KitError(f"{dataset} is too small to train a tokenizer")
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<|endoftext|>",
                                  eos_token="<|endoftext|>", unk_token="<|endoftext|>")
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tok), n_positions=n_positions, n_embd=n_embd, n_layer=n_layer,
                        n_head=n_head, bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    (out / "README.txt").write_text(
        "Tiny GPT-2 built by model_tools.build_default for the offline quickstart.\n"
        "It demonstrates the pipeline, not quality; use a real model such as\n"
        "ai-forever/rugpt3small_based_on_gpt2 for real work.\n", encoding="utf-8")
    n = sum(p.numel() for p in model.parameters())
    log.info(f"default model: {out} ({n / 1e6:.1f}M parameters, vocab {len(tok)})")
    return out


@click.command()
@click.option("--dataset", required=True, help="Text to train the tokenizer on (dataset.txt).")
@click.option("--out", required=True, help="Output model directory.")
@click.option("--vocab-size", default=2000, show_default=True)
@click.option("--n-layer", default=2, show_default=True)
@click.option("--n-embd", default=128, show_default=True)
@cli_main
def main(dataset, out, vocab_size, n_layer, n_embd):
    """Build a small GPT-2 + tokenizer from scratch (no download)."""
    from .quiet import quiet_libraries

    quiet_libraries()
    build_default(dataset, out, vocab_size, n_layer, n_embd)


if __name__ == "__main__":
    main()
