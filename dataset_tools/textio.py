"""Reading books: encodings, .fb2, folders, Unicode clean-up, hard-wrapped text.

SPEC §1. Every reader yields (name, paragraphs) per text; a paragraph is one
line of clean text with single spaces, and blank paragraphs are dropped.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from .common import KitError

TEXT_SUFFIXES = (".txt", ".fb2")

# Spaces that count as a plain space (NBSP, thin, figure, ideographic...).
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# Removed outright: soft hyphen, zero-width characters, word joiner, BOM.
_DROP = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_TRANSLATE = {ord(c): " " for c in _SPACES} | {ord(c): None for c in _DROP}
_MULTI_SPACE = re.compile(r"[ \t]+")
_INDENT = re.compile(r"^[ \t]+")


def decode_bytes(data: bytes, name: str = "input") -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else CP1251 / KOI8-R."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise KitError(f"{name}: broken UTF-16 text ({e.reason}); re-save it as UTF-8") from None
    if b"\x00" in data[:65536]:
        raise KitError(f"{name} looks like a binary file, not a text; give a .txt or .fb2 book")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_cyrillic_8bit(data, name)


def _decode_cyrillic_8bit(data: bytes, name: str) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1251", "koi8_r"]).best()
    if best is None:
        raise KitError(
            f"{name}: cannot detect the encoding (not UTF-8, UTF-16, CP1251 or KOI8-R); "
            "re-save the file as UTF-8"
        )
    enc = best.encoding
    # Short texts can fool the detector; Russian prose has far more lower-case
    # letters than capitals in the right code page, so check the other one too.
    alt = "koi8_r" if enc == "cp1251" else "cp1251"
    text, alt_text = data.decode(enc, errors="replace"), data.decode(alt, errors="replace")
    return alt_text if _cyrillic_score(alt_text) > _cyrillic_score(text) else text


def _cyrillic_score(text: str) -> int:
    lower = sum(1 for c in text if "а" <= c <= "я" or c == "ё")
    upper = sum(1 for c in text if "А" <= c <= "Я" or c == "Ё")
    return lower - 2 * upper


def clean_line(line: str) -> str:
    """Unicode spaces -> space, invisible characters removed, tabs kept for indent."""
    return line.translate(_TRANSLATE).rstrip()


def _split_lines(text: str) -> list[str]:
    # splitlines() also breaks on U+2028/2029, \x0b, \x0c, \x1c-\x1e and \x85,
    # so no paragraph can carry a line break into the one-line-per-replica files.
    return [clean_line(x) for x in text.splitlines()]


def detect_hard_wrap(lines: list[str]) -> int | None:
    """Returns the wrap width if lines were cut at a fixed width, else None.

    A hard-wrapped file has no long lines and most lines close to one width;
    normal one-line-per-paragraph prose has a wide spread with many long lines.
    """
    lengths = [len(x.strip()) for x in lines if x.strip()]
    if len(lengths) < 20:
        return None
    lengths.sort()
    width = lengths[int(len(lengths) * 0.98)]
    if not 30 <= width <= 130:
        return None
    near = sum(1 for n in lengths if n >= 0.75 * width)
    if near < 0.4 * len(lengths):
        return None
    # Wrapped lines end mid-sentence: many full lines end without closing punctuation.
    full = [x.strip() for x in lines if len(x.strip()) >= 0.75 * width]
    open_end = sum(1 for x in full if x[-1] not in ".!?…»\"")
    if open_end < 0.3 * len(full):
        return None
    return width


def join_wrapped(lines: list[str], width: int) -> list[str]:
    """Joins hard-wrapped lines back into paragraphs.

    A paragraph starts after a blank line, at an indented line (when indentation
    marks paragraphs in this file), or after a line well short of the width.
    """
    body = [x for x in lines if x.strip()]
    indents = [len(_INDENT.match(x).group(0)) if _INDENT.match(x) else 0 for x in body]
    base = min(indents) if indents else 0
    indented = sum(1 for i in indents if i > base)
    use_indent = 0.02 * len(body) <= indented <= 0.9 * len(body)
    paragraphs: list[str] = []
    cur: list[str] = []
    prev_short = True
    for raw in lines:
        stripped = raw.strip()
        if not stripped:
            if cur:
                paragraphs.append(_join_parts(cur))
                cur = []
            prev_short = True
            continue
        indent = len(raw) - len(raw.lstrip(" \t"))
        starts = prev_short or (use_indent and indent > base)
        if starts and cur:
            paragraphs.append(_join_parts(cur))
            cur = []
        cur.append(stripped)
        prev_short = len(stripped) < 0.6 * width
    if cur:
        paragraphs.append(_join_parts(cur))
    return paragraphs


def _join_parts(parts: list[str]) -> str:
    out = parts[0]
    for p in parts[1:]:
        # "кто-\nто": a hyphen glued to a letter joins without a space.
        if len(out) >= 2 and out[-1] == "-" and out[-2].isalpha() and p[:1].isalpha():
            out += p
        else:
            out += " " + p
    return out


def normalize_paragraph(p: str) -> str:
    return _MULTI_SPACE.sub(" ", p.replace("\t", " ")).strip()


def text_to_paragraphs(text: str) -> list[str]:
    lines = _split_lines(text)
    width = detect_hard_wrap(lines)
    raw = join_wrapped(lines, width) if width else lines
    return [q for q in (normalize_paragraph(p) for p in raw) if q]


def read_fb2(path: Path) -> list[str]:
    from lxml import etree

    try:
        root = etree.parse(str(path), etree.XMLParser(recover=False, huge_tree=True)).getroot()
    except (etree.XMLSyntaxError, OSError) as e:
        raise KitError(f"{path}: not a valid .fb2 (XML) file: {e}") from None
    paragraphs = []
    for body in root.iter("{*}body"):
        if body.get("name") in ("notes", "comments"):
            continue  # footnotes are not part of the story
        for p in body.iter("{*}p", "{*}v", "{*}subtitle", "{*}text-author"):
            if p.getparent() is not None and etree.QName(p.getparent()).localname in ("p", "v"):
                continue
            text = "".join(p.itertext()).translate(_TRANSLATE)
            for piece in text.splitlines():
                q = normalize_paragraph(clean_line(piece))
                if q:
                    paragraphs.append(q)
    return paragraphs


def read_text_file(path: Path) -> list[str]:
    if path.suffix.lower() == ".fb2":
        return read_fb2(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise KitError(f"cannot read {path}: {e.strerror}") from None
    return text_to_paragraphs(decode_bytes(data, str(path)))


def list_sources(src: str | Path) -> list[Path]:
    p = Path(src)
    if not p.exists():
        raise KitError(f"source not found: {p} (set SRC_FILE to a .txt/.fb2 book or a folder of them)")
    if p.is_dir():
        files = sorted(
            (f for f in p.iterdir() if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES),
            key=lambda f: f.name,
        )
        if not files:
            raise KitError(f"folder {p} has no .txt or .fb2 files")
        return files
    return [p]


def iter_texts(src: str | Path) -> Iterator[tuple[Path, list[str]]]:
    """Yields (file, paragraphs) for a file or each file of a folder, in name order."""
    for f in list_sources(src):
        yield f, read_text_file(f)


