"""Loading models and tokenizers: a local directory, or a hub name when online."""
from __future__ import annotations

import os
from pathlib import Path

from dataset_tools.common import KitError


def _hub_hint(name: str) -> str:
    return (f"'{name}' is not a local directory; as a hub name it needs a network connection "
            "(or set HF_HUB_OFFLINE=1 with the model in the HF cache)")


def load_tokenizer(name: str):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as e:
        if Path(name).is_dir():
            raise KitError(f"{name}: no usable tokenizer there ({str(e).splitlines()[0][:200]})") from None
        raise KitError(f"model not found: {_hub_hint(name)}") from None


def context_length(model) -> int | None:
    """The most positions the model takes (n_positions or max_position_embeddings); None if its config names none."""
    return getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", None)


def load_model(name: str, **kw):
    from transformers import AutoModelForCausalLM

    from .lora import is_adapter_only, load_adapter_merged

    if is_adapter_only(name):  # a LORA_MERGE=false project
        return load_adapter_merged(name, **kw)
    try:
        return AutoModelForCausalLM.from_pretrained(name, **kw)
    except (OSError, ValueError) as e:
        if Path(name).is_dir():
            raise KitError(f"{name}: no usable model there ({str(e).splitlines()[0][:200]})") from None
        raise KitError(f"model not found: {_hub_hint(name)}") from None


def check_source(name: str) -> None:
    """A path-like name that does not exist is a plain 'not found', not a hub lookup."""
    looks_local = name.startswith((".", "/", "~")) or os.sep in name.strip("/") and not _is_hub_id(name)
    if looks_local and not Path(name).expanduser().exists():
        raise KitError(f"model not found: {name}")
    if not looks_local and not Path(name).exists() and os.environ.get("HF_HUB_OFFLINE") == "1":
        raise KitError(f"model not found: {name} (offline, and no such local directory)")


def _is_hub_id(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 2 and all(parts) and not Path(name).exists()
