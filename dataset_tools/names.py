"""Stage names: find person names in the replicas and write the dictionaries.

1. Natasha NER (PER) over every replica paragraph, in batches.
2. Clean each span down to its name parts (`Тогда Петя` -> `Петя`).
3. Count every form in the text, completing what NER missed: other forms of
   the found name lemmas (`Мите` after `Митя`) and pymorphy3 `Name` words
   that stand mid-sentence.
4. Decide each form's case in context (preposition, then Natasha's morphology
   tagger where the form itself is ambiguous) and write dict_me.py/dict_ti.py.
"""
from __future__ import annotations

import functools
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import click

from .common import (
    cli_main,
    fork_map,
    jobs_option,
    log,
    progress,
    require_file,
    resolve_jobs,
    shared,
    split_even,
    write_json,
    write_stats,
)
from .dialogs import read_dialogs_jsonl
from .dicts import dict_path, write_dict
from .morph import SURNAME_STEM_ENDS, WORD, get_known, has_name_tag, parse_all, parse_top, prev_word

# Words NER tags as persons in fiction that must never become "я"/"ты".
NOT_NAMES = {"бог", "господь", "господи", "боже", "христос", "христе", "христа", "иисус", "иисусе",
             "иисуса", "черт", "чёрт", "богородица", "богородице"}


@functools.lru_cache(maxsize=100_000)
def is_function_word(word: str) -> bool:
    """`Ишь`, `Ба`, `Эх`: a known interjection or particle is no name, even
    where NER or pymorphy's name guess says so."""
    low = word.lower()
    return get_known(low) and any(p.tag.POS in ("INTJ", "PRCL", "CONJ") and p.score >= 0.3 for p in parse_all(low))

# Pronoun groups: gent = accs and datv = loct give the same pronoun.
GROUP_OF_CASE = {
    "nomn": "nomn", "voct": "nomn",
    "gent": "gent", "gen1": "gent", "gen2": "gent", "accs": "gent", "acc2": "gent",
    "datv": "datv", "loct": "datv", "loc1": "datv", "loc2": "datv",
    "ablt": "ablt",
}
PRONOUNS = {
    "me": {"nomn": "я", "gent": "меня", "datv": "мне", "ablt": "мной"},
    "ti": {"nomn": "ты", "gent": "тебя", "datv": "тебе", "ablt": "тобой"},
}
NATASHA_CASE = {"Nom": "nomn", "Gen": "gent", "Acc": "gent", "Dat": "datv", "Loc": "datv", "Ins": "ablt"}
PREP_GROUPS = {
    **dict.fromkeys("у от до из без для около возле кроме после среди вместо мимо против "
                    "напротив вокруг насчёт насчет ради".split(), {"gent"}),
    **dict.fromkeys("к ко по благодаря навстречу".split(), {"datv"}),
    **dict.fromkeys("о об обо при".split(), {"datv", "gent"}),
    **dict.fromkeys("с со".split(), {"ablt", "gent"}),
    **dict.fromkeys("в во на".split(), {"datv", "gent"}),
    **dict.fromkeys("над надо под подо перед передо за между".split(), {"ablt", "gent"}),
    **dict.fromkeys("про через сквозь".split(), {"gent"}),
}

_SENT_END = re.compile(r"[.!?…][»\"”')]*\s*$")


def build_matcher(keys) -> re.Pattern | None:
    """Whole-word, case-sensitive, longest key first; spaces in keys match any run of spaces."""
    keys = sorted(set(keys), key=len, reverse=True)
    if not keys:
        return None
    alts = "|".join(r"\s+".join(map(re.escape, k.split())) for k in keys)
    return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])")


def replica_text(segments) -> str:
    """The replica as a paragraph: `— speech, — remark.`"""
    return "— " + " — ".join(seg for _, seg in segments)


@functools.lru_cache(maxsize=200_000)
def name_parse(word: str):
    """The most likely parse of `word` tagged as a name part, or None. A name
    pymorphy makes up after cutting off an unknown prefix or a hyphenated part
    (Экось, Погляди-кось as the vocative of Кося, Урбенин as Урбена) is no
    reading: such words count as unknown."""
    for p in parse_all(word):
        if has_name_tag(p.tag) and p.score >= 0.05 and not _made_up(p):
            return p
    return None


def _made_up(p) -> bool:
    """A made-up reading: after an unknown prefix or a hyphen, or a first name
    guessed from an ending (Карба-а-ас as a name like Тарас). Surnames and
    patronymics guessed from their endings stay: that is how they are known."""
    kinds = {type(m[0]).__name__ for m in p.methods_stack}
    if kinds & {"UnknownPrefixAnalyzer", "HyphenatedWordsAnalyzer"}:
        return True
    return "KnownSuffixAnalyzer" in kinds and "Surn" not in p.tag and "Patr" not in p.tag


@functools.lru_cache(maxsize=200_000)
def is_name_part(word: str) -> bool:
    """A capitalised word that can be part of a person's name."""
    if not word[:1].isupper() or word.lower() in NOT_NAMES or is_function_word(word):
        return False
    p = name_parse(word)
    if p is not None:
        # "Иду" is a verb far more often than the name Ида.
        return p.score >= 0.3 or p is parse_top(word)
    # Unknown capitalised nouns (foreign or rare names: Кнапс, Базиль) count
    # inside an NER span; drawn-out interjections (А-аа, Что-о-о) do not.
    low = word.lower()
    return (
        not get_known(low)
        and "-" not in word
        and len(word) >= 3
        and not re.search(r"(.)\1\1", low)
        and parse_top(low).tag.POS == "NOUN"
        and parse_top(low).tag.case != "voct"
        and not _VILLAGE.search(low)
    )


# Unknown words like Бутёкино, Малозёмово are villages, not people.
_VILLAGE = re.compile(r"(?:ино|ыно|ово|ёво|ево|[оеё]вк[аиуеой]|[оеё]вкою)$")


def lemma_of(word: str) -> str:
    p = name_parse(word)
    return (p.normal_form if p else word.lower()).replace("ё", "е")


# Lower-case particles of foreign surnames: "фон Корен", "де Гиз", "ван Гог".
NOBILIARY = {"фон", "де", "ван", "дер", "ди", "дю", "делла", "оф", "цу"}


def clean_span(words: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Splits an NER span into runs of real name parts."""
    runs, cur = [], []
    for k, w in enumerate(words):
        # After a name inside the span any name reading will do: "Васенька
        # Весловский", whose surname pymorphy reads as an adjective first. After
        # a nobiliary particle any capitalised word is a name: "фон Корен".
        if is_name_part(w[2]) or (cur and name_parse(w[2]) is not None and w[2][:1].isupper()) or (
                k and words[k - 1][2] in NOBILIARY and w[2][:1].isupper()):
            cur.append(w)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


@functools.cache
def _embedding():
    from natasha import NewsEmbedding

    return NewsEmbedding()  # shared by the NER and morphology taggers


@functools.lru_cache(maxsize=100_000)
def common_first(word: str) -> bool:
    """A known word whose likeliest reading is no name (пирогов, вера)."""
    return get_known(word.lower()) and not has_name_tag(parse_top(word).tag)


_LATIN = re.compile(r"[A-Za-z]")
_LATIN_TITLED = re.compile(
    r"(?<![\w-])(?:[Mm]-(?:lle|me|r)|[Mm]lle|[Mm]me|[Mm]adame|[Mm]ademoiselle|[Mm]onsieur|[Mm]rs?\.?|[Mm]iss|[Ll]ady|"
    r"[Ss]ir|[Hh]err|[Ff]rau|[Mm]ister|мистер|мисс|миссис|леди|сэр|мадам|мадемуазель|месье|мосье)\s+([A-Z][a-z]{2,})(?![\w-])")


_AFTER_PARTICLE = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(NOBILIARY)) + r")\s+[А-ЯЁ]")


def has_name_candidate(text: str) -> bool:
    return any(w[:1].isupper() and is_name_part(w) for w in WORD.findall(text)) or bool(_AFTER_PARTICLE.search(text))


@functools.cache
def load_ner():
    from natasha import NewsNERTagger

    tagger = NewsNERTagger(_embedding())
    tagger.batch_size = 64
    return tagger


def ner_name_words(texts: list[str], tagger) -> list[tuple[list[str], list[str]]]:
    """Per text: the person names (after cleaning) and the words of place and
    organisation spans, from Natasha NER."""
    out = []
    for text, markup in zip(texts, tagger.map(texts)):
        found, other = [], []
        for span in markup.spans:
            if span.type != "PER":
                other += WORD.findall(text[span.start:span.stop])
                continue
            words = [(m.start() + span.start, m.end() + span.start, m.group(0))
                     for m in WORD.finditer(text[span.start:span.stop])]
            for run in clean_span(words):
                if len(run) == 1 and sentence_start_before(text, run[0][0]) and (
                        common_first(run[0][2])
                        or (not get_known(run[0][2].lower()) and not re.match(r"\s*[,!?]", text[run[0][1]:]))):
                    # "Пирогов напеку", "Панихидку бы", "Бонжурте.": a capitalised common or
                    # odd word opening a sentence; other occurrences may still count.
                    continue
                found.append(" ".join(w for _, _, w in run))
        out.append((found, other))
    return out


def sentence_start_before(text: str, start: int) -> bool:
    before = text[:start].rstrip(" «\"„“'(—–-")
    return before == "" or bool(_SENT_END.search(before))


class NameFinder:
    """Collects name occurrences and decides each form's case."""

    def __init__(self):
        self.ner_forms: Counter[str] = Counter()
        self.lemmas: set[str] = set()
        self.ner_words: set[str] = set()
        self.place_words: set[str] = set()

    def add_ner(self, forms: list[str], other: list[str] = ()) -> None:
        self.place_words.update(other)
        for form in forms:
            self.ner_forms[form] += 1
            for w in form.split():
                self.ner_words.add(w)
                self.lemmas.add(lemma_of(w))

    def is_name_word(self, word: str, mid_sentence: bool) -> bool:
        if not word[:1].isupper() or word.lower() in NOT_NAMES or is_function_word(word):
            return False
        if word in self.ner_words:
            return True
        if name_parse(word) is None or word in self.place_words:
            return False  # "В Питер", "В Малозёмове": NER saw a place there
        if lemma_of(word) in self.lemmas:
            return True
        # pymorphy's Name words standing where a name stands (not a capital of a sentence start).
        return mid_sentence and has_name_tag(parse_top(word).tag)

    def occurrences(self, text: str):
        """Yields (start, end, form) for each run of name words in `text`."""
        run: list[tuple[int, int, str]] = []
        for m in WORD.finditer(text):
            w = m.group(0)
            if not self.is_name_word(w, not sentence_start_before(text, m.start())):
                if run:
                    yield run[0][0], run[-1][1], text[run[0][0]:run[-1][1]]
                    run = []
                continue
            if (run and text[run[-1][1]:m.start()] == " " and len(run) < 3 and continues_name(w)
                    and (is_patronymic(w) or (case_groups(" ".join(x[2] for x in run)) & case_groups(w)
                                              and agrees([x[2] for x in run], w)))):
                # "у Веры Иосифовны Старцев" is two people: the cases disagree
                # ("с Егор Егорычем" is one: speech leaves the first name as is).
                run.append((m.start(), m.end(), w))
                continue
            if run:
                yield run[0][0], run[-1][1], text[run[0][0]:run[-1][1]]
            run = [(m.start(), m.end(), w)]
        if run:
            yield run[0][0], run[-1][1], text[run[0][0]:run[-1][1]]


ALL_GROUPS = frozenset({"nomn", "gent", "datv", "ablt"})


@functools.lru_cache(maxsize=100_000)
def is_plural_only(form: str) -> bool:
    """Every case-bearing reading of the last word is plural (Калининых, or
    the possessive Сашины)."""
    word = form.split()[-1]
    if not get_known(word.lower()):
        # Guesses for unknown names (Базиль) are often plural; these endings are not names.
        return word.endswith(("ых", "их", "ые", "ие", "ими", "ыми", "ами", "ины", "ыны", "овы", "евы"))
    if word.endswith(SURNAME_STEM_ENDS):
        # Кирилов is a surname; pymorphy knows it only as the genitive plural of
        # Кирил, and a family is "у Кириловых", never "у Кирилов".
        return False
    parses = [p for p in parse_all(word) if p.tag.case and p.score >= 0.05]
    return bool(parses) and all(p.tag.number == "plur" for p in parses)


def _case_genders(word: str) -> set[tuple[str, str | None]]:
    """(case group, gender) of the name readings. A guessed gender counts only
    for a guessed surname or patronymic (Кистунову); a consonant-final unknown
    word may be a woman's indeclinable surname (Тфайс, Штольц)."""
    known = get_known(word.lower())
    if not known and word[-1:].lower() not in "аяеиоуыюэё":
        return set()
    out = set()
    for p in parse_all(word):
        if not p.tag.case or p.tag.number == "plur":
            continue
        if known and has_name_tag(p.tag):
            out.add((GROUP_OF_CASE.get(p.tag.case), p.tag.gender))
        elif not known and ("Surn" in p.tag or "Patr" in p.tag):
            out.add((GROUP_OF_CASE.get(p.tag.case), p.tag.gender))
        elif not known:
            out.add((GROUP_OF_CASE.get(p.tag.case), None))
    return out


_SURNAME_END = re.compile(r"(?:ов|ев|ёв|ин|ын|ск|цк)(?:ий|ой|ая|а|у|ым|ом|е|ой|ого|ому|им)?$")


def agrees(run: list[str], word: str) -> bool:
    """`word` can continue the name in `run`: some readings of it and of the
    run's last word share case and gender. `Степан Аркадьич Левина` and
    `к Кистунову Щукина` are two people each."""
    last = name_parse(run[-1])
    if get_known(word.lower()) and not is_patronymic(word) and (
            (last and "Surn" in last.tag) or (not last and _SURNAME_END.search(run[-1].lower()))):
        return False  # two surnames: "Катавасов Левину" are two people
    a, b = _case_genders(run[-1]), _case_genders(word)
    if a and b and not any(c1 == c2 and (g1 is None or g2 is None or g1 == g2) for c1, g1 in a for c2, g2 in b):
        return False
    # The run's gender from its dictionary words (Степан is a man) against the
    # readings of `word` in the run's cases.
    genders = {p.tag.gender for w in run if get_known(w.lower())
               for p in parse_all(w) if has_name_tag(p.tag) and p.tag.gender}
    if len(genders) != 1 or not b:
        return True
    groups = case_groups(" ".join(run))
    return any(g is None or g in genders for c, g in b if c in groups) or not any(c in groups for c, _ in b)


@functools.lru_cache(maxsize=100_000)
def is_patronymic(word: str) -> bool:
    return any("Patr" in p.tag for p in parse_all(word))


@functools.lru_cache(maxsize=100_000)
def continues_name(word: str) -> bool:
    """A patronymic, surname or unknown word extends a name; a second first
    name starts another person (`Маша Васе`)."""
    if not get_known(word.lower()):
        return True
    return any(("Patr" in p.tag or "Surn" in p.tag) for p in parse_all(word))


@functools.lru_cache(maxsize=100_000)
def case_groups(form: str) -> frozenset[str]:
    """Pronoun groups the form can be in: the groups every name word of it
    allows (`Анисима Григорьича` is gent/accs, not nomn). A form with no
    known name word can be in any case, and context decides."""
    groups = set(ALL_GROUPS)
    for w in form.split():
        parses = [p for p in parse_all(w) if p.tag.case and p.tag.number != "plur"]
        known = get_known(w.lower())
        if known:
            # Any name reading counts, however rare (Лаевскому: 0.009 next to лаевский).
            parses = [p for p in parses if has_name_tag(p.tag)]
        else:
            parses = [p for p in parses if p.score >= 0.05]
            # For unknown words pymorphy guesses by the ending: trust a guessed
            # patronymic or surname (Григорьича), else the animate readings
            # (Пересолиху is accs, not the inanimate datv).
            named = [p for p in parses if "Patr" in p.tag or "Surn" in p.tag]
            parses = named or [p for p in parses if "anim" in p.tag]
        g = {GROUP_OF_CASE.get(p.tag.case) for p in parses}
        g.discard(None)
        if g and not known and not named and w[-1:] in "аяй" and "-" not in w and not w.endswith(("ича", "ыча")):
            g.add("nomn")  # an unknown Степунька is no genitive of a Степунёк, nor Сисой an instrumental
        if g and g & groups:
            groups &= g
    return frozenset(groups)


@functools.lru_cache(maxsize=100_000)
def maybe_unseen_nominative(form: str) -> bool:
    """A one-word form that pymorphy reads in one oblique case only, but whose
    ending could be the nominative of a name it does not know: `Стива` (read
    as the genitive of Стив). Only the tagger, seeing the sentence, can tell."""
    return (" " not in form and form[-1:] in "ая"
            and not form.endswith(("ича", "ыча"))
            and case_groups(form) == {"gent"})


def subject_or_address(text: str, start: int, end: int) -> bool:
    """`Стива сказал`, `Стива мне говорил`, `Стива!`, `Стива, послушай`."""
    after = text[end:]
    if sentence_start_before(text, start) and re.match(r"\s*[,!]", after):
        return True
    for w in WORD.findall(re.split(r"[,.!?;:…()—]", after, maxsplit=1)[0])[:3]:
        t = parse_top(w.lower()).tag
        if t.POS == "VERB":
            return t.number == "sing" and t.mood == "indc" and t.person in (None, "3per")
        if t.POS not in ("NPRO", "ADVB", "PRCL", "CONJ") and not (t.POS == "NOUN" and t.case != "nomn"):
            return False  # "Николаша мертвецов режет": an object may stand between
    return False


SPEECH_VERBS = {"сказать", "говорить", "шепнуть", "шептать", "крикнуть", "кричать", "ответить", "отвечать",
                "заметить", "замечать", "сообщить", "объяснить", "объяснять", "повторить", "повторять",
                "пообещать", "обещать", "признаться", "бросить", "проговорить", "пробормотать", "возразить"}


def _after_speech_verb(text: str, start: int, need_pronoun: bool) -> bool:
    """`говорила она Гурову`; with no pronoun between (`сказал Самойленко`) an
    indeclinable name is the subject, so then the pronoun is required."""
    words = re.findall(r"[^\W\d_]+", text[:start])[-2:]
    if len(words) == 2 and parse_top(words[1].lower()).tag.POS == "NPRO":
        # "говорила она Гурову" (the name is the one spoken to); not "крикнул ему
        # Самойленко", where the pronoun is the one spoken to and the name speaks.
        return parse_top(words[1].lower()).tag.case == "nomn" and \
            parse_top(words[0].lower()).normal_form in SPEECH_VERBS
    return not need_pronoun and bool(words) and parse_top(words[-1].lower()).normal_form in SPEECH_VERBS


def group_in_context(form: str, text: str, start: int) -> str | None:
    """The pronoun group of one occurrence, or None when only a tagger can tell."""
    groups = case_groups(form)
    m = prev_word(text, start)
    pw = m.group(1).lower() if m else ""
    prep = PREP_GROUPS.get(pw)
    if maybe_unseen_nominative(form):
        # The tagger calls rare genitives (обидят они Никифора) nominative:
        # only a following verb in the singular or an address says "nomn".
        if not prep and subject_or_address(text, start, start + len(form)):
            return "nomn"
        return next(iter(groups))
    if len(groups) == 1:
        return next(iter(groups))
    if "datv" in groups and _after_speech_verb(text, start, need_pronoun="nomn" in groups):
        return "datv"  # "говорила она Гурову": the one spoken to
    if "nomn" in groups and pw and parse_top(pw).tag.mood == "indc" and not _has_subject_before(text, m.start(1)):
        return "nomn"  # "прогнусавил Перегарин": the subject right after its verb (not "я видел Мими")
    if prep:
        both = groups & prep
        if len(both) == 1:
            return next(iter(both))
        return None
    if "nomn" in groups and subject_or_address(text, start, start + len(form)) and not (
            pw and parse_top(pw).tag.POS in ("NOUN", "ADJF")):
        return "nomn"  # "Николаша мертвецов режет"; not "ум высокий Рябинина может"
    return None


def _has_subject_before(text: str, start: int, clause: bool = True) -> bool:
    """The clause (or all of `text[:start]`) already has a nominative pronoun or noun."""
    clause = re.split(r"[,.!?…;:()—]", text[:start])[-1] if clause else text[:start]
    for w in WORD.findall(clause):
        t = parse_top(w.lower()).tag
        if t.POS in ("NPRO", "NOUN") and t.case == "nomn":
            return True
    return False


@functools.cache
def _morph_tagger():
    from natasha import NewsMorphTagger, Segmenter

    return Segmenter(), NewsMorphTagger(_embedding())


@functools.lru_cache(maxsize=50_000)
def tagged_group(text: str, start: int) -> str | None:
    """The pronoun group Natasha's morphology tagger gives the word at `start`."""
    return _tag_cases([(text, start)])[0]


def _tag_cases(items: list[tuple[str, int]], jobs: int = 1) -> list[str | None]:
    """The tagger's case group for the word at each (text, start). Only the
    sentences that hold one are tagged, in `jobs` forked workers."""
    from natasha import Doc

    seg, tagger = _morph_tagger()
    where: list[tuple[int, int] | None] = []  # (sentence index, token index) per item
    sents: list[list[str]] = []
    seen: dict[tuple[str, int], int] = {}
    docs: dict[str, Doc] = {}
    for text, start in items:
        doc = docs.get(text)
        if doc is None:
            doc = docs[text] = Doc(text)
            doc.segment(seg)
        found = None
        for si, sent in enumerate(doc.sents):
            for ti, tok in enumerate(sent.tokens):
                if tok.start == start:
                    key = (text, si)
                    if key not in seen:
                        seen[key] = len(sents)
                        sents.append([t.text for t in sent.tokens])
                    found = (seen[key], ti)
        where.append(found)
    parts = split_even(sents, max(jobs, len(sents) // 500)) if sents else []
    cases = [c for part in fork_map(_tag_part, parts, jobs, shared=tagger, desc="names: case", unit="part")
             for c in part]
    return [NATASHA_CASE.get(cases[w[0]][w[1]]) if w else None for w in where]


def _tag_part(sents: list[list[str]]) -> list[list[str | None]]:
    """The Case feature of each token (a fork_map worker; the tagger is shared())."""
    return [[(tok.feats or {}).get("Case") for tok in markup.tokens] for markup in shared().map(sents)]


def resolve_with_tagger(pending: list[tuple[str, str, int]], jobs: int = 1) -> list[str | None]:
    """Natasha's morphology tagger decides the case where the form is ambiguous."""
    cases = _tag_cases([(text, start) for _, text, start in pending], jobs)
    return [case if case in case_groups(form) else None for (form, _, _), case in zip(pending, cases)]


def example_of(text: str, start: int, end: int, width: int = 70) -> str:
    """A short excerpt of the replica around the name, on one line."""
    if len(text) <= width:
        return text
    lo = max(0, min(start - width // 2, len(text) - width))
    out = text[lo:lo + width].strip()
    return ("…" if lo else "") + out + ("…" if lo + width < len(text) else "")


# Words only an animal's clause holds: body parts and animal sounds.
_ANIMAL_CUE = re.compile(
    r"(?<![\w-])(?:хвост\w*|лап(?:а|ы|у|е|ой|ою|ам|ами|ах|ки|ку|кой|ке|ка|ок)|морд\w*|пасть\w*|грив\w*|копыт\w*|"
    r"ошейник\w*|(?:за|про)?ла(?:ял|яла|яли|ять|ет|ют|ю)|\w*тявк\w*|\w*гавк\w*|(?:за)?скул(?:ил|ила|ит|ят|ить)\w*|"
    r"\w*мяук\w*|\w*хрюк\w*|обнюх\w*|\w*виля\w*|(?:за)?рыч(?:ал|ала|ит|ат|ать)|лизн\w*|лизал\w*|лизать|лижет)(?![\w-])")
_CLAUSE_SPLIT = re.compile(r"[.,!?;:—–()«»\"…\n]")
_CAP_WORD = re.compile(r"(?<![\w-])[А-ЯЁ][а-яё]+")


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    """A crude stem shared by the forms of a name, known or not (Азорка, Азорке, Азоркой)."""
    low = re.sub(r"(?:ами|ями|ой|ою|ей|ею|ом|ем|ым|им|ах|ях)$", "", word.lower())
    return re.sub(r"[аяоеёуюиыйь]+$", "", low)


def animal_forms(forms, paragraphs) -> set[str]:
    """Forms of names that the book's narration shows to be animals: their
    clauses hold body parts or animal sounds (`Азорка ... хвостом махал`,
    `Каштанка заскулила`) at least 3 times and in 5% of their mentions."""
    stems = {_stem(f.split()[0]): f for f in forms}
    occ: Counter[str] = Counter()
    cue: Counter[str] = Counter()
    for p in paragraphs:
        for clause in _CLAUSE_SPLIT.split(p):
            found = {_stem(w) for w in _CAP_WORD.findall(clause)} & stems.keys()
            if not found:
                continue
            animal = bool(_ANIMAL_CUE.search(clause))
            for st in found:
                occ[st] += 1
                cue[st] += animal
    bad = {st for st, c in cue.items() if c >= 3 and c * 20 >= occ[st]}
    return {f for f in forms if _stem(f.split()[0]) in bad}


_PLACES = True  # a name the book puts where places go is a place (place_forms)
# "на Шлангенберге", "в Рулетенбурге", "из Шлангенберга", "с Шлангенберга": where, not who ("жениться на
# Мими" is a person).
_PLACE_CUE = re.compile(r"(?<![\w-])(?:(?:в|во|на)\s+([А-ЯЁ][а-яё]+е)|(?:из|с|со)\s+([А-ЯЁ][а-яё]+[аы]))(?![\w-])")
_MARRYING = re.compile(r"(?:жени\w*|женат\w*|помолвлен\w*|обвенча\w*)\s+(?:\w+\s+)?$")


def place_forms(forms, paragraphs) -> set[str]:
    """One-word name forms of a stem the book mostly puts where places go
    (`на Шлангенберге`, `с Шлангенберга`): at least 2 such places and 40% of
    the stem's mentions in the whole book."""
    paragraphs = list(paragraphs)
    stems = {_stem(f): f for f in forms if " " not in f}
    cue: Counter[str] = Counter()
    for p in paragraphs:
        for m in _PLACE_CUE.finditer(p):
            st = _stem(m.group(1) or m.group(2))
            if st in stems and not _MARRYING.search(p, 0, m.start()):
                cue[st] += 1
    maybe = {st for st, c in cue.items() if c >= 2}
    if not maybe:
        return set()  # most books: no second look at every capitalised word
    occ: Counter[str] = Counter(st for p in paragraphs for st in map(_stem, _CAP_WORD.findall(p)) if st in maybe)
    bad = {st for st in maybe if cue[st] * 5 >= occ[st] * 2}
    return {f for f in forms if " " not in f and _stem(f) in bad}


# ... and for an animal with a person's name and patronymic (the goose Иван Иваныч and the cat
# Федор Тимофеич of «Каштанка»): bird words too, counted per sentence, since such a name is
# long and its sentences seldom hold anybody else.
_ANIMAL_CUE_WIDE = re.compile(_ANIMAL_CUE.pattern.replace(
    r")(?![\w-])", r"|клюв\w*|крыл(?:о|а|у|ом|е|ья|ьев|ьям|ьями|ьях)|гогот\w*|\w*кукарек\w*|\w*кудахт\w*|"
                   r"\w*мурлы\w*|копытц\w*)(?![\w-])"))
_SENTENCE_SPLIT = re.compile(r"[.!?;:()«»\"…\n]")
_CAP_PAIR = re.compile(r"(?<![\w-])(?=([А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+))")  # overlapping: "Тут Иван Иваныч"


def animal_full_names(forms, paragraphs) -> set[str]:
    """Two-word forms (a first name and a patronymic) that are an animal's
    name: in the texts holding most of their mentions, at least 3 sentences
    and 5% of those mentions hold animal words. Per text, because in a
    folder the goose Иван Иваныч of one story is a man in the next."""
    def key(words):
        return " ".join(_stem(w) for w in words)

    keys = {key(f.split()) for f in forms if len(f.split()) == 2}
    occ: Counter = Counter()
    cue: Counter = Counter()
    text = 0
    for p in list(paragraphs) + [""]:
        if not p:
            text += 1  # an empty line parts the texts of a folder
            continue
        for sentence in _SENTENCE_SPLIT.split(p):
            found = {key(m.group(1).split()) for m in _CAP_PAIR.finditer(sentence)} & keys
            animal = bool(found) and bool(_ANIMAL_CUE_WIDE.search(sentence))
            for k in found:
                occ[k, text] += 1
                cue[k, text] += animal
    animal_in: Counter = Counter()
    total: Counter = Counter()
    for (k, t), n in occ.items():
        total[k] += n
        if cue[k, t] >= 3 and cue[k, t] * 20 >= n:
            animal_in[k] += n
    bad = {k for k, n in animal_in.items() if 2 * n > total[k]}
    return {f for f in forms if len(f.split()) == 2 and key(f.split()) in bad}


_POSSESSIVE_FORM = re.compile(r"^(.+?)(?:ин|ын)(?:а|у|ой|ою|ого|ому|ом|ым|ых|ыми|ы|о|е)$")


def possessive_forms(forms) -> set[str]:
    """Possessive adjectives of a name the book uses (`Наташина соперница`,
    `Сашину руку`, `Пашкиной болячкой`, beside `Наташа`, `Саша`, `Пашка`):
    "моя соперница" would need its own agreement, and "я соперница" is
    wrong, so the time stage leaves them as written (they stay in names.json:
    the characters are built as before). Not a first name pymorphy knows
    (`Ирина` beside `Ира`), nor a surname the book also has in the nominative
    (`Ильин`)."""
    out = set()
    for f in forms:
        m = _POSSESSIVE_FORM.match(f) if " " not in f else None
        if m is None or not any(m.group(1) + e in forms for e in ("а", "я")):
            continue
        if any(m.group(1) + s in forms for s in ("ин", "ын")) or any("Name" in p.tag for p in parse_all(f)):
            continue
        out.add(f)
    return out


# fork_map workers: the NER tagger, or (texts, finder) and (texts, matcher), come as shared().

def _ner_batch(texts: list[str]):
    return ner_name_words(texts, shared())


def _find_part(idx: list[int]) -> set[str]:
    texts, finder = shared()
    return {form for t in idx for _, _, form in finder.occurrences(texts[t])}


def _count_part(idx: list[int]) -> list[tuple[int, int, int, str, str | None, bool]]:
    """(text, start, end, form, case group by a context rule or None, a woman's
    word beside an "-а" form) per match, in order."""
    texts, matcher = shared()
    out = []
    for t in idx:
        for m in matcher.finditer(texts[t]):
            form = " ".join(m.group(0).split())
            g = group_in_context(form, texts[t], m.start())
            woman = form[-1:] == "а" and _female_context(texts[t], m.start(), m.end())
            out.append((t, m.start(), m.end(), form, g, woman))
    return out


_WOMEN_TITLES = {"мадам", "m-me", "mme", "madame", "госпожа", "барыня", "барышня", "княгиня", "княжна", "графиня",
                 "баронесса", "генеральша", "мамзель", "mademoiselle", "m-lle", "mlle", "мисс", "миссис", "фрау",
                 "сестра", "тётя", "тетя", "тётушка", "тетушка", "бабушка", "жена", "вдова", "девица"}


def _female_context(text: str, start: int, end: int) -> bool:
    """A woman's title or a feminine past verb right beside the name: "спросила
    m-me Шумихина", "мадам Отлетаева", "Шумихина сказала"."""
    before = re.findall(r"[^\W\d_][\w-]*", text[max(0, start - 40):start])[-2:]
    after = re.findall(r"[^\W\d_]+", text[end:end + 30])[:1]
    if before and before[-1].lower() in _WOMEN_TITLES:
        return True
    for w in [*before[-1:], *after]:
        t = parse_top(w.lower()).tag
        if t.POS == "VERB" and t.tense == "past" and t.gender == "femn":
            return True
    return False


def find_names(dialogs, tagger=None, batch: int = 256, paragraphs=None, jobs: int = 1) -> dict:
    """Returns {form: {"count", "groups": Counter, "example", "ner"}}; groups
    are votes: 2 for a context rule, 1 for a tagger guess. `paragraphs` (the
    whole book, narration too) rules out animals. `jobs` worker processes
    share the NER batches (the result does not depend on it)."""
    tagger = tagger or load_ner()
    finder = NameFinder()
    dialogs = list(dialogs) if not isinstance(dialogs, list) else dialogs
    texts = [replica_text(rep) for d in dialogs for rep in d]
    # A span survives cleaning only through a word that is_name_part accepts,
    # so replicas without one cannot add names: NER skips them (lossless).
    # Sorting by length keeps slovnet's padded batches short.
    ner_texts = sorted((t for t in texts if has_name_candidate(t)), key=len)
    # Forked after the candidate check, the workers inherit its pymorphy3 caches.
    batches = [ner_texts[i:i + batch] for i in range(0, len(ner_texts), batch)]
    for found in fork_map(_ner_batch, batches, jobs, shared=tagger, desc="names: NER", unit="batch"):
        for forms, other in found:
            finder.add_ner(forms, other)
    # Russian NER does not read Latin script: "m-lle Blanche", "мистер Astley" are names by their title.
    finder.add_ner(sorted({m.group(1) for t in texts for m in _LATIN_TITLED.finditer(t)}))
    parts = split_even(list(range(len(texts))), max(jobs, len(texts) // 1000))
    found = set().union(*fork_map(_find_part, parts, jobs, shared=(texts, finder), desc="names: find", unit="part"))
    # Count and judge every place the time stage will replace, sentence starts
    # included, so the dictionary's case is decided where it is used.
    matcher = build_matcher(found)
    forms: dict[str, dict] = {}
    pending: list[tuple[str, str, int]] = []
    women: set[str] = set()  # "-а" forms a woman's title or verb stands beside somewhere
    for hits in fork_map(_count_part, parts if matcher else [], jobs, shared=(texts, matcher),
                         desc="names: count", unit="part"):
        for t, start, end, form, g, woman in hits:
            if woman:
                women.add(form)
            text = texts[t]
            info = forms.setdefault(form, {"count": 0, "groups": Counter(),
                                           "example": example_of(text, start, end),
                                           "ner": form in finder.ner_forms})
            info["count"] += 1
            if g:
                info["groups"][g] += 2  # a rule outweighs one tagger guess
            elif len(pending) < 20_000:
                pending.append((form, text, start))
    for form in animal_forms(forms, paragraphs or ()) | animal_full_names(forms, paragraphs or ()):
        del forms[form]  # "Азорка", "Каштанка": a dog, not a person; "Иван Иваныч" of «Каштанка», a goose
    if _PLACES:
        for form in place_forms(forms, paragraphs or ()):
            del forms[form]  # "на Шлангенберге", "с Шлангенберга": a mountain, not a person
    for form in [f for f in forms if is_plural_only(f)]:
        del forms[form]  # "у Калининых", "с Котловичами": a family, not one person
    lower = Counter(w for t in texts for w in WORD.findall(t) if w.islower())
    for form in [f for f, i in forms.items() if " " not in f and lower[f.lower()] >= i["count"]]:
        del forms[form]  # "Мур… мур… мур…", "Вера горами двигает": a common word as often as a name
    pending = [x for x in pending if x[0] in forms]
    for (form, _, _), g in zip(pending, resolve_with_tagger(pending, jobs)):
        forms[form]["groups"][g or min(case_groups(form), key=_GROUP_ORDER.index)] += 1
    # decided from the votes of every form before any is overwritten
    decided = {form: _paradigm_group(form, forms, women) for form in forms}
    for form, g in decided.items():
        if g:
            forms[form]["groups"] = Counter({g: 2 * forms[form]["count"]})
    return forms


def _paradigm_group(form: str, forms: dict, women: set[str]) -> str | None:
    """The case group the book's other forms of the name give `form`, or None
    to keep the votes. `women`: the "-а" forms a woman's word stands beside."""
    # "Ферапонта" next to "Ферапонт" is its genitive, not an unseen nominative
    if _accusative_of_unseen(form, forms) or (maybe_unseen_nominative(form) and form[:-1] in forms):
        return "gent"
    if not _U_BY_PARADIGM:
        return None
    return _u_form_group(form, forms) or (None if form in women else _a_form_group(form, forms))


_U_BY_PARADIGM = True  # an unknown -у/-а form takes its case from the book's other forms of the name


def _a_form_group(form: str, forms: dict) -> str | None:
    """`Феферкухена` beside the nominative `Феферкухен` is his genitive or
    accusative, for a name pymorphy does not know, unless a woman of that
    name shows in the book (`Феферкухеной`; find_names also leaves the forms
    a woman's title or verb stands beside: `спросила m-me Шумихина`)."""
    if " " in form or form[-1:] != "а" or len(form) < 4 or get_known(form.lower()):
        return None
    stem = form[:-1]
    if stem[-1:].lower() in "аеёиоуыэюяйь" or stem not in forms or choose_group(forms[stem], stem) != "nomn":
        return None
    return None if stem + "ой" in forms or stem + "ою" in forms else "gent"


def _u_form_group(form: str, forms: dict) -> str | None:
    """The case of an "-у" form of a name pymorphy does not know, by the
    book's other forms of it: beside the nominative `Митрошка` it is the
    accusative (the dative is `Митрошке`); beside `Маслобоев`, `Маслобоевым`,
    or `Маслобоева` read as a genitive, it is the dative. None when the book
    does not tell."""
    if " " in form or form[-1:] not in "ую" or len(form) < 4 or get_known(form.lower()):
        return None
    stem = form[:-1]
    vowel = stem + ("а" if form[-1] == "у" else "я")
    if vowel in forms and choose_group(forms[vowel], vowel) == "nomn":
        return None if stem in forms or stem + "ь" in forms else "gent"
    if (stem in forms and choose_group(forms[stem], stem) == "nomn") or (
            vowel in forms and choose_group(forms[vowel], vowel) == "gent" and stem + "ой" not in forms) or (
            (stem + "ым" in forms or stem + "ом" in forms) and stem + "ой" not in forms):
        return "datv"  # (`с Салалеевым`: a man's instrumental, so `Салалееву` is his dative)
    return None


def _accusative_of_unseen(form: str, forms: dict) -> bool:
    """`Стиву` is read as the dative of Стив, but where the book's `Стива` is a
    nominative the name declines like Маша, and `-у` is its accusative."""
    if " " in form or form[-1:] not in "ую" or case_groups(form) != {"datv"}:
        return False
    base = form[:-1] + ("а" if form[-1] == "у" else "я")
    # "Ферапонт" in the book makes "Ферапонта" its genitive, whatever the votes
    return (base in forms and form[:-1] not in forms and form[:-1] + "ь" not in forms
            and maybe_unseen_nominative(base) and choose_group(forms[base], base) == "nomn")


_GROUP_ORDER = ["nomn", "gent", "datv", "ablt"]


def choose_group(info: dict, form: str) -> str:
    if info["groups"]:
        return max(info["groups"].items(), key=lambda kv: (kv[1], -_GROUP_ORDER.index(kv[0])))[0]
    return min(case_groups(form), key=_GROUP_ORDER.index)


def dict_entries(forms: dict, mode: str) -> list[tuple[str, str, int, str]]:
    # A Latin-script name ("Blanche") shows no case and stands in French phrases: the
    # speakers stage knows it, the dictionaries leave it as written.
    rows = [(f, PRONOUNS[mode][choose_group(i, f)], i["count"], i["example"]) for f, i in forms.items()
            if not _LATIN.search(f)]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows


def top_names(forms: dict, n: int = 20) -> list[dict]:
    """Names grouped by lemma of their first word, most frequent first."""
    by_lemma: dict[str, dict] = defaultdict(lambda: {"count": 0, "forms": Counter()})
    for form, info in forms.items():
        key = " ".join(lemma_of(w) for w in form.split())
        by_lemma[key]["count"] += info["count"]
        by_lemma[key]["forms"][form] += info["count"]
    rows = sorted(by_lemma.items(), key=lambda kv: -kv[1]["count"])[:n]
    return [{"name": v["forms"].most_common(1)[0][0], "count": v["count"],
             "forms": [f for f, _ in v["forms"].most_common()]} for _, v in rows]


def write_names(out_dir: str | Path, forms: dict) -> None:
    """names.json: every form found, its count, case votes, example and whether NER saw it."""
    write_json(Path(out_dir) / "names.json", {f: {**i, "groups": dict(i["groups"])} for f, i in forms.items()})


def read_names(out_dir: str | Path) -> dict[str, dict] | None:
    """names.json as the names stage wrote it; None when there is none."""
    path = Path(out_dir) / "names.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--dict-dir", required=True, type=click.Path(file_okay=False))
@jobs_option
@cli_main
def main(out_dir, dict_dir, jobs):
    """Find person names and write dict_me.py / dict_ti.py."""
    t0 = time.perf_counter()
    src = require_file(Path(out_dir) / "dialogs.jsonl", "dialogs.jsonl", "run the dialogs stage first")
    log.info("loading Natasha NER")
    para = Path(out_dir) / "paragraphs.txt"
    paragraphs = para.read_text(encoding="utf-8").splitlines() if para.exists() else None
    forms = find_names(read_dialogs_jsonl(src), paragraphs=paragraphs, jobs=resolve_jobs(jobs))
    if not forms:
        log.warning("warning: no person names found; the me/ti datasets will equal the dialogs")
    for mode in ("me", "ti"):
        backup = write_dict(dict_dir, mode, dict_entries(forms, mode))
        if backup:
            log.warning(f"warning: {dict_path(dict_dir, mode)} had hand edits; the old file is kept as {backup}")
    from .characters import backup_edited, characters_path

    backup = backup_edited(dict_dir)  # new names, new characters (the speakers stage writes them)
    if backup:
        log.warning(f"warning: {characters_path(dict_dir)} had hand edits; the old file is kept as {backup}")
    write_names(out_dir, forms)
    stats = {
        "forms": len(forms),
        "occurrences": sum(i["count"] for i in forms.values()),
        "found_by_ner": sum(1 for i in forms.values() if i["ner"]),
        "top": top_names(forms),
    }
    write_stats(out_dir, "names", stats, t0)


if __name__ == "__main__":
    main()

