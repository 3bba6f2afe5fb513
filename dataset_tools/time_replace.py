"""Stage time: names -> pronouns, writing me_dialogs.txt and ti_dialogs.txt (SPEC §5).

Works on the parsed segments of dialogs.jsonl, so it still sees the source
punctuation around remarks (sentence starts) and renders lines exactly as the
dialogs stage does: a replica with nothing to replace stays byte-identical.
"""
from __future__ import annotations

import functools
import re
import time
from collections import Counter
from pathlib import Path

import click

from .common import atomic_write, cli_main, progress, require_file, write_stats
from .dialogs import read_dialogs_jsonl
from .dicts import dict_path, load_dict
from .morph import WORD, has_name_tag, parse_all, parse_top, prev_word
from .names import GROUP_OF_CASE, PRONOUNS
from .replicas import render_char

# Every pronoun the dictionaries may hold: its series (me/ti) and case group.
_PRONOUN = {p: (mode, group) for mode, table in PRONOUNS.items() for group, p in table.items()}
_PRONOUN.update({"мною": ("me", "ablt"), "тобою": ("ti", "ablt")})
_PERSON = {"me": "1per", "ti": "2per"}
# Prepositions that take their long form before a first-person pronoun.
LONG_PREP = {
    ("о", "мне"): "обо", ("о", "меня"): "обо", ("об", "мне"): "обо", ("об", "меня"): "обо",
    ("к", "мне"): "ко", ("с", "мной"): "со", ("в", "мне"): "во",
    ("над", "мной"): "надо", ("под", "мной"): "подо", ("перед", "мной"): "передо",
}
# A name right after these is being introduced and stays: "меня зовут Тимур".
INTRO_LEMMAS = {"звать", "называть", "назвать", "называться", "зваться", "именовать",
                "величать", "кликать", "окрестить", "нарекать", "наречь"}
INTRO_WORDS = {"имени", "именем", "прозвищу", "фамилии", "фамилией", "кличке"}

_CLAUSE_STOP = re.compile(r"[,.!?…;:()«»\"—–]")
_SENT_END_PUNCT = ".!?…"
_OPENERS = " «\"„“'(—–-"


def build_matcher(keys) -> re.Pattern | None:
    """Whole-word, case-sensitive, longest key first; spaces in keys match any run of spaces."""
    keys = sorted(set(keys), key=len, reverse=True)
    if not keys:
        return None
    alts = "|".join(r"\s+".join(map(re.escape, k.split())) for k in keys)
    return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])")


def _sentence_start(segments, i: int, text: str, start: int) -> bool:
    before = text[:start].rstrip(_OPENERS)
    if before:
        return before.rstrip("»\"”')")[-1:] in _SENT_END_PUNCT
    if i == 0:
        return True
    prev = segments[i - 1][1].rstrip().rstrip("»\"”')")
    return prev[-1:] in _SENT_END_PUNCT


_SELF_INTRO = re.compile(r"(?:(?:^|[^\w-])(?:[Яя]|[Мм]еня)\s*[—–-]?|представиться:|представлюсь:)\s*$")


def _is_intro(text: str, start: int) -> bool:
    if _SELF_INTRO.search(text[:start]):
        return True  # "Я — Зиновьев, следователь", "Я Абогин"
    clause = _CLAUSE_STOP.split(text[:start])[-1]
    words = WORD.findall(clause)[-3:]
    for w in words:
        lw = w.lower()
        if lw in INTRO_WORDS or parse_top(lw).normal_form in INTRO_LEMMAS:
            return True
    return False


@functools.lru_cache(maxsize=100_000)
def _agree(word: str, person: str) -> str | None:
    """Re-inflects a present/future 3rd-person singular verb, else None."""
    p = parse_top(word.lower())
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
    left = _CLAUSE_STOP.split(text[:start])[-1]
    lstart = start - len(left)
    right = _CLAUSE_STOP.split(text[end:])[0]
    before = [(m.start() + lstart, m.end() + lstart, m.group(0)) for m in WORD.finditer(left)][-4:]
    after = [(m.start() + end, m.end() + end, m.group(0)) for m in WORD.finditer(right)][:4]
    found = []
    for side, words in ((0, after), (1, list(reversed(before)))):
        for dist, (a, b, w) in enumerate(words):
            new = _agree(w, person)
            if new:
                found.append((dist, side, (a, b, new)))
                break
            top = parse_all(w.lower())[0].tag
            if top.POS in ("NOUN", "NPRO") and top.case == "nomn":
                break  # another subject stands in between
    return min(found)[2] if found else None


def _attached(text: str, start: int, pronoun: str = "") -> bool:
    """The name follows a common noun, an adjective, a possessive or
    demonstrative pronoun, or an abbreviated title (Г., М-r, m-lle)."""
    m = re.search(r"(\S+)\s+$", text[:start])
    if not m:
        return False
    prev = m.group(1)
    if re.fullmatch(r"(?:[^\W\d_]{1,3}\.|[MmМм]-?(?:r|me|lle|r\.)\.?|[^\W\d_]*[a-zA-Z][^\W\d_]*)", prev):
        return True
    if not prev[-1:].isalpha():
        return False
    tag = parse_top(prev.lower()).tag
    if has_name_tag(tag):
        return False
    if tag.POS == "NOUN":
        # "голос Ольги" (possessive) or "графу Карнееву" (apposition, same case);
        # "машет рукой Зоя" is a verb's object followed by its subject.
        group = _PRONOUN.get(pronoun, (None, None))[1]
        return group in (None, "gent") or GROUP_OF_CASE.get(tag.case) == group
    return tag.POS in ("ADJF", "PRTF") or "Apro" in tag


# After a preposition a nominative is impossible: indeclinable names (Кити,
# Долли) get their case from the preposition instead of the dictionary.
_PREP_CASE = {
    **dict.fromkeys("у от до из без для около возле кроме после среди вместо мимо против про через "
                    "сквозь в во на".split(), "gent"),
    **dict.fromkeys("к ко по о об обо при".split(), "datv"),
    **dict.fromkeys("с со над надо под подо перед передо за между".split(), "ablt"),
}


def _after_preposition(text: str, start: int, pronoun: str) -> str:
    mode, group = _PRONOUN.get(pronoun, (None, None))
    if group != "nomn":
        return pronoun
    m = re.search(r"(?:^|[^\w-])([^\W\d_]+)\s+$", text[:start])
    case = _PREP_CASE.get(m.group(1).lower()) if m else None
    return PRONOUNS[mode][case] if case else pronoun


def _apposition(text: str, start: int) -> bool:
    """`моя жена, Луиза,` / `Лесничий этот, Сычиха`: the name explains a noun
    phrase with a possessive or demonstrative pronoun; it is not an address."""
    m = re.search(r"([^\W\d_]+)\s+([^\W\d_]+),\s*$", text[:start])
    if not m:
        return False
    w1, w2 = (parse_top(x.lower()).tag for x in m.groups())
    return ("Apro" in w1 and w2.POS == "NOUN") or (w1.POS == "NOUN" and "Apro" in w2)


def _cap(s: str, on: bool) -> str:
    return s[:1].upper() + s[1:] if on else s


class Replacer:
    def __init__(self, mapping: dict[str, str]):
        self.mapping = {k: v for k, v in mapping.items() if v is not None}
        self.matcher = build_matcher(self.mapping)
        self.stats: Counter[str] = Counter()

    def value_for(self, found: str) -> str:
        return self.mapping[" ".join(found.split())]

    def replica(self, segments):
        """Returns new segments (tuples), unchanged object when nothing matched."""
        if self.matcher is None:
            return segments
        out = [list(s) for s in segments]
        changed = False
        cap_next = False
        for i, (kind, text) in enumerate(segments):
            new = self._segment(segments, i, kind, text)
            if cap_next and kind == "s" and new:
                new = new[:1].upper() + new[1:]
                cap_next = False
            if new != text:
                changed = True
                if kind == "s" and not new.strip() and _sentence_start(segments, i, text, 0):
                    cap_next = True  # a removed leading address: the next speech starts the sentence
                out[i][1] = new
        if not changed:
            return segments
        if not any(t.strip() for k, t in out if k == "s") and any(k == "s" and t.strip() for k, t in segments):
            self.stats["vocatives_kept_sole"] += 1
            return segments  # the replica was only an address; keep it whole
        return [tuple(s) for s in out]

    def _segment(self, segments, i, kind, text):
        edits = []  # (start, end, replacement)
        for m in self.matcher.finditer(text):
            a, b = m.span()
            value = self.value_for(m.group(0))
            low = value.lower()
            if _is_intro(text, a):
                self.stats["introductions_kept"] += 1
                continue
            starts = _sentence_start(segments, i, text, a)
            if _apposition(text, a):
                self.stats["attached_kept"] += 1
                continue
            mode, group = _PRONOUN.get(low, (None, None))
            if kind == "s" and group == "nomn":
                voc = self._vocative(text, a, b, starts)
                if voc:
                    edits.append(voc)
                    self.stats["vocatives_removed"] += 1
                    continue
            if _attached(text, a, low):
                # "голос Ольги", "дед Иларион", "ваш Поликарп", "Г. Лаевскому": the
                # name hangs on another word; "голос меня" is not Russian, keep it.
                self.stats["attached_kept"] += 1
                continue
            low = _after_preposition(text, a, low)
            mode, group = _PRONOUN.get(low, (None, None))
            edits.append((a, b, _cap(low, starts)))
            self.stats[f"replaced_{low}"] += 1
            prev = prev_word(text, a)
            if prev:
                long = LONG_PREP.get((prev.group(1).lower(), low))
                if long:
                    w = prev.group(1)
                    edits.append((prev.start(1), prev.end(1), _cap(long, w[:1].isupper())))
                    self.stats["prepositions_lengthened"] += 1
            if group == "nomn":
                verb = _find_verb(text, a, b, _PERSON[mode])
                if verb:
                    edits.append(verb)
                    self.stats["verbs_reinflected"] += 1
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
    def _vocative(text, a, b, starts):
        """An address set off by commas or ending the sentence: its removal edit."""
        before = text[:a].rstrip()
        after = text[b:]
        after_s = after.lstrip()
        left_ok = starts or before.endswith(",")
        nxt = after_s[:1]
        if not left_ok or not (nxt == "" or nxt in ",!?.…"):
            return None
        if nxt == "?" and not before.endswith(","):
            return None  # "Григорий?" asks about the name; it is replaced, not removed
        if nxt == ",":
            # "Костя, иди" -> "Иди"; "Послушай, Ваня, это" -> "Послушай, это"
            end = b + (len(after) - len(after_s)) + 1
            rest = text[end:]
            end += len(rest) - len(rest.lstrip())
            if starts and end < len(text):
                return a, end + 1, text[end].upper()
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
        return a, end, ""


def write_time(out_dir: str | Path, dict_dir: str | Path) -> dict:
    out_dir = Path(out_dir)
    src = require_file(out_dir / "dialogs.jsonl", "dialogs.jsonl", "run the dialogs stage first")
    reps = {m: Replacer(load_dict(dict_path(dict_dir, m))) for m in ("me", "ti")}
    total = sum(1 for _ in open(src, encoding="utf-8"))
    stats = {"dialogs": 0, "changed_me": 0, "changed_ti": 0, "lines": 0}
    with atomic_write(out_dir / "me_dialogs.txt") as fme, atomic_write(out_dir / "ti_dialogs.txt") as fti:
        for dialog in progress(read_dialogs_jsonl(src), total=total, desc="time", unit="dlg"):
            stats["dialogs"] += 1
            stats["lines"] += len(dialog)
            for mode, f in (("me", fme), ("ti", fti)):
                new = [reps[mode].replica(rep) for rep in dialog]
                if any(n is not o for n, o in zip(new, dialog)):
                    stats[f"changed_{mode}"] += 1
                for rep in new:
                    f.write(render_char(rep) + "\n")
                f.write("\n")
    for mode, r in reps.items():
        stats[mode] = dict(sorted(r.stats.items()))
    return stats


@click.command()
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--dict-dir", required=True, type=click.Path(file_okay=False))
@cli_main
def main(out_dir, dict_dir):
    """Replace names with pronouns using the (possibly hand-edited) dictionaries."""
    t0 = time.perf_counter()
    stats = write_time(out_dir, dict_dir)
    write_stats(out_dir, "time", stats, t0)


if __name__ == "__main__":
    main()
