"""Roleplay chat: your line becomes a <char> replica, the model answers with the next one."""
from __future__ import annotations

import sys

import click

from dataset_tools.common import KitError, cli_main

from . import CHAR_TOKEN
from .loading import check_source, load_model, load_tokenizer


class Chat:
    def __init__(self, model_dir: str, context_replicas: int = 6, **gen):
        import torch

        check_source(model_dir)
        self.tok = load_tokenizer(model_dir)
        if CHAR_TOKEN not in self.tok.get_vocab():
            raise KitError(f"{model_dir} has no {CHAR_TOKEN} token; train it with model_train_gpt2.sh first")
        self.model = load_model(model_dir)
        self.model.eval()
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(self.device)
        self.context = context_replicas
        self.gen = gen
        self.history: list[str] = []
        nl = self.tok.encode("\n", add_special_tokens=False)
        self.no_start = sorted({t for t in nl + [self.tok.eos_token_id, self.tok.convert_tokens_to_ids(CHAR_TOKEN)]
                                if t is not None})

    def reply(self, user_line: str) -> str:
        import torch

        self.history.append(CHAR_TOKEN + user_line.strip())
        prompt = "\n".join(self.history[-self.context:]) + "\n" + CHAR_TOKEN
        ids = self.tok(prompt, return_tensors="pt", add_special_tokens=False).to(self.device)
        max_pos = getattr(self.model.config, "n_positions", 1024)
        keep = max(1, max_pos - self.gen["max_new_tokens"])
        ids = {k: v[:, -keep:] for k, v in ids.items()}
        eos = self.tok.eos_token_id
        with torch.no_grad():
            out = self.model.generate(
                **ids, do_sample=self.gen["temperature"] > 0, temperature=self.gen["temperature"] or None,
                top_p=self.gen["top_p"], top_k=self.gen["top_k"],
                repetition_penalty=self.gen["repetition_penalty"], max_new_tokens=self.gen["max_new_tokens"],
                pad_token_id=self.tok.pad_token_id if self.tok.pad_token_id is not None else eos,
                eos_token_id=eos, stop_strings=["\n"], tokenizer=self.tok,
                begin_suppress_tokens=self.no_start,  # never an empty reply
            )
        text = self.tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=False)
        text = text.split("\n")[0].replace(self.tok.eos_token or "\0", "").replace(CHAR_TOKEN, " ").strip()
        self.history.append(CHAR_TOKEN + text)
        return text


@click.command()
@click.option("--model", required=True)
@click.option("--prompt", default=None, help="Print one reply to this line and exit.")
@click.option("--temperature", type=float, default=0.8, show_default=True)
@click.option("--top-p", type=float, default=0.95, show_default=True)
@click.option("--top-k", type=int, default=50, show_default=True)
@click.option("--repetition-penalty", type=float, default=1.2, show_default=True)
@click.option("--max-new-tokens", type=int, default=60, show_default=True)
@click.option("--context-replicas", type=int, default=6, show_default=True)
@click.option("--seed", type=int, default=None)
@cli_main
def main(model, prompt, seed, context_replicas, **gen):
    """Talk to a fine-tuned model."""
    if seed is not None:
        from transformers import set_seed

        set_seed(seed)
    chat = Chat(model, context_replicas, **gen)
    if prompt is not None:
        click.echo(chat.reply(prompt))
        return
    click.echo("Roleplay chat. Type a replica; an empty line or Ctrl-D quits.", err=True)
    tty = sys.stdin.isatty()
    while True:
        try:
            line = input("you> ") if tty else sys.stdin.readline()
        except EOFError:
            break
        if not line.strip():
            break
        click.echo(("bot> " if tty else "") + chat.reply(line))


if __name__ == "__main__":
    main()
