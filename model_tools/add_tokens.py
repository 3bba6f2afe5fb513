"""Adds <char> as a special token, resizes the embeddings and initialises the
new row from the dash it stands for (SPEC: a <char> line is a dash replica)."""
from __future__ import annotations

from pathlib import Path

import click

from dataset_tools.common import KitError, cli_main, log

from . import CHAR_TOKEN
from .loading import check_source, load_model, load_tokenizer
from .quiet import quiet_libraries

DASH_TEXTS = ("—", " —")


def dash_init_vector(tok, emb):
    """Mean embedding of the pieces of the dash, or None if they are unknown."""
    import torch

    ids = []
    for text in DASH_TEXTS:
        pieces = tok.encode(text, add_special_tokens=False)
        if pieces and tok.unk_token_id not in pieces:
            ids.extend(pieces)
    if not ids:
        return None
    return emb[torch.tensor(sorted(set(ids)))].mean(dim=0)


def add_char_token(model, tok, init: str = "dash") -> dict:
    """Adds <char> in place; returns a summary. init: dash, mean or random."""
    import torch

    info = {"vocab_before": len(tok), "added": False, "init": None}
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
        info["pad"] = "eos"
    if CHAR_TOKEN in tok.get_vocab() and CHAR_TOKEN in tok.all_special_tokens:
        info.update(vocab_after=len(tok), char_id=tok.convert_tokens_to_ids(CHAR_TOKEN))
        return info
    tok.add_special_tokens({"additional_special_tokens": [CHAR_TOKEN]})
    char_id = tok.convert_tokens_to_ids(CHAR_TOKEN)
    emb_layer = model.get_input_embeddings()
    if emb_layer.weight.shape[0] < len(tok):
        model.resize_token_embeddings(len(tok), mean_resizing=False)
    emb = model.get_input_embeddings().weight
    with torch.no_grad():
        old = emb[: info["vocab_before"]]
        vec = dash_init_vector(tok, old) if init == "dash" else None
        used = "dash"
        if vec is None and init in ("dash", "mean"):
            vec, used = old.mean(dim=0), "mean"
        if init == "random":
            vec, used = torch.randn_like(old[0]) * old.std(), "random"
        emb[char_id] = vec
        out = model.get_output_embeddings()
        if out is not None and out.weight.data_ptr() != emb.data_ptr():
            if out.weight.shape[0] < len(tok):
                raise KitError("the output head did not grow with the embeddings")
            out.weight[char_id] = vec
    info.update(added=True, init=used, vocab_after=len(tok), char_id=char_id,
                tied=model.get_output_embeddings() is None
                or model.get_output_embeddings().weight.data_ptr() == emb.data_ptr())
    return info


@click.command()
@click.option("--src-model", required=True, help="Local model directory or hub name.")
@click.option("--new-model", required=True, help="Where to save the model with <char>.")
@click.option("--init", type=click.Choice(["dash", "mean", "random"]), default="dash", show_default=True)
@cli_main
def main(src_model, new_model, init):
    """Add the <char> special token to a causal LM and its tokenizer."""
    quiet_libraries()
    check_source(src_model)
    tok = load_tokenizer(src_model)
    model = load_model(src_model)
    info = add_char_token(model, tok, init)
    out = Path(new_model)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)  # safetensors by default
    tok.save_pretrained(out)
    what = f"added, row initialised from the {info['init']}" if info["added"] else "already present, nothing added"
    log.info(f"<char>: {what}; id {info['char_id']}; vocab {info['vocab_before']} -> {info['vocab_after']}; "
             f"saved to {out}")


if __name__ == "__main__":
    main()
