"""One pymorphy3 analyzer per process, with per-word-form caches."""
from __future__ import annotations

import functools


@functools.cache
def get_morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=200_000)
def parse_all(word: str):
    try:
        return tuple(get_morph().parse(word))
    except (KeyError, ValueError):
        # pymorphy3 fails on some rare scripts (Tangut...): treat as unknown.
        return tuple(get_morph().parse("?"))


def parse_top(word: str):
    return parse_all(word)[0]


@functools.lru_cache(maxsize=200_000)
def is_author_verb(word: str) -> bool:
    """A finite (non-imperative) verb or a gerund in its most likely reading."""
    tag = parse_top(word).tag
    if tag.POS == "GRND":
        return True
    return tag.POS == "VERB" and tag.mood != "impr"


@functools.lru_cache(maxsize=200_000)
def may_be_author_verb(word: str) -> bool:
    """Any reading is a finite (non-imperative) verb or a gerund: for the first
    word of a remark, where `начала`, `перепела`, `зубрил` are verbs."""
    for p in parse_all(word):
        if p.tag.POS == "GRND" or (p.tag.POS == "VERB" and p.tag.mood != "impr"):
            return True
    return False
