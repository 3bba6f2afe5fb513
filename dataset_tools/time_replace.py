"""Stage time: names -> pronouns, writing me_dialogs.txt and ti_dialogs.txt (SPEC §5).

Works on the parsed segments of dialogs.jsonl, so it still sees the source
punctuation around remarks (sentence starts) and renders lines exactly as the
dialogs stage does: a replica with nothing to replace stays byte-identical.
"""
from __future__ import annotations

import functools
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import click

from .common import (
    KitError,
    atomic_write,
    cli_main,
    fork_map,
    jobs_option,
    require_file,
    resolve_jobs,
    shared,
    split_even,
    write_stats,
)
from .dialogs import read_dialogs_jsonl
from .dicts import dict_path, load_dict
from .morph import WORD, get_known, has_name_tag, parse_all, parse_top, prev_word
from .names import (
    ALL_GROUPS,
    GROUP_OF_CASE,
    PREP_GROUPS,
    PRONOUNS,
    _has_subject_before,
    build_matcher,
    case_groups,
    common_first,
    dict_entries,
    group_in_context,
    is_function_word,
    possessive_forms,
    read_names,
    sentence_start_before,
    tagged_group,
)
from .replicas import render_char

# Every pronoun the dictionaries may hold: its series (me/ti) and case group.
_PRONOUN = {p: (mode, group) for mode, table in PRONOUNS.items() for group, p in table.items()}
_PRONOUN.update({"мною": ("me", "ablt"), "тобою": ("ti", "ablt")})
_PERSON = {"me": "1per", "ti": "2per"}


def _group_of(pronoun: str) -> str | None:
    return _PRONOUN.get(pronoun, (None, None))[1]


# Prepositions that take their long form before a first-person pronoun.
LONG_PREP = {
    ("о", "мне"): "обо", ("о", "меня"): "обо", ("об", "мне"): "обо", ("об", "меня"): "обо",
    ("к", "мне"): "ко", ("с", "мной"): "со", ("в", "мне"): "во",
    ("над", "мной"): "надо", ("под", "мной"): "подо", ("перед", "мной"): "передо",
}
# A name right after these is being introduced and stays: "меня зовут Тимур".
INTRO_LEMMAS = {"звать", "называть", "назвать", "называться", "зваться", "именовать",
                "величать", "кликать", "окрестить", "нарекать", "наречь"}
INTRO_WORDS = {"имени", "именем", "прозвищу", "фамилии", "фамилией", "кличке",
               # "это фамилия его Феферкухен", "хорошенькое имя Нелли": a name spoken of as a word
               "имя", "фамилия", "прозвище", "кличка"}

_OBJECT_AFTER_VERB = True  # an indeclinable name right after a transitive verb that has its subject: accusative
# Transitive verbs whose person is the one given to (dative): "обещала Бетси", "сказал Нелли".
_GIVING_VERBS = set("""дать давать отдать отдавать обещать пообещать подарить дарить сказать говорить написать
    писать послать посылать передать передавать показать показывать предложить предлагать принести приносить
    купить продать объяснить объяснять рассказать рассказывать сообщить сообщать позволить позволять подать
    подавать заплатить платить доложить докладывать внушить внушать поручить поручать""".split())
# ... and the long forms a name may take that a pronoun does not, with the cases
# where the word is that preposition ("надо Степана позвать" is "must").
_SHORT_PREP = {"со": ("с", {"ablt", "gent"}), "ко": ("к", {"datv"}), "во": ("в", {"datv", "gent"}),
               "обо": ("о", {"datv", "gent"}), "надо": ("над", {"ablt"}), "подо": ("под", {"ablt"}),
               "передо": ("перед", {"ablt"})}

_TO_PARTICLE = re.compile(r"-то(?:\s|$)")

_CLAUSE_STOP = re.compile(r"[,.!?…;:()«»\"—–]")
_SENT_STOP = re.compile(r"[.!?…]")
_SENT_END_PUNCT = ".!?…"
_OPENERS = " «\"„“'(—–-"


def _sentence_start(segments, i: int, text: str, start: int) -> bool:
    before = text[:start].rstrip(_OPENERS)
    if before:
        return before.rstrip("»\"”')")[-1:] in _SENT_END_PUNCT
    if i == 0:
        return True
    prev = segments[i - 1][1].rstrip().rstrip("»\"”')")
    return prev[-1:] in _SENT_END_PUNCT


def _bounds(text: str, start: int, end: int, stop: re.Pattern = _CLAUSE_STOP) -> tuple[int, int]:
    """The clause (or, with _SENT_STOP, the sentence) around text[start:end]."""
    return start - len(stop.split(text[:start])[-1]), end + len(stop.split(text[end:])[0])


_SELF_INTRO = re.compile(r"(?:^|[^\w-])(?:[Яя]|[Мм]еня)\s*[—–-]?\s*$")
# "позвольте представиться... Кандидат прав Иван Петрович Камышев"
_PRESENTING = r"(?:представ(?:иться|люсь|ляюсь)|рекоменд(?:оваться|уюсь))"
_PRESENT = re.compile(_PRESENTING + r"\W{1,5}(?:\w+\s+){0,3}$", re.I)
# ... and across the remark: "— Рекомендуюсь, — сказал я, вставая, — Зиновьев."
_PRESENT_END = re.compile(_PRESENTING + r"\W*$", re.I)


def _is_intro(text: str, start: int, end: int, group: str | None) -> bool:
    if _SELF_INTRO.search(text[:start]) or _PRESENT.search(text[:start]):
        return True  # "Я — Зиновьев, следователь", "Я Абогин"
    if group in ("nomn", "ablt"):  # not "Зою зовите" (invite her)
        after = WORD.findall(text[end:_bounds(text, end, end)[1]])[:2]
        if any(parse_top(w.lower()).normal_form in INTRO_LEMMAS for w in after):
            return True  # "Тебя, кажется, Кузьмой зовут?"
    # The sentence, not the clause: "как смешно звали Писемского: Алексей Феофилактыч!"
    words = WORD.findall(re.split(r"[.!?…;]", text[:start])[-1])[-3:]
    for w in words:
        lw = w.lower()
        if lw in INTRO_WORDS or parse_top(lw).normal_form in INTRO_LEMMAS:
            return True
    return False


@functools.lru_cache(maxsize=100_000)
def _agree(word: str, person: str, verb_expected: bool = False) -> str | None:
    """Re-inflects a present/future 3rd-person singular verb, else None.
    `verb_expected`: a verb reading wins over a likelier noun ("и сорит")."""
    p = parse_top(word.lower())
    if verb_expected and p.tag.POS != "VERB":
        p = next((v for v in parse_all(word.lower()) if v.tag.POS == "VERB" and v.tag.person == "3per"), p)
    if has_name_tag(p.tag):
        # A lower-case word read first as a name ("велит" as Велита) is a verb if it can be.
        p = next((v for v in parse_all(word.lower()) if v.tag.POS == "VERB"), p)
    if p.tag.POS == "VERB" and "Impe" in p.tag:
        # "хватит" read as impersonal first; with a person for subject it is personal
        p = next((v for v in parse_all(word.lower()) if v.tag.POS == "VERB" and v.tag.person == "3per"), p)
    t = p.tag
    if t.POS != "VERB" or t.person != "3per" or t.number != "sing" or t.tense not in ("pres", "futr"):
        return None
    new = p.inflect({person, "sing", t.tense})
    if new is None or new.tag.tense != t.tense:
        return None
    out = new.word
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def _find_verb(text: str, start: int, end: int, person: str):
    """The nearest agreeing verb of the name's clause, 4 words away at most,
    with no other subject (noun or pronoun in the nominative) in between."""
    lo, hi = _bounds(text, start, end)
    before = [(m.start(), m.end(), m.group(0)) for m in WORD.finditer(text, lo, start)][-4:]
    after = [(m.start(), m.end(), m.group(0)) for m in WORD.finditer(text, end, hi)][:4]
    found = []
    for side, words in ((0, after), (1, list(reversed(before)))):
        for dist, (a, b, w) in enumerate(words):
            new = _agree(w, person)
            if new:
                found.append((dist, side, (a, b, new)))
                break
            top = parse_all(w.lower())[0].tag
            governed = side == 0 and dist > 0 and parse_top(words[dist - 1][2].lower()).tag.POS == "PREP"
            if top.POS in ("NOUN", "NPRO") and top.case == "nomn" and not governed:
                break  # another subject stands in between ("в воздух" is no subject)
    if not found:
        # "я, нагнувшись к свече, читает": a gerund phrase set off by commas between subject and verb
        m = _GERUND_GAP.match(text, end)
        if m and parse_top(m.group(1).lower()).tag.POS == "GRND":
            w = WORD.match(text, m.end())
            new = _agree(w.group(0), person) if w else None
            if new:
                return w.start(), w.end(), new
    return min(found)[2] if found else None


def verb_edits(text: str, start: int, end: int, person: str) -> list[tuple[int, int, str]]:
    """The edits that make the verb of a new subject text[start:end] agree
    with `person`, and the verbs joined to it ("говорю я и гляжу")."""
    verb = _find_verb(text, start, end, person) or _verb_after_short_adjectives(text, end, person)
    return [verb, *_coordinated_verbs(text, max(end, verb[1]), person)] if verb else []


_SHORT_ADJ_LIST = re.compile(r"\s+((?:[^\W\d_]+(?:,\s+|\s+и\s+)){1,4})(?:не\s+)?([^\W\d_]+)")


def _verb_after_short_adjectives(text: str, end: int, person: str):
    """"он пухл, тяжел и страдает одышкой": predicates of one subject, short
    adjectives first and a verb last (the verb agrees with the new subject)."""
    m = _SHORT_ADJ_LIST.match(text, end)
    if not m or not re.search(r"\sи\s+$", m.group(1)):
        return None
    if not all(any(p.tag.POS == "ADJS" for p in parse_all(w.lower())) for w in WORD.findall(m.group(1)) if w != "и"):
        return None
    new = _agree(m.group(2), person, verb_expected=True)
    return (m.start(2), m.end(2), new) if new else None


_GERUND_GAP = re.compile(r"\s*,\s*([^\W\d_]+)[^,.!?;:()«»\"—–]*,\s*")
_AND_VERB = re.compile(r"\s+и\s+(?:не\s+)?([^\W\d_]+)")
_AS_IF_VERB = re.compile(r",\s*(?:как\s+)?(?:будто|словно)\s+(?:бы\s+)?(?:не\s+)?([^\W\d_]+)")
_AND_GERUND_VERB = re.compile(r"\s+и\s*,\s*([^\W\d_]+)[^,.!?;:()—–]{0,60},\s*(?:не\s+)?([^\W\d_]+)")


_LAST_WORD = re.compile(r"([^\W\d_]+)\s*$")
_WORD_AFTER_COMMA = re.compile(r",\s*([^\W\d_]+)")


def _adjective_comma(text: str, at: int) -> bool:
    """The comma at `at` parts two adjectives of one noun ("громкий, густой голос")."""
    left, right = _LAST_WORD.search(text, max(0, at - 40), at), _WORD_AFTER_COMMA.match(text, at)
    if not left or not right:
        return False
    adj = [[p.tag for p in parse_all(m.group(1).lower()) if p.tag.POS in ("ADJF", "PRTF")] for m in (left, right)]
    return any(a.case == b.case and a.number == b.number and (a.gender == b.gender or a.number == "plur")
               for a in adj[0] for b in adj[1])


def _coordinated_verbs(text: str, pos: int, person: str) -> list[tuple[int, int, str]]:
    """Verbs joined by "и" to the re-inflected one in the same clause: "говорю
    я и глядит" -> "и гляжу", "не хочу войти в положение и сорит" -> "и сорю"."""
    _, hi = _bounds(text, pos, pos)
    while hi < len(text) and text[hi] == "," and _adjective_comma(text, hi):
        _, hi = _bounds(text, hi + 1, hi + 1)  # "слышу … громкий, густой голос и вижу": one clause
    out = []
    for m in _AND_VERB.finditer(text, pos, hi):
        new = _agree(m.group(1), person, verb_expected=True)
        if new:
            out.append((m.start(1), m.end(1), new))
    # "гляжу на него так, будто провожаю его": an "as if" clause goes on without a subject of its own
    m = _AS_IF_VERB.match(text, hi)
    if m:
        new = _agree(m.group(1), person, verb_expected=True)
        if new:
            out.append((m.start(1), m.end(1), new))
    # "грожу ему я и, запахиваясь в шинель, продолжаю свой путь": a gerund phrase between
    m = _AND_GERUND_VERB.search(text, pos, hi + 100)
    if m and m.start() < hi and parse_top(m.group(1).lower()).tag.POS == "GRND":
        new = _agree(m.group(2), person, verb_expected=True)
        if new:
            out.append((m.start(2), m.end(2), new))
    return out


def preposition_edit(text: str, start: int, pronoun: str) -> tuple[int, int, str] | None:
    """The preposition right before a pronoun put at `start`, in the form the
    pronoun takes: "с мной" -> "со мной", "ко Степану" -> "к тебе" (the long
    form was for the name's first sounds); None when it stays."""
    prev = prev_word(text, start)
    if not prev:
        return None
    w = prev.group(1)
    long = LONG_PREP.get((w.lower(), pronoun))
    if long:
        return prev.start(1), prev.end(1), _cap(long, w[:1].isupper())
    short, governs = _SHORT_PREP.get(w.lower(), (None, ()))
    if short and _PRONOUN[pronoun][1] in governs and (short, pronoun) not in LONG_PREP:
        return prev.start(1), prev.end(1), _cap(short, w[:1].isupper())
    return None


def _indeclinable(name: str) -> bool:
    parses = parse_all(name.split()[-1])
    return "Fixd" in parses[0].tag or any("Fixd" in p.tag and has_name_tag(p.tag) for p in parses)


_ABBR_TITLE = re.compile(
    r"(?:^|\s)(?:[^\W\d_]{1,3}\.|[MmМм]-?(?:r|me|lle|r\.)\.?|[^\W\d_]*[a-zA-Z][^\W\d_]*)(?:\s+\d{1,3})?\s+$")


_PARTICLES = {"фон", "де", "ван", "дер", "дю", "ди"}


def _titled(text: str, start: int) -> bool:
    """After an abbreviated title, a Latin word or a nobiliary particle:
    `Г. Лаевский`, `m-lle Анкет`, `фон Корену`."""
    prev = prev_word(text, start)
    return bool(_ABBR_TITLE.search(text[:start])) or bool(prev and prev.group(1) in _PARTICLES)


def _attached(text: str, start: int, pronoun: str = "", name: str = "") -> bool:
    """The name follows a common noun, an adjective, a numeral, a possessive or
    demonstrative pronoun, or a capitalised word (titles: see _titled)."""
    m = re.search(r"(\S+)\s+$", text[:start])
    if not m:
        return False
    prev = m.group(1)
    if not prev[-1:].isalpha():
        return False
    if prev[:1].isupper() and not sentence_start_before(text, m.start(1)):
        return True  # "Змей Горыныч", "святой Анны": a capitalised word mid-sentence names it
    parses = parse_all(prev.lower())
    tag = parses[0].tag
    if has_name_tag(tag):
        return prev[:1].islower()  # "гер Кригер": a lower-case word read as a name is a title
    if tag.POS == "NUMR":
        return True  # "три Анны" are orders, or several people
    if prev.lower() in ("я", "ты", "вы", "он", "она") and _group_of(pronoun) == "nomn":
        return True  # "Прямой ты Вавила": the name says who the pronoun is ("сказал он Левину" is no such case)
    if prev.lower() in ("его", "её", "ее", "их"):
        if _group_of(pronoun) == "gent":
            # "проклинавшим ее Наташу": her Наташа, not "ее меня" (two direct objects cannot
            # be); "передавая ее Левину" gives it to him
            return True
        # "сын его Николаша": the name explains the noun before the possessive.
        m2 = re.search(r"([^\W\d_]+)\s+$", text[:m.start(1)])
        return bool(m2) and parse_top(m2.group(1).lower()).tag.POS == "NOUN"
    if tag.POS == "NOUN":
        if name and (_indeclinable(name) or not get_known(name.split()[-1].lower())):
            # "Фабрики Лепелье", "дочь Самойленко", "графине Нордстон": the case is
            # the noun's, and the name cannot show it. But after a preposition's noun,
            # a verb agreeing with the name makes it the subject: "по дороге Долли обняла".
            before = prev_word(text, m.start(1))
            after = re.match(r"\s+([^\W\d_]+)", text[start + len(name):])
            if before and parse_top(before.group(1).lower()).tag.POS == "PREP" and after \
                    and _past_agrees(after.group(1).lower(), name) and "ms-f" not in parse_all(name.split()[0])[0].tag:
                return False
            return True
        # "голос Ольги" (possessive) or "графу Карнееву" (apposition, same case);
        # "машет рукой Зоя" is a verb's object followed by its subject.
        group = _group_of(pronoun)
        if group in (None, "gent") or GROUP_OF_CASE.get(tag.case) == group:
            return True
        # "о мисс Полине", "с мадам Жорж": an indeclinable title takes any case
        return "Fixd" in tag and "anim" in tag
    # "с этим Алёшкой": the demonstrative reads as a pronoun first ("это
    # Григорий" is a copula: "это я").
    return tag.POS in ("ADJF", "PRTF") or (prev.lower() not in ("это", "то") and any(
        "Apro" in p.tag and p.score >= 0.1 for p in parses))


# After a preposition a nominative is impossible: indeclinable names (Кити,
# Долли) get their case from the preposition instead of the dictionary. Where
# it allows two, the genitive is the rarer reading for a person (о Кити, с
# Кити); "в"/"на" may want either (влюблён в Кити, женится на Кити): None.
_PREP_CASE = {p: (None if p in ("в", "во", "на") else next(iter(g - {"gent"} or g)))
              for p, g in PREP_GROUPS.items()}


def _after_preposition(text: str, start: int, pronoun: str, form: str | None = None) -> str | None:
    """The pronoun to use after a preposition; None when it cannot be told.
    `form`: the name as written; a case it cannot be in is no choice ("с
    Ихменева" is the genitive: "с меня", not "со мной")."""
    mode, group = _PRONOUN.get(pronoun, (None, None))
    m = re.search(r"(?:^|[^\w-])([^\W\d_]+)\s+$", text[:start])
    prep = m.group(1).lower() if m else ""
    if group != "nomn":
        allowed = PREP_GROUPS.get(prep)
        # "к Щербацким" is the family (plural dative), not "к мной".
        return pronoun if not allowed or group in allowed else None
    if prep not in _PREP_CASE:
        return pronoun
    case = _PREP_CASE[prep]
    if form is not None and not _indeclinable(form) and case_groups(form) != ALL_GROUPS:
        fits = case_groups(form) & PREP_GROUPS[prep]
        if len(fits) == 1:
            case = next(iter(fits))
    return PRONOUNS[mode][case] if case else None


def _apposition(text: str, start: int) -> bool:
    """`моя жена, Луиза,` / `Лесничий этот, Сычиха`: the name explains a noun
    phrase with a possessive or demonstrative pronoun; it is not an address."""
    m = re.search(r"([^\W\d_]+)\s+([^\W\d_]+),\s*$", text[:start])
    if not m:
        return False
    w1, w2 = (parse_top(x.lower()).tag for x in m.groups())
    # "ее падчерица, Катерина Федоровна": его/её/их are possessives here too
    owner = "Apro" in w1 or m.group(1).lower() in ("его", "её", "ее", "их")
    if (owner and w2.POS == "NOUN") or (w1.POS == "NOUN" and "Apro" in w2):
        return True
    # "моя подруга жизни, Марья Николаевна": the noun with a genitive after it
    m3 = re.search(r"([^\W\d_]+)\s+([^\W\d_]+)\s+([^\W\d_]+),\s*$", text[:start])
    if not m3:
        return False
    w0 = parse_top(m3.group(1).lower()).tag
    head = parse_top(m3.group(2).lower()).tag
    # (only where the name ends the sentence: "мой друг детства, Маша, поняла?" calls her)
    return "Apro" in w0 and head.POS == "NOUN" and head.case == "nomn" and w2.POS == "NOUN" and w2.case == "gent" \
        and bool(re.match(r"[^\W\d_]+(?:\s+[^\W\d_]+)?\s*(?:[.…]|$)", text[start:]))


_TITLE = re.compile(r"[\s\w-]{0,30}»")


def _title(text: str, start: int, end: int) -> bool:
    """`«Фауст наизнанку»`: a name opening a short quoted title."""
    return text[:start].endswith(("«", "„")) and bool(_TITLE.match(text, end))


_POSSESSIVES = {"мой", "твой", "наш", "ваш", "свой", "ихний"}
_POSSESSIVE_APPOSITION = re.compile(r",\s*(?:мой|моя|мое|моё|твой|твоя|наш|наша|ваш|ваша)\s+[^\W\d_]+")


def _modifier(text: str, end: int, name: str) -> bool:
    """The name is followed by its possessive (`Ваничка мой миленький`), or is
    itself a possessive adjective before its noun (`Кузькину мать`)."""
    m = re.match(r"\s+([^\W\d_]+)", text[end:])
    if not m:
        return False
    nxt = parse_all(m.group(1).lower())
    if nxt[0].normal_form in _POSSESSIVES:
        return True
    if " " in name:
        return False
    cases = {p.tag.case for p in nxt if p.tag.POS == "NOUN" and p.score >= 0.1}
    return any(p.tag.POS == "ADJF" and "Poss" in p.tag and p.tag.case in cases for p in parse_all(name))


# "Нам с Васей некогда" cannot become "Нам со мной": "мы" includes the speaker;
# "Вы остановились у Демьянова?" cannot become "Вы остановились у тебя?".
_PERSONAL = {"me": {"я", "меня", "мне", "мной", "мною", "мы", "нас", "нам", "нами"},
             "ti": {"ты", "тебя", "тебе", "тобой", "тобою", "вы", "вас", "вам", "вами"}}


@functools.lru_cache(maxsize=100_000)
def _of_person(word: str, mode: str) -> bool:
    if word in _PERSONAL[mode]:
        return True
    t = parse_top(word).tag
    if t.POS != "VERB":
        return False
    if mode == "me":
        return t.person == "1per"  # "мы знаем обо мне" is odd too
    # "вы знаете о тебе", "Передайте тебе" are fine: only the singular "you".
    return t.number == "sing" and (t.person == "2per" or t.mood == "impr")


def _same_person(text: str, start: int, end: int, mode: str, remark: bool = False) -> bool:
    """The sentence already speaks of this person: `Мне Ольга всё рассказала`
    cannot become `Мне я всё рассказала`, nor `думаю о Маше` `думаю обо мне`,
    nor `Скажи Маше` `Скажи тебе`. In a remark, a possessive too: the
    narrator's `(продолжал Калинин, прерванный моим приходом)` is not `продолжал я`."""
    lo, hi = _bounds(text, start, end, _SENT_STOP)
    words = WORD.findall(text[lo:start]) + WORD.findall(text[end:hi])
    return any(_of_person(w.lower(), mode) or (remark and w.lower() in _POSSESSIVE_OF[mode]) for w in words)


_POSSESSIVE_OF = {"me": set("мой моя моё мое мои моего моей моему моим моих моими моём моем мою".split()),
                  "ti": set("твой твоя твоё твое твои твоего твоей твоему твоим твоих твоими твоём твоем твою".split())}
# A narrator's own words: "я", "мне", "мой", "наш".
_FIRST_PERSON_WORDS = _PERSONAL["me"] | _POSSESSIVE_OF["me"] | {"наш", "наша", "наше", "наши"}


# Between two names of one enumeration: "Онегин, Печорин и Тургенев".
_ENUM_GAP = re.compile(r"\s*(?:,|\.\.\.|…)?\s*(?:(?:и|или|да|либо|ни)\s+)?")


# The word before a name (searched in the 100 characters before it, which hold it).
_LIST_LEFT = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)(,\s*|\s+(?:и|или)\s+)$")
_TRAIL_LEFT = re.compile(r"([^\W\d_]+)(?:\.\.\.|…)\s+$")
_WORD_LEFT = re.compile(r"([^\W\d_]+)[ \t]+$")


def _crowded(text: str, spans: list[tuple[int, int]]) -> set[int]:
    """Indices of names that share a clause with another name or stand in one
    enumeration with it: `я и я`, `сказал я мне` are never right."""
    out = set()
    clauses = [_bounds(text, a, b) for a, b in spans]
    for i in range(len(spans) - 1):
        gap = text[spans[i][1]:spans[i + 1][0]]
        if clauses[i] == clauses[i + 1] or _ENUM_GAP.fullmatch(gap):
            out.update((i, i + 1))
    # A list with proper nouns the dictionary lacks: "об Онегине, Печорине, Базарове".
    for i, (a, b) in enumerate(spans):
        left = _LIST_LEFT.search(text, max(0, a - 100), a)
        right = re.match(r"(?:,\s*|\s+(?:и|или)\s+)(?:[^\W\d_]+\s+)?([^\W\d_a-zа-яё][^\W\d_]*)", text[b:])
        # A capitalised word opening the sentence counts when it looks like a
        # name: "Аксиньюшка-матушка, Варварушка", not "Послушай, Ваня" or
        # "Рассуждения, Оля, не помогут".
        if (left and left.group(1)[:1].isupper() and (
                not sentence_start_before(text, left.start(1)) or _name_like(left.group(1)))) \
                or (right and right.group(1)[:1].isupper()):
            out.add(i)
        # Trying names one after another: "Лошадкин... Кобылкин... Коренной..."
        trailing = text[b:].startswith(("...", "…"))
        left = _TRAIL_LEFT.search(text, max(0, a - 100), a)
        right = re.match(r"(?:\.\.\.|…)\s+([^\W\d_]+)(?:\.\.\.|…)", text[b:])
        if trailing and ((left and left.group(1)[:1].isupper()) or (right and right.group(1)[:1].isupper())):
            out.add(i)
    return out


@functools.lru_cache(maxsize=100_000)
def _name_like(word: str) -> bool:
    low = word.lower()
    return has_name_tag(parse_top(low).tag) or not get_known(low.split("-")[0])


def _called(text: str, start: int, end: int) -> bool:
    """`А Миша!`, `Ох Ваня!`: a call after an interjection, with no comma to remove."""
    m = re.search(r"(?:^|[.!?…]\s+)([^\W\d_]+)\s+$", text[:start])
    return bool(m) and m.group(1).lower() in ("а", "эй", "ах", "ох", "ну", "ой", "ай") and \
        text[end:].lstrip()[:1] == "!"


@functools.lru_cache(maxsize=100_000)
def _common_word(name: str) -> bool:
    """A one-word name that is first of all a common noun: Вера, Лев, Роза."""
    if " " in name or not common_first(name):
        return False
    tag = parse_top(name.lower()).tag
    return tag.POS == "NOUN" and "Geox" not in tag


def _cap(s: str, on: bool) -> str:
    return s[:1].upper() + s[1:] if on else s


def kit_values(out_dir: str | Path, mode: str) -> dict[str, str] | None:
    """The values the names stage wrote for `mode`, from names.json (None when
    it is missing): pass as Replacer(kit=...) so that hand-edited values are
    used as written."""
    forms = read_names(out_dir)
    return None if forms is None else {f: p for f, p, _, _ in dict_entries(forms, mode)}


_REMARK_VERB_SUBJECT = True
_CLAUSE_MARK = re.compile(r"[,.;:!?…()]")


@functools.lru_cache(maxsize=100_000)
def _ambiguous(form: str) -> bool:
    """One form, several cases: `Марии` (gent/datv), `Станислава`, an
    indeclinable `Мими`. Unknown declined words (`Астлее`) get spurious
    guesses; only their indeclinable vowel endings count."""
    last = form.split()[-1]
    if get_known(last.lower()):
        return len(case_groups(form)) > 1 or _indeclinable(form)
    return last[-1:].lower() in "оиэ"  # not "у": Маслобоеву is a dative


def _occurrence_group(form: str, text: str, start: int, default: str | None = None,
                      remark: bool = False) -> str | None:
    """The case group of an ambiguous form here: preposition, the names
    stage's context rules, then the morphology tagger; None when unclear.
    `remark`: the text is a remark (author's words)."""
    indeclinable = _indeclinable(form) or not get_known(form.split()[-1].lower())
    groups = ALL_GROUPS if indeclinable else case_groups(form)
    m = re.search(r"(?:^|[^\w-])([^\W\d_]+)\s+$", text[:start])
    prep = m.group(1).lower() if m else ""
    if prep in PREP_GROUPS:
        both = groups & PREP_GROUPS[prep]
        if len(both) == 1:
            return next(iter(both))
        case = _PREP_CASE[prep]  # "о Мими" is loct, "с Мими" ablt; "в"/"на": unclear
        return case if case in both else None
    g = group_in_context(form, text, start)
    pv = re.search(r"([^\W\d_]+)\s+$", text[:start])
    # "сказал Спаланцо", "соврал Спаланцо": the verb opening a remark, then its subject
    opening = remark and pv is not None and not text[:pv.start(1)].strip()
    if g == "nomn" and not opening and "gent" in groups and pv and "tran" in parse_top(pv.group(1).lower()).tag \
            and not _past_agrees(pv.group(1).lower(), form):
        g = None  # "обнимает Трофимова": after a transitive verb it may be the object
    if g is None and remark and _REMARK_VERB_SUBJECT:
        # "проговорила ему вслед Долли": the remark opens with a verb the name agrees with,
        # and only pronouns, adverbs and prepositions stand between
        words = WORD.findall(text[:start])
        if 1 < len(words) <= 4 and not text[:start].lstrip()[:1].isupper() and _past_agrees(words[0].lower(), form) \
                and not _CLAUSE_MARK.search(text[:start]) and all(
                    parse_top(w.lower()).tag.POS in ("ADVB", "PREP", "PRCL") or (
                        parse_top(w.lower()).tag.POS == "NPRO" and parse_top(w.lower()).tag.case != "nomn")
                    for w in words[1:]):
            g = "nomn"
    if g is None:
        # "крикнул ему Самойленко", "поправила ее Бетси": past the object pronoun
        # stands the verb whose subject the name is.
        w2 = re.search(r"([^\W\d_]+)\s+([^\W\d_]+)\s+$", text[:start])
        if w2:
            obj = parse_top(w2.group(2).lower()).tag
            if obj.POS == "NPRO" and obj.case not in ("nomn", None) and _past_agrees(w2.group(1).lower(), form):
                g = "nomn"
    if g in groups:
        return _not_subject(form, text, start, g, groups)
    if not indeclinable:
        # a declinable form: the dictionary's majority beats the tagger (взвизгнула Щукина)
        return _not_subject(form, text, start, default, groups)
    if pv and "gent" in groups and not pv.group(1)[:1].isupper() and _OBJECT_AFTER_VERB:
        v = parse_top(pv.group(1).lower())
        if v.tag.POS in ("VERB", "INFN") and "tran" in v.tag and _has_subject_before(text, pv.start(1)):
            # "закричала она и потащила Нелли": the verb has its subject, the name is its object;
            # "я обещала Бетси" promises something to her
            return "datv" if v.normal_form in _GIVING_VERBS else "gent"
    g = tagged_group(text, start)
    return g if g in groups else None


def _not_subject(form: str, text: str, start: int, g: str | None, groups) -> str | None:
    """`пузан у него Сизобрюхова отбил`: a past verb after the name that its
    nominative cannot agree with makes it the object (the man's accusative,
    not the woman's nominative)."""
    if g != "nomn" or "gent" not in groups or not any(
            has_name_tag(p.tag) and p.tag.case == "nomn" for p in parse_all(form.split()[0])):
        return g  # only a known name's nominative tells its gender (not Яшвин, Спаланцо)
    end = start + len(form)
    for w in WORD.findall(text[end:_bounds(text, end, end)[1]])[:3]:
        t = parse_top(w.lower()).tag
        if t.POS == "VERB":
            return "gent" if t.tense == "past" and t.number == "sing" and not _past_agrees(w.lower(), form) else g
        if t.POS in ("NOUN", "NPRO") and t.case == "nomn":
            break
    return g


def _past_agrees(verb: str, form: str) -> bool:
    """A past-tense verb whose gender the name can have: "проговорила Кити",
    "проговорил Коваленко" are the subject (a man's name after "проговорила"
    would be an object)."""
    v = parse_top(verb).tag
    if v.tense != "past" or v.gender not in ("masc", "femn"):
        return False
    parses = parse_all(form.split()[0])
    # Only a nominative can be the subject: "поблагодарил Левина" is the man's accusative,
    # not the woman's nominative.
    named = [p for p in parses if has_name_tag(p.tag) and p.tag.case == "nomn"]
    # An unknown name (Кити) has only guessed noun readings; their gender still tells.
    readings = named or [p for p in parses if p.tag.POS == "NOUN"]
    # Коваленко is either ("ms-f", which pymorphy's .gender does not show).
    return any(p.tag.gender == v.gender or "ms-f" in p.tag for p in readings)


class Replacer:
    def __init__(self, mapping: dict[str, str], kit: dict[str, str] | None = None, calls: bool = True):
        """`kit`: the values the names stage wrote (kit_values). A value that
        still equals it is the kit's guess, and an ambiguous form's case is
        decided at each occurrence; an edited one is used as written. None:
        no record, every pronoun value counts as the kit's. `calls`: False
        leaves a name in an address as it is (the speaker's own name, which
        he only quotes: "молит: вырвите, Сергей Кузьмич!")."""
        self.calls = calls
        self.mapping = {k: v for k, v in mapping.items() if v is not None}
        self.matcher = build_matcher(self.mapping)
        self.possessive = possessive_forms(self.mapping)  # "Наташина соперница" stays
        self.kit = kit
        self.stats: Counter[str] = Counter()

    def _guess(self, form: str, value: str) -> bool:
        return self.kit is None or self.kit.get(form) == value

    def value_for(self, found: str) -> str:
        return self.mapping[" ".join(found.split())]

    def replica(self, segments, before=None):
        """Returns new segments (tuples), unchanged object when nothing matched.
        `before`: the previous replicas of the dialog, whose question may make
        this one an answer (`— А как её фамилия? — Смит?`)."""
        if self.matcher is None:
            return segments
        before = tuple(before or ())
        out = [list(s) for s in segments]
        changed = False
        cap_next = False
        for i, (kind, text) in enumerate(segments):
            new = self._segment(segments, i, kind, text, before)
            if cap_next and kind == "s" and new:
                new = _cap(new, True)
                cap_next = False
            if new != text:
                changed = True
                tail = new.rstrip()[-1:]
                if kind == "s" and ((not tail and _sentence_start(segments, i, text, 0))
                                    or (tail and tail in _SENT_END_PUNCT and text.rstrip()[-1:] == ",")):
                    # A removed address ended the sentence's first part ("Костя," or
                    # "Ах! Костя,"): the next speech now starts the sentence.
                    cap_next = True
                out[i][1] = new
        if not changed:
            return segments
        if not any(t.strip() for k, t in out if k == "s") and any(k == "s" and t.strip() for k, t in segments):
            self.stats["vocatives_kept_sole"] += 1
            return segments  # the replica was only an address; keep it whole
        for i in range(len(out) - 1):
            if out[i][0] == "s" and not out[i][1].strip() and segments[i][1].strip() and out[i + 1][0] == "r":
                # "— Парфений Саввич! — перебил он": the remark introduces the call;
                # without it the remark would introduce nothing. Keep the call.
                out[i][1] = segments[i][1]
                if i + 2 < len(out) and out[i + 2][1] != segments[i + 2][1] and \
                        out[i + 2][1][:1].isupper() and not segments[i + 2][1][:1].isupper():
                    out[i + 2][1] = out[i + 2][1][:1].lower() + out[i + 2][1][1:]  # undo the capital we gave
                self.stats["vocatives_kept_before_remark"] += 1
        if [tuple(s) for s in out] == list(segments):
            return segments
        return [tuple(s) for s in out]

    def _segment(self, segments, i, kind, text, before=()):
        edits = []  # (start, end, replacement)
        matches = list(self.matcher.finditer(text))
        crowded = _crowded(text, [m.span() for m in matches])
        for k, m in enumerate(matches):
            a, b = m.span()
            form = " ".join(m.group(0).split())
            value = self.mapping[form]
            low = value.lower()
            if low not in _PRONOUN:
                # The user's own word (`"Марина": "Маринка"`): as written, no grammar rules.
                edits.append((a, b, value))
                self.stats["replaced_as_written"] += 1
                continue
            if k in crowded:
                self.stats["crowded_kept"] += 1
                continue
            if form in self.possessive:
                self.stats["possessives_kept"] += 1
                continue
            mode, group = _PRONOUN[low]
            guess = self._guess(form, value)
            subject = None
            # "Полно, Жорж!": a form that may be nominative may be an address,
            # whatever case the kit guessed for it.
            may_nomn = group == "nomn" or (guess and "nomn" in case_groups(form))
            if _is_intro(text, a, b, "nomn" if may_nomn else group) or (
                    i >= 2 and not text[:a].strip() and segments[i - 1][0] == "r"
                    and _PRESENT_END.search(segments[i - 2][1])):
                self.stats["introductions_kept"] += 1
                continue
            starts = _sentence_start(segments, i, text, a)
            if _answer(segments, i, text, a, b, starts, before):
                self.stats["answers_kept"] += 1  # "— Как фамилия? — Сидоров.", "Петровной."
                continue
            if (_titled(text, a)  # "Г. Лаевский, я принимаю" keeps its title
                    # "Аполлон Бельведерский", "Стёпка Разин": a name glued to another capitalised word
                    or _glued(text, a, b, starts, form)
                    # "получил Анну", "Станислава на шею": an order, not a person
                    or _order(text, a, b, form, group)
                    # "нечего Лазаря петь", "по Сеньке шапка": a saying, nobody of the book
                    or _idiom(text, a, b, form)
                    # "Полина Александровна… тетушка…": a call trailing off, neither subject nor removable
                    or (starts and re.match(r"\s*(?:\.\.\.|…)", text[b:]) and may_nomn)
                    # "Вера горами двигает" opens with a common word that is also a name
                    or (starts and _common_word(m.group(0)) and not re.match(r"\s*[,!]", text[b:]))
                    or _called(text, a, b)
                    # "Дмитрий Ионыч (она улыбнулась…), Дмитрий Ионыч, вы": an address the
                    # author's parenthesis cuts off; removing it leaves a stub
                    or text[b:].lstrip()[:1] == "("
                    # "Брат твой будет, Каренин, мой зять, будет": an apposition, not an address
                    or _apposition(text, a) or _POSSESSIVE_APPOSITION.match(text, b)
                    # "Кулыгин, учитель здешней гимназии.": one introduces oneself
                    or (starts and _self_description(text, b))):
                self.stats["attached_kept"] += 1
                continue
            if may_nomn:
                # After a remark the speech goes on: "Стой, — крикнул он, — Федя, иди".
                # "мой, Николай-то": the particle makes a topic, never an address
                voc = None if _TO_PARTICLE.search(form) else self._vocative(
                    text, a, b, starts, after_remark=i > 0 and not text[:a].strip())
                subject = _subject_after_comma(segments, i, text, a, b, mode, form) if voc and starts else None
                if voc and subject == "keep":
                    self.stats["attached_kept"] += 1
                    continue
                if voc and not subject and not self.calls and kind == "s":
                    self.stats["own_calls_kept"] += 1
                    continue
                if voc and not subject:
                    if kind != "s" and (_remark_address(text, a, b) or not _remark_subject_slot(text, a)):
                        # "(ты сказала, Прасковья)": an address in a remark cannot go; "я" would be wrong
                        self.stats["attached_kept"] += 1
                        continue
                    if kind == "s":
                        edits.append(voc)
                        self.stats["vocatives_removed"] += 1
                        continue
                if subject:
                    group, low = "nomn", PRONOUNS[mode]["nomn"]
                    if isinstance(subject, tuple):
                        edits.append(subject)  # the predicate agrees: "Вася, точно ребенок, не хочет"
                        edits += _coordinated_verbs(text, subject[1], _PERSON[mode])
                        self.stats["verbs_reinflected"] += 1
            if _attached(text, a, low, m.group(0)) or _modifier(text, b, m.group(0)) or _title(text, a, b):
                # "голос Ольги", "дед Иларион", "ваш Поликарп", "Г. Лаевскому": the
                # name hangs on another word; "голос меня" is not Russian, keep it.
                self.stats["attached_kept"] += 1
                continue
            if guess and kind != "s" and not text[:a].strip() and re.match(r"\s*(?:,|\.?\s*$)", text[b:]) \
                    and "datv" in case_groups(form):
                # "(Вершинину)", "(Епиходову, тихо)": a stage direction naming whom one speaks to
                low = PRONOUNS[mode]["datv"]
            elif guess and _ambiguous(form) and not subject:
                g = _occurrence_group(form, text, a, group, remark=kind != "s")
                if g is None:
                    self.stats["unclear_case_kept"] += 1  # "женится на Мими": either case
                    continue
                if g != group:
                    self.stats["case_from_context"] += 1
                low = PRONOUNS[mode][g]
            else:
                low = _after_preposition(text, a, low, form)
                if low is None:
                    self.stats["attached_kept"] += 1
                    continue
                if guess and not subject and _PRONOUN[low][1] == "nomn" and \
                        _not_subject(form, text, a, "nomn", case_groups(form)) == "gent":
                    self.stats["case_from_context"] += 1
                    low = PRONOUNS[mode]["gent"]
            mode, group = _PRONOUN.get(low, (None, None))
            if group == "nomn" and _plural_verb_after(text, b):
                self.stats["attached_kept"] += 1  # "Вот Евгений Федорыч говорят": plural of respect
                continue
            if mode and _same_person(text, a, b, mode, remark=kind != "s"):
                self.stats["same_person_kept"] += 1
                continue
            edits.append((a, b, _cap(low, starts) + ("-то" if _TO_PARTICLE.search(form) else "")))
            self.stats[f"replaced_{low}"] += 1
            prep = preposition_edit(text, a, low)
            if prep:
                edits.append(prep)
                lengthened = len(prep[2]) > prep[1] - prep[0]  # "со мной" from "с", "с тобой" from "со"
                self.stats["prepositions_lengthened" if lengthened else "prepositions_shortened"] += 1
            if group == "nomn":
                verbs = verb_edits(text, a, b, _PERSON[mode])
                edits += verbs
                self.stats["verbs_reinflected"] += bool(verbs)
        if not edits:
            return text
        edits.sort()
        result, pos = [], 0
        for a, b, rep in edits:
            if a < pos:
                continue  # overlaps an earlier edit
            result.append(text[pos:a])
            result.append(rep)
            pos = b
        result.append(text[pos:])
        return "".join(result)

    @staticmethod
    def _vocative(text, a, b, starts, after_remark=False):
        """An address set off by commas or ending the sentence: its removal edit."""
        before = text[:a].rstrip()
        after = text[b:]
        after_s = after.lstrip()
        left_ok = starts or before.endswith(",") or after_remark
        nxt = after_s[:1]
        if nxt == "!" and re.search(r"(?:^|[^\w-])[Оо]$", before):
            return len(before), b, ""  # "О Наташа!" -> "О!": the interjection, not "обо мне"
        if not left_ok or not (nxt == "" or nxt in ",!?.…:;"):
            return None
        if nxt in ":;" and not before.endswith(","):
            return None
        if nxt == "?" and not before.endswith(","):
            return None  # "Григорий?" asks about the name; it is replaced, not removed
        if re.match(r",\s*что\s+ли\b", after_s) or _GUESS_WHO.match(after_s) or (
                nxt in ".…" and _GUESS_BEFORE.search(before)):
            # "Самойленко, что ли?" asks who it is, "Звонят… Ольга, должно быть." guesses:
            # a mention, not an address
            return None
        if nxt == ",":
            # "Костя, иди" -> "Иди"; "Послушай, Ваня, это" -> "Послушай, это"
            end = b + (len(after) - len(after_s)) + 1
            rest = text[end:]
            end += len(rest) - len(rest.lstrip())
            if starts and end < len(text):
                return a, end + 1, text[end].upper()
            if _pronoun_needs_no_comma(before, text[end:]):
                return len(before) - 1, end, " "
            return a, end, ""
        if before.endswith(","):
            # "Иди сюда, Костя!" -> "Иди сюда!"
            return len(before) - 1, b, ""
        # The name is a whole exclaimed sentence ("Костя! Иди сюда"): drop it with
        # its mark. "Мур…", "Лев." or "Буланов..." are not addresses.
        if nxt != "!":
            return None
        m = re.match(r"\s*[!?.…]+\s*", after)
        end = b + (m.end() if m else 0)
        if starts and end < len(text) and text[end].islower():
            return a, end + 1, text[end].upper()  # "Алексей Иванович! он сказал" -> "Он сказал"
        return a, end, ""


_GUESS_WORDS = "должно быть|кажется|наверное|вероятно|верно|видно|пожалуй"
# "Звонят… Должно быть, Ольга.": the guess stands before the name
_GUESS_BEFORE = re.compile(r"(?:^|[.!?…]\s*)(?:" + _GUESS_WORDS + r"|наверно|может быть|небось)\s*,$", re.I)
_GUESS_WHO = re.compile(r",\s*(?:" + _GUESS_WORDS + r")\s*(?:[.!?…]|$)")

# A question about the name: its answer is the name itself, not "я".
_NAME_QUESTION = re.compile(r"фамили|отчеств|по батюшке|\bимя\b|зовут|звать|величать|прозвищ|кличк", re.I)


def _asks_name(before) -> bool:
    """The replica's speech ends with a question about a name."""
    speech = " ".join(t for k, t in before or () if k == "s").rstrip()
    last = re.findall(r"[^.!?…]+[.!?…]*", speech)
    return bool(last) and last[-1].endswith("?") and bool(_NAME_QUESTION.search(last[-1]))


def _answer(segments, i: int, text: str, a: int, b: int, starts: bool, before=()) -> bool:
    """`— Сидоров.`, `— Как фамилия? — Сидоров.`, `— Петровной.`: a sentence that is
    only the name answers who or what the name is ("Я." or "Мной." would not);
    an exclaimed name is an address and a questioned one is replaced, unless a
    name was just asked (`— Как её фамилия? — Не выговорю. — Смит?`). The line
    right after a name question keeps all its names (`— Это фамилия его
    Феферкухен? — Ну, может, и не Феферкухен`). `before`: the previous replicas."""
    if segments[i][0] != "s":
        return False
    if before and _asks_name(before[-1]):
        return True
    if not starts:
        return False
    lo, hi = _bounds(text, a, b, _SENT_STOP)
    guessed = text[hi:hi + 1] == "?" and any(_asks_name(r) for r in before[-2:])
    if WORD.search(text[lo:a]) or WORD.search(text[b:hi]) or text[hi:hi + 1] == "!" or "," in text[b:hi] \
            or text[hi:hi + 1] == "?" and not guessed:
        return False  # "Костя," is an address
    speech_words = sum(len(WORD.findall(t)) for k, t in segments if k == "s")
    if speech_words == len(WORD.findall(text[a:b])) or guessed:
        return True
    asked = re.findall(r"[^.!?…]+[.!?…]*", " ".join(t for k, t in segments[:i] if k == "s") + " " + text[:lo])
    return bool(asked) and asked[-1].rstrip().endswith("?") and bool(_NAME_QUESTION.search(asked[-1]))


_POLITE = {"вы", "вас", "вам", "вами", "ваш", "ваша", "ваше", "ваши", "ты", "тебя", "тебе", "я"}


def _glued(text: str, a: int, b: int, starts: bool, form: str) -> bool:
    """A capitalised word right after the name (`Аполлон Бельведерский`, `Иван
    Грозный`) or a name-like one right before it at a sentence start (`Стёпка
    Разин`) makes one name with it; a part of it must not become "я"."""
    right = re.match(r"[ \t]+([^\W\d_]+)", text[b:])
    if right and right.group(1)[:1].isupper() and right.group(1).lower() not in _POLITE:
        # "сказала Маша Васе" are two people: the cases differ
        cases = {GROUP_OF_CASE.get(p.tag.case) for p in parse_all(right.group(1)) if p.tag.case}
        if not cases or cases & case_groups(form):
            return True
    left = _WORD_LEFT.search(text, max(0, a - 100), a)
    return bool(left) and left.group(1)[:1].isupper() and sentence_start_before(text, left.start(1)) \
        and not is_function_word(left.group(1)) and _name_like(left.group(1))


# Orders named after saints: "получил Анну", "Станислава на шею", "Владимира в петлицу".
_ORDER_SAINTS = {"анна", "станислав", "владимир", "георгий"}
_ORDER_NOUNS = {"орден", "степень", "шея", "петлица", "крест", "звезда", "бант", "меч", "кавалер", "лента"}
_ORDER_VERBS = {"получить", "получать", "пожаловать", "наградить", "дать", "давать", "повесить", "навесить",
                "нацепить", "носить", "надеть", "представить"}


def _order(text: str, a: int, b: int, form: str, group: str | None) -> bool:
    if " " in form or not {p.normal_form for p in parse_all(form.lower()) if has_name_tag(p.tag)} & _ORDER_SAINTS:
        return False
    lo, hi = _bounds(text, a, b, _SENT_STOP)
    near = WORD.findall(text[lo:a])[-3:] + WORD.findall(text[b:hi])[:3]
    lemmas = {parse_top(w.lower()).normal_form for w in near}
    # a verb alone is a cue only for the accusative: "дай Анне хлеба" is a person
    return bool(lemmas & _ORDER_NOUNS) or (group == "gent" and bool(lemmas & _ORDER_VERBS))


# Sayings with a name: the name and a word of the saying near it.
_IDIOMS = {"лазарь": {"петь", "запеть", "распевать"}, "макар": {"телёнок", "теленок", "гонять"},
           "сенька": {"шапка"}, "федот": {"тот"}, "кузька": {"мать"}}


def _idiom(text: str, a: int, b: int, form: str) -> bool:
    names = {p.normal_form.replace("ё", "е") for p in parse_all(form.split()[0].lower())} & set(_IDIOMS)
    if not names:
        return False
    lo, hi = _bounds(text, a, b, _SENT_STOP)
    near = {parse_top(w.lower()).normal_form for w in WORD.findall(text[lo:a])[-3:] + WORD.findall(text[b:hi])[:3]}
    return any(near & _IDIOMS[n] for n in names)


_PRED_SKIP = {"не", "ни", "уж", "уже", "тоже", "также", "ведь", "же", "и"}
_PARENTHETICAL = {"точно", "словно", "будто", "как", "кажется", "конечно", "говорят", "видно", "пожалуй",
                  "разумеется", "вероятно", "наверное", "наверно", "видимо", "впрочем", "однако", "значит",
                  "небось", "бывало"}
_PARENTHETICAL_2 = {"мне кажется", "может быть", "я думаю", "мне думается", "я знаю", "я уверен", "я уверена",
                    "по правде", "надо думать", "должно быть", "видите ли", "знаете ли", "так сказать"}


def _name_genders(form: str) -> set[str]:
    return {p.tag.gender for w in form.split() for p in parse_all(w)
            if has_name_tag(p.tag) and p.score >= 0.05 and p.tag.gender}


def _subject_after_comma(segments, i, text, a, b, mode, form):
    """`Name, <predicate>` at a sentence start: an address, or the subject?
    None: an address. A 3rd-person present verb (`Ариадна, точно ребенок, не
    хочет`) makes it the subject: True, or the verb's agreement edit. A past
    verb or short adjective agreeing with the name (`Пётр Саввич, — сказал он,
    — согласен`) may be either: "keep", unless the remark's speaker is of
    the other gender (then the subject)."""
    after = text[b:]
    if not re.match(r"\s*,", after):
        return None
    rest = after.split(",", 1)[1]
    base = len(text) - len(rest)
    same = True
    if not rest.strip():
        if i + 2 < len(segments) and segments[i + 1][0] == "r" and segments[i + 2][0] == "s":
            rest, same = segments[i + 2][1], False  # the speech after the remark
        else:
            return None
    sentence = re.match(r"[^.!?…]*[.!?…]?", rest).group(0)
    if sentence.rstrip().endswith("?"):
        return None  # a question to the one addressed
    words = [w for w in WORD.finditer(sentence)]
    personal = False
    n_words = len(words)
    if len(words) > 1 and f"{words[0].group(0)} {words[1].group(0)}".lower() in _PARENTHETICAL_2 \
            and sentence[words[1].end():].lstrip()[:1] == ",":
        # "Катя, мне кажется, может его сделать счастливым": the subject; with "мне"
        # beside it "я" would clash, so the name stays
        personal = words[0].group(0).lower() in ("мне", "я")
        words = [w for w in words if w.start() > sentence.find(",", words[1].end())]
    elif words and words[0].group(0).lower() in _PARENTHETICAL:
        comma = sentence.find(",", words[0].end())
        if comma < 0:
            return None
        words = [w for w in words if w.start() > comma]
    parenthetical = len(words) < n_words
    while words and (words[0].group(0).lower() in _PRED_SKIP or (
            parenthetical and len(words) > 1 and parse_top(words[0].group(0).lower()).tag.POS == "NPRO"
            and parse_top(words[0].group(0).lower()).tag.case not in ("nomn", None))):
        words = words[1:]  # "Маслобоев, кажется, ей не противоречит": after a parenthetical, an object pronoun
    if not words:
        return None
    w = words[0]
    t = parse_top(w.group(0).lower()).tag
    if len(words) > 1:
        t2 = parse_top(words[1].group(0).lower()).tag
        if t2.POS in ("NPRO", "NOUN") and t2.case == "nomn":
            return None  # "Маша, пришёл он": its own subject
    if t.POS == "VERB" and t.mood == "indc" and t.number == "sing" and t.person == "3per":
        if personal or re.search(r"(?<![.!?…]\s)(?<=\s)[А-ЯЁ][а-яё]", sentence[w.end():]):
            # "Архипов, разумеется, обирает Сизобрюхова": a second name in the clause;
            # "я … меня" would be one person twice
            return "keep"
        new = _agree(w.group(0), _PERSON[mode]) if same else None
        return (base + w.start(), base + w.end(), new) if new else "keep"
    if not ((t.POS == "VERB" and t.mood == "indc" and t.tense == "past" and t.number == "sing")
            or (t.POS == "ADJS" and t.number == "sing")):
        return None
    genders = _name_genders(form)
    if t.gender and genders and t.gender not in genders:
        return None  # "Маша, пришёл": the speaker's own predicate
    for k, seg in segments:
        if k == "r":
            v = next((parse_top(x.lower()).tag for x in WORD.findall(seg)
                      if parse_top(x.lower()).tag.tense == "past"), None)
            if v is not None:
                return True if v.gender and t.gender and v.gender != t.gender else "keep"
    return "keep"


def _self_description(text: str, b: int) -> bool:
    """`Name, <noun phrase with a genitive>.` with no verb: the name is being
    introduced (`Петров, учитель гимназии.`), not called; a call ends with
    `!`, or a clause follows it."""
    m = re.match(r"\s*,\s*([^.!?…,;:()—]+?)\s*(?:\.|…|$)", text[b:])
    if not m or text[b + m.end():].lstrip()[:1] in ("!", "?"):
        return False
    words = [parse_top(w.lower()).tag for w in WORD.findall(m.group(1))]
    if len(words) < 2 or any(t.POS in ("VERB", "INFN", "PRED", "GRND", "PRTS", "INTJ")
                             or (t.POS == "NPRO" and t.case == "nomn") for t in words):
        return False
    head = next((t for t in words if t.POS != "ADJF"), None)
    return head is not None and head.POS == "NOUN" and head.case == "nomn" and "anim" in head and any(
        t.case == "gent" for t in words[words.index(head) + 1:])


def _plural_verb_after(text: str, end: int) -> bool:
    """The name's verb is plural: "Григорий Петрович с лица потемнели"."""
    for w in WORD.findall(text[end:_bounds(text, end, end)[1]])[:4]:
        t = parse_top(w.lower()).tag
        if t.POS == "VERB":
            return t.number == "plur"
        if t.POS in ("NOUN", "NPRO") and t.case == "nomn":
            return False  # another subject
    return False


_PERSONAL_LEMMAS = {"я", "ты", "вы", "мы", "он", "она", "оно", "они"}
_SUBORDINATORS = {"что", "чтобы", "чтоб", "если", "когда", "как", "потому", "хотя", "пока", "где", "куда", "ли"}


_JOINING = {"и", "да", "или"}
_INSERTED_CLAUSE = {"если", "когда", "хотя", "пока", "чтобы", "чтоб", "будто", "потому", "раз"}
_CLAUSE_OPENERS = {"что", "чтобы", "чтоб", "если", "когда", "хотя", "зачем", "почему", "отчего", "где", "куда",
                   "откуда"}
_CLAUSE_OPENER_SPLIT = re.compile(r",\s*(?=(?:" + "|".join(sorted(_CLAUSE_OPENERS)) + r")\s)", re.I)
_QUESTION_WORDS = {"что", "чем", "чём", "чего", "чему", "кто", "кого", "кому", "ком", "кем", "каком", "какой", "какую"}
_WH_WORDS = {"зачем", "почему", "отчего", "где", "куда", "откуда", "кто", "кого", "какой", "какая", "сколько", "чей"}
_PLACE_TIME = {"тут", "там", "здесь", "теперь", "сейчас", "тогда", "вчера", "сегодня", "завтра", "потом",
               "пока", "нынче", "давеча", "сначала", "сперва"}


_PERSON_OF = {"я": ("1per", "sing"), "ты": ("2per", "sing"), "он": ("3per", "sing"), "она": ("3per", "sing"),
              "мы": ("1per", "plur"), "вы": ("2per", "plur"), "они": ("3per", "plur")}


def _predicate_of(before: str, word: str) -> bool:
    """`word` is a finite verb agreeing with the personal pronoun that ends `before`."""
    last = WORD.findall(before)[-1:]
    want = _PERSON_OF.get(last[0].lower()) if last else None
    t = parse_top(word.lower()).tag
    return bool(want) and t.POS == "VERB" and (t.person, t.number) == want


def _clause_word(before: str, word: str) -> bool:
    """A lone word after an address that goes on the clause before it (`дома`,
    `завтра`): an oblique noun or an adverb. Not a parenthetical (`говорю`,
    `конечно`), a second address (`душенька`), a predicate (`некогда`) or a
    repeated word (`Сейчас, Ваня, сейчас`)."""
    low = word.lower()
    parses = parse_all(low)
    t = parses[0].tag
    last = WORD.findall(before)[-1:]
    return (t.POS == "ADVB" or (t.POS == "NOUN" and t.case != "nomn")) and "Prnt" not in t \
        and low not in _PARENTHETICAL and not any(p.tag.POS == "PRED" and p.score >= 0.1 for p in parses) \
        and not any(p.tag.POS == "NOUN" and "anim" in p.tag and p.tag.case == "nomn" for p in parses) \
        and [low] != [w.lower() for w in last]


def _pronoun_needs_no_comma(before: str, rest: str) -> bool:
    """Whether removing an address from inside a phrase takes the comma before
    it too: "Ты, Матрена, не плачь" -> "Ты не плачь", "у тебя, Кузьма, твою
    нагайку" -> "у тебя твою нагайку", "Рассуждения, Оля, не помогут" ->
    "Рассуждения не помогут", "Вылечусь, Сережа, и займусь" -> "Вылечусь и
    займусь". The comma stays before a parenthetical ("Вы, говорю, должны"),
    after an interjection or an imperative ("Да, что вы", "Послушай, это"),
    and before a new clause ("Спаси меня, спаси", "Скажу тебе, что", ", а ты")."""
    lone = re.match(r"([^\W\d_]+),", rest)
    if lone and _clause_word(before, lone.group(1)):
        lone = None  # "Остался бы ты, Анисим, дома, при деле": a word of the clause, no parenthetical
    if not before.endswith(",") or (lone and parse_top(lone.group(1).lower()).tag.mood != "impr"
                                    and not _predicate_of(before, lone.group(1))):
        # "Вы, говорю, должны": a parenthetical word; "Ты же, Ваня, смотри, чтобы…" and
        # "что ты, Маша, плачешь, …" are not
        return False
    sentence = _SENT_STOP.split(before[:-1])[-1]
    # Only the clause the address sits in: "..., но вы-то, Сергей Петрович, знаете".
    # A semicolon parts clauses too: "…не разумеет; а я, Ваня, прибавлю" -> "а я прибавлю".
    sentence = re.split(r",\s*(?:но|а|однако)\s+|;\s*", sentence)[-1]
    # ... or a subordinate or wh- clause: "Я уверен, что вы, Нелли, не участвовали",
    # "почему же, почему же, Нелли, ты не хочешь"
    parts = _CLAUSE_OPENER_SPLIT.split(sentence)
    subordinate = len(parts) > 1 and any(parse_top(w.lower()).tag.POS not in ("INTJ", "PRCL", "CONJ")
                                         for w in WORD.findall(", ".join(parts[:-1])))
    if subordinate:  # not after an interjection: "Ах, что ты, Наташа, полно!"
        sentence = parts[-1]
    head = re.match(r"\s*([^\W\d_]+)\s*,\s*", sentence)
    last = WORD.findall(sentence)[-1:]
    if head and parse_top(head.group(1).lower()).tag.POS in ("INTJ", "PRCL", "CONJ") and last and \
            last[0].lower() in _PERSON_OF and "," not in sentence[head.end():]:
        sentence = sentence[head.end():]  # "Ну, что ты, Маша, плачешь": the interjection is no clause
    if "," in sentence:
        return False  # the comma may close a clause: "как вы, Ксения Абрамовна, я готов"
    words = [w.lower() for w in WORD.findall(sentence)]
    if not words:
        return False
    if words == ["но"]:
        return True  # "Но, Алексей Петрович, подумали ль вы" -> "Но подумали ль вы": a conjunction takes no comma
    # "ты же", "вы-то": the pronoun with its particle
    word = re.sub(r"-(?:то|ка)$", "", words[-1])
    if word in ("же", "ведь", "ж") and len(words) > 1:
        word = words[-2]
    elif word in ("ли", "бы") and len(words) > 1 and parse_top(words[-2]).tag.POS == "VERB":
        word = words[-2]  # "Не желаете ли, Надежда Николаевна, устроить": the verb before the particle
    p = next((p for p in parse_all(word) if p.tag.POS == "NPRO"), None)
    if (word == "это" and len(words) == 1) or (
            p and p.normal_form in _PERSONAL_LEMMAS and p.tag.case == "nomn"):
        # the subject: nothing after it needs the comma; "Что ты, Наташа, полно!" is an exclamation,
        # "Что ты, Дуняша, такая бледная?" a question about her
        if len(words) == 2 and words[0] == "что" and not subordinate:
            nxt = WORD.match(rest)
            return bool(nxt) and (parse_top(nxt.group(0).lower()).tag.POS in ("ADJF", "ADJS", "PRTF", "PRTS")
                                  or _predicate_of(before, nxt.group(0)))
        # "Понимаешь ли ты, Ваня, что..." : a clause with its verb ends at the comma
        nxt = WORD.match(rest)
        if nxt and nxt.group(0).lower() in words:
            return False  # "Вот только ты, Ваня, только с тобой…" corrects itself: one comma stays
        if nxt and nxt.group(0).lower() in _INSERTED_CLAUSE:
            return False  # "Ты, Липынька, если что нужно, спрашивай": a clause set off by commas follows
        if nxt and nxt.group(0).lower() in _SUBORDINATORS | {"а", "но", "однако", "зато"}:
            return not any(parse_top(w).tag.POS == "VERB" for w in words)
        return True
    nxt = WORD.match(rest)
    if not nxt:
        return False
    nw = nxt.group(0).lower()
    t = parse_top(nw).tag
    wt = parse_top(word).tag
    if nw in _SUBORDINATORS | _WH_WORDS and any(parse_top(w).tag.POS == "VERB" for w in words):
        return False  # "Понимаешь теперь, Ваня, зачем я пришёл": a clause with its verb ends here
    if nw in _JOINING:
        after = WORD.findall(rest)[1:2]
        if after and parse_top(after[0].lower()).tag.mood == "impr" and any(
                parse_top(w).tag.mood == "impr" for w in words):
            return True  # "Не думай же чего-нибудь, Наташа, и позволь": two imperatives
        # two predicates of one subject; two infinitives ("Помочь тебе, Нелли, и ходить за тобой")
        return wt.POS == "VERB" or bool(after) and parse_top(after[0].lower()).tag.POS == "INFN" and any(
            parse_top(w).tag.POS == "INFN" for w in words)
    if any(parse_top(w).tag.POS == "VERB" for w in words) and _starts_predicate(rest):
        return False  # two clauses: "Люблю тебя, Федя, не уходи" keeps "тебя, не уходи"
    # "Ну хорошо, Ваня, пойду": a leading particle is no part of the clause
    while len(words) > 1 and parse_top(words[0]).tag.POS in ("PRCL", "INTJ", "CONJ"):
        words = words[1:]
    if wt.POS in ("VERB", "COMP", "ADVB", "PRED") and t.POS == "INFN":
        return True  # "Будем, Александр Давидыч, продолжать", "Лучше, Сергей Петрович, лицемерить"
    if wt.POS == "ADVB" and (len(words) > 1 or word in _PLACE_TIME) and (
            t.POS in ("VERB", "ADVB", "NPRO") or nw in ("не", "ни") or (word in _PLACE_TIME and t.POS == "NOUN")):
        return True  # "Ты сегодня, Ваня, не в духе", "Тут, Терентий, намедни"; "Хорошо, Ваня, я" keeps it
    # "выпьем-ка, Ваня, золотую": a "let us" verb takes an object as an imperative does
    hortative = wt.mood == "impr" or (wt.POS == "VERB" and wt.tense == "futr" and wt.person == "1per"
                                      and wt.number == "plur")
    if hortative and t.POS == "NOUN" and any(
            x.tag.POS == "NOUN" and x.tag.case != "nomn" and x.score >= 0.2 for x in parse_all(nw)):
        return True  # "Купи, Макарыч, дом!": the verb's object
    if hortative and t.POS in ("ADJF", "PRTF") and all(
            x.tag.case != "nomn" for x in parse_all(nw) if x.tag.POS in ("ADJF", "PRTF")):
        return True  # "Допросите, Сергей Петрович, других свидетелей": an object's adjective
    if wt.POS in ("INFN", "VERB") and wt.mood != "impr" and t.POS == "PREP":
        # "Что мне делать, Ваня, от одышки?" -> "делать от одышки"; but "Помнишь, Ваня, у нас
        # говорили" and "Не знаю, Ваня, в нём всё…" open a clause of their own
        clause = [w.lower() for w in WORD.findall(re.split(r"[,.!?;:…]", rest)[0])]
        tags = [parse_top(w).tag for w in clause[1:]]
        own_clause = any(t.POS in ("VERB", "ADJS", "PRTS") or (t.POS in ("NPRO", "NOUN") and t.case == "nomn")
                         for t in tags)
        return not own_clause and not (clause[1:2] and clause[1] in _QUESTION_WORDS)
    if wt.mood == "impr" and t.POS == "PREP":
        # "пошли, Сережа, за коньяком"; but "Послушай, Ваня, в чем дело"
        after = WORD.findall(rest)[1:2]
        return not after or after[0].lower() not in _QUESTION_WORDS
    if t.mood == "impr" or t.POS in ("CONJ", "INTJ") or nw in _SUBORDINATORS:
        return False
    if p and p.normal_form in _PERSONAL_LEMMAS and t.POS == "PREP" and len(words) > 1 and any(
            parse_top(w).tag.POS == "VERB" for w in words[:-1]):
        # "Ответь мне, Ваня, на один вопрос": the verb's next object; but "Скажи мне, Ваня, о чём…"
        # opens a clause, and "с тобой, Ваня, с тобой" repeats itself
        after = WORD.findall(rest)[1:2]
        repeat = rest.lower().startswith(" ".join(before.lower().split()[-2:]).rstrip(","))
        return not repeat and (not after or after[0].lower() not in _QUESTION_WORDS)
    if p and p.normal_form in _PERSONAL_LEMMAS:
        # an object pronoun: "у тебя, Кузьма, твою нагайку"; not before a particle, an adverb
        # or a repeated phrase: "у тебя, Ваня, вот что", "с тобой, Ваня, с тобой"
        if any(x.tag.POS == "PRED" and x.score >= 0.1 for x in parse_all(nw)) or nw == "не":
            return True  # "Да и тебе, Иван Петрович, стыдно", "от тебя-то, Иван Петрович, не ожидала"
        # "не упрекай меня, Ваня, напрасно": an adverb of the same verb
        # ("ждала тебя, Ваня, уж как ждала!", "любишь ты его, Ваня, слишком!" repeat themselves: the comma stays)
        clause = {w.lower() for w in WORD.findall(re.split(r"[,.!?;:…]", rest)[0])}
        adverb = t.POS == "ADVB" and nw not in _PLACE_TIME and any(
            parse_top(w).tag.POS == "VERB" for w in words) and not clause & set(words)
        return t.POS in ("NOUN", "ADJF", "PRTF", "VERB", "INFN") and "Apro" not in t or t.POS == "ADJF" or adverb
    # A noun subject before its verb: "Рассуждения, Оля, не помогут".
    subject = any(b.tag.POS == "NOUN" and b.tag.case == "nomn" and b.score >= 0.1 for b in parse_all(word))
    if subject and (t.POS == "VERB" or nw in ("не", "ни")):
        # "Батюшка, Ваня, не проклинай": before an imperative the noun is an address too
        return not _starts_imperative(rest)
    # A leading prepositional phrase before the subject or verb: "В ресторане,
    # Сережа, ты можешь" -> "В ресторане ты можешь".
    pp = re.fullmatch(r"\s*([^\W\d_]+)\s+(?:[^\W\d_]+\s+)?[^\W\d_]+,", before)
    return bool(pp) and pp.group(1).lower() in _PREP_CASE and t.POS in ("NPRO", "VERB")


def _remark_subject_slot(text: str, a: int) -> bool:
    """Whether a name set off by commas in a remark can be the remark verb's
    subject (`восклицала, извиваясь, Марфа`): in the remark's first sentence,
    which opens with its verb. Further on, a remark is speech the dashes cut
    wrongly, and the name an address (`…к худу, Иван Петрович, не предвещает`)."""
    first = re.split(r"[.!?…;]", text, maxsplit=1)[0]
    words = WORD.findall(first)
    return a <= len(first) and bool(words) and words[0][:1].islower() and \
        parse_top(words[0].lower()).tag.POS in ("VERB", "GRND")


def _remark_address(text: str, a: int, b: int) -> bool:
    """`(ты сказала, Прасковья)`, `(…Ну, Прасковья, смотри!)`: in a remark a name set off
    by a comma is an address when its sentence has a subject already or an
    imperative follows; `(восклицала, извиваясь, Марфа)` is the subject."""
    if not text[:a].rstrip().endswith(","):
        return False
    if _has_subject_before(re.split(r"[.!?…;]", text[:a])[-1], len(re.split(r"[.!?…;]", text[:a])[-1]), clause=False):
        return True
    nxt = WORD.findall(text[b:])[:1]
    return bool(nxt) and parse_top(nxt[0].lower()).tag.mood == "impr"


def _starts_imperative(rest: str) -> bool:
    """The text opens with an imperative, after `не`/`ни`."""
    for w in WORD.findall(rest)[:3]:
        if w.lower() not in ("не", "ни"):
            return parse_top(w.lower()).tag.mood == "impr"
    return False


def _starts_predicate(rest: str) -> bool:
    """The text opens with a finite or imperative verb, after `не`/`ни`."""
    for w in WORD.findall(rest)[:3]:
        lw = w.lower()
        if lw in ("не", "ни"):
            continue
        return parse_top(lw).tag.POS == "VERB"
    return False


def merge_time_stats(a: dict, b: dict) -> dict:
    """The counts of the me/ti part and of the pov part of one time stage."""
    out = {**a, **b}
    for k in ("dialogs", "lines"):
        out[k] = max(a.get(k, 0), b.get(k, 0))
    return out


def _time_chunk(chunk) -> tuple[dict[str, str], dict]:
    """me/ti/pov text and counts for a list of (dialog, speaker rows); the
    replacers and the pov rewriter come as fork_map's shared()."""
    reps, pov = shared()
    # a worker (or the next chunk) reports only its own counts
    for r in reps.values():
        r.stats.clear()
    if pov:
        pov.reset_counts()
    text = {m: [] for m in (*reps, "pov")}
    stats: Counter[str] = Counter()
    for dialog, rows in chunk:
        stats["dialogs"] += 1
        stats["lines"] += len(dialog)
        for mode, rep in reps.items():
            new = [rep.replica(r, dialog[max(0, j - 2):j]) for j, r in enumerate(dialog)]
            stats[f"changed_{mode}"] += any(n is not o for n, o in zip(new, dialog))
            text[mode] += [render_char(r) for r in new] + [""]
        if pov:
            new = [pov.replica(rep, r["speaker"], r["addressee"], r["how"], dialog[max(0, j - 2):j])
                   for j, (rep, r) in enumerate(zip(dialog, rows))]
            changed = sum(n is not o for n, o in zip(new, dialog))
            stats["pov_lines"] += len(dialog)
            stats["pov_changed"] += changed
            stats["pov_dialogs_changed"] += bool(changed)
            stats["dialogs_all_speakers"] += all(r["speaker"] for r in rows)
            text["pov"] += [render_char(r) for r in new] + [""]
    counts = {m: Counter(r.stats) for m, r in reps.items()}
    if pov:
        counts["pov"] = pov.counts()
    return {m: "".join(line + "\n" for line in lines) for m, lines in text.items()}, {"stats": stats, **counts}


def write_time(out_dir: str | Path, dict_dir: str | Path, jobs: int = 1, parts: tuple = ("meti", "pov")) -> dict:
    """me/ti (and pov) dialogs; `jobs` forked workers share the dialogs (the
    files do not depend on it: every line is rewritten on its own). `parts`:
    "meti" (needs only the names stage) and/or "pov" (needs the speakers stage),
    so that the pipeline can write me/ti while the speakers stage runs."""
    from contextlib import ExitStack

    from .characters import characters_path
    from .pov import PovRewriter
    from .speakers import read_speakers

    out_dir = Path(out_dir)
    src = require_file(out_dir / "dialogs.jsonl", "dialogs.jsonl", "run the dialogs stage first")
    dicts = {m: load_dict(dict_path(dict_dir, m)) for m in ("me", "ti")}
    kit = {m: kit_values(out_dir, m) for m in ("me", "ti")}
    reps = {m: Replacer(dicts[m], kit=kit[m]) for m in ("me", "ti")} if "meti" in parts else {}
    dialogs = list(read_dialogs_jsonl(src))
    # pov_dialogs.txt needs the speakers stage; without it (an older run) there is no pov file.
    spk_path = out_dir / "speakers.jsonl"
    pov = None
    rows: list = [[None] * len(d) for d in dialogs]
    has_speakers = spk_path.exists() and characters_path(dict_dir).exists()
    if "pov" in parts and has_speakers:
        pov = PovRewriter.from_run(out_dir, dict_dir, dicts["me"], dicts["ti"], kit)
        flat = list(read_speakers(spk_path))
        if len(flat) != sum(map(len, dialogs)):
            more = "fewer" if len(flat) < sum(map(len, dialogs)) else "more"
            raise KitError(f"speakers.jsonl has {more} lines than dialogs.txt; re-run from STAGE=speakers")
        it = iter(flat)
        rows = [[next(it) for _ in d] for d in dialogs]
    elif "pov" in parts:
        (out_dir / "pov_dialogs.txt").unlink(missing_ok=True)
    # Small chunks keep the progress bar moving and the workers evenly loaded.
    chunks = split_even(list(zip(dialogs, rows)), max(jobs, len(dialogs) // 100))
    if jobs > 1:
        from .names import _morph_tagger

        _morph_tagger()  # loaded once here, not in every worker
    stats: Counter[str] = Counter()
    counts: dict[str, Counter] = defaultdict(Counter)
    with ExitStack() as stack:
        modes = (*reps, "pov") if pov else tuple(reps)
        files = {m: stack.enter_context(atomic_write(out_dir / f"{m}_dialogs.txt")) for m in modes}
        for text, part in fork_map(_time_chunk, chunks, jobs, shared=(reps, pov), desc="time", unit="chunk"):
            for m, f in files.items():
                f.write(text[m])
            stats.update(part.pop("stats"))
            for m, c in part.items():
                counts[m].update(c)
    out = {"dialogs": 0, "lines": 0}
    if reps:
        out.update(changed_me=0, changed_ti=0)
    if pov:
        out.update(pov_lines=0, pov_changed=0, pov_dialogs_changed=0, dialogs_all_speakers=0)
    out.update(stats)
    for m, c in counts.items():
        out[m] = dict(sorted(c.items()))
    return out


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--dict-dir", required=True, type=click.Path(file_okay=False))
@jobs_option
@cli_main
def main(out_dir, dict_dir, jobs):
    """Replace names with pronouns using the (possibly hand-edited) dictionaries."""
    t0 = time.perf_counter()
    stats = write_time(out_dir, dict_dir, resolve_jobs(jobs))
    write_stats(out_dir, "time", stats, t0)


if __name__ == "__main__":
    main()
