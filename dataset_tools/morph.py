"""One pymorphy3 analyzer per process, with per-word-form caches."""
from __future__ import annotations

import functools
import re

# The endings of Russian surnames made from a name or a noun: Кирилов, Маслобоев, Лукин.
SURNAME_STEM_ENDS = ("ов", "ев", "ёв", "ин", "ын")
# A word: letters, optionally hyphenated (по-моему, Анна-Мария).
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
NAME_TAGS = ("Name", "Surn", "Patr")
_PREV_WORD = re.compile(r"([^\W\d_]+)\s+$")


def has_name_tag(tag) -> bool:
    return any(t in tag for t in NAME_TAGS)


def prev_word(text: str, start: int) -> re.Match | None:
    """The word right before `start` (group 1), with only spaces between."""
    return _PREV_WORD.search(text[:start])


@functools.cache
def get_morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=200_000)
def get_known(word: str) -> bool:
    """The (lower-case) word is in pymorphy3's dictionary, not guessed."""
    return get_morph().word_is_known(word)


@functools.lru_cache(maxsize=200_000)
def parse_all(word: str):
    try:
        return tuple(get_morph().parse(word))
    except (KeyError, ValueError):
        # pymorphy3 fails on some rare scripts (Tangut...): treat as unknown.
        return tuple(get_morph().parse("?"))


def parse_top(word: str):
    return parse_all(word)[0]


def _author_tag(tag) -> bool:
    return tag.POS == "GRND" or (tag.POS == "VERB" and tag.mood != "impr")


@functools.lru_cache(maxsize=200_000)
def is_author_verb(word: str) -> bool:
    """A finite (non-imperative) verb or a gerund in its most likely reading."""
    return _author_tag(parse_top(word).tag)


@functools.lru_cache(maxsize=200_000)
def may_be_author_verb(word: str) -> bool:
    """Any reading is a finite (non-imperative) verb or a gerund: for the first
    word of a remark, where `начала`, `перепела`, `зубрил` are verbs."""
    return any(_author_tag(p.tag) for p in parse_all(word))
