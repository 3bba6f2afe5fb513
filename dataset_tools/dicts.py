"""The hand-editable name dictionaries (dicts/dict_me.py, dicts/dict_ti.py).

They are Python dict literals so users can edit them in any editor, but they
are parsed as data with `ast`, never executed.
"""
from __future__ import annotations

import ast
import hashlib
import re
import shutil
from pathlib import Path

from .common import KitError, atomic_write

HEADER = {
    "me": "first-person pronoun (me dataset)",
    "ti": "second-person pronoun (ti dataset)",
}
_CHECKSUM = re.compile(r"^# checksum: ([0-9a-f]{16})\n?", re.M)


def dict_path(dict_dir: str | Path, mode: str) -> Path:
    return Path(dict_dir) / f"dict_{mode}.py"


def parse_literal(path: str | Path, var: str, missing_hint: str) -> ast.Dict:
    """The dict literal assigned to `var` in a hand-editable file, parsed, never executed."""
    path = Path(path)
    if not path.exists():
        raise KitError(f"file not found: {path} ({missing_hint})")
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as e:
        raise KitError(f"{path}:{e.lineno}: syntax error ({e.msg}); fix that line") from None
    node = None
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == var
        ):
            node = stmt.value
    if not isinstance(node, ast.Dict):
        raise KitError(f"{path}: no `{var} = {{...}}` found; the file must define one dict literal")
    seen: dict[str, int] = {}
    for k in node.keys:
        if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
            raise KitError(f"{path}:{getattr(k, 'lineno', node.lineno)}: keys must be quoted strings")
        if k.value in seen:
            raise KitError(f"{path}:{k.lineno}: {k.value!r} appears twice (first on line {seen[k.value]}); "
                           "merge the two lines")
        seen[k.value] = k.lineno
    return node


def load_dict(path: str | Path) -> dict[str, str]:
    path = Path(path)
    node = parse_literal(path, "DICT", "run from STAGE=names to create it")
    out: dict[str, str] = {}
    for k, v in zip(node.keys, node.values):
        if not (isinstance(v, ast.Constant) and isinstance(v.value, str)):
            raise KitError(f"{path}:{v.lineno}: the value of {k.value!r} must be a quoted string")
        key = " ".join(k.value.split())
        if not key:
            raise KitError(f"{path}:{k.lineno}: empty name")
        out[key] = v.value.strip()
    return out


def _body_checksum(text: str) -> str:
    body = _CHECKSUM.sub("", text)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def is_edited(path: str | Path) -> bool:
    """True when the file differs from what the kit last wrote there."""
    text = Path(path).read_text(encoding="utf-8")
    m = _CHECKSUM.search(text)
    return m is None or m.group(1) != _body_checksum(text)


def format_dict(mode: str, entries: list[tuple[str, str, int, str]]) -> str:
    """entries: (form, pronoun, count, example), most frequent first."""
    lines = [
        f"# TiMe dictionary: name form as it stands in the text -> {HEADER[mode]}.",
        "# Edit a value, or delete a line to keep that form unchanged, then re-run",
        "# make_datasets.sh with STAGE=time. This file is read as data, never executed.",
        "DICT = {",
    ]
    width = max((len(repr_ru(f)) + len(repr_ru(p)) for f, p, _, _ in entries), default=0) + 4
    for form, pron, count, example in entries:
        item = f"{repr_ru(form)}: {repr_ru(pron)},"
        lines.append(f"    {item:<{width}} # {str(count) + '×':<5} {example}")
    lines.append("}")
    return with_checksum("\n".join(lines) + "\n")


def repr_ru(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def backup_if_edited(path: Path) -> Path | None:
    """Keeps a hand-edited file as .bak before the kit writes a fresh one."""
    if path.exists() and is_edited(path):
        backup = path.with_suffix(path.suffix + ".bak")
        shutil.copy2(path, backup)
        return backup
    return None


def with_checksum(text: str) -> str:
    return text + f"# checksum: {_body_checksum(text)}\n"


def write_dict(dict_dir: str | Path, mode: str, entries) -> Path | None:
    """Writes a fresh dictionary; an edited old one is kept as .bak (returned)."""
    path = dict_path(dict_dir, mode)
    backup = backup_if_edited(path)
    with atomic_write(path) as f:
        f.write(format_dict(mode, entries))
    return backup
