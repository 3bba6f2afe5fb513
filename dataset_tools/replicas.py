"""Replica paragraphs: speech and author remarks (SPEC §2-4).

A replica is parsed into segments, each ("s", text) for speech or ("r", text)
for a remark, alternating and starting with speech. Segment texts are the
source substrings with their punctuation intact, so later stages (TiMe) can
still see where sentences end; the render_* functions apply the output rules.
"""
from __future__ import annotations

import functools
import re

from .morph import WORD, is_author_verb, may_be_author_verb

DASHES = "—–―−"
# A leading dash: any dash kind, a typewriter "--", or a hyphen.
_LEAD = re.compile(rf"^\s*(?:[{DASHES}]|--?)\s*")
# A dash that may open or close a remark: right after punctuation (optionally
# followed by closing quotes and a footnote mark, "Quelle megere![52] —"), with or
# without spaces between.
_CUT = re.compile(rf"([,.!?…:;][»”\"')]*(?:\[\d{{1,4}}\])?)\s*(?:[{DASHES}]|--|-(?![\d-]))\s*")
# The first clause of a segment ends at the first punctuation mark or dash.
_CLAUSE_END = re.compile(rf"[,.!?…:;()«»\"{DASHES}]|\s-\s")

# Dashes that stay inside text, written " — ". En dash and minus between or
# before digits are ranges and signs (1941–1945, −5) and stay as they are.
_INNER_DASH = re.compile(
    rf"\s*(?:[—―]|--|–(?!\d)|(?<!\d)–|−(?!\d))\s*"
    r"|(?<=[\s,.!?…:;])-(?![\d-])\s*|(?<=[^\W\d_])-(?=\s)\s*"
)
_SPACES = re.compile(r"\s+")
_ONLY_DASHES = re.compile(rf"^[\s{DASHES}\-]*$")


def is_replica(paragraph: str) -> bool:
    """A paragraph that starts with a dash and has something after it."""
    m = _LEAD.match(paragraph)
    return bool(m) and not _ONLY_DASHES.match(paragraph)


def is_remark(segment: str) -> bool:
    """Author's words: a finite verb or gerund before the end of the first clause."""
    m = _CLAUSE_END.search(segment)
    clause = segment[: m.start()] if m else segment
    words = WORD.findall(clause)
    if not words:
        return False
    # A remark usually opens with its verb in lower case ("— начала она"), so
    # any verb reading of a lower-case first word counts; elsewhere the most
    # likely reading decides.
    first = words[0]
    if first[:1].islower() and may_be_author_verb(first):
        return True
    return any(is_author_verb(w.lower()) for w in words) or _late_verb(segment)


# A remark's verb after an opening adverbial: "— холодно, стоя и не сажая гостя, сказал Алексей
# Александрович." The first sentence, cut at commas.
_FIRST_SENTENCE = re.compile(rf"[^.!?…;:{DASHES}]*")


def _late_verb(segment: str) -> bool:
    """The first clause says how (no verb, nobody in the nominative, lower case), and one of
    the next three opens with a past-tense verb and holds its subject only: a remark."""
    from .morph import parse_top

    clauses = _FIRST_SENTENCE.match(segment).group(0).split(",")
    head = WORD.findall(clauses[0])
    if len(clauses) < 2 or not head or not head[0][:1].islower() or not _how(head):
        return False
    for clause in clauses[1:4]:
        words = WORD.findall(clause)
        if not words:
            return False
        t = parse_top(words[0].lower()).tag
        if words[0][:1].islower() and t.POS == "VERB" and t.tense == "past" and len(words) <= 4:
            return True
        if not _how(words):
            return False  # only more of the same may stand between: "но с чрезвычайною определенностью"
    return False


def _how(words: list[str]) -> bool:
    """Words that say how: at most six, no verb, nobody in the nominative, no name."""
    from .morph import parse_top

    if len(words) > 6:
        return False
    for k, w in enumerate(words):
        t = parse_top(w.lower()).tag
        if t.POS in ("VERB", "INFN") or (w[:1].isupper() and k) or t.case == "nomn" and (t.POS == "NPRO" or "anim" in t):
            return False
    return True


def split_replica(paragraph: str) -> list[tuple[str, str]]:
    """Splits a replica paragraph into alternating speech/remark segments."""
    body = paragraph[_LEAD.match(paragraph).end():]
    segments: list[tuple[str, str]] = []
    kind, start = "s", 0
    for m in _CUT.finditer(body):
        cut_at = m.start() + len(m.group(1))  # punctuation stays with the text before
        nxt = body[m.end():]
        if kind == "s":
            if not nxt.strip() or not is_remark(nxt):
                continue  # the dash belongs to the speech
            segments.append(("s", body[start:cut_at].strip()))
            kind = "r"
        else:
            segments.append(("r", body[start:cut_at].strip()))
            kind = "s"
        start = m.end()
    segments.append((kind, body[start:].strip()))
    return segments


@functools.lru_cache(maxsize=100_000)  # me, ti and pov render the same unchanged pieces again
def clean_inner(text: str) -> str:
    """Inner dashes as " — ", single spaces, nothing at the ends."""
    text = _INNER_DASH.sub(" — ", text)
    return _SPACES.sub(" ", text).strip()


def render_speech(text: str, before_remark: bool) -> str:
    text = clean_inner(text)
    if before_remark and text.endswith(",") and not text.endswith(",,"):
        text = text[:-1].rstrip()
    return text


def render_remark(text: str) -> str:
    text = clean_inner(text)
    if text[-1:] in (",", ":", ";"):
        text = text[:-1]
    elif text.endswith(".") and not text.endswith(("..", "!.", "?.")):
        text = text[:-1]
    return text.rstrip()


def _render(segments: list[tuple[str, str]], left: str, right: str) -> str:
    parts = []
    last = len(segments) - 1
    for i, (kind, text) in enumerate(segments):
        if kind == "s":
            piece = render_speech(text, before_remark=i < last)
        else:
            piece = render_remark(text)
            piece = f"{left}{piece}{right}" if piece else ""
        if piece:
            parts.append(piece)
    return " ".join(parts)


def render_char(segments: list[tuple[str, str]]) -> str:
    """dialogs.txt line: <char>speech (remark) speech."""
    return "<char>" + _render(segments, "(", ")")


def render_raw(segments: list[tuple[str, str]], first: bool) -> str:
    """raw_dialogs.txt line: remarks between |, '@' opens a dialog."""
    return ("@" if first else "") + _render(segments, "|", "|")


def replica_to_char(paragraph: str) -> str:
    return render_char(split_replica(paragraph))
