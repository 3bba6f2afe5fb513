"""Roleplay chat: your line becomes a <char> replica, the model answers with the next one."""
from __future__ import annotations

import sys

import click

from dataset_tools.common import KitError, cli_main

from . import CHAR_TOKEN
from .character import model_character
from .loading import check_source, context_length, load_model, load_tokenizer
from .quiet import quiet_libraries

# Sampling settings shared by the chat and model_eval.sh.
GEN_DEFAULTS = {"temperature": 0.8, "top_p": 0.95, "top_k": 50, "repetition_penalty": 1.2, "max_new_tokens": 60}
CONTEXT_REPLICAS = 6


def gen_options(func):
    """The click options of GEN_DEFAULTS."""
    for name, value in reversed(GEN_DEFAULTS.items()):
        func = click.option(f"--{name.replace('_', '-')}", type=type(value), default=value, show_default=True)(func)
    return func


class Generator:
    """A model, its tokenizer and the sampling settings; writes one line after a prompt."""

    def __init__(self, model_dir: str, **gen):
        quiet_libraries()
        import torch

        check_source(model_dir)
        self.tok = load_tokenizer(model_dir)
        if CHAR_TOKEN not in self.tok.get_vocab():
            raise KitError(f"{model_dir} has no {CHAR_TOKEN} token; train it with model_train_gpt2.sh first")
        self.model = load_model(model_dir)
        self.model.eval()
        self.max_pos = context_length(self.model) or 1024
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(self.device)
        self.gen = dict(GEN_DEFAULTS, **gen)
        self.char_id = self.tok.convert_tokens_to_ids(CHAR_TOKEN)
        self.newline = self.tok.encode("\n", add_special_tokens=False)
        if self.tok.pad_token_id is None:
            self.tok.pad_token = self.tok.eos_token

    def complete(self, prompt: str, no_start: list[int]) -> tuple[str, bool]:
        """(the text written after `prompt` up to the end of its line, special
        tokens kept; whether it stopped by itself: EOS or a newline within
        max_new_tokens). `no_start`: token ids the text may not begin with."""
        import torch

        ids = self.tok(prompt, return_tensors="pt", add_special_tokens=False).to(self.device)
        keep = max(1, self.max_pos - self.gen["max_new_tokens"])
        ids = {k: v[:, -keep:] for k, v in ids.items()}
        eos = self.tok.eos_token_id
        greedy = self.gen["temperature"] <= 0
        sampling = {} if greedy else {"temperature": self.gen["temperature"], "top_p": self.gen["top_p"],
                                      "top_k": self.gen["top_k"]}
        with torch.no_grad():
            out = self.model.generate(
                **ids, do_sample=not greedy, **sampling, repetition_penalty=self.gen["repetition_penalty"],
                max_new_tokens=self.gen["max_new_tokens"], pad_token_id=self.tok.pad_token_id,
                eos_token_id=eos, stop_strings=["\n"], tokenizer=self.tok,
                begin_suppress_tokens=no_start or None,
            )
        new = out[0, ids["input_ids"].shape[1]:].tolist()
        text = self.tok.decode(new, skip_special_tokens=False)
        if eos in new:
            text = self.tok.decode(new[:new.index(eos)], skip_special_tokens=False)
        stopped = eos in new or "\n" in text
        return text.split("\n")[0], stopped


class Chat(Generator):
    def __init__(self, model_dir: str, context_replicas: int = CONTEXT_REPLICAS, **gen):
        super().__init__(model_dir, **gen)
        self.context = context_replicas
        self.history: list[str] = []
        # The prompt ends with <char>: the reply never starts a new line or another replica.
        self.no_start = sorted({t for t in self.newline + [self.tok.eos_token_id, self.char_id] if t is not None})
        self.character = model_character(model_dir)

    def reply(self, user_line: str) -> str:
        self.history.append(CHAR_TOKEN + user_line.strip())
        prompt = "\n".join(self.history[-self.context:]) + "\n" + CHAR_TOKEN
        text, _ = self.complete(prompt, self.no_start)
        text = text.replace(CHAR_TOKEN, " ").strip()
        self.history.append(CHAR_TOKEN + text)
        return text


@click.command()
@click.option("--model", required=True)
@click.option("--prompt", default=None, help="Print one reply to this line and exit.")
@gen_options
@click.option("--context-replicas", type=int, default=CONTEXT_REPLICAS, show_default=True)
@click.option("--seed", type=int, default=None)
@cli_main
def main(model, prompt, seed, context_replicas, **gen):
    """Talk to a fine-tuned model."""
    quiet_libraries()  # before transformers pulls in bitsandbytes
    if seed is not None:
        from transformers import set_seed

        set_seed(seed)
    chat = Chat(model, context_replicas, **gen)
    if prompt is not None:
        click.echo(chat.reply(prompt))
        return
    who = f" {chat.character} answers; you speak for the others." if chat.character else ""
    click.echo(f"Roleplay chat.{who} Type a replica; an empty line or Ctrl-D quits.", err=True)
    tty = sys.stdin.isatty()
    while True:
        try:
            line = input("you> ") if tty else sys.stdin.readline()
        except EOFError:
            break
        if not line.strip():
            break
        click.echo((f"{chat.character or 'bot'}> " if tty else "") + chat.reply(line))


if __name__ == "__main__":
    main()
