"""Plays as input (SPEC §10): speaker labels, stage directions, dramatis personae.

A play text becomes the same dialogs (replicas of ("s", speech) / ("r", remark)
segments) as prose, so every later stage works unchanged; the speakers and
addressees come beside them.

Decisions where SPEC §10 is silent:

* Labels. A paragraph starts with a label when it opens with one to four words
  followed by `.` or `:` (`Лопахин.`), or by a direction in parentheses with or
  without a space and with or without the period after it (`Лопахин
  (прислушивается).`, `Бубнов(Сатину).`), and something follows the label.
  ALL-CAPS labels are title-cased and letter-spaced ones (`Ф и р с.`) joined.
  Such a prefix is a label when it names a person of the dramatis personae
  (its words are words of the entry's name: `Любовь Андреевна` for `Раневская
  Любовь Андреевна`; a single-word label may be the entry's diminutive sharing
  its first three letters: `Наташа` for `Наталья Ивановна`), or when it starts
  at least three paragraphs and reads as a name (no verb, pronoun or other
  function word in it). A one-off unknown word one letter away from a label is
  that label (a typo: `Чебутыкини.`).
* Rendering. Text in parentheses is a stage direction and becomes a remark; the
  rest is speech. A remark loses its parentheses and its first letter is
  lower-cased unless the direction starts with a name (`(Ане.)` stays `Ане`).
  The `.` that ends the speech right before a direction is dropped, as prose
  drops the comma before a remark; `!`, `?`, `…`, `..` stay. So
  `Дуняша. Скоро два. (Тушит свечу.) Уже светло.` is
  `<char>Скоро два (тушит свечу) Уже светло.` A remark keeps (or, after the
  label, gets) a final `.`, which the renderer drops, so later stages still see
  that the next speech starts a sentence.
* A direction right after the label (`Лопахин (прислушивается). Нет…`) is a
  remark at the start: the replica opens with an empty speech segment, and the
  line is `<char>(прислушивается) Нет…`.
* Continuations. Every labelled paragraph is one replica. An unlabelled
  paragraph that comes after a direction paragraph and reads as speech (a
  parenthesised direction in it, `?`, `!` or `…` outside quotes, a first- or
  second-person word, an imperative, a word like `вот`, `здесь`, `надо`) is the
  same speaker going on: it joins that speaker's replica, the directions
  between becoming one remark (`… то да се… (пауза) Любовь Андреевна прожила…`).
  So the replica count equals the label count.
* Directions between replicas (`Пауза.`, `Входит Епиходов.`) do not end a
  dialog and are not written unless a continuation follows. Act and scene
  headings (`Действие первое`, `ДЕЙСТВИЕ ВТОРОЕ`, `Явление II`, `АКТ ПЕРВЫЙ`,
  `Картина 3`, `Занавес`, `Пролог`) end the dialog, and the stage description
  under them belongs to no dialog. So does a direction that changes the scene:
  one longer than LONG_DIRECTION words, or one that empties the stage
  (`Сцена пуста.`, `Все уходят.`, but not `Уходят все, кроме Ани и Дуняши.`).
* Addressee. A direction after the label or at the very start of the speech
  whose part (between commas) is only names in the dative, optionally with `к`,
  `обращаясь к` and adverbs (`Сатину`, `к Варе`, `тихо Ане`), names the person
  spoken to; two or more persons, or `всем`, give `"*"`. Dative forms are
  matched to persons through pymorphy3 lemmas of the label and entry words.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .morph import WORD, get_known, has_name_tag, parse_all, parse_top

# Labels: up to four words, then "(direction)" and/or "." / ":".
_W = r"[^\W\d_]+(?:-[^\W\d_]+)*"
_LABEL = re.compile(
    rf"^(?P<name>{_W}(?: {_W}){{0,3}})"
    r"(?:\s*\((?P<dir>[^()]*)\)\s*(?P<end1>[.:])?|\s*(?P<end2>[.:]))\s*(?P<rest>.*)$",
    re.S,
)
# "Ф и р с." / "Л ю б о в ь  А н д р е е в н а (тихо)." before normalisation.
_SPACED = re.compile(r"^((?:[^\W\d_] ){2,}[^\W\d_])(?=\s*[.:(])")
_PERSONAE = re.compile(r"^(?:действующие\s+лица|лица)\s*[:.]?$", re.I)
_HEAD_KEYS = {"действие", "акт", "явление", "картина", "сцена", "часть", "эпизод"}
_HEAD_ALONE = {"занавес", "пролог", "эпилог", "конец"}
_ROMAN = re.compile(r"^[IVXLC]+$|^\d+(?:-?[а-я]+)?$")
_QUOTED = re.compile(r"«[^«»]*»|\"[^\"]*\"|„[^„“]*“")
_PARENS = re.compile(r"\(([^()]*)\)")
_SPEECH_PUNCT = re.compile(r"[?!…]|\.\.")
_ENDS_SENTENCE = ".!?…"
# A direction that empties the stage changes the scene: "Сцена пуста", "Все уходят".
_SCENE_BREAK = re.compile(r"сцена пуст|сцена пустеет|(?:все уходят|уходят все)(?!,?\s*кроме)", re.I)

# A direction longer than this (in words) is a scene description: it ends the dialog.
LONG_DIRECTION = 40
# A prefix not in the personae list is a label only if it starts this many paragraphs.
MIN_LABEL_COUNT = 3
# Share of labelled paragraphs that makes a text a play; lower with a personae list.
PLAY_SHARE = 0.5
PLAY_SHARE_WITH_PERSONAE = 0.3

# Words of speech that stage directions do not use.
_SPEECH_LEMMAS = {"я", "мы", "ты", "вы", "мой", "твой", "наш", "ваш", "вот", "здесь", "тут", "сейчас",
                  "надо", "нужно", "пора", "ну", "ах", "ох", "ой", "эх", "ага", "ведь", "спасибо",
                  "пожалуйста", "нельзя", "можно", "давай", "давайте", "пусть", "господи", "боже",
                  # parenthetical words
                  "оказываться", "конечно", "впрочем", "значит", "вероятно", "пожалуй", "разве", "неужели"}
# Speech, not a direction, may open with a conjunction: "И тогда также били часы."
_SPEECH_OPENERS = {"и", "а", "но", "потому", "да", "так", "если", "когда", "ведь", "нет", "что", "или", "зато"}
# Before an addressee: "обращаясь к Гаеву".
_TURN_WORDS = {"обращаясь", "обратясь", "обернувшись", "оборачиваясь", "повернувшись", "поворачиваясь"}
_ADDRESS_ALL = {"всем", "всем им"}


@dataclass
class Person:
    name: str                      # as the labels say it
    entry: str | None = None       # the full personae line
    aliases: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "entry": self.entry, "aliases": self.aliases}


@dataclass
class Play:
    persons: list[Person]
    labels: Counter                # label as written -> count
    label_person: dict[str, str]   # label as written -> person name
    dialogs: list                  # list of replicas of segments, as dialogs.Dialog
    speakers: list                 # per dialog: [[speaker, addressee], ...]
    stats: dict


@dataclass
class Label:
    name: str          # normalised: "Лопахин"
    raw: str           # as written
    direction: str | None
    rest: str


def _norm(word: str) -> str:
    return word.lower().replace("ё", "е")


def _despace(p: str) -> str:
    """Letter-spaced labels: `Ф и р с.` -> `Фирс.`, `Л ю б о в ь А н д р е е в н а.` ->
    `Любовь Андреевна.` (a capital starts the next word; spaces are already single)."""
    m = _SPACED.match(p)
    if not m:
        return p
    letters = m.group(1).replace(" ", "")
    # A capital after the first letter starts the next word of the name.
    name = re.sub(r"(?<=[^\W\d_])(?=[А-ЯЁA-Z])", " ", letters)
    return name + p[m.end():]


def _normal_name(name: str) -> str:
    name = " ".join(name.split())
    return name.title() if name.isupper() and len(name) > 1 else name


def match_label(paragraph: str) -> Label | None:
    """The label-shaped prefix of a paragraph, whatever the name; None if none."""
    p = _despace(paragraph.strip())
    m = _LABEL.match(p)
    if not m:
        return None
    rest = m.group("rest").strip()
    direction = m.group("dir")
    if direction is None and not rest:
        return None  # "Пауза." — a direction, not a label
    if direction is not None and not m.group("end1") and rest[:1].islower():
        return None  # "Маша (тихо) смеётся": a sentence, not a label
    raw = m.group("name")
    return Label(_normal_name(raw), raw, direction.strip() if direction is not None else None, rest)


def is_heading(paragraph: str) -> bool:
    """Act and scene headings: `Действие первое`, `ЯВЛЕНИЕ II`, `Первый акт`, `Занавес`."""
    words = paragraph.strip().rstrip(".").split()
    if not words or len(words) > 5:
        return False
    low = [_norm(w).strip(".,:") for w in words]
    if low[0] in _HEAD_ALONE and len(words) <= 3:
        return True

    def ordinal(w: str, raw: str) -> bool:
        return bool(_ROMAN.match(raw.strip(".,:"))) or any("Anum" in p.tag for p in parse_all(w))

    if len(words) >= 2 and low[0] in _HEAD_KEYS and ordinal(low[1], words[1]):
        return True
    return len(words) >= 2 and low[1] in _HEAD_KEYS and ordinal(low[0], words[0])


# ---- dramatis personae ------------------------------------------------------

def find_personae(paragraphs: Sequence[str]) -> tuple[int, int] | None:
    """(first entry, end) of the dramatis personae list, or None."""
    for i, p in enumerate(paragraphs[:200]):
        if _PERSONAE.match(p.strip()):
            j = i + 1
            while j < len(paragraphs) and j - i <= 80:
                q = paragraphs[j].strip()
                if not q or is_heading(q) or _entry_name(q) is None:
                    break
                j += 1
            return i + 1, j
    return None


def _entry_name(entry: str) -> str | None:
    """The name part of a personae entry (`Раневская Любовь Андреевна, помещица.` ->
    `Раневская Любовь Андреевна`), or None for a line that is no person
    (`Действие происходит в имении…`)."""
    head = re.split(r"[,;(—–]", entry, maxsplit=1)[0].strip().rstrip(".")
    words = head.split()
    if not words or not words[0][:1].isupper():
        return None
    kept = [words[0]]
    for w in words[1:]:
        tag = parse_top(_norm(w)).tag
        # "Маша его сестры" (a brace lost in the text): the name ends at a pronoun.
        if w[:1].islower() and ({"NPRO", "PREP", "CONJ", "PRCL"} & {tag.POS} or "Apro" in tag):
            break
        kept.append(w)
    if len(kept) > 5:
        return None
    for w in kept:
        tag = parse_top(_norm(w)).tag
        if tag.POS in ("VERB", "GRND", "INFN") and not has_name_tag(tag):
            return None
    return " ".join(kept)


def _name_words(name: str) -> set[str]:
    out = set()
    for w in name.split():
        out.add(_norm(w))
        out.update(_norm(x) for x in w.split("-"))
    return out


def _is_patronymic(word: str) -> bool:
    return any("Patr" in p.tag for p in parse_all(_norm(word))) or bool(
        re.search(r"(ович|евич|ич|овна|евна|ична|инична)$", _norm(word)))


def _aliases(label: str, name: str | None) -> list[str]:
    """The label, the full name, first name + patronymic, surname, first name."""
    out = [label]
    if name:
        words = name.split()
        out.append(name)
        if len(words) == 3 and _is_patronymic(words[2]):
            out += [f"{words[1]} {words[2]}", words[0], words[1]]
        elif len(words) == 2 and _is_patronymic(words[1]):
            out.append(words[0])
    return list(dict.fromkeys(out))


def _match_entry(label: str, entries: list[tuple[str, str]]) -> int | None:
    """Index of the entry the label names, or None when none or several do."""
    words = _name_words(label)
    hits = [i for i, (_, name) in enumerate(entries) if words <= _name_words(name)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        exact = [i for i in hits if _norm(entries[i][1]) == _norm(label)]
        return exact[0] if len(exact) == 1 else None
    if len(label.split()) == 1 and len(label) >= 4:
        # A diminutive: "Наташа" for "Наталья Ивановна".
        lw = _norm(label)
        hits = [i for i, (_, name) in enumerate(entries)
                if any(_norm(w)[:3] == lw[:3] and not _is_patronymic(w) for w in name.split()[:2])]
        if len(hits) == 1:
            return hits[0]
    return None


def _name_like(label: str) -> bool:
    """A frequent label-shaped prefix outside the personae list must read as a name."""
    if _norm(label.split()[0]) in _HEAD_KEYS | _HEAD_ALONE:
        return False
    for w in label.split():
        for piece in w.split("-"):
            tag = parse_top(_norm(piece)).tag
            if has_name_tag(tag):
                continue
            if tag.POS in ("VERB", "GRND", "INFN", "NPRO", "PREP", "CONJ", "PRCL", "INTJ", "ADVB", "PRED") \
                    or "Apro" in tag:
                return False
    return True


def _edit1(a: str, b: str) -> bool:
    """a and b differ by one inserted, deleted or replaced letter."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


@dataclass
class _Cast:
    persons: list[Person]
    label_person: dict[str, str]        # normalised label -> person name
    lemmas: dict[str, set[str]]         # person name -> lemmas of their name words
    name_words: set[str]


def build_cast(paragraphs: Sequence[str]) -> tuple[_Cast, int]:
    """Persons and labels of a text; returns the cast and where the body starts."""
    span = find_personae(paragraphs)
    entries: list[tuple[str, str]] = []
    body_start = 0
    if span:
        for q in paragraphs[span[0]:span[1]]:
            name = _entry_name(q.strip())
            if name:
                entries.append((q.strip(), name))
        body_start = span[1]
    counts: Counter[str] = Counter()
    for p in paragraphs[body_start:]:
        lab = match_label(p)
        if lab:
            counts[lab.name] += 1
    by_entry: dict[int, Counter] = {}
    free: list[str] = []
    for label, n in counts.most_common():
        i = _match_entry(label, entries) if entries else None
        if i is not None:
            by_entry.setdefault(i, Counter())[label] = n
        elif n >= MIN_LABEL_COUNT and _name_like(label):
            free.append(label)
    persons: list[Person] = []
    label_person: dict[str, str] = {}
    for i, (entry, name) in enumerate(entries):
        used = by_entry.get(i)
        pname = used.most_common(1)[0][0] if used else name
        persons.append(Person(pname, entry, _aliases(pname, name)))
        for label in used or ():
            label_person[label] = pname
    for label in free:
        persons.append(Person(label, None, [label]))
        label_person[label] = label
    # Typos: a one-off unknown word one letter away from exactly one label.
    for label, n in counts.items():
        if label in label_person or n > 1 or " " in label or get_known(_norm(label)):
            continue
        near = {pn for lb, pn in label_person.items() if len(lb) >= 5 and _edit1(_norm(lb), _norm(label))}
        if len(near) == 1:
            label_person[label] = near.pop()
    lemmas = {p.name: _lemmas(" ".join(p.aliases)) for p in persons}
    name_words = set().union(*lemmas.values()) if lemmas else set()
    return _Cast(persons, label_person, lemmas, name_words), body_start


def _lemmas(text: str) -> set[str]:
    out = set()
    for w in WORD.findall(text):
        for piece in [w, *w.split("-")]:
            out.add(_norm(piece))
            out.update(_norm(p.normal_form) for p in parse_all(_norm(piece)) if "nomn" in p.tag)
    return out


# ---- detection --------------------------------------------------------------

def is_play(paragraphs: Sequence[str]) -> bool:
    """Most non-empty paragraphs start with a speaker label (fewer will do with a
    dramatis personae list)."""
    paragraphs = [p for p in paragraphs if p.strip()]
    cast, start = build_cast(paragraphs)
    body = paragraphs[start:]
    if not body or len(set(cast.label_person.values())) < 2:
        return False
    labelled = sum(1 for p in body if _label_of(p, cast))
    share = PLAY_SHARE_WITH_PERSONAE if start else PLAY_SHARE
    return labelled >= 5 and labelled >= share * len(body)


def _label_of(paragraph: str, cast: _Cast) -> Label | None:
    lab = match_label(paragraph)
    return lab if lab and lab.name in cast.label_person else None


# ---- replicas ---------------------------------------------------------------

def _starts_with_name(text: str, cast: _Cast) -> bool:
    m = WORD.search(text)
    if not m or m.start() > 2:
        return False
    w = m.group(0)
    if not w[:1].isupper():
        return False
    if _norm(w) in cast.name_words or any(_norm(p.normal_form) in cast.name_words for p in parse_all(_norm(w))):
        return True
    return any(has_name_tag(p.tag) for p in parse_all(_norm(w))[:1])


def _remark(text: str, cast: _Cast) -> str:
    text = " ".join(text.split())
    if text and not _starts_with_name(text, cast):
        text = text[:1].lower() + text[1:]
    return text


def _split_parens(text: str) -> list[tuple[str, str]]:
    """Speech and parenthesised directions, in order; directions as written."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _PARENS.finditer(text):
        out.append(("s", text[pos:m.start()]))
        out.append(("r", m.group(1)))
        pos = m.end()
    out.append(("s", text[pos:]))
    return out


def _finish(pieces: list[tuple[str, str]], cast: _Cast) -> list[tuple[str, str]]:
    """Alternating segments starting with speech, ready for render_char."""
    segs: list[list[str]] = []
    for kind, text in pieces:
        text = " ".join(text.split())
        if kind == "s" and segs and segs[-1][0] == "r" and text and not WORD.search(text) \
                and not text.strip("., ;:"):
            continue  # "(смеется)." — the period after a direction
        if not text:
            continue
        if kind == "r":
            text = text if segs and segs[-1][0] == "r" else _remark(text, cast)
        if segs and segs[-1][0] == kind:
            if kind == "r" and segs[-1][1][-1:] not in _ENDS_SENTENCE:
                segs[-1][1] += "."  # two directions, two sentences
            segs[-1][1] += " " + text
        else:
            segs.append([kind, text])
    if not segs or segs[0][0] == "r":
        segs.insert(0, ["s", ""])
    for i, (kind, text) in enumerate(segs):
        if kind == "s" and i + 1 < len(segs):
            # The period before a direction goes, as the comma before a prose remark.
            if text.endswith(".") and not text.endswith(("..", "!.", "?.")):
                segs[i][1] = text[:-1].rstrip()
        elif kind == "r" and i + 1 < len(segs) and segs[i + 1][1][:1].isupper() \
                and text[-1:] not in _ENDS_SENTENCE:
            # Keeps the sentence boundary visible to later stages; the renderer drops it.
            segs[i][1] = text + "."
    return [(k, t) for k, t in segs]


def label_pieces(lab: Label) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    if lab.direction:
        pieces.append(("r", lab.direction))
    return pieces + _split_parens(lab.rest)


def is_speech(paragraph: str) -> bool:
    """An unlabelled paragraph that reads as someone's speech, not a stage direction."""
    p = paragraph.strip()
    if p.startswith("(") or _PARENS.search(p):
        return True
    bare = _QUOTED.sub(" ", p)
    words = WORD.findall(bare)
    if not words:
        return bool(WORD.search(p))  # only a quotation: "«Уа!.. уа!..»"
    if _SPEECH_PUNCT.search(bare) or _norm(words[0]) in _SPEECH_OPENERS:
        return True
    for w in words:
        lw = _norm(w)
        parses = parse_all(lw)
        top = parses[0]
        if _norm(top.normal_form) in _SPEECH_LEMMAS or lw in _SPEECH_LEMMAS:
            return True
        if top.tag.POS == "VERB" and (top.tag.person in ("1per", "2per") or top.tag.mood == "impr"):
            return True
    return False


def addressee(direction: str, cast: _Cast) -> str | None:
    """The person a direction says the replica is spoken to, "*" for several, or None."""
    for part in re.split(r"[,;]", direction):
        words = WORD.findall(part)
        while words and (_norm(words[0]) in _TURN_WORDS or
                         (parse_top(_norm(words[0])).tag.POS == "ADVB" and _norm(words[0]) not in cast.name_words)):
            words = words[1:]
        while words and parse_top(_norm(words[-1])).tag.POS == "ADVB" and _norm(words[-1]) not in cast.name_words:
            words = words[:-1]
        if words and _norm(words[0]) in ("к", "ко"):
            words = words[1:]
        if not words:
            continue
        if " ".join(_norm(w) for w in words) in _ADDRESS_ALL:
            return "*"
        found: list[str] = []
        group: list[str] = []
        ok = True
        for w in words + ["и"]:
            if _norm(w) == "и":
                who = _person_of(group, cast)
                if who is None:
                    ok = False
                    break
                found.append(who)
                group = []
            else:
                group.append(w)
        if ok and found:
            return found[0] if len(set(found)) == 1 else "*"
    return None


def _person_of(words: list[str], cast: _Cast) -> str | None:
    """The person whose name these dative words are ("Любови Андреевне")."""
    if not words or not words[0][:1].isupper():
        return None
    cands: set[str] | None = None
    for w in words:
        lw = _norm(w)
        lem = {_norm(p.normal_form) for p in parse_all(lw) if "datv" in p.tag}
        if not lem:
            return None
        who = {name for name, ls in cast.lemmas.items() if lem & ls}
        cands = who if cands is None else cands & who
    if cands and len(cands) == 1:
        return next(iter(cands))
    return None


def _opening_direction(pieces: list[tuple[str, str]]) -> str | None:
    """The first direction when no speech comes before it."""
    for kind, text in pieces:
        if kind == "s" and text.strip(" .,"):
            return None
        if kind == "r":
            return text
    return None


# ---- the whole play ---------------------------------------------------------

def parse_play(paragraphs: Sequence[str]) -> Play:
    """Dialogs, speakers and addressees of one play text."""
    paragraphs = [p.strip() for p in paragraphs if p.strip()]
    cast, start = build_cast(paragraphs)
    stats = Counter(paragraphs=len(paragraphs), labelled_paragraphs=0, continuations=0,
                    headings=0, directions=0, addressees=0,
                    personae_entries=sum(p.entry is not None for p in cast.persons))
    labels: Counter[str] = Counter()
    label_person: dict[str, str] = {}
    dialogs: list = []
    speakers: list = []
    cur: list[list[tuple[str, str]]] = []       # pieces of each replica
    cur_spk: list[list] = []
    pending: list[str] = []                      # directions since the last speech

    def flush():
        nonlocal cur, cur_spk
        if cur:
            dialogs.append([_finish(r, cast) for r in cur])
            speakers.append(cur_spk)
        cur, cur_spk = [], []
        pending.clear()

    for p in paragraphs[start:]:
        if is_heading(p):
            stats["headings"] += 1
            flush()
            continue
        lab = _label_of(p, cast)
        if lab:
            stats["labelled_paragraphs"] += 1
            who = cast.label_person[lab.name]
            labels[lab.raw] += 1
            label_person[lab.raw] = who
            pieces = label_pieces(lab)
            opening = _opening_direction(pieces)  # the label's own direction comes first
            to = addressee(opening, cast) if opening else None
            if to == who:
                to = None
            stats["addressees"] += to is not None
            cur.append(pieces)
            cur_spk.append([who, to])
            pending.clear()
            continue
        if cur and pending and is_speech(p):
            stats["continuations"] += 1
            cur[-1] += [("r", " ".join(pending)), *_split_parens(p)]
            pending.clear()
            continue
        stats["directions"] += 1
        if len(WORD.findall(p)) > LONG_DIRECTION or _SCENE_BREAK.search(p):
            flush()
        elif cur:
            pending.append(p)
    flush()
    return Play(cast.persons, labels, label_person, dialogs, speakers, dict(stats))
