"""Stage speakers: who says each replica and to whom (SPEC §8).

Characters come from the names stage's forms (characters.py), plus names NER
missed where they speak (`— ответил Кирилов`) and people the book names only
by a noun (`генерал`). Mentions are found by matching every case form of
every alias, never by running NER over the narration.

Sieves run in order of precision and a later one never overrides an earlier
one (Muzny et al. 2017); `how` records which one decided:

1. remark  the remark verb's subject is a name (`— сказал Базаров`,
           `— Базаров усмехнулся`), not just any name in the remark; a
           hearing verb (`слышит Очумелов`) names no speaker;
2. noun    the subject is a noun the book ties to one character (`старик
           Тимур Ильич` ... `— сказал старик`);
3. pronoun `— ответил он`: the one character of that gender mentioned in the
           narration just before the dialog or earlier in it, other than the
           one who spoke the line before (or the one the next line's remark
           names); a person named only by a noun there means null; nobody of
           that gender there: the one of the dialog just before. In a talk of
           a man and a woman the gender decides. `— сказал я` is the
           first-person narrator, named by how the others call him
           (name_narrator);
4. turn    no remark: in an exchange clearly between two people, lines
           alternate.

Addressees: a vocative in the speech, a name the remark gives in the dative
(`сказал он Аркадию`, `обратился к Аркадию`), or the other person of a
two-person exchange. Everything else is null: a wrong name is worse.
Trading precision for coverage is a setting below, not a rewrite.
"""
from __future__ import annotations

import functools
import json
import copy
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click

from .characters import (
    _DOMINANT, Character, alias_index, compatible_genders, build_characters, characters_edited, characters_path,
    SURNAME_CASE_ENDS, inflections, load_characters, nominative, patronymic_variants, write_characters,
)
from .common import (KitError, atomic_write, cli_main, fork_map, iter_jsonl, jobs_option, log, progress, require_file, resolve_jobs,
                     shared, split_even, write_json, write_stats)
from .dialogs import read_dialogs_jsonl, split_texts
from .morph import WORD, has_name_tag, parse_all, parse_top, prev_word
from .names import GROUP_OF_CASE, NOBILIARY, NOT_NAMES, PREP_GROUPS, case_groups, is_function_word, read_names
from .replicas import is_replica, render_char

NARRATOR = "<narrator>"  # the first-person narrator: a participant with no name
_PRONOUN_SUBJECT = {"он": "m", "она": "f", "я": "self"}
_PLURAL_SUBJECT = {"мы", "они", "вы"}
_GENDER = {"masc": "m", "femn": "f"}
_CLAUSE = re.compile(r"[,.!?…;:()«»\"]")
# A plural address: "Господа, ...", "..., дети!"
_PLURAL_VOCATIVE = re.compile(
    r"(?:^|[,.!?…]\s*)(?:господа|дети|детки|ребята|братцы|друзья|товарищи|братья|сестры|сёстры|"
    r"барышни|господа присяжные)\s*[,!]", re.I)
_NARRATION_WINDOW = 1  # narration paragraphs before a dialog that count for pronouns (2 before this version:
                       # on all six gold sets 1240/1274 right, 1 gives 1267/1303; the far look covers the rest)
_FAR_WINDOW = 6  # and before those, where the first "он" of a dialog with nobody of his gender nearby looks
_NOUN_CHARACTERS = True  # people named only by a noun become characters (off, on the gold: the same precision, -5.9 pts coverage)
_NOUN_SPREAD = 0.03  # the share of a text's dialogs a noun character must speak in
_CALLED_ANSWERS = True  # "ответила она" after a line calling Маша by name is Маша
_PRONOUN_NEAREST = False  # a setting: on the gold +3.8 pts coverage for -3.1 pts precision
_PAIR_FROM_NARRATION = True  # one known speaker + the one other person the window names: a talk of two
                             # (on the gold: +8 right, +2 wrong; off before this version: +11/-3 and the
                             # addressee precision under 90%, mostly from one-line dialogs and first-person books)
_KIN_IN_PAIR = True  # "сказал брат" in a talk of two brothers is one of the two (alternation decides)
_PAIR_WINDOW = True  # ... and "сказал он" between two men is the one the window names (as with no pair)
_SPEECH_GENDER = True  # "я была", "я рад" in a line: its speaker's gender (a guard for turns, an anchor in a talk of a man and a woman)
_PAIR_NARRATOR = True  # ... and in first-person narration with the narrator, when the window names nobody else (no other "он"/"она" either)
_NOUN_VOCATIVES = True  # "— Нет, бабушка, …" calls the character the book names "бабушка"
_NOUN_AFTER_NAME = True  # "говорит Очумелов … обращается надзиратель": a noun in a later remark is no second speaker
_GOVERNED_NAMES = True  # "для Бетси", "муж княгини Бетси": no subject, though the name does not decline
_ASKER_ANSWERS = True  # "X спросил, …" closing the narration: "— …, — отвечал он" is not X
_PAIR_MIN_LINES = 3  # ... and only in a dialog of this many lines (a single line's addressee is a guess)
_HE_SHE = re.compile(r"(?<![\w-])(?:[Оо]н|[Оо]на)(?![\w-])")
_FIRST_PERSON = re.compile(r"(?<![\w-])(?:я|меня|мне|мной|мною)(?![\w-])", re.I)
_QUOTED = re.compile(r"«[^»]*»|„[^“]*“|\"[^\"]*\"")
_PAIR_IGNORES_NOUNS = False  # with the above: a person named by a noun nearby does not stop it
_KIN_NOUNS_BLOCK = True  # "её муж" nearby stops "сказал он" (False: +0.6 pts coverage on the gold, but
                         # "вышли бабушка и Зоя. — …, — спросила она" then is Зоя)
_PRONOUN_MEMORY = 2  # "сказала она" with no woman since the dialog before: the one of that dialog (up to 2 back)
_NEXT_BANNED = True  # "сказал он" is not the one the next line's remark names (a new paragraph, a new speaker)
# Of a man and a woman talking, "сказала она" is the woman, even after her own line. Off: on the tuning
# gold +9 right, 0 wrong, but on the held-out gold +1 right, +3 wrong (a third person the pair check missed).
_PAIR_GENDER = False
# Only a name that can be a subject (nominative) in the narration before a dialog is a candidate for
# its "он"/"она": "рассказал слышанное от Катавасова" does not bring in Катавасов as a speaker.
_CONTEXT_SUBJECTS = True
_NARRATION_GENDERS = True  # past verbs right after a name in the narration vote for its gender, as remark verbs do
_UNSURE_GENDER_BLOCKS = True  # a character of unknown gender nearby stops "сказала она" (found by the POV judges)
# A noun is tied to a name it stands right before at least this often in its text (2: on the gold the same
# precision, -3 right nouns; on the Chekhov folder it drops some wrong ties, "доктора Пашка", and more right ones).
_TIE_MIN = 1
_TIE_SHARE = 60  # ... and the appositions are at least 1/60 of the noun's uses in the text
# Dialogs parted by at most this many narration paragraphs are one scene. 1: on the tuning gold, with the
# rules of this version, speakers 98.7 % (306/310) at 64.4 % coverage (0: 97.5 % at 57.3 %), but addressee
# coverage 31.8 % (0: 37.9 %); it joins separate talks of the sample and loses dozens of right speakers and
# addressees there. Not tried on the held-out gold.
_SCENE_GAP = 0
# The author's words before a dialog that end with a colon ("Пава стал в позу и проговорил:") say who
# speaks its first line when the line's own remark does not.
_INTRO = True
_FIRST_TURN_SEES_CONTEXT = True  # a dialog's first line goes by turns only if its narration names no third person
_ADDS = True  # "прибавила она" right after a line of hers is her again
_TIE_NO_GENITIVE = True  # see noun_tie_counts
# A bare surname shared by several characters joins the one named this many times more than the rest.
_SURNAME_DOMINANT = 5
# A third person of that gender in the narration before stops the pair's он/она. Off: on the golds it only
# took right answers away (held-out -3, second held-out -6, none wrong).
_PAIR_SEES_CONTEXT = False
# A kin noun that is the subject of at least this many remarks of one text is a character (бабушка in
# «Игрок»); 0: never.
_KIN_CHARACTERS = 8
# A talk of two goes on into the next dialog across at most this many narration paragraphs that name
# nobody else (0: off).
_CONTINUE_GAP = 2
_NOUN_SUBJECTS = True  # in the narration, only a noun person that may be a subject competes for он/она
_SUBJECT_PAST_GERUND = True  # "вскричал, махнув рукой, Де-Грие": the subject after a gerund phrase
_ASKED = True  # the accusative/genitive after an asking verb is the addressee (спросил он Савку)
_TIE_AT_START = True  # a capitalised noun at a sentence start before a name ties too (Дьячок Савелий)
_UNKNOWN_BLOCKS = True  # a remark's subject the kit cannot name stops a later "сказал он"
_PAIR_CONTEXT_THIRD = True  # a dialog's first "сказал он" after narration naming a third man: no pair
_ADVERBIAL_FIRST = True  # "с расстановкой, медленно проговорил умирающий": the verb after a short adverbial
_SPLIT_GUARD = True  # no talk of two between "Николай" and "Николай Левин" (maybe one man)
_VOICE_OF = True  # "сказал голос Кити": Кити speaks
_INFINITIVE_AFTER = True  # "не утерпела не сказать Анна Андреевна"
_AFTER_SKIP = 5  # words passed after the verb looking for its subject ("вскрикнула вдруг своим слабым голоском Нелли")
_ADVERB_GERUND = True  # "сказала, вдруг оживляясь, Наташа"
_CALLED_NOT_TURNING = True  # ... not when the remark turns to somebody else ("обратилась она к мужу")
_CONTEXT_SKIPS_QUOTES = True  # names inside «…» in the narration (thoughts, letters) are nobody present
_AUTHOR_INSIDE = re.compile(r"[—–]\s*[а-яё][^—–«»]*$")
_PREFIX_PAIR = True  # a talk of two until a third person comes in at its end: the pair holds up to there
_OBJECT_NAME_BEFORE_NOUN = True  # "спросил Спаланцо епископ": a noun subject after a name that may be an object
_TIE_INDECLINABLE = True  # an indeclinable name after "VERB noun" ties nothing (see noun_tie_counts)
_RECENT_NAME_WINS = True  # one name candidate named after every blocking noun person wins
# Diagnostics: set to a dict to record, per (dialog, line), what the pronoun sieve weighed.
_TRACE: dict | None = None


@dataclass
class Mention:
    start: int
    end: int
    chars: frozenset[str]
    groups: frozenset[str]


@dataclass
class Subject:
    kind: str                       # name, pronoun, noun, self, plural, other (a hearer)
    chars: frozenset[str] = frozenset()
    gender: str | None = None       # of the pronoun or the verb
    lemma: str = ""
    span: tuple[int, int, int] | None = None  # (segment, start, end) of the subject word(s)
    verb: tuple[int, int, int] | None = None
    verb_lemma: str = ""


@dataclass
class ReplicaInfo:
    subject: Subject | None = None
    conflict: bool = False          # two remarks name two different subjects
    remark_chars: list[str] = field(default_factory=list)  # characters and "~noun|g" people, in order
    vocatives: set[str] = field(default_factory=set)
    plural_address: bool = False
    remark_addressees: set[str] = field(default_factory=set)
    addresses_other: bool = False   # the remark turns to somebody unnamed: "обратился он к татарину"
    intro: bool = False             # the subject comes from the author's words before the dialog
    intro_person: str | None = None  # the one the intro's pronoun stands for, from its own paragraph
    speech_gender: str | None = None  # the speaker's, from "я была", "я рад" in the speech
    noun_vocatives: set[str] = field(default_factory=set)  # characters called by their noun: "бабушка"


# ---------------------------------------------------------------- the speaker's own words

_I = re.compile(r"(?<![\w-])[Яя](?![\w-])")
_I_SKIP = {"не", "ни", "ведь", "же", "ж", "бы", "б", "уж", "уже", "и", "тоже", "даже", "только", "всё", "все",
           "так", "еще", "ещё", "было", "вот", "теперь", "тогда", "сейчас", "давно", "никогда", "всегда"}


@functools.lru_cache(maxsize=50_000)
def _word_gender(word: str) -> str | None:
    """The gender a past verb or short adjective shows ("была" f, "рад" m);
    right after "я" only those readings count ("рада" is a noun too)."""
    genders = {p.tag.gender for p in parse_all(word.lower()) if p.tag.number == "sing" and (
        (p.tag.POS == "VERB" and p.tag.tense == "past") or p.tag.POS in ("ADJS", "PRTS")
        or (p.tag.POS == "ADJF" and p.normal_form == "сам"))}
    return {"masc": "m", "femn": "f"}.get(next(iter(genders))) if len(genders) == 1 else None


def speech_gender(text: str) -> set[str]:
    """Genders the speech gives its speaker: "я была" f, "я рад" m, "знала я" f.
    Quoted words are somebody else's."""
    text = _QUOTED.sub(" ", text)
    found = set()
    for m in _I.finditer(text):
        after = WORD.findall(text[m.end():m.end() + 60])
        before = WORD.findall(text[max(0, m.start() - 30):m.start()])[-1:]
        for w in after[:4]:
            if w.lower() in _I_SKIP:
                continue
            g = _word_gender(w)
            if g:
                found.add(g)
            break
        if before and re.match(r"\s*$", text[m.start() - 1:m.start()] if m.start() else ""):
            g = _word_gender(before[0])
            if g and parse_top(before[0].lower()).tag.POS == "VERB":
                found.add(g)
    return found


# ---------------------------------------------------------------- mentions

class MentionFinder:
    """Matches every case form of every alias (and the forms the names stage
    saw) to the characters they name."""

    def __init__(self, chars: list[Character], names: dict[str, dict], saved: dict | None = None):
        """`saved`: the index another stage wrote with to_json() for the same
        characters (building it inflects every alias, the slow part)."""
        self.form_chars: dict[str, set[str]] = defaultdict(set)
        self.form_groups: dict[str, set[str]] = defaultdict(set)
        if saved is not None:
            for form, (keys, groups) in saved.items():
                self.form_chars[form].update(keys)
                self.form_groups[form].update(groups)
            chars, names = [], {}
        index = alias_index(chars)
        for c in chars:
            # "Иван Алексеевич Огнев" is the Иван Алексеич the dialogs know
            for alias in c.aliases + [v for a in c.aliases for v in patronymic_variants(a) if v not in c.aliases]:
                for form, cases in inflections(alias).items():
                    self.form_chars[form].add(c.key)
                    self.form_groups[form].update(GROUP_OF_CASE.get(x, x) for x in cases)
        for form, info in names.items():
            group = _decided_group(info)
            keys = index.get(nominative(form, group).replace("ё", "е"), set()) or (
                _bare_stem(form, index) if group != "nomn" else set())
            if keys:
                self.form_chars[form].update(keys)
                self.form_groups[form].update(case_groups(form) if group is None else {group})
        # Word sequences, not one big regex: thousands of alternatives make a regex
        # slow, and the same paragraphs are searched several times.
        self.forms = {tuple(f.split()): (frozenset(k), frozenset(self.form_groups[f]))
                      for f, k in self.form_chars.items()}
        self.longest = max((len(k) for k in self.forms), default=0)
        self.firsts = {k[0] for k in self.forms if k[0][:1].isupper()}
        # Where a form can start: a word (as WORD finds them) opening with one of
        # the forms' first letters; the other words are never looked at.
        letters = "".join(sorted({w[0] for w in self.firsts}))
        self._starts = re.compile(r"(?<![^\W\d_])(?<![^\W\d_]-)(?=[" + re.escape(letters) + r"])" + WORD.pattern) \
            if letters else None
        self.find = functools.lru_cache(maxsize=50_000)(self._find)

    def to_json(self) -> dict:
        return {f: [sorted(k), sorted(self.form_groups[f])] for f, k in self.form_chars.items()}

    def _find(self, text: str) -> list[Mention]:
        """Whole words, case-sensitive, the longest form first (as names.build_matcher)."""
        out, skip_to = [], 0
        if self._starts is None:
            return out
        for m in self._starts.finditer(text):
            # only a capitalised word that opens some form starts a match
            if m.start() < skip_to or m.group(0) not in self.firsts:
                continue
            words, ends = [m.group(0)], [m.end()]
            while len(words) < self.longest:
                nxt = _NEXT_WORD.match(text, ends[-1])  # words of a form stand apart by spaces only
                if not nxt:
                    break
                words.append(nxt.group(1))
                ends.append(nxt.end())
            for n in range(len(words), 0, -1):
                hit = self.forms.get(tuple(words[:n]))
                if hit:
                    out.append(Mention(m.start(), ends[n - 1], *hit))
                    skip_to = ends[n - 1]
                    break
        return out


_NEXT_WORD = re.compile(r"\s+(" + WORD.pattern + ")")


# Яшвину, Яшвином: a surname's endings, and "ом" for one pymorphy does not know at all
_SURNAME_ENDS = tuple(dict.fromkeys([*SURNAME_CASE_ENDS.values(), "ом"]))


def _bare_stem(form: str, index: dict[str, set[str]]) -> set[str]:
    """An oblique form of a surname pymorphy does not inflect (Яшвину: Яшвин)."""
    for end in _SURNAME_ENDS:
        if form.endswith(end) and " " not in form:
            keys = index.get(form[:-len(end)].replace("ё", "е"))
            if keys:
                return keys
    return set()


def _decided_group(info: dict) -> str | None:
    groups = info.get("groups") or {}
    return max(groups.items(), key=lambda kv: kv[1])[0] if groups else None


# ---------------------------------------------------------------- remarks

def _verb_parse(word: str, first: bool):
    """The finite (indicative) verb reading of a remark word, or None."""
    parses = parse_all(word.lower())
    if not first:
        parses = parses[:1]
    return next((p for p in parses if p.tag.POS == "VERB" and p.tag.mood == "indc"), None)


def _gerund_tail(toks) -> bool:
    """A clause that goes on a gerund phrase: a relative clause (`которую она
    положила`) or another gerund (`и целуя ее`)."""
    first = toks[0][2].lower()
    return first.startswith("котор") or (first == "и" and len(toks) > 1
                                          and parse_top(toks[1][2].lower()).tag.POS == "GRND")


def _indeclinable_name(name: str) -> bool:
    """`Спаланцо`, `Бетси`: one form for every case (or a word pymorphy does not know)."""
    from .morph import get_known

    last = name.split()[-1].lower()
    return "Fixd" in parse_all(last)[0].tag or not get_known(last)


def _adverbial(toks) -> bool:
    """A phrase with no verb and nobody in the nominative, short or with a
    gerund in it: "с расстановкой, медленно проговорил умирающий", "не глядя на
    Долли и щурясь, сказала Анна" open with how, the verb comes after it."""
    gerund, oblique, prev = False, True, None
    for k, (_, _, w) in enumerate(toks):
        t = parse_top(w.lower()).tag
        governed = prev is not None and prev.POS == "PREP"  # "на Долли" is no subject
        if t.POS in ("VERB", "INFN") or not governed and (
                w[:1].isupper() and k or t.case == "nomn" and (t.POS == "NPRO" or "anim" in t)):
            return False  # a name or a person in the nominative may be the subject
        gerund |= t.POS == "GRND"
        oblique &= t.case not in ("nomn", "accs") or governed  # "но с чрезвычайною определенностью"
        prev = t
    return len(toks) <= 3 or gerund or oblique


def remark_subject(text: str, mentions: list[Mention], seg: int = 0) -> Subject | None:
    """The subject of the remark's first verb: a name, a personal pronoun or
    a noun, standing after the verb (`сказал Вася`) or before it (`Вася
    помахал`) within the first clause, and agreeing with it in gender and
    number."""
    begin = 0
    skipping = False
    for _ in range(4):
        m = _CLAUSE.search(text, begin)
        clause_end = m.start() if m else len(text)
        toks = [(t.start(), t.end(), t.group(0)) for t in WORD.finditer(text, begin, clause_end)]
        verb_i, verb = None, None
        for i, (_, _, w) in enumerate(toks):
            if w[:1].isupper() and i > 0:
                continue
            verb = _verb_parse(w, first=i == 0 and w[:1].islower())
            if verb is not None:
                verb_i = i
                break
        # "нахмурившись, сказал Сергей Иванович": a gerund phrase first, the verb after it
        # ("взяв руку, которую она положила на стол, и целуя ее, сказал Вронский": its
        # relative clause and a second gerund too)
        if not m or m.group(0) != "," or not toks or not (
                parse_top(toks[0][2].lower()).tag.POS == "GRND" or (skipping and _gerund_tail(toks))
                or (_ADVERBIAL_FIRST and verb is None and _adverbial(toks))):
            break
        if verb is not None and not (skipping and _gerund_tail(toks)):
            break
        skipping = True
        begin = m.end()
    if verb is None:
        return None
    vt = verb.tag
    if _REPORTED.match(text, clause_end) and len(toks) - verb_i <= 2:
        return None  # "она говорит, что Кити…": reported speech inside the line, no speech tag
        # ("сказал Левин и ужаснулся неприличию того, что…" is a tag)
    vgender = _GENDER.get(vt.gender) if vt.tense == "past" else None
    i_of = {t[0]: k for k, t in enumerate(toks)}
    by_start = {mn.start: mn for mn in mentions}
    by_end = {mn.end: mn for mn in mentions}
    vspan = (seg, toks[verb_i][0], toks[verb_i][1])

    def judge(a: int, b: int, w: str, mention: Mention | None) -> Subject | None | bool:
        """A Subject, False to skip the word, or None to stop looking."""
        if mention is not None:
            if "nomn" not in mention.groups:
                return False  # "сказал Маше Вася": an object
            if vt.number == "plur":
                return Subject("plural", span=(seg, a, b), verb=vspan)  # "сказали Катя и Аркадий"
            nxt = WORD.match(text, mention.end + 1) if text[mention.end:mention.end + 1] == " " else None
            if _OBJECT_NAME_BEFORE_NOUN and nxt is not None and nxt.start() in i_of and nxt.group(0).islower() and (
                    mention.groups != {"nomn"} or _indeclinable_name(text[mention.start:mention.end])):
                sub = _substantive(toks, i_of[nxt.start()], parse_all(nxt.group(0).lower()), vgender)
                if sub is not None and "anim" in sub.tag and sub.tag.POS == "NOUN" and sub.tag.number == "sing":
                    # "спросил Спаланцо епископ": the bishop asks him; the name is the object
                    return Subject("noun", gender=vgender or _GENDER.get(sub.tag.gender), lemma=sub.normal_form,
                                   span=(seg, nxt.start(), nxt.end()), verb=vspan)
            return Subject("name", mention.chars, vgender, span=(seg, mention.start, mention.end), verb=vspan)
        low = w.lower()
        if low in _PRONOUN_SUBJECT:
            g = _PRONOUN_SUBJECT[low]
            if vt.number == "plur" or (g in ("m", "f") and vgender and vgender != g):
                return None
            if g == "self" and vt.tense != "past":
                return None  # "кого я укажу": speech the dashes cut; the narrator's tags are past
            return Subject("self" if g == "self" else "pronoun", gender=g if g != "self" else vgender,
                           span=(seg, a, b), verb=vspan)
        if low in _PLURAL_SUBJECT:
            return Subject("plural", span=(seg, a, b), verb=vspan)
        if _VOICE_OF and low == "голос" and i_of[a] + 1 < len(toks):
            whose = by_start.get(toks[i_of[a] + 1][0])
            if whose is not None and "gent" in whose.groups and text[b:whose.start].isspace():
                # "сказал голос Кити": hers, whatever the verb's gender
                return Subject("name", whose.chars, None, span=(seg, whose.start, whose.end), verb=vspan)
        parses = parse_all(low)
        top = parses[0].tag
        sub = _substantive(toks, i_of[a], parses, vgender) if w[:1].islower() else None
        titled = by_start.get(toks[i_of[a] + 1][0]) if sub is not None and i_of[a] + 1 < len(toks) else None
        if titled is not None and titled.groups == {"nomn"} and text[b:titled.start].isspace():
            # (not an indeclinable name: "объявил епископ Спаланцо" tells Спаланцо)
            # "сказал мистер Астлей", "ответил доктор Старцев": the title of a name, not another person
            return Subject("name", titled.chars, vgender, span=(seg, titled.start, titled.end), verb=vspan)
        if sub is not None:
            if sub.tag.number == "plur" or vt.number == "plur":
                return Subject("plural", span=(seg, a, b), verb=vspan)
            g = _GENDER.get(sub.tag.gender)
            if vgender and g and g != vgender and "ms-f" not in sub.tag:
                return None
            return Subject("noun", gender=vgender or g, lemma=sub.normal_form, span=(seg, a, b), verb=vspan)
        if low == "было":
            return False  # "начал было генерал"
        if w[:1].isupper() and top.case == "nomn" and (top.POS == "NOUN" or (
                top.POS == "ADJF" and i_of[a] > 0 and (not vgender or _GENDER.get(top.gender) == vgender))):
            # A capitalised subject the names stage did not know (`сказал Кирилов`):
            # somebody speaks whom the kit cannot name.
            return Subject("name", gender=vgender, span=(seg, a, b), verb=vspan)
        if top.POS in ("ADVB", "PRCL", "CONJ", "PREP", "INTJ", "ADJF", "ADJS", "PRED") or (
                top.POS in ("NOUN", "NPRO") and top.case != "nomn"):
            return False
        if top.POS == "INFN" and _INFINITIVE_AFTER and a > toks[verb_i][0] and vt.tense == "past":
            return False  # "не утерпела не сказать Анна Андреевна": the subject after the infinitive
        if top.POS == "VERB" or top.POS == "INFN":
            return None
        return False

    def before():
        for i in range(verb_i - 1, max(-1, verb_i - 4), -1):
            a, b, w = toks[i]
            mention = by_end.get(b)
            r = judge(a, b, w, mention)
            if r is None or isinstance(r, Subject):
                return r
        return None

    def after():
        i, skipped = verb_i + 1, 0
        while i < len(toks) and skipped < _AFTER_SKIP:
            a, b, w = toks[i]
            mention = by_start.get(a)
            r = judge(a, b, w, mention)
            if r is None or isinstance(r, Subject):
                return r
            skipped += 1
            i += 1
            if mention is not None:
                while i < len(toks) and toks[i][0] < mention.end:
                    i += 1
        return None

    def past_gerund():
        # "вскричал, махнув рукой, Де-Грие": the subject after a gerund phrase
        if not (_SUBJECT_PAST_GERUND and verb_i == len(toks) - 1 and m and m.group(0) == ","):
            return None
        g = WORD.search(text, m.end())
        if g is None or text[m.end():g.start()].strip():
            return None
        if _ADVERB_GERUND and parse_top(g.group(0).lower()).tag.POS == "ADVB":
            g2 = WORD.search(text, g.end())  # "сказала, вдруг оживляясь, Наташа"
            if g2 is not None and not text[g.end():g2.start()].strip():
                g = g2
        if parse_top(g.group(0).lower()).tag.POS != "GRND":
            return None
        end = _CLAUSE.search(text, g.end())
        if end is None or end.group(0) != "," or len(WORD.findall(text, g.start(), end.start())) > 8:
            return None
        w = WORD.search(text, end.end())
        if w is None or text[end.end():w.start()].strip():
            return None
        mention = by_start.get(w.start())
        after_subject = text[mention.end if mention else w.end():].lstrip()[:1]
        if after_subject not in ("", ",", ".", ";", "!", "?", "…"):
            return None  # "…, Анна взяла его руку": a new clause with its own verb
        if mention is not None:
            return judge(w.start(), mention.end, w.group(0), mention) or None
        toks.append((w.start(), w.end(), w.group(0)))
        i_of[w.start()] = len(toks) - 1
        r = judge(w.start(), w.end(), w.group(0), None)
        return r if isinstance(r, Subject) and r.kind in ("noun", "pronoun") else None

    # "сказал Вася" inverts; "зоолог взял Самойленко за рукав" does not: with
    # words before the verb, the subject is looked for there first.
    found = ((before() or after()) if verb_i > 0 else after()) or past_gerund()
    if found is not None:
        found.verb_lemma = verb.normal_form
    if found is not None and verb.normal_form in _HEARING:
        # "— …! — слышит Очумелов": the one who hears, not the one who speaks.
        return Subject("other", span=found.span, verb=found.verb)
    return found


# Verbs of adding to one's own words.
_ADDING = {"прибавить", "прибавлять", "добавить", "добавлять"}
# Verbs whose subject hears the line rather than says it.
_HEARING = {"слышать", "услышать", "расслышать", "подслушать", "прислушаться", "прислушиваться", "услыхать", "слыхать",
            "заслышать"}
# Verbs of the author's words before a colon whose subject reads or recalls what
# somebody else said: "Он прочёл:", "он вспомнил слова отца:".
_NOT_SAYING = _HEARING | {"читать", "прочитать", "прочесть", "вспомнить", "вспоминать", "припомнить",
                          "услыхать", "слыхать", "послышаться", "слышаться", "раздаться", "раздаваться"}
_LAST_SENTENCE = re.compile(r"[.!?…;:][»”\")]*\s+")
_SEGMENT = re.compile(r"[,()—–]|\s-\s")
# A comma segment opening with one of these is a subordinate clause: "Заметив,
# что он не спит, она спросила:" -- "он" is not who asks.
_SUBORDINATE = {"что", "чтобы", "чтоб", "когда", "как", "где", "куда", "откуда", "если", "пока", "хотя", "будто",
                "словно", "точно", "потому", "оттого", "ибо", "чем", "который", "которая", "которое", "которые",
                "которого", "которой", "которому", "которым", "котором", "которую", "которых", "которыми", "чей",
                "чья", "чьё", "чье", "чьи", "кто", "кого", "кому", "кем"}


def intro_subject(paragraph: str, finder: "MentionFinder") -> tuple[Subject, set[str]] | None:
    """The speaker of the author's words that end with a colon right before a
    dialog (`Пава стал в позу, поднял вверх руку и проговорил трагическим
    тоном:`, `он лениво потягивался и говорил:`, `сказал Екатерине Ивановне
    шепотом:`), and the people the words say it to. The subject of the last
    finite verb of the last sentence: right after the verb, or the nearest
    person before it in the same sentence outside subordinate clauses."""
    text = paragraph.rstrip()
    if not text.endswith(":"):
        return None
    body = text[:-1]
    start = max((m.end() for m in _LAST_SENTENCE.finditer(body)), default=0)
    toks = [(t.start(), t.end(), t.group(0)) for t in WORD.finditer(body, start)]
    verb_i, verb = None, None
    for i in range(len(toks) - 1, -1, -1):
        w = toks[i][2]
        if w[:1].isupper() and i > 0:
            continue
        verb = _verb_parse(w, first=False)
        if verb is not None:
            verb_i = i
            break
    if verb is None:
        return None
    v0 = toks[verb_i][0]
    tail = body[v0:]
    tail_mentions = finder.find(tail)
    subj = remark_subject(tail, tail_mentions)
    if subj is not None and subj.span is not None:
        subj.span = (-1, v0 + subj.span[1], v0 + subj.span[2])
        subj.verb = None
    if subj is None:
        subj = _subject_before(body, toks[:verb_i], v0, verb, finder.find(body))
    if subj is None:
        return None
    if verb.normal_form in _NOT_SAYING:
        return Subject("other"), set()
    addressees = remark_addressees(tail, tail_mentions, None)
    return subj, addressees


def _unknown_person(low: str) -> bool:
    """A capitalised nominative word inside a sentence that may be a person's name."""
    from .morph import get_known, has_name_tag

    t = parse_top(low).tag
    return t.POS == "NOUN" and t.case == "nomn" and ("anim" in t or has_name_tag(t) or not get_known(low))


def _subject_before(body: str, toks: list, vstart: int, verb, mentions: list[Mention]) -> Subject | None:
    """The nearest person before the verb that can be its subject, looking
    back to the sentence start and skipping subordinate comma segments."""
    from .morph import has_name_tag

    vt = verb.tag
    vgender = _GENDER.get(vt.gender) if vt.tense == "past" else None
    by_end = {mn.end: mn for mn in mentions}
    if not toks:
        return None
    if vt.number == "plur":
        return Subject("plural")  # "Катя и Аркадий сказали:"

    # comma segments: the index of the token that opens each
    seg_of, seg_first, seg = [], {}, 0
    for i, (a, _, _) in enumerate(toks):
        if i and _SEGMENT.search(body, toks[i - 1][1], a):
            seg += 1
        seg_of.append(seg)
        seg_first.setdefault(seg, i)
    last = seg_of[-1] if _SEGMENT.search(body, toks[-1][1], vstart) is None else None

    def subordinate(s: int) -> bool:
        if s == last:
            return False  # the verb's own segment
        w = toks[seg_first[s]][2].lower()
        if w in _SUBORDINATE:
            return True
        top = parse_top(w).tag
        return top.POS in ("GRND", "PRTF", "PRTS")

    i = len(toks) - 1
    while i >= 0:
        a, b, w = toks[i]
        if subordinate(seg_of[i]):
            i -= 1
            continue
        mention = by_end.get(b)
        if mention is not None:
            if "nomn" in mention.groups:
                return Subject("name", mention.chars, vgender, span=None, verb=None)
            while i >= 0 and toks[i][0] >= mention.start:
                i -= 1
            continue
        low = w.lower()
        if low in _PRONOUN_SUBJECT:
            g = _PRONOUN_SUBJECT[low]
            if vt.number == "plur":
                return None
            if g == "self":
                if vt.person == "1per" or vt.tense == "past" and vt.person is None:
                    return Subject("self", gender=vgender)
            elif not vgender or vgender == g:
                return Subject("pronoun", gender=g, span=(-1, a, b))
        elif low in _PLURAL_SUBJECT:
            return Subject("plural")
        else:
            # Only a noun whose likeliest reading is an animate nominative: a long
            # look-back passes objects and appositions ("свои кулаки", "постаревшая").
            top = parse_top(low)
            t = top.tag
            if (i == 0 or w[:1].islower()) and t.POS == "NOUN" and "anim" in t and t.case == "nomn" \
                    and not has_name_tag(t):
                g = _GENDER.get(t.gender)
                if vt.number == "plur":
                    return Subject("plural")
                if t.number == "sing" and not (vgender and g and g != vgender and "ms-f" not in t):
                    return Subject("noun", gender=vgender or g, lemma=top.normal_form, span=(-1, a, b))
            elif i > 0 and w[:1].isupper() and _unknown_person(low):
                return Subject("name", gender=vgender)  # somebody the kit cannot name
        i -= 1
    return None


def _substantive(toks, i: int, parses, gender: str | None = None):
    """The reading of an animate noun in the nominative (`слуга`, `князь`), or
    of an adjective or participle standing for one (`городовой`, `толстый`,
    `вошедший`: no noun after it); None. pymorphy may rank a rare reading
    first (`городовой` as the surname Городовая), so any likely one counts."""
    if is_function_word(toks[i][2].lower()):
        return None  # "уж не знаю": the particle, not the grass snake
    nxt = parse_top(toks[i + 1][2].lower()).tag if i + 1 < len(toks) else None
    for p in parses:
        t = p.tag
        if t.case != "nomn" or "Surn" in t or "Name" in t or "Patr" in t:
            continue
        if p.score < 0.1 and not (gender and "Subx" in t and _GENDER.get(t.gender) == gender):
            continue  # (a rare reading the verb agrees with: "проговорил больной", masculine)
        if t.POS == "NOUN" and "anim" in t:
            return p
        if t.POS in ("ADJF", "PRTF") and t.number == "sing" and (nxt is None or nxt.POS not in ("NOUN", "ADJF")):
            return p
    return None


_REPORTED = re.compile(r",?\s*(?:что|чтобы|чтоб|будто)\s", re.I)

_ADDRESS_VERBS = {"сказать", "говорить", "ответить", "отвечать", "крикнуть", "кричать", "шепнуть", "шептать",
                  "заметить", "бросить", "проговорить", "пробормотать", "возразить", "повторить", "подмигнуть",
                  "кивнуть", "улыбнуться", "велеть", "приказать", "сообщить", "объяснить", "посоветовать",
                  "предложить", "напомнить", "признаться", "пожаловаться", "пообещать", "обещать", "возражать",
                  "закричать", "прошептать", "замечать", "объявить"}
# The one asked or called: "спросил он Савку", "спрашивает у Гусева", "окликнул Аркадия".
_ASKING_VERBS = {"спросить", "спрашивать", "переспросить", "переспрашивать", "расспрашивать", "допрашивать",
                 "окликнуть", "окликать", "перебить", "перебивать", "остановить", "останавливать"}
_ANSWERING = {"ответить", "отвечать"}
_QUESTION_VERBS = {"спросить", "спрашивать", "переспросить", "переспрашивать"}


def asker_of(paragraph: str, finder: "MentionFinder") -> str | None:
    """The one a narration paragraph says asked something, by name, in its
    last sentence that asks, when it does not end with a colon (then the
    question follows): "Но Вронский спросил, не продается ли картина. Для
    Михайлова …" -> Вронский."""
    text = paragraph.rstrip()
    if text.endswith(":") or not any(v in text for v in ("спрос", "спраш")):
        return None
    bounds = [0, *(m.end() for m in _LAST_SENTENCE.finditer(text)), len(text)]
    for a, b in reversed(list(zip(bounds, bounds[1:]))):
        sentence = text[a:b]
        subj = remark_subject(sentence, finder.find(sentence))
        if subj is not None and subj.verb_lemma in _QUESTION_VERBS:
            return next(iter(subj.chars)) if subj.kind == "name" and len(subj.chars) == 1 else None
    return None


_TOWARDS = re.compile(r"(?:^|\s)(?:к|ко)\s+$")
# "к Аркадию" names the addressee after turning or coming to him; after "поехал",
# "вернулся", "встала" or "почтение" it is where somebody goes or what they feel.
_TOWARDS_VERBS = {"обратиться", "обращаться", "повернуться", "поворачиваться", "обернуться", "оборачиваться",
                  "подойти", "подходить", "подсесть", "подсаживаться", "присесть", "присаживаться",
                  "приблизиться", "приближаться", "наклониться", "наклоняться", "нагнуться", "нагибаться",
                  "придвинуться", "придвигаться", "прижаться", "прижиматься", "броситься", "бросаться",
                  "кинуться", "кидаться", "подбежать", "подбегать", "подскочить", "пристать", "приставать"}


def _asked(text: str, mn: Mention) -> bool:
    """`спросил он Савку`, `спрашивает Павел Иваныч у Гусева`, `окликнула она Машу`."""
    for w in reversed(WORD.findall(text[max(0, mn.start - 60):mn.start])[-4:]):
        p = parse_top(w.lower())
        if p.normal_form in _ASKING_VERBS:
            return True
        if not (w == "у" or (p.tag.POS == "NPRO" and p.tag.case == "nomn") or p.tag.POS in ("ADVB", "PRCL")
                or w[:1].isupper()):
            return False
    return False


def remark_addressees(text: str, mentions: list[Mention], subject: Subject | None) -> set[str]:
    """`сказал он Аркадию`, `обратился к Аркадию`, `оборачиваясь к сыну`, `спросил он Савку`."""
    out = set()
    # The remark's first sentence: "…глаза. И, хотя он и обещал Алексею Александровичу…" is narration.
    first = len(re.split(r"(?<=[.!?…])\s+(?=[А-ЯЁ])", text, maxsplit=1)[0])
    for mn in mentions:
        if len(mn.chars) != 1 or mn.start > first:
            continue
        if subject is not None and subject.span and subject.span[1] == mn.start:
            continue
        if "datv" not in mn.groups:
            if _ASKED and "gent" in mn.groups and "nomn" not in mn.groups and _asked(text, mn) and not (
                    subject is not None and subject.chars and mn.chars <= subject.chars):
                out |= mn.chars
            continue
        if subject is not None and subject.verb and subject.verb[2] < mn.start and any(
                _verb_parse(w, first=False) for w in WORD.findall(text[subject.verb[2]:mn.start])):
            continue  # "отвечал Левин и велел Кузьме подавать": Кузьма is told something else
        if _TOWARDS.search(text, max(0, mn.start - 5), mn.start):
            verbs = [p for p in map(parse_top, (w.lower() for w in WORD.findall(text[:mn.start])[-4:-1]))
                     if p.tag.POS in ("VERB", "INFN", "GRND")]
            if verbs and verbs[-1].normal_form in _TOWARDS_VERBS:
                out |= mn.chars
            continue
        before = WORD.findall(text[:mn.start])[-2:]
        for w in reversed(before):
            p = parse_top(w.lower())
            if p.normal_form in _ADDRESS_VERBS:
                out |= mn.chars
                break
            if not (p.tag.POS == "NPRO" and p.tag.case == "nomn") and p.tag.POS not in ("ADVB", "PRCL") \
                    and not w[:1].isupper():  # "сказала Катя Аркадию": the subject stands between
                break
    return out


_TOWARDS_NOUN = re.compile(r"(?:^|\s)(?:к|ко)\s+([а-яё]+)(?![\w-])")


def turns_to_unnamed(text: str) -> bool:
    """The remark's first sentence turns to a person it names by a noun only
    (`обратился он к татарину`, `подходя к лакею`): the line is said to that
    person, not to the other one of a talk of two."""
    first = re.split(r"(?<=[.!?…])\s+(?=[А-ЯЁ])", text, maxsplit=1)[0]
    for m in _TOWARDS_NOUN.finditer(first):
        t = parse_top(m.group(1)).tag
        if t.POS != "NOUN" or "anim" not in t or t.case != "datv":
            continue
        verbs = [p for p in map(parse_top, (w.lower() for w in WORD.findall(first[:m.start(1)])[-4:-1]))
                 if p.tag.POS in ("VERB", "INFN", "GRND")]
        if verbs and verbs[-1].normal_form in _TOWARDS_VERBS:
            return True
    return False


# ---------------------------------------------------------------- speech

def noun_calls(chars: dict[str, Character]):
    """The words of the characters a noun names (`бабушка`, `генерал`), for
    calls: (pattern, word -> key), or None when there are none. Build it once
    per characters table and pass it to analyse()."""
    words = {a.lower(): c.key for c in chars.values() for a in c.aliases if a[:1].islower() and " " not in a}
    if not words or not _NOUN_VOCATIVES:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")(?![\w-])",
                      re.I), words


def noun_vocatives(segments, i: int, text: str, nouns) -> set[str]:
    """Characters called by the noun the book names them with (`— Нет,
    бабушка, не проиграете`); `nouns`: noun_calls()."""
    from .time_replace import Replacer, _sentence_start

    pattern, words = nouns
    return {words[m.group(1).lower()] for m in pattern.finditer(text)
            if Replacer._vocative(text, m.start(), m.end(), _sentence_start(segments, i, text, m.start())) is not None}


def speech_vocatives(segments, i: int, text: str, mentions: list[Mention]) -> set[str]:
    """Characters called by name in a speech segment (an address set off by
    commas, opening or closing a sentence)."""
    from .time_replace import _POSSESSIVE_APPOSITION, Replacer, _apposition, _sentence_start, _subject_after_comma

    out = set()
    for mn in mentions:
        if len(mn.chars) != 1 or "nomn" not in mn.groups:
            continue
        if _apposition(text, mn.start) or _POSSESSIVE_APPOSITION.match(text, mn.end):
            continue  # "его сын, Алеша, хотел": who the noun is, not whom one speaks to
        if text.count("«", 0, mn.start) > text.count("»", 0, mn.start):
            continue  # "«Купи, Макарыч, дом!» — говорила покойница": a call the speaker quotes
        lo = max((m.end() for m in _SENTENCE_END.finditer(text, 0, mn.start)), default=0)
        hi = next((m.start() for m in _SENTENCE_END.finditer(text, mn.end)), len(text))
        if _RETOLD.search(text, lo, hi):
            continue  # "Сколько надо было, Василий Данилыч, столько, говорю, и пошло": a retold talk
        starts = _sentence_start(segments, i, text, mn.start)
        if starts and _subject_after_comma(segments, i, text, mn.start, mn.end, "me", text[mn.start:mn.end]) \
                not in (None, "keep"):
            continue  # "Маслобоев, кажется, ей не противоречит": the subject, not a call
        if Replacer._vocative(text, mn.start, mn.end, starts) is not None or (
                text[mn.end:].lstrip()[:1] == "!" and text[:mn.start].rstrip()[-1:] in (",", "")):
            out |= mn.chars
    return out


# ---------------------------------------------------------------- dialogs

# "…, говорю, …": the speaker retells a talk; its calls are not to the listener
_RETOLD = re.compile(r",\s*(?:говорю|говорит|говорил|говорила|говорит-де|кричу|кричит|думаю)\s*,", re.I)

_ANIMATE_WORD = re.compile(r"(?<![\w-])[а-яё]+(?![\w-])")
# A capitalised noun opening a sentence is a common noun too: "Чёрт сконфузился", "Доктор вошёл".
_SENTENCE_NOUN = re.compile(r"(?:^|[.!?…]\s+|[—–]\s*)[«\"„(]?([А-ЯЁ][а-яё]+)(?![\w-])")


def people_in(text: str, mentions: list[Mention], ties: dict[str, str], subjects: bool = False) -> list[str]:
    """Who a text speaks of, in order: characters by name, and people named by
    a noun (`доктор`, `дама`) as "~lemma|gender". The nouns compete with the
    names when a pronoun is resolved: "он" after "доктор вошёл к Абогину" may
    be the doctor, whom the kit cannot name."""
    quoted = [q.span() for q in _QUOTED.finditer(text)] if subjects and _CONTEXT_SKIPS_QUOTES else []
    found = [(mn.start, next(iter(mn.chars))) for mn in mentions
             if len(mn.chars) == 1 and not (subjects and ("nomn" not in mn.groups or _governed(text, mn)))
             and not any(a <= mn.start < b and not _AUTHOR_INSIDE.search(text, a, mn.start) for a, b in quoted)]
    # (names in «…» are somebody's thoughts or words, nobody present; but in "«…! — злился
    # Зельтерский. — …»" the author's words inside the quotes name the thinker)
    named = [(mn.start, mn.end) for mn in mentions]
    words = [(m.start(), m.group(0)) for m in _ANIMATE_WORD.finditer(text)]
    words += [(m.start(1), m.group(1).lower()) for m in _SENTENCE_NOUN.finditer(text)
              if not any(a <= m.start(1) < b for a, b in named)]
    # "Проводница Зоя", "старик Тимур Ильич": a noun before a name is that person, not another one.
    before_name = {text[:a].rstrip() for a, _ in named}
    for start, word in words:
        if text[:start + len(word)] in before_name:
            continue
        person = _animate_noun(word) or _title(word)
        if person and subjects and _NOUN_SUBJECTS and not _may_be_nominative(word):
            continue  # "ручку цирюльника": nobody who acts, as for the names
        if person:
            lemma, gender = person
            found.append((start, ties.get(lemma) or f"~{lemma}|{gender}"))
    if subjects:
        # sentence ends, for the recency rule: "вышли бабушка и Зоя" names both in one breath
        found += [(m.start(), SENTENCE_END) for m in _SENTENCE_END.finditer(text)] + [(len(text), SENTENCE_END)]
    return [c for _, c in sorted(found)]


def _governed(text: str, mn: Mention) -> bool:
    """A name that cannot be a subject by the word before it, though its own
    form may be a nominative (an indeclinable `Бетси`): a preposition (`для
    Бетси`), or a title in an oblique case it may stand in apposition to
    (`Муж княгини Бетси`; not `рядом с губернаторшей Анна Алексеевна`)."""
    if not _GOVERNED_NAMES:
        return False
    m = prev_word(text, mn.start)
    if m is None:
        return False
    w = m.group(1).lower()
    if w in PREP_GROUPS:
        return True
    person = _title(w) or _animate_noun(w)
    return person is not None and len(mn.groups) > 1 and not _may_be_nominative(w)


SENTENCE_END = "."
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s)")


# "его сиятельство", "ваше благородие": a title that stands for a person of either gender.
_TITLES = set("""сиятельство превосходительство высокопревосходительство благородие высокоблагородие высокородие
    величество высочество преосвященство высокопреосвященство святейшество светлость степенство""".split())


@functools.lru_cache(maxsize=200_000)
def _may_be_nominative(word: str) -> bool:
    from .morph import get_morph

    return any(t.case == "nomn" and t.number == "sing" for t in get_morph().tag(word))


_TITLE_STEM = re.compile(r"(?:высоко)?(?:сиятельств|превосходительств|благороди|величеств|высочеств|"
                         r"преосвященств|святейшеств|светлост|степенств|высокороди)")


@functools.lru_cache(maxsize=50_000)
def _title(word: str) -> tuple[str, str] | None:
    if not _TITLE_STEM.match(word):
        return None  # most words: no parse needed
    lemma = parse_top(word).normal_form
    return (lemma, "?") if lemma in _TITLES else None


@functools.lru_cache(maxsize=200_000)
def _animate_noun(word: str) -> tuple[str, str] | None:
    """(lemma, m/f) of a singular animate noun; tags first, as full parses of
    every narration word are slow."""
    from .morph import get_morph, has_name_tag

    tag = get_morph().tag(word)[0]
    if tag.POS != "NOUN" or "anim" not in tag or tag.number != "sing" or tag.gender not in _GENDER:
        return None
    if _PERSON_NOUNS_ONLY:
        # "пол" read as the name Пол, "кулак" that is a fist, "лошадь": no person the pronoun may stand for.
        parses = parse_all(word)
        if has_name_tag(parses[0].tag) or parses[0].normal_form in _NON_PERSON or sum(
                p.score for p in parses if p.tag.POS == "NOUN" and "anim" not in p.tag) >= 0.4:
            return None
    return parse_top(word).normal_form, _GENDER[tag.gender]


_GENERIC_PEOPLE = set("""женщина мужчина""".split())  # a woman, a man: somebody the book has named, as a rule
# Animate nouns that name no person (animals, gods and spirits).
_NON_PERSON = set("""бог господь господи божество чёрт черт дьявол бес демон ангел сатана лошадь лошадка конь конёк
    жеребец кобыла кляча мерин собака собачка собачонка пёс пес щенок кошка кот котёнок котенок птица птичка лев
    львица тигр самец самка зверь зверёк животное скотина корова бык телёнок теленок волк медведь мышь крыса муха
    комар рыба рыбка гусь курица петух свинья овца баран заяц лиса лисица ворона галка соловей воробей голубь утка
    индюк осёл осел лягушка змея жук паук таракан клоп вошь блоха червь червяк""".split()) | _GENERIC_PEOPLE
_PERSON_NOUNS_ONLY = True


def analyse(dialog, finder: MentionFinder, chars: dict[str, Character], ties: dict[str, str],
            intro: str | None = None, nouns=None) -> list[ReplicaInfo]:
    """`intro`: the narration paragraph right before the dialog; when it ends
    with a colon, its speaker is the first line's (unless the line's own
    remark names somebody). `nouns`: noun_calls(chars), for calls by a noun."""
    out = []
    for segments in dialog:
        info = ReplicaInfo()
        genders: set[str] = set()
        for i, (kind, text) in enumerate(segments):
            mentions = finder.find(text)
            if kind == "s":
                if _SPEECH_GENDER:
                    genders.update(speech_gender(text))
                info.vocatives |= speech_vocatives(segments, i, text, mentions)
                if nouns:
                    info.noun_vocatives |= noun_vocatives(segments, i, text, nouns)
                info.plural_address |= bool(_PLURAL_VOCATIVE.search(text))
                continue
            info.remark_chars += people_in(text, mentions, ties)
            subj = remark_subject(text, mentions, i)
            if _UNKNOWN_BLOCKS and subj is not None and subj.kind == "name" and not subj.chars:
                info.remark_chars.append(f"~?|{subj.gender or '?'}")  # "сказал Бартнянский": somebody unnamed
            info.remark_addressees |= remark_addressees(text, mentions, subj)
            info.addresses_other |= turns_to_unnamed(text)
            if subj is None:
                continue
            if info.subject is None:
                info.subject = subj
            elif info.subject.kind == "pronoun" and subj.kind == "name" and info.subject.gender in (None, subj.gender):
                info.subject = subj  # "— …, — сказала она. — …, — сказала Анна": the name says who "она" is
            elif _NOUN_AFTER_NAME and info.subject.kind == "name" and subj.kind == "noun" and (
                    ties.get(subj.lemma) is None or ties.get(subj.lemma) in info.subject.chars):
                pass  # "— говорит Очумелов … — обращается надзиратель": a noun after the name is him (or speech)
            elif _differ(info.subject, subj):
                info.conflict = True
        info.speech_gender = next(iter(genders)) if len(genders) == 1 else None
        out.append(info)
    if _INTRO and intro and out and out[0].subject is None and not out[0].conflict:
        found = intro_subject(intro, finder)
        if found is not None:
            s, to = found
            first = out[0]
            first.subject, first.intro = s, True
            first.remark_addressees |= to
            first.remark_chars += sorted(to)
            if s.kind == "pronoun" and s.span is not None:
                # "…понял Матвей, но он сказал только:": the one person of that
                # gender the same paragraph names before the pronoun.
                before = intro[:s.span[1]]
                people = people_in(before, finder.find(before), ties, subjects=True)
                cands = {c for c in people if c in chars and chars[c].gender == s.gender} - to
                if len(cands) == 1 and not any(_blocks(c, s.gender) or _unsure_gender(c, chars, to) for c in people):
                    first.intro_person = cands.pop()
    return out


def _differ(a: Subject, b: Subject) -> bool:
    if a.kind == "name" and b.kind == "name":
        return a.chars != b.chars
    return a.kind in ("name", "noun") and b.kind in ("name", "noun") and a.lemma != b.lemma


def _gender_ok(char: Character | None, gender: str | None) -> bool:
    return char is not None and (gender is None or char.gender in ("?", gender))


def _unsure_gender(c: str, chars: dict, banned: set) -> bool:
    """A character of unknown gender nearby (`Сафо`) may be the "он"/"она": no guess past them."""
    return _UNSURE_GENDER_BLOCKS and c in chars and chars[c].gender == "?" and c not in banned


def _noun_person(c: str, gender: str | None) -> bool:
    return c.startswith("~") and (gender is None or c.endswith("|" + gender) or c.endswith("|?"))


def _blocks(c: str, gender: str | None) -> bool:
    """A person named by a noun who may be the "он"/"она" (and the kit cannot name)."""
    return _noun_person(c, gender) and (_KIN_NOUNS_BLOCK or c[1:].split("|")[0] not in _KIN)


@dataclass
class DialogState:
    infos: list[ReplicaInfo]
    context: list[str]                      # people the narration before it speaks of, oldest first
    spk: list[str | None] = field(default_factory=list)
    how: list[str | None] = field(default_factory=list)
    index: int = -1                         # the dialog's place in dialogs.jsonl
    prev: "DialogState | None" = None       # the dialog before, if no more narration than the window parts them
    ties: dict[str, str] = field(default_factory=dict)  # the nouns tied to a character in this dialog's text
    gap: int | None = None                  # narration paragraphs since the dialog before (None: the text starts)
    inherited: set[str] | None = None       # the two of the talk just before, carried on (see _CONTINUE_GAP)
    far_source: tuple | None = None         # what `far` is read from, lazily
    narrator_near: bool = False             # the window's narration speaks in the first person ("ко мне")
    near_he_she: frozenset = frozenset()    # genders of "он"/"она" in that narration
    asker: str | None = None                # who that narration's last sentence says asked ("Вронский спросил, …")
    pair_limit: int | None = None           # lines from here on are not the talk of two (see prefix_pair)

    def __post_init__(self):
        self.spk = self.spk or [None] * len(self.infos)
        self.how = self.how or [None] * len(self.infos)
        self._far: list[str] | None = None

    @property
    def far(self) -> list[str]:
        """People of the narration before the window (_FAR_WINDOW), read on first use."""
        if self._far is None:
            self._far = []
            if self.far_source is not None:
                pars, ties, finder, cache, key = self.far_source
                for p in pars:
                    if (key, p) not in cache:
                        cache[key, p] = people_in(p, finder.find(p), ties, subjects=_CONTEXT_SUBJECTS)
                    self._far += cache[key, p]
        return self._far

    @far.setter
    def far(self, value: list[str]) -> None:
        self._far = list(value)


def attribute(infos: list[ReplicaInfo], context: list[str], chars: dict[str, Character],
              noun_ties: dict[str, str]) -> tuple[list, list, list]:
    """Speakers, how, addressees for one dialog on its own (a scene of one)."""
    d = DialogState(infos, context)
    attribute_scene([d], chars, noun_ties)
    return d.spk, d.how, scene_addressees([d], chars)[0]


def attribute_scene(scene: list[DialogState], chars: dict[str, Character], noun_ties: dict[str, str],
                    narrator: str | None = None) -> None:
    """Fills spk/how of the dialogs of one scene (dialogs parted by a short
    narration). `narrator`: the character the first-person narrator is, if
    known; until then "я" is NARRATOR, a participant with no name."""
    me = narrator or NARRATOR
    for d in scene:
        for i, info in enumerate(d.infos):
            s = info.subject
            if s is None or info.conflict:
                continue
            if s.kind == "name" and len(s.chars) == 1:
                key = next(iter(s.chars))
                if _gender_ok(chars.get(key), s.gender):
                    d.spk[i], d.how[i] = key, "remark"
            elif s.kind == "noun" and s.lemma in noun_ties:
                key = noun_ties[s.lemma]
                if _gender_ok(chars.get(key), s.gender):
                    d.spk[i], d.how[i] = key, "noun"
            elif s.kind == "self":
                d.spk[i], d.how[i] = me, "pronoun"
            elif s.kind == "pronoun" and info.intro_person and _gender_ok(chars.get(info.intro_person), s.gender):
                d.spk[i], d.how[i] = info.intro_person, "pronoun"
    for _ in range(4):
        two = scene_pair(scene, chars, me)
        if two is None and _PREFIX_PAIR and len(scene) == 1:
            two, scene[0].pair_limit = prefix_pair(scene[0], chars, me)
        changed = False
        for d in scene:
            changed |= _pronouns(d, chars, two, me)
            changed |= _turns(d, chars, two)
        if not changed:
            break


def attribute_book(scenes: list[list[DialogState]], chars: dict[str, Character], narrator: str | None = None) -> None:
    """Attributes the scenes in order; a talk of two goes on into the next
    dialog when only a short narration that names nobody else parts them."""
    pair = None
    for scene in scenes:
        first = scene[0]
        first.inherited = pair if (
            pair and _CONTINUE_GAP and first.gap is not None and first.gap <= _CONTINUE_GAP
            and all(c == SENTENCE_END or c in pair for c in first.context)) else None
        attribute_scene(scene, chars, first.ties, narrator)
        pair = scene_pair(scene, chars, narrator or NARRATOR)


def _trace_path(d: "DialogState", i: int, path: str) -> None:
    if _TRACE is not None:
        _TRACE[("path", d.index, i)] = path


def _first_pronoun(d: DialogState) -> int:
    return next((i for i, x in enumerate(d.infos) if x.subject is not None and x.subject.kind == "pronoun"), -1)


def _pronouns(d: DialogState, chars, two: set[str] | None, me: str = NARRATOR) -> bool:
    """`— ответил он`: the one person of that gender it can be."""
    changed = False
    seen: list[str] = list(d.context)
    for i, info in enumerate(d.infos):
        s = info.subject
        if d.spk[i] is None and s is not None and s.kind == "pronoun" and not info.conflict:
            prev = d.spk[i - 1] if i else None
            if _ADDS and prev in chars and s.verb_lemma in _ADDING and _gender_ok(chars[prev], s.gender) \
                    and chars[prev].gender != "?" and prev not in info.vocatives | set(info.remark_chars):
                # "— …, — прибавила она" right after her own line: she goes on.
                d.spk[i], d.how[i] = prev, "pronoun"
                _trace_path(d, i, "adds")
                changed = True
                seen.extend(info.remark_chars)
                seen.append(prev)
                continue
            # "он" is never the one who tells the story in the first person.
            banned = {prev, NARRATOR, me} | info.vocatives | info.noun_vocatives | set(info.remark_chars)
            if i == 0 and d.asker and s.verb_lemma in _ANSWERING:
                banned.add(d.asker)  # "Но Вронский спросил, не продается ли картина. — …, — отвечал он"
            if _NEXT_BANNED and i + 1 < len(d.infos) and d.how[i + 1] in ("remark", "noun") and not (
                    prev in chars and _gender_ok(chars[prev], s.gender)):
                banned.add(d.spk[i + 1])  # a new paragraph is a new speaker
            called = {c for c in (d.infos[i - 1].vocatives if i else set())
                      if c in chars and c not in banned and _gender_ok(chars[c], s.gender) and chars[c].gender != "?"}
            path = "window"
            if _CALLED_ANSWERS and len(called) == 1 and not (_CALLED_NOT_TURNING and info.addresses_other):
                # "— Маша, ты где? — Здесь, — ответила она": the one just called answers.
                cands, nouns = called, set()
                path = "called"
            elif two is not None and (d.pair_limit is None or i < d.pair_limit):
                # In a two-person scene: the one of the pair it fits.
                path = "pair"
                fit = {p for p in two if p == NARRATOR or _gender_ok(chars.get(p), s.gender)}
                if _PAIR_GENDER and len(fit) == 1 and not fit & (info.vocatives | {NARRATOR, me}):
                    # A man and a woman: "сказала она" is the woman even right after her own line.
                    cands = fit
                else:
                    cands = fit - banned
                if _PAIR_WINDOW and len(cands) > 1:
                    # Two men talk, "сказал он": the one of them the narration just named, as without a pair.
                    named = {c for c in seen if c in cands}
                    if len(named) == 1 and not any(_blocks(c, s.gender) for c in seen):
                        cands, path = named, "pair-window"
                nouns: set[str] = set()
                if _PAIR_SEES_CONTEXT:
                    # "вышли бабушка и Зоя": a third one of that gender just came in and may be "она".
                    nouns = {c for c in d.context if c not in two and (
                        (c in chars and _gender_ok(chars[c], s.gender)) or _blocks(c, s.gender))}
            elif _PRONOUN_NEAREST:
                # The nearest person of that gender; a person the kit cannot name
                # there (`дама`) means null.
                near = next((c for c in reversed(seen) if c not in banned and (
                    _noun_person(c, s.gender) or (c in chars and chars[c].gender == s.gender))), None)
                cands = {near} if near and not near.startswith("~") else set()
                nouns = set()
            else:
                cands = {c for c in seen if c in chars and _gender_ok(chars[c], s.gender) and chars[c].gender != "?"}
                cands -= banned
                nouns = {c for c in seen if _blocks(c, s.gender) or _unsure_gender(c, chars, banned)}
                if _RECENT_NAME_WINS and len(cands) == 1 and nouns:
                    # "…немец-часовщик… Степан Аркадьич улыбнулся. — …, — сказал он": the one
                    # name named after every unnamed man of the window.
                    last = {x: k for k, x in enumerate(seen)}
                    name = last[next(iter(cands))]
                    if all(SENTENCE_END in seen[last[n]:name] for n in nouns):
                        nouns = set()
                        path = "recent"
            p, steps = d.prev, 0
            while not cands and not nouns and p is not None and steps < _PRONOUN_MEMORY:
                # Nobody of that gender since the dialog before: one who took part in it.
                old = p.context + [c for k, x in enumerate(p.infos) for c in x.remark_chars + [p.spk[k]] if c]
                cands = {c for c in old if c in chars and _gender_ok(chars[c], s.gender) and chars[c].gender != "?"}
                cands -= banned
                nouns = {c for c in old if _blocks(c, s.gender) or _unsure_gender(c, chars, banned)}
                p, steps = p.prev, steps + 1
                path = "memory"
            if not cands and not nouns and i == _first_pronoun(d) and d.far and not any(d.spk[:i]) and not any(
                    c in chars and _gender_ok(chars[c], s.gender) for c in seen):
                # "Степан Аркадьич … IV … Увидав мужа, она … — Долли! — сказал он": nobody of
                # that gender in the window: the last one the narration named before it.
                last = next((c for c in reversed(d.far) if c != SENTENCE_END and (
                    _blocks(c, s.gender) or _unsure_gender(c, chars, banned)
                    or (c in chars and _gender_ok(chars[c], s.gender) and chars[c].gender != "?"))), None)
                if last in chars and last not in banned and not _unsure_gender(last, chars, banned):
                    cands = {last}
                    path = "far"
            if _TRACE is not None:
                _TRACE[(d.index, i)] = (set(cands), set(nouns), two, list(seen[-8:]), banned)
            if len(cands) == 1 and not nouns:
                d.spk[i], d.how[i] = cands.pop(), "pronoun"
                _trace_path(d, i, path)
                changed = True
        seen.extend(info.remark_chars)
        if d.spk[i]:
            seen.append(d.spk[i])
    return changed


# Words for how one person is related to another: in a novel they mostly stand
# for a person who has a name (`муж` is Стива to Долли).
_KIN = set("""отец мать сын дочь брат сестра дядя тётя тетя дедушка бабушка внук внучка муж жена жених невеста
    папа мама папаша мамаша""".split())


def scene_pair(scene: list[DialogState], chars, me: str = NARRATOR) -> set[str] | None:
    """The two people of a scene clearly between two, else None: everyone
    who speaks or is spoken to is one of two, and no remark brings in a
    third (`— сказал слуга`, `— сказала она` while two men talk)."""
    speakers: set[str] = set()
    addressed: set[str] = set()
    for d in scene:
        speakers |= set(d.spk) - {None}
    for d in scene:
        for info in d.infos:
            # a noun called counts once its character speaks here ("доктор" may be the named doctor)
            addressed |= info.vocatives | info.remark_addressees | (info.noun_vocatives & speakers)
            if info.plural_address or info.conflict:
                return None
    people = speakers | addressed
    if len(people) == 1 and len(scene) == 1 and _PAIR_FROM_NARRATION and len(scene[0].infos) >= _PAIR_MIN_LINES \
            and not scene[0].narrator_near:
        # One known speaker and one other person the narration just before
        # names: "Старцев вошёл к Туркиным…" then a talk of two.
        named = {c for c in scene[0].context if c in chars} - people
        nouns = {c for c in scene[0].context if c.startswith("~")}
        # the talk just before had somebody else too: "Нафанаил подумал…" between the lines of two others
        before = set(scene[0].prev.spk) - {None} if scene[0].prev is not None else set()
        if len(named) == 1 and (_PAIR_IGNORES_NOUNS or not nouns) and before <= people | named:
            people = people | named
    if _PAIR_NARRATOR and len(people) == 1 and len(scene) == 1 and len(scene[0].infos) >= _PAIR_MIN_LINES \
            and scene[0].narrator_near and not people & {NARRATOR, me} and not any(
                c != SENTENCE_END and c not in people for c in scene[0].context) and all(
                _gender_ok(chars.get(p), g) for p in people for g in scene[0].near_he_she):
        # "Полина … сказала она" in a first-person book, nobody else named: a talk with the narrator
        people = people | {me}
    carried = scene[0].inherited
    if carried and len(carried) == 2 and people <= carried:
        # The talk of two just before goes on: "Степан Аркадьич весело улыбался." between its lines.
        people = set(carried)
    if NARRATOR in speakers and len(speakers) == 2 and len(addressed - speakers) == 1:
        # The one the other calls by name may be the narrator himself ("Алексей
        # Иванович, постойте!"): name_narrator decides, the pair stands.
        people = speakers
    if len(people) != 2:
        return None
    a, b = sorted(people)
    if _SPLIT_GUARD and a in chars and b in chars and (_first_name_of(chars[a], chars[b]) or _first_name_of(chars[b], chars[a])):
        return None  # "Николай" and "Николай Левин" may be one man the kit did not merge
    for d in scene:
        for i, info in enumerate(d.infos):
            s = info.subject
            if s is None or d.spk[i] is not None:
                continue
            kin = _KIN_IN_PAIR and s.kind == "noun" and s.lemma in _KIN
            if s.kind in ("name", "noun", "plural", "other") and not kin:
                return None  # somebody else speaks here
            # "он" must be one of the two, and not one who speaks right before or after it.
            near = {d.spk[j] for j in (i - 1, i + 1) if 0 <= j < len(d.spk)}
            fit = {p for p in people if p == NARRATOR or _gender_ok(chars.get(p), s.gender)}
            if (s.kind == "pronoun" or kin) and not (fit - near or (_PAIR_GENDER and len(fit) == 1 and NARRATOR not in fit)):
                return None
            if _PAIR_CONTEXT_THIRD and s.kind == "pronoun" and i == _first_pronoun(d) and not any(d.spk[:i]):
                last = next((c for c in reversed(d.context) if c in chars and chars[c].gender == s.gender), None)
                if last is not None and last not in people:
                    return None  # "Рябинин встал … — …, — сказал он": a third one the narration just named
    return people


def prefix_pair(d: DialogState, chars, me: str = NARRATOR) -> tuple[set[str] | None, int | None]:
    """A dialog that is a talk of two until a third person comes in ("…
    Мустафа, подай!" at its end): the two and the index of the first line
    that is not theirs; (None, None) when no opening part of it is."""
    for j in range(len(d.infos) - 1, _PAIR_MIN_LINES - 1, -1):
        part = copy.copy(d)
        part.infos, part.spk, part.how = d.infos[:j], d.spk[:j], d.how[:j]
        two = scene_pair([part], chars, me)
        if two is not None:
            # both of them said so by a remark there (one only called by name may be a third),
            # and two lines in a row show them talking to each other
            said = [k for k in range(j) if d.how[k] in ("remark", "noun")]
            if all(any(d.spk[k] == p for k in said) for p in two) and any(
                    k + 1 in said and {d.spk[k], d.spk[k + 1]} == two for k in said):
                return two, j
            return None, None
    return None, None


def _first_name_of(a: Character, b: Character) -> bool:
    """One of a's names alone is the first word of one of b's (`Николай`, `Николай Левин`)."""
    firsts = {x.split()[0] for x in b.aliases if len(x.split()) > 1}
    return any(len(x.split()) == 1 and x in firsts for x in a.aliases)


def _turns(d: DialogState, chars, two: set[str] | None) -> bool:
    """Lines of a two-person exchange alternate: a line between two known
    ones (or next to one) is the other person's."""
    if two is None:
        return False
    changed = False
    n = len(d.infos) if d.pair_limit is None else d.pair_limit
    for _ in range(n):
        step = False
        for i in range(n):
            if d.spk[i] is not None:
                continue
            before = d.spk[i - 1] if i > 0 else None
            after = d.spk[i + 1] if i + 1 < n else None
            guesses = {next(iter(two - {x})) for x in (before, after) if x in two}
            g = d.infos[i].speech_gender
            if g and not guesses and _SPEECH_GENDER:
                # "— Я так рада!" in a talk of a man and a woman: hers, with no neighbour known
                fit = {p for p in two if p != NARRATOR and chars.get(p) is not None and chars[p].gender == g}
                if len(fit) == 1 and all(p != NARRATOR and chars.get(p) is not None and chars[p].gender in ("m", "f")
                                         for p in two):
                    guesses = fit
            if len(guesses) != 1:
                continue  # no known neighbour, or the alternation breaks here
            who = guesses.pop()
            info = d.infos[i]
            s = info.subject
            if who in info.vocatives | info.noun_vocatives | info.remark_addressees or (
                    s is not None and s.kind == "self" and who != NARRATOR):
                continue
            if _FIRST_TURN_SEES_CONTEXT and i == 0 and any(
                    c not in two and c != SENTENCE_END and (c in chars or c.startswith("~")) for c in d.context):
                continue  # "Дарья Александровна запуталась… — Ну, так вот что мы сделаем": a third one may open the talk
            if s is not None and (s.kind == "pronoun" or s.kind == "noun" and s.lemma in _KIN) and who != NARRATOR \
                    and not _gender_ok(chars.get(who), s.gender):
                continue
            if g and who != NARRATOR and not _gender_ok(chars.get(who), g):
                continue  # "я была" is not his line
            d.spk[i] = who
            d.how[i] = "pronoun" if s is not None and s.kind == "pronoun" else "turn"
            step = changed = True
        if not step:
            break
    return changed


def scene_addressees(scene: list[DialogState], chars, me: str = NARRATOR) -> list[list[str | None]]:
    two = scene_pair(scene, chars, me)
    limit = None
    if two is None and _PREFIX_PAIR and len(scene) == 1:
        two, limit = prefix_pair(scene[0], chars, me)
    out = []
    for d in scene:
        addr: list[str | None] = []
        for i, info in enumerate(d.infos):
            spk = d.spk[i]
            voc = (info.vocatives or info.noun_vocatives) - {spk}
            if info.plural_address and not voc:
                a = "*"
            elif len(voc) == 1:
                a = next(iter(voc))
            elif len(voc) > 1:
                a = "*"
            elif len(info.remark_addressees - {spk}) == 1:
                a = next(iter(info.remark_addressees - {spk}))
            elif two is not None and spk in two and not info.addresses_other and (limit is None or i < limit):
                a = next(iter(two - {spk}))
            else:
                a = None
            addr.append(a)
        out.append(addr)
    return out


def name_narrator(scenes: list[list[DialogState]], chars) -> str | None:
    """The first-person narrator's name: the character others call by name
    in lines said to the narrator (two-person scenes with him), if one name
    clearly dominates."""
    votes: Counter[str] = Counter()
    # a narrator has a name: "бабушка" called is no candidate
    named_only = {k for k, c in chars.items() if any(a[:1].isupper() for a in c.aliases)}
    for scene in scenes:
        for d in scene:
            speakers = set(d.spk)
            for i, info in enumerate(d.infos):
                # A line next to one of the narrator's, calling somebody who does
                # not speak in this dialog: most likely said to the narrator.
                near = {d.spk[j] for j in (i - 1, i + 1) if 0 <= j < len(d.spk)}
                if d.spk[i] != NARRATOR and NARRATOR in near:
                    votes.update((info.vocatives - speakers) & named_only)
    if votes:
        (top, n), total = votes.most_common(1)[0], sum(votes.values())
        if n >= 2 and n >= 0.6 * total:
            return top
    # Else: in a book told in the first person, the one called by name most
    # often among those no remark ever names as the speaker ("— сказал я" is
    # how he speaks), if clearly ahead of the next.
    selfs = named = 0
    called: Counter[str] = Counter()
    speaking: set[str] = set()
    for scene in scenes:
        for d in scene:
            for i, info in enumerate(d.infos):
                s = info.subject
                selfs += s is not None and s.kind == "self"
                named += s is not None and s.kind == "name"
                if d.how[i] == "remark":
                    speaking.add(d.spk[i])
                called.update(info.vocatives & named_only)
    if selfs < 10 or selfs < 0.2 * (selfs + named):
        return None
    silent = [(c, n) for c, n in called.most_common() if c not in speaking]
    if not silent or silent[0][1] < 5 or (len(silent) > 1 and silent[0][1] < 2 * silent[1][1]):
        return None
    return silent[0][0]


# ---------------------------------------------------------------- the book

def iter_narration_windows(paragraphs: Iterable[str]) -> Iterator[tuple[list[str], int | None]]:
    """For each dialog (grouped exactly as the dialogs stage does): the last
    narration paragraphs of the same text before it, and how many narration
    paragraphs part it from the dialog before (None: none before in this text)."""
    window: list[str] = []
    in_dialog = False
    gap: int | None = None
    for p in paragraphs:
        p = p.rstrip("\n")
        if p and is_replica(p):
            if not in_dialog:
                yield window[-(_NARRATION_WINDOW + _FAR_WINDOW):], gap
                in_dialog = True
                gap = 0
            continue
        in_dialog = False
        if not p:
            window, gap = [], None  # a new text of the folder
        else:
            window.append(p)
            if gap is not None:
                gap += 1


def _prose_kinds(texts: list[list[str]], play: dict | None) -> list[bool]:
    """Per text of the book (or folder): prose or not; the texts the dialogs
    stage read as plays (play.json "texts") give their speakers by label."""
    kinds = (play or {}).get("texts")
    if kinds and "play" in kinds:
        return [k != "play" for k in kinds]
    return [True] * len(texts)


def _prose_windows(texts: list[list[str]]) -> Iterator[tuple[list[str], int | None, int]]:
    """(narration window, gap, which text) for each prose dialog."""
    for i, text in enumerate(texts):
        for window, gap in iter_narration_windows(text):
            yield window, gap, i


# Nouns for a person's relation to another: in the genitive before a name they
# may be that person's ("лакея Сергея Ивановича"); a title in the genitive
# ("земского доктора Кирилова") is the name's apposition.
_RELATION_NOUNS = set("""лакей слуга горничная кучер камердинер денщик друг приятель приятельница подруга товарищ
    знакомый знакомая гость гостья любовник любовница секретарь управляющий приказчик няня нянька кормилица
    гувернантка гувернёр гувернер учитель учительница ученик ученица сосед соседка хозяин хозяйка жених невеста
    родственник родственница наследник наследница поверенный адвокат компаньон компаньонка посланный""".split()) | _KIN
_TIE_NOUN = re.compile(r"(?<![\w-])([а-яё]+)\s+$")
_PARTICLE_END = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(NOBILIARY)) + r")\s+$")
# "Дьячок Савелий Гыкин лежал…": a capitalised noun at a sentence start ties too.
_TIE_NOUN_START = re.compile(r"(?:^|[.!?…]\s+|[—–]\s*)[«\"„(]?([А-ЯЁ][а-яё]+)\s+$")


def noun_ties(texts: Iterable[str], finder: MentionFinder) -> dict[str, str]:
    """Nouns the book uses for one character only: `князь Андрей`, `доктор
    Старцев` (a lower-case animate noun right before a name), and before no
    one else's name."""
    return ties_of(noun_tie_counts(texts, finder))


def ties_of(counts: dict[str, Counter], chars: dict[str, Character] | None = None) -> dict[str, str]:
    """`chars`: a noun of one gender ties to no character of the other ("бабушке
    Де-Грие" is no grandmother named Де-Грие)."""
    out = {}
    for lemma, c in counts.items():
        people = {k.rstrip("\t") for k in c if k != _TOTAL}
        sure = sum(n for k, n in c.items() if not k.endswith("\t") and k != _TOTAL)
        # "доктор Сергей Иванович" once among 162 "доктор" of a novel ties nothing: its other
        # doctors are nobody the kit knows
        if len(people) == 1 and sure >= _TIE_MIN and sure * _TIE_SHARE >= c[_TOTAL]:
            out[lemma] = people.pop()
    if chars:
        out = {lemma: key for lemma, key in out.items()
               if key not in chars or compatible_genders(_noun_gender(lemma), chars[key].gender)}
    return out


@functools.lru_cache(maxsize=20_000)
def _noun_gender(lemma: str) -> str:
    t = parse_top(lemma).tag
    return _GENDER.get(t.gender, "?") if t.POS == "NOUN" else "?"


def noun_tie_counts(texts: Iterable[str], finder: MentionFinder) -> dict[str, Counter]:
    """{noun lemma: Counter(character: times the noun stands right before its name)}."""
    ties: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        for mn in finder.find(text):
            if len(mn.chars) != 1:
                continue
            before = _PARTICLE_END.sub("", text[max(0, mn.start - 30):mn.start])  # "зоолог фон Корен"
            m = _TIE_NOUN.search(before) or (_TIE_NOUN_START.search(before) if _TIE_AT_START else None)
            if not m:
                continue
            word = m.group(1).lower()
            if word != m.group(1) and any(has_name_tag(p.tag) for p in parse_all(word) if p.score >= 0.05):
                continue  # "Иван Гыкин": a name, not a noun
            verb = prev_word(before, m.start(1)) if _TIE_INDECLINABLE else None
            if verb and parse_top(verb.group(1).lower()).tag.POS == "VERB" and _indeclinable_name(
                    text[mn.start:mn.end]):
                continue  # "объявил епископ Спаланцо": the bishop tells Спаланцо; the case does not show
            # An apposition agrees in case ("доктору Старцеву"); "шафер Левина" is
            # Левин's best man, another person. The readings that agree decide.
            # (a plural never: "в ожидании доктора Пашка" is no plural "доктора" of Пашка)
            agree = [p for p in parse_all(word) if p.score >= 0.05 and GROUP_OF_CASE.get(p.tag.case) in mn.groups
                     and p.tag.number != "plur"]
            p = agree[0] if agree else None
            if p is not None and ((p.tag.POS == "NOUN" and "anim" in p.tag) or (p.tag.POS == "ADJF" and p.tag.number == "sing")):
                # the lemma as a subject would show it: "городовой", "князь". "лакея Сергея
                # Ивановича" may be his servant: a genitive (or the animate accusative, the same
                # form) only makes the noun ambiguous, it ties nothing (marked with a tab).
                key = next(iter(mn.chars))
                if _TIE_NO_GENITIVE and all(x.tag.case in ("gent", "gen2", "accs") for x in agree) and (
                        p.normal_form in _RELATION_NOUNS or p.tag.POS != "NOUN"):
                    key += "\t"
                ties[p.normal_form][key] += 1
    if _TIE_SHARE and ties:
        # how often the text uses each such noun at all, in any form
        words = Counter(_ANIMATE_WORD.findall("\n".join(texts).lower()))
        for lemma, c in ties.items():
            c[_TOTAL] = sum(words[f] for f in _lexeme(lemma))
    return ties


_TOTAL = " total"  # a key no character has: the noun's uses in the text


@functools.lru_cache(maxsize=20_000)
def _lexeme(lemma: str) -> frozenset[str]:
    p = next((p for p in parse_all(lemma) if p.normal_form == lemma and p.tag.POS in ("NOUN", "ADJF")), None)
    return frozenset(x.word for x in p.lexeme) if p is not None else frozenset({lemma})


def full_name_ties(texts: Iterable[str], finder: MentionFinder, chars: dict[str, Character]) -> dict[str, str]:
    """Surname-only characters the text joins to one other name: `Степан
    Аркадьич Облонский` written out in the narration ties the surname
    character Облонский to Степан Аркадьич, as does an alias of his own. A
    surname tied to two people (`Николай Левин`, `Константин Левин`) stays
    apart unless the book speaks of one of them far more (_SURNAME_DOMINANT)."""
    from .characters import word_roles

    def surname_only(c: Character) -> bool:
        return all(" " not in a and word_roles(a) == ("last",) for a in c.aliases)

    ties: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        ms = [m for m in finder.find(text) if len(m.chars) == 1]
        for m1, m2 in zip(ms, ms[1:]):
            if text[m1.end:m2.start] != " " or "nomn" not in m1.groups & m2.groups:
                continue  # "Степан Аркадьич Левину", "Катавасов Левину": a subject and the one he speaks to
            a, b = next(iter(m1.chars)), next(iter(m2.chars))
            if a == b:
                continue
            ca, cb = chars[a], chars[b]
            if surname_only(cb) and not surname_only(ca) and compatible_genders(ca.gender, cb.gender):
                ties[b].add(a)
    # "Константин Дмитрич Левин" among a character's own aliases ties the bare "Левин" to him too.
    last_words: dict[str, set[str]] = defaultdict(set)
    for c in chars.values():
        for a in c.aliases:
            if " " in a:
                last_words[a.split()[-1]].add(c.key)
    for c in chars.values():
        if surname_only(c):
            ties[c.key] |= {k for k in last_words.get(c.key, ()) if k != c.key
                            and compatible_genders(chars[k].gender, c.gender)}
    ties = {k: v for k, v in ties.items() if v}
    out = {}
    for s, owners in ties.items():
        # Константин Левин and his brother Николай Левин: a bare "Левин" in the book
        # is the one it speaks of far more often.
        top = max(owners, key=lambda k: chars[k].mentions)
        if len(owners) == 1 or chars[top].mentions >= _SURNAME_DOMINANT * sum(
                chars[k].mentions for k in owners if k != top):
            out[s] = top
    return out


def merge_characters(chars: list[Character], into: dict[str, str]) -> list[Character]:
    by_key = {c.key: c for c in chars}
    for src, dst in into.items():
        while dst in into:
            dst = into[dst]
        if src == dst or src not in by_key or dst not in by_key:
            continue
        a, b = by_key[dst], by_key.pop(src)
        if b.mentions > a.mentions:
            # "Левин" (464 mentions) names the merged one better than "Костя" (75)
            a.aliases = b.aliases + [x for x in a.aliases if x not in b.aliases]
            by_key[b.key] = by_key.pop(dst)
            into = {k: (b.key if v == dst else v) for k, v in into.items() if k != src}
            a.key = b.key
        else:
            a.aliases += [x for x in b.aliases if x not in a.aliases]
        a.mentions += b.mentions
        if a.gender == "?":
            a.gender = b.gender
    kept = {id(c) for c in by_key.values()}
    return [c for c in chars if id(c) in kept]


def verb_genders(dialogs, finder_forms: MentionFinder) -> dict[str, Counter]:
    """Per nominative alias: the genders of the past-tense remark verbs it is the subject of."""
    out: dict[str, Counter] = defaultdict(Counter)
    for dialog in dialogs:
        for segments in dialog:
            for i, (kind, text) in enumerate(segments):
                if kind != "r":
                    continue
                mentions = finder_forms.find(text)
                s = remark_subject(text, mentions, i)
                if s is not None and s.kind == "name" and s.gender:
                    for key in s.chars:
                        out[key][s.gender] += 1
    return out


_PAST_AFTER_NAME = re.compile(r"\s+(?:(?:ещё|еще|уже|вдруг|тоже|также|опять|снова|тут|тогда|сразу|громко|тихо|весело|"
                              r"вежливо|молча|быстро|медленно|веселее|громче|тише)\s+){0,2}([а-яё]+)")


def narration_genders(paragraphs, finder: MentionFinder) -> dict[str, Counter]:
    """Per character: the genders of past-tense verbs right after its name in
    the narration (`Сафо еще веселее засмеялась`), for names the remarks
    never give a verb to."""
    out: dict[str, Counter] = defaultdict(Counter)
    for text in paragraphs:
        for mn in finder.find(text):
            if len(mn.chars) != 1 or "nomn" not in mn.groups:
                continue
            m = _PAST_AFTER_NAME.match(text, mn.end)
            if not m:
                continue
            t = parse_top(m.group(1)).tag
            if t.POS == "VERB" and t.tense == "past" and t.number == "sing" and t.gender in _GENDER:
                out[next(iter(mn.chars))][_GENDER[t.gender]] += 1
    return out


def apply_verb_genders(chars: list[Character], genders: dict[str, Counter]) -> None:
    """A gender the name leaves open comes from the remark verbs (`сказала`);
    a clear majority of verbs also overrules the name's."""
    for c in chars:
        votes = genders.get(c.key)
        if not votes:
            continue
        (top, n), rest = votes.most_common(1)[0], sum(votes.values()) - votes.most_common(1)[0][1]
        if (c.gender == "?" and len(votes) == 1) or n >= 3 * max(1, rest):
            c.gender = top


def load_names(out_dir: Path) -> dict[str, dict]:
    return read_names(out_dir) or {}


# Nouns that say who someone is to others or only sex and age: in a novel they
# stand for many people, or for someone who has a name (`отец` is Стива).
_GENERIC = set("""человек голос кто-то некто все люди один другой мужчина женщина мужик баба господин госпожа
    барин барыня незнакомец незнакомка собеседник собеседница гость гостья кто
    отец мать сын дочь брат сестра дядя тётя тетя дедушка дед бабушка внук внучка муж жена жених невеста
    папа мама папаша мамаша друг подруга приятель хозяин хозяйка
    девочка мальчик девушка юноша старик старуха ребёнок ребенок дама барышня молодой""".split())


def noun_characters(dialogs, text_ids, finder: MentionFinder, ties: dict[str, str], taken: set[str]) -> list[Character]:
    """People the book names only by a noun (`генерал` in «Игрок», `городовой`):
    a noun that is the subject of at least three remarks, all in one text of
    the folder, and tied to no named character, becomes a character of its own
    with that noun as its alias."""
    counts: Counter[str] = Counter()
    genders: dict[str, Counter] = defaultdict(Counter)
    texts: dict[str, set] = defaultdict(set)
    in_dialogs: dict[str, set] = defaultdict(set)
    text_size = Counter(text_ids)
    for d, (dialog, t) in enumerate(zip(dialogs, text_ids)):
        for segments in dialog:
            for i, (kind, text) in enumerate(segments):
                if kind != "r":
                    continue
                s = remark_subject(text, finder.find(text), i)
                if s is not None and s.kind == "noun" and s.lemma not in ties and (
                        s.lemma not in _GENERIC or (_KIN_CHARACTERS and s.lemma in _KIN)):
                    counts[s.lemma] += 1
                    texts[s.lemma].add(t)
                    in_dialogs[s.lemma].add(d)
                    if s.gender:
                        genders[s.lemma][s.gender] += 1
    out = []
    for lemma, n in counts.most_common():
        key = lemma[:1].upper() + lemma[1:]
        # All in one text, and all through it: a novel's waiter of one chapter
        # (`татарин`) is no character, a story's `городовой` is.
        spread = len(in_dialogs[lemma]) / text_size[next(iter(texts[lemma]))]
        need = _KIN_CHARACTERS if lemma in _KIN else 3
        if n >= need and len(texts[lemma]) == 1 and spread >= _NOUN_SPREAD and key not in taken:
            g = genders[lemma].most_common(1)[0][0] if genders[lemma] else "?"
            out.append(Character(key, [lemma], g, mentions=n))
    return out


def remark_names(dialogs, names: dict[str, dict]) -> dict[str, dict]:
    """Names NER missed where they speak: a capitalised word right after the
    verb that opens a remark (`— ответил Кирилов`), read as a surname or a
    name, or unknown to the dictionary, and never written in lower case in
    the replicas; at least twice. Given as names.json-like entries."""
    from .morph import get_known, may_be_author_verb

    known = {w for f in names for w in f.split()}
    counts: Counter[str] = Counter()
    name_like: set[str] = set()
    lower: set[str] = set()
    for dialog in dialogs:
        for segments in dialog:
            for kind, text in segments:
                words = WORD.findall(text)
                lower.update(w for w in words if w.islower())
                if kind != "r" or len(words) < 2 or not words[0].islower() or not may_be_author_verb(words[0]):
                    continue
                w = words[1]
                if w[:1].isupper() and w not in known and len(w) > 2 and w.lower() not in _NOT_NAMES:
                    counts[w] += 1
                    if not get_known(w.lower()) or any("Surn" in p.tag or "Name" in p.tag for p in parse_all(w)):
                        name_like.add(w)
    # A known common word ("Савка", a duck) is a name when it speaks this way three times.
    return {w: {"count": n, "groups": {"nomn": n}, "example": "", "ner": False}
            for w, n in counts.items() if n >= (2 if w in name_like else 3) and w.lower() not in lower}


_NOT_NAMES = NOT_NAMES | {"царь", "государь", "император"}


def initial_characters(names: dict[str, dict], play: dict | None) -> list[Character]:
    """Characters from the names stage's forms (and a play's persons)."""
    counts: Counter[str] = Counter()
    sources: dict[str, set[str]] = defaultdict(set)
    for form, info in names.items():
        nom = nominative(form, _decided_group(info))
        counts[nom] += info["count"]
        sources[nom].add(form.replace("ё", "е"))
    if play:
        for p in play.get("persons", []):
            for a in [p["name"], *p.get("aliases", [])]:
                counts[a] += 1
        for label, n in play.get("labels", {}).items():
            counts[label] += n
    # A form pymorphy could not put in the nominative ("Яшвину") that is an oblique
    # case of a more frequent alias ("Яшвин") is that alias.
    oblique: dict[str, str] = {}
    for alias, n in counts.most_common():
        forms = [f for f, cases in inflections(alias).items() if f != alias and "nomn" not in cases]
        if not forms and " " not in alias and alias[-1:] not in "аяьйоеиыую":
            forms = [alias + end for end in _SURNAME_ENDS]  # Яшвин, which pymorphy does not inflect
        for form in forms:
            oblique.setdefault(form.replace("ё", "е"), alias)
    for alias in list(counts):
        # "Алеше" read as the dative of Алеш is the dative of the more frequent Алёша.
        to = oblique.get(alias.replace("ё", "е"))
        if not to and alias.replace("ё", "е") not in sources[alias]:
            # never seen in the nominative itself: every form of it is the other's
            targets = {oblique.get(f) for f in sources[alias]}
            to = targets.pop() if len(targets) == 1 else None
        if to and to in counts and counts[to] >= counts[alias]:
            counts[to] += counts.pop(alias)
    return build_characters(counts)


# fork_map workers: (finder, characters, the list of noun-tie tables) come as shared().

def _analyse_part(dialogs: list[tuple[list, int, str | None]]) -> list[list[ReplicaInfo]]:
    finder, by_key, ties_list, nouns = shared()
    return [analyse(d, finder, by_key, ties_list[t], intro, nouns) for d, t, intro in dialogs]


def _people_part(paragraphs: list[tuple[int, str]]) -> list[list[str]]:
    finder, _, ties_list, _ = shared()
    return [people_in(p, finder.find(p), ties_list[t], subjects=_CONTEXT_SUBJECTS) for t, p in paragraphs]


def write_speakers(out_dir: str | Path, dict_dir: str | Path, jobs: int = 1) -> dict:
    """`jobs` forked workers read the remarks and the narration; the result
    does not depend on it."""
    out_dir = Path(out_dir)
    src = require_file(out_dir / "dialogs.jsonl", "dialogs.jsonl", "run the dialogs stage first")
    dialogs = list(read_dialogs_jsonl(src))
    names = load_names(out_dir)
    play = _load_play(out_dir)
    edited = characters_edited(dict_dir)
    if edited:
        chars = load_characters(characters_path(dict_dir))
        log.info(f"using the hand-edited {characters_path(dict_dir)}")
        finder = MentionFinder(chars, names)
    else:
        names = {**remark_names(dialogs, names), **names}
        chars = initial_characters(names, play)
        finder = MentionFinder(chars, names)  # genders do not change the index
    paragraphs = (out_dir / "paragraphs.txt").read_text(encoding="utf-8").splitlines()
    if not edited:
        votes = verb_genders(dialogs, finder)
        if _NARRATION_GENDERS:
            for key, c in narration_genders((p for p in paragraphs if p and not is_replica(p)), finder).items():
                votes.setdefault(key, Counter()).update(c)
        apply_verb_genders(chars, votes)
    by_key = {c.key: c for c in chars}
    if not edited:
        merged = full_name_ties((p for p in paragraphs if p), finder, by_key)
        if merged:
            chars = merge_characters(chars, merged)
            by_key = {c.key: c for c in chars}
            finder = MentionFinder(chars, names)
    play_rows = _load_play_speakers(out_dir, len(dialogs)) if play else None
    play_rows = play_rows or [None] * len(dialogs)
    # A play dialog has a label on every line; the prose dialogs of a folder that
    # mixes stories and plays have none ([null, null] rows).
    play_rows = [r if r and any(x[0] for x in r) else None for r in play_rows]
    texts = split_texts(paragraphs)
    is_prose = _prose_kinds(texts, play)
    prose_texts = [t for t, k in zip(texts, is_prose) if k]
    windows = list(_prose_windows(prose_texts))
    if len(windows) != sum(r is None for r in play_rows):
        windows = [([], None, 0)] * sum(r is None for r in play_rows)  # another run's paragraphs.txt
    # The whole book's table is the sum of its texts' (one pass over the book).
    tie_counts = [noun_tie_counts(t, finder) for t in texts]
    book_counts: dict[str, Counter] = defaultdict(Counter)
    for c in tie_counts:
        for lemma, n in c.items():
            book_counts[lemma].update(n)
    ties = ties_of(book_counts, by_key)
    own: dict[str, str] = {}  # a lower-case alias in characters.py is a noun for that one person
    for c in chars:
        for a in c.aliases:
            if a[:1].islower() and " " not in a:
                own[parse_top(a).normal_form] = c.key
    ties.update(own)
    if not edited and _NOUN_CHARACTERS:
        text_ids = []
        t = -1
        for r, (_, gap, _) in zip([r for r in play_rows if r is None], windows):
            t += gap is None
            text_ids.append(t)
        prose = [d for d, r in zip(dialogs, play_rows) if r is None]
        for c in noun_characters(prose, text_ids, finder, ties, set(by_key)):
            chars.append(c)
            by_key[c.key] = c
            own[c.aliases[0]] = ties[c.aliases[0]] = c.key
    # A noun tied to a name holds in its own story only: in a folder, "дама"
    # of one story is nobody of the next (a play's dialogs use the whole book's).
    # ties_list[0] is the whole book's table, ties_list[1 + i] the i-th prose text's.
    ties_list = [ties, *[{**ties_of(c, by_key), **own} for c, k in zip(tie_counts, is_prose) if k]]
    window_of = dict(zip((d for d, r in enumerate(play_rows) if r is None), windows))
    dialog_ties = [min(1 + window_of[d][2], len(ties_list) - 1) if d in window_of else 0 for d in range(len(dialogs))]
    # The per-dialog reading and the narration's people do not depend on each
    # other: forked workers share them; attribution below runs in order.
    work = (finder, by_key, ties_list, noun_calls(by_key))
    intros = [window_of[d][0][-1] if d in window_of and window_of[d][0] else None for d in range(len(dialogs))]
    all_infos = [x for part in fork_map(_analyse_part, split_even(list(zip(dialogs, dialog_ties, intros)),
                                                                  max(jobs, len(dialogs) // 200)), jobs,
                                        shared=work, desc="speakers: remarks", unit="part") for x in part]
    # Only the near window is read up front; the far paragraphs are read when a
    # pronoun looks there (rarely), see DialogState.far.
    window_pars = list(dict.fromkeys((dialog_ties[d], p) for d, (w, _, _) in window_of.items()
                                     for p in w[-_NARRATION_WINDOW:]))
    window_people = dict(zip(window_pars, (x for part in fork_map(
        _people_part, split_even(window_pars, max(jobs, len(window_pars) // 500)), jobs, shared=work,
        desc="speakers: narration", unit="part") for x in part)))
    stats: dict = {"replicas": 0, "with_speaker": 0, "with_addressee": 0, "how": Counter(),
                   "dialogs": len(dialogs), "dialogs_all_known": 0}
    states: list[DialogState] = []
    prev_prose: DialogState | None = None
    scenes: list[list[DialogState]] = []
    addressees: dict[int, list] = {}
    for d, dialog in enumerate(progress(dialogs, desc="speakers", unit="dlg")):
        infos = all_infos[d]
        if play_rows[d] is not None:
            state = DialogState(infos, [])
            state.spk, state.how, addressees[d] = _play_attribution(play_rows[d], infos, by_key, finder)
            states.append(state)
            continue
        window, gap, _ = window_of[d]
        near, far = window[-_NARRATION_WINDOW:], window[:-_NARRATION_WINDOW]
        state = DialogState(infos, [c for p in near for c in window_people[dialog_ties[d], p]])
        state.far_source = (far, ties_list[dialog_ties[d]], finder, window_people, dialog_ties[d])
        state.narrator_near = any(_FIRST_PERSON.search(_QUOTED.sub("", p)) for p in near)
        state.asker = asker_of(near[-1], finder) if near and _ASKER_ANSWERS else None
        state.near_he_she = frozenset(_PRONOUN_SUBJECT[w.lower()] for p in near
                                      for w in _HE_SHE.findall(_QUOTED.sub("", p)))
        state.ties = ties_list[dialog_ties[d]]
        state.index = d
        states.append(state)
        state.gap = gap
        if gap is not None and gap <= _NARRATION_WINDOW:
            state.prev = prev_prose
        prev_prose = state
        if scenes and gap is not None and gap <= _SCENE_GAP:
            scenes[-1].append(state)
        else:
            scenes.append([state])
    attribute_book(scenes, by_key)
    narrator = name_narrator(scenes, by_key)
    if narrator:
        log.info(f"the first-person narrator is {narrator}")
        for scene in scenes:
            for state in scene:
                state.spk = [None] * len(state.infos)
                state.how = [None] * len(state.infos)
        attribute_book(scenes, by_key, narrator)
    stats["narrator"] = narrator
    for scene in scenes:
        for state, addr in zip(scene, scene_addressees(scene, by_key, narrator or NARRATOR)):
            addressees[state.index] = addr
    addressees = [addressees[d] for d in range(len(dialogs))]
    replica_counts: Counter[str] = Counter()
    with (atomic_write(out_dir / "speakers.jsonl") as fs, atomic_write(out_dir / "speaker_dialogs.txt") as fd):
        for d, (dialog, state, addr) in enumerate(zip(dialogs, states, addressees)):
            spk = [None if x == NARRATOR else x for x in state.spk]
            how = [h if x is not None else None for x, h in zip(spk, state.how)]
            addr = [None if x == NARRATOR else x for x in addr]
            for segments, s, h, a in zip(dialog, spk, how, addr):
                fs.write(json.dumps({"dialog": d + 1, "speaker": s, "addressee": a, "how": h},
                                    ensure_ascii=False) + "\n")
                fd.write(f"{s or '?'} → {a or '?'}: {render_char(segments)}\n")
                stats["replicas"] += 1
                stats["with_speaker"] += s is not None
                stats["with_addressee"] += a is not None
                stats["how"][h or "none"] += 1
                if s:
                    replica_counts[s] += 1
            fd.write("\n")
            stats["dialogs_all_known"] += all(spk)
    for c in chars:
        c.replicas = replica_counts[c.key]
    if not edited:
        chars.sort(key=lambda c: (-c.replicas, -c.mentions, c.key))
        write_characters(dict_dir, chars)
    # The form index, for the time stage to reuse while characters.py is unchanged.
    write_json(out_dir / "speaker_forms.json",
               {"characters": file_digest(characters_path(dict_dir)), "forms": finder.to_json()})
    stats["how"] = dict(stats["how"])
    stats["characters"] = len(chars)
    stats["top"] = [{"name": c.key, "replicas": replica_counts[c.key], "aliases": c.aliases[:6]}
                    for c in sorted(chars, key=lambda c: -replica_counts[c.key])[:20] if replica_counts[c.key]]
    stats["edited_characters"] = edited
    return stats


# ---------------------------------------------------------------- plays

def _load_play(out_dir: Path) -> dict | None:
    p = out_dir / "play.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def _load_play_speakers(out_dir: Path, n: int) -> list[list] | None:
    p = out_dir / "play_speakers.jsonl"
    if not p.exists():
        return None
    rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows if len(rows) == n else None


def _label_key(label: str | None, finder: MentionFinder) -> str | None:
    if not label:
        return None
    keys = finder.form_chars.get(" ".join(label.split()))
    if keys and len(keys) == 1:
        return next(iter(keys))
    mentions = finder.find(label)
    found = {k for m in mentions if len(m.chars) == 1 for k in m.chars}
    return found.pop() if len(found) == 1 else None


def _play_attribution(rows, infos, chars, finder) -> tuple[list, list, list]:
    spk, how, addr = [], [], []
    for (label, to), info in zip(rows, infos):
        key = _label_key(label, finder)
        spk.append(key)
        how.append("play" if key else None)
        a = "*" if to == "*" else _label_key(to, finder) if to else None
        voc = info.vocatives - {key}
        if a is None and len(voc) == 1:
            a = next(iter(voc))
        elif a is None and (info.plural_address or len(voc) > 1):
            a = "*"
        addr.append(a)
    return spk, how, addr


_RERUN = "re-run make_datasets.sh from STAGE=speakers"


def file_digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def load_forms(out_dir: Path, dict_dir: Path) -> dict | None:
    """The speakers stage's form index, if it was built from this characters.py."""
    p = Path(out_dir) / "speaker_forms.json"
    if not p.exists():
        return None
    data = json.loads(p.read_text(encoding="utf-8"))
    return data["forms"] if data.get("characters") == file_digest(characters_path(dict_dir)) else None


def read_speakers(path: str | Path) -> list[dict]:
    """speakers.jsonl, checked line by line."""
    path = Path(path)
    rows = []
    for n, row in iter_jsonl(path, _RERUN):
        if not isinstance(row, dict) or not isinstance(row.get("dialog"), int) or "speaker" not in row:
            raise KitError(f'{path}:{n}: expected {{"dialog": n, "speaker": ...}}; {_RERUN}')
        rows.append(row)
    return rows


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--dict-dir", required=True, type=click.Path(file_okay=False))
@jobs_option
@cli_main
def main(out_dir, dict_dir, jobs):
    """Decide who says each replica and to whom; write characters.py, speakers.jsonl, speaker_dialogs.txt."""
    t0 = time.perf_counter()
    stats = write_speakers(out_dir, dict_dir, resolve_jobs(jobs))
    write_stats(out_dir, "speakers", stats, t0)


if __name__ == "__main__":
    main()
