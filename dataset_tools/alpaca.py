"""raw_dialogs.txt -> Alpaca JSON array or chat-messages JSONL (SPEC §7)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from .common import KitError, atomic_write

_REMARK = re.compile(r"\|([^|]*)\|")
_SPACES = re.compile(r"\s+")


def read_raw_dialogs(path: str | Path) -> Iterator[list[str]]:
    """Dialogs of raw_dialogs.txt: '@' opens a dialog, other lines continue it."""
    cur: list[str] = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("@"):
                if cur:
                    yield cur
                cur = [line[1:]]
            elif cur:
                cur.append(line)
            else:
                raise KitError(f"{path}:{n}: expected a line starting with '@' (is this raw_dialogs.txt?)")
    if cur:
        yield cur


def format_replica(line: str, drop_remarks: bool) -> str:
    line = _REMARK.sub("" if drop_remarks else r"(\1)", line)
    return _SPACES.sub(" ", line.replace("<char>", "")).strip()


def records(dialogs, context: int = 0, drop_remarks: bool = False) -> Iterator[dict]:
    for dialog in dialogs:
        reps = [format_replica(x, drop_remarks) for x in dialog]
        for i in range(len(reps) - 1):
            ctx = reps[max(0, i - context):i] if context else []
            yield {"instruction": reps[i], "input": "\n".join(ctx), "output": reps[i + 1]}


def write_alpaca(src, dst, context: int = 0, drop_remarks: bool = False, fmt: str = "alpaca") -> int:
    if not Path(src).exists():
        raise KitError(f"{src} not found; run make_datasets.sh first (it writes raw_dialogs.txt)")
    n = 0
    with atomic_write(dst) as f:
        if fmt == "alpaca":
            f.write("[")
        for rec in records(read_raw_dialogs(src), context, drop_remarks):
            if fmt == "alpaca":
                f.write(("," if n else "") + "\n  " + json.dumps(rec, ensure_ascii=False))
            else:
                user = "\n".join(x for x in (rec["input"], rec["instruction"]) if x)
                msg = {"messages": [{"role": "user", "content": user},
                                    {"role": "assistant", "content": rec["output"]}]}
                f.write(json.dumps(msg, ensure_ascii=False) + "\n")
            n += 1
        if fmt == "alpaca":
            f.write("\n]\n")
    return n
