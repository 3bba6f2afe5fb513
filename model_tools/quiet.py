"""Keeps library notices that say nothing to the kit's user out of its logs.

Each notice is matched by its own message; every other warning still shows.
Notices with a cause the kit controls are fixed at the cause instead (train.py:
activation_checkpointing, pin memory only with CUDA, loss_type, pad id).
"""
from __future__ import annotations

import functools
import logging
import re
import warnings

# logger name -> messages dropped from it.
NOTICES = {
    # bitsandbytes looks for an optional CPU 4-bit kernel package at import;
    # the 8-bit optimizer never uses it.
    "bitsandbytes.backends.cpu.ops": r"Failed to load CPU gemm_4bit_forward from kernels-community",
    # Checkpoint rotation falls back to step numbers when files are younger than 1 s.
    "transformers.trainer_utils": r"mtime may not be reliable on this filesystem",
    # First matplotlib import on a machine builds its font cache.
    "matplotlib.font_manager": r"generated new fontManager",
}


# (category, message) of warnings dropped.
WARNINGS = [
    # peft asks transformers for the old attribute name; nothing the user can change.
    (FutureWarning, r"`is_gradient_checkpointing` is deprecated"),
]


class _DropMessages(logging.Filter):
    def __init__(self, pattern: str):
        super().__init__()
        self.pattern = re.compile(pattern)

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.pattern.search(record.getMessage())


@functools.cache
def quiet_libraries() -> None:
    """Installs the filters once per process; call before importing the libraries."""
    for category, pattern in WARNINGS:
        warnings.filterwarnings("ignore", message=pattern, category=category)
    for name, pattern in NOTICES.items():
        # A logger filter only sees records created on that logger, so attach it where they are made.
        logging.getLogger(name).addFilter(_DropMessages(pattern))
    import huggingface_hub.utils as hub
    from transformers.utils import logging as hf_logging

    hub_bars_off = hub.are_progress_bars_disabled()
    # Per-tensor "Loading weights" / "Writing model shards" bars flash at every
    # checkpoint and tear the Trainer's own bar; the kit logs what it loads and saves.
    hf_logging.disable_progress_bar()
    if not hub_bars_off:
        hub.enable_progress_bars()  # a first download from the hub still shows its progress
