"""Speaker-aware TiMe: each line from its speaker's point of view (SPEC §9).

The speaker's names become first-person pronouns and the addressee's names
second-person ones, by the same Replacer as the me/ti datasets, fed with a
mapping of only those two characters' forms (values from dict_me.py and
dict_ti.py, so hand edits hold). A remark's `он`/`она` that stands for the
speaker becomes `я`, its present-tense verb agreeing (`говорит он` ->
`говорю я`). Everybody else keeps their name; a line with no speaker is
left byte-identical.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .characters import characters_path, load_characters
from .morph import WORD, parse_top
from .speakers import MentionFinder, load_names, remark_subject


_ALIAS_FORMS = True  # the speaker's names missing from the dictionaries, by their case (see __init__)
_FOLLOW_UP = True  # a later "он" of the speaker's own remark becomes "я" too (see _follow_up)
# "я" as a remark's subject: at its start or after its verb ("вздохнул я", "вздрогнув, сказала я")
_FIRST = re.compile(r"^(?:[^\W\d_]+,?\s+){0,3}?(я)(?![\w-])|^\s*(Я)(?![\w-])")
# ... or a later sentence of the remark that opens with the speaker: "… «Семь и восемнадцать!» У меня
# меняется выражение, он уже не плачет" (a play's direction)
_SENTENCE_FIRST = re.compile(r"(?:[.!?…;»]\s+)(?:[^\W\d_]+\s+){0,2}?(я|меня|мне|мной)(?![\w-])", re.I)
_FOLLOW_UP_LATER_SENTENCE = True
_TURNS_FIRST = True  # the addressee's names in the speech before the segment that turns to them stay (see replica)
_GERUND_PHRASE_PASSES = True  # a gerund phrase right before the "он"/"она" does not stop the follow-up
_GERUND_BEFORE = re.compile(r"(?:^|[.;!?…]\s+|,\s*|\sи\s+)([^\W\d_]+)[^.;!?…,]*,\s*$")
_EARLIER_SUBJECTS_ONLY = True
# "он и Самойленко" (an enumeration), not "он и обещал" (a particle before the verb)
_AND_SOMEBODY = re.compile(r"\s+и\s+(?![а-яё]+(?:л|ла|ло|ли|ет|ит|ут|ют|ат|ят)\b)")
_QUOTE = re.compile(r"«[^»]*»?|„[^“]*“?")
_FOLLOW_UP_SUBJECT = True  # ... and after a "я" the remark's verb has for subject anywhere (past a gerund phrase)
_LATER_REMARKS = True  # "— …, — сказала Анна. — …, — продолжала она": the later remark's "она" is the speaker too


# The speaker's oblique pronouns that can only be personal ("у него", "ему"),
# by the preposition before them (None: none); "его", "её", "им" may be
# "his", "her", "them" and stay.
_INSTR_PREPS = {"с", "со", "за", "над", "под", "перед", "между"}
_OBLIQUE_ME = {
    "m": {"него": lambda p: "меня" if p else None, "ему": lambda p: None if p else "мне",
          "нему": lambda p: "мне" if p else None, "нём": lambda p: "мне" if p else None,
          "нем": lambda p: "мне" if p else None, "ним": lambda p: "мной" if p in _INSTR_PREPS else None},
    "f": {"неё": lambda p: "меня" if p else None, "нее": lambda p: "меня" if p else None,
          "ей": lambda p: None if p else "мне", "ней": lambda p: ("мной" if p in _INSTR_PREPS else "мне") if p else None,
          "нею": lambda p: "мной" if p else None},
}


class PovRewriter:
    def __init__(self, chars, names: dict[str, dict], me: dict[str, str], ti: dict[str, str],
                 kit: dict[str, dict | None] | None = None, saved_forms: dict | None = None):
        """chars: the characters; names: names.json (form -> info); me/ti: the
        dictionaries; kit: per mode, the values the kit itself wrote (so that
        only those are decided again from context); saved_forms: the speakers
        stage's form index for the same characters."""
        self.stats: Counter[str] = Counter()
        self.finder = MentionFinder(chars, names, saved_forms)
        self.gender = {c.key: c.gender for c in chars}
        self.kit = kit or {}
        # Dictionary form -> the one character it names (forms naming two are left alone).
        owner = {f: next(iter(k)) for f, k in self.finder.form_chars.items() if len(k) == 1}
        self.me: dict[str, dict[str, str]] = {}
        self.ti: dict[str, dict[str, str]] = {}
        for table, src in ((self.me, me), (self.ti, ti)):
            for form, value in src.items():
                if form in owner:
                    table.setdefault(owner[form], {})[form] = value
        if _ALIAS_FORMS:
            # A character's name the names stage never put in the dictionaries ("Облонский":
            # NER missed the adjective-shaped surname; the speakers stage found it in remarks):
            # its pronoun by the one case the form has. A form the kit wrote and the user
            # deleted stays deleted.
            from .names import PRONOUNS

            wrote = set((self.kit.get("me") or {})) | set(me)
            for form, key in owner.items():
                groups = self.finder.form_groups.get(form, set())
                if form in wrote or not form[:1].isupper() or len(groups) != 1:
                    continue
                group = next(iter(groups))
                self.me.setdefault(key, {})[form] = PRONOUNS["me"][group]
                if form not in ti:
                    self.ti.setdefault(key, {})[form] = PRONOUNS["ti"][group]
                self.stats["alias_forms"] += 1
        self._replacers: dict = {}

    def counts(self) -> Counter[str]:
        """Its own counts and those of the replacers it made."""
        out = Counter(self.stats)
        for r in self._replacers.values():
            out.update(r.stats)
        return out

    def reset_counts(self) -> None:
        self.stats.clear()
        for r in self._replacers.values():
            r.stats.clear()

    @classmethod
    def from_run(cls, out_dir: str | Path, dict_dir: str | Path, me: dict[str, str], ti: dict[str, str],
                 kit: dict[str, dict | None] | None = None):
        from .speakers import load_forms

        saved = load_forms(Path(out_dir), Path(dict_dir))
        chars = load_characters(characters_path(dict_dir))
        return cls(chars, {} if saved else load_names(Path(out_dir)), me, ti, kit, saved)

    def _replacer(self, table: str, who: str):
        from .time_replace import Replacer

        key = (table, who)
        if key not in self._replacers:
            # nobody calls himself: the speaker's own name in an address is one he quotes
            self._replacers[key] = Replacer(getattr(self, table).get(who, {}), kit=self.kit.get(table),
                                            calls=table != "me")
        return self._replacers[key]

    def replica(self, segments, speaker: str | None, addressee: str | None, how: str | None = "pronoun",
                before=None):
        """The replica rewritten for its speaker; the same object when nothing
        changed. `how` is the speakers stage's: a remark pronoun is the
        speaker's only where it is what named the speaker (a play's direction
        `(она оглянулась на него)` speaks of somebody else). `before`: the
        dialog's previous replicas (see Replacer.replica)."""
        if not speaker:
            return segments
        turned = self._addressed_here(segments, addressee) if addressee else None
        if addressee and turned is None:
            # Known only as the other one of a talk of two: "Тише! Вася спит" may be
            # said to a third person about Вася, so his name stays.
            addressee = None
            self.stats["addressee_implicit"] += 1
        # One pass per person, the addressee first: "сказал Базаров Аркадию" is
        # "сказал я тебе" (the two are not one person twice, which the keep
        # rules guard against), and no "я" of ours stands before the addressee
        # to look like a self-introduction ("я Аркадий").
        new = segments
        if addressee and addressee not in ("*", speaker):
            new = self._replacer("ti", addressee).replica(new, before)
            if turned and _TURNS_FIRST:
                # "Вот Володя не спит… (сказала она) Володя, поищите": before the line
                # turns to him, he is spoken of to somebody else, and keeps his name
                # (a name asked alone, "Григорий? — Ты, Гриша, что ли?", is a call)
                new = [segments[j] if j < turned and x[0] == "s" and len(WORD.findall(segments[j][1])) > 2 else x
                       for j, x in enumerate(new)]
        if how == "pronoun":
            new = self._remark_pronoun(new)
        new = self._replacer("me", speaker).replica(new, before)
        if how != "play" and _LATER_REMARKS and new != segments:
            new = self._remark_pronoun(new, later=self.gender.get(speaker), original=segments)
        if new != segments and _FOLLOW_UP:
            new = self._follow_up(new, speaker, addressee, segments)
        return segments if new == segments else new

    def _follow_up(self, segments, speaker: str, addressee: str | None, segments_before):
        """`(вздохнул я; он помолчал и спросил тихо)`: every later `он`/`она` of
        the remark whose subject became `я` is the speaker too, as long as
        nobody else of that gender is named between (the subject goes on).
        Oblique forms (`ему`, `его`) stay: `его` may be "his" or "him"."""
        from .morph import prev_word
        from .names import PREP_GROUPS
        from .speakers import people_in
        from .time_replace import _FIRST_PERSON_WORDS, _cap, preposition_edit, verb_edits

        g = self.gender.get(speaker)
        if g not in ("m", "f"):
            return segments
        subject = "он" if g == "m" else "она"
        pron = re.compile(r"(?<![\w-])(" + "|".join([subject, *_OBLIQUE_ME[g]]) + r")(?![\w-])", re.I)
        out = list(segments)
        for i, (kind, text) in enumerate(out):
            if kind != "r" or _FIRST.search(segments_before[i][1]):
                continue  # a narrator's own "я" was there already: "он" is somebody else
            me = _FIRST.search(text) or (_SENTENCE_FIRST.search(text) if _FOLLOW_UP_LATER_SENTENCE else None)
            if me is not None and me.re is _FIRST and text[:me.start()].strip(" ,"):
                me = None
            me_end = me.end() if me is not None else None
            if me_end is None and _FOLLOW_UP_SUBJECT:
                # "опять дотрогиваясь до его руки, сказал я, как будто он…": the remark verb's subject "я"
                s = remark_subject(text, self.finder.find(text), i)
                me_end = s.span[2] if s is not None and s.kind == "self" and s.span is not None else None
            if me_end is None:
                continue  # only a remark whose subject is "я" (or a sentence of it that opens with "я")
            if any(w.lower() in _FIRST_PERSON_WORDS for w in WORD.findall(segments_before[i][1])):
                continue
            edits = []
            start = me_end
            quoted = [q.span() for q in _QUOTE.finditer(text)]
            for m in pron.finditer(text, me_end):
                a, b = m.span()
                if any(qa < a < qb for qa, qb in quoted):
                    continue  # «К чему ему нужно спрашивать?» — somebody's words or thoughts
                word = m.group(1).lower()
                between = text[start:a]
                gerund = _GERUND_BEFORE.search(between) if _GERUND_PHRASE_PASSES else None
                if gerund and parse_top(gerund.group(1).lower()).tag.POS == "GRND" and word == subject:
                    # "Подвинув чашку к Анне, она достала…": the gerund's object is not its subject
                    between = between[:gerund.start(1)]
                # Anybody of that gender named in the pronoun's own sentence stops it; in an
                # earlier sentence only one who may be a subject does ("при виде зятя …. Чтобы
                # скрыть это смущение, он достал" is the speaker).
                ends = [e.end() for e in re.finditer(r"[.!?…;]\s+", between)] if _EARLIER_SUBJECTS_ONLY else []
                # (only the rest of the sentence of the "я" itself: "В лице Вронского светилось
                # добродушие. Он облокотился" is Вронский, the talk has turned to him)
                cut = ends[0] if len(ends) == 1 else 0
                earlier, own = between[:cut], between[cut:]
                named = people_in(own, self.finder.find(own), {}) + (
                    people_in(earlier, self.finder.find(earlier), {}, subjects=True) if earlier else [])
                if any(c == addressee or (c.startswith("~") and c.rsplit("|", 1)[-1] in (g, "?"))
                       or (c in self.gender and self.gender[c] in (g, "?")) for c in named):
                    break  # "(сказал я Кате, и она …)", "(сказал я, а доктор …; он …)"
                if re.search(r"(?<![\w-])(?:а|но|однако)\s*$", text[:a]) or _AND_SOMEBODY.match(text, b) \
                        or re.search(r"(?:они|оба|обе)\s*,\s*$", text[:a]):
                    break  # "сказал я, а он промолчал" is the other one; "оба они, он и Самойленко"
                if word != subject:
                    if not re.search(r"[.;!?…]", text[me_end:a]):
                        # "пожимая ему руку", "глядя ей в глаза": a personal pronoun in the clause of
                        # the "я" is somebody else (the speaker would be "себе"); only a later sentence's
                        continue
                    # "у него заболело сердце" -> "у меня": a personal form by its preposition
                    prep = prev_word(text, a)
                    p = prep.group(1).lower() if prep and prep.group(1).lower() in PREP_GROUPS else None
                    new = _OBLIQUE_ME[g][word](p)
                    if new:
                        edits.append((a, b, _cap(new, m.group(1)[:1].isupper())))
                        edits += [e for e in [preposition_edit(text, a, new)] if e and p]
                        self.stats["follow_up_pronouns"] += 1
                        start = b
                    continue
                if not re.search(r"[,;.:…]|\sи\s", between):
                    break  # "сказал я он…": no clause of its own
                edits.append((a, b, _cap("я", m.group(1)[:1].isupper())))
                edits += verb_edits(text, a, b, "1per")
                start = b
                self.stats["follow_up_pronouns"] += 1
            for ea, eb, rep in sorted(edits, reverse=True):
                text = text[:ea] + rep + text[eb:]
            out[i] = (kind, text)
        return out

    def _addressed_here(self, segments, addressee: str) -> int | None:
        """The index of the segment where the line itself calls the addressee (a
        vocative) or its remark names them; None when it does neither."""
        from .speakers import remark_addressees, speech_vocatives

        for i, (kind, text) in enumerate(segments):
            mentions = self.finder.find(text)
            if kind == "s" and addressee in speech_vocatives(segments, i, text, mentions):
                return i
            if kind == "r" and addressee in remark_addressees(text, mentions, remark_subject(text, mentions, i)):
                return i
        return None

    def _remark_pronoun(self, segments, later: str | None = None, original=None):
        """`— ответил он` -> `— ответил я`: the remark's subject pronoun is the
        speaker. `later`: the speaker's gender, once a remark has made them `я`:
        then every other remark of the line whose subject is `он`/`она` of that
        gender, after it (`— …, — сказала Анна. — …, — продолжала она` ->
        `продолжала я`) or before it (`— …, — проговорил он. — …, — сказал
        Вася`), up to a remark that names another person of that gender.
        `original`: the replica before any edit (a narrator's own "я" there is
        no speaker's)."""
        from .time_replace import _FIRST_PERSON_WORDS

        out = list(segments)
        remarks = [i for i, (kind, _) in enumerate(out) if kind == "r"]
        if later is None:
            for i in remarks:
                s = remark_subject(out[i][1], self.finder.find(out[i][1]), i)
                if s is None or s.kind != "pronoun" or s.span is None:
                    continue
                if self._pronoun_to_me(out, i, s):
                    self.stats["remark_pronouns"] += 1
                break  # one subject per replica: the one that named the speaker
            return out if out != list(segments) else segments
        first = next((i for i in remarks if _FIRST.search(out[i][1]) and not _FIRST.search(original[i][1])), None)
        if first is None:
            return segments
        k = remarks.index(first)
        for order in (remarks[k + 1:], remarks[:k][::-1]):
            for i in order:
                text = out[i][1]
                if any(w.lower() in _FIRST_PERSON_WORDS for w in WORD.findall(original[i][1])):
                    break  # the narrator's own words ("сказал, обращаясь ко мне"): "я" is taken
                mentions = self.finder.find(text)
                s = remark_subject(text, mentions, i)
                if s is None or s.kind != "pronoun" or s.span is None or s.gender != later:
                    if s is not None and s.kind in ("name", "noun") or self._names_gender(text, mentions, later):
                        break  # somebody else of that gender acts: "она" may be them
                    continue
                # (the original remark had no first person: a "я" there now is the speaker's own)
                if self._names_gender(text[:s.span[1]], self.finder.find(text[:s.span[1]]), later) \
                        or not self._pronoun_to_me(out, i, s, clash=False):
                    break
                self.stats["later_remark_pronouns"] += 1
        return out if out != list(segments) else segments

    def _names_gender(self, text, mentions, gender) -> bool:
        from .speakers import people_in

        return any(c in self.gender and self.gender[c] in (gender, "?") or c.endswith("|" + gender)
                   for c in people_in(text, mentions, {}))

    def _pronoun_to_me(self, out, i, s, clash: bool = True) -> bool:
        """The remark's subject `он`/`она` at s.span becomes `я`, its verb agreeing;
        False where a first person of somebody else stands there already (`clash`)."""
        from .time_replace import _agree, _coordinated_verbs, _same_person

        kind, text = out[i]
        _, a, b = s.span
        if clash and _same_person(text, a, b, "me", remark=True):
            # "обратился он ко мне" in a first-person novel: "мне" is the narrator, and
            # "обратился я ко мне" would be nonsense (the clash rule of TiMe)
            self.stats["remark_pronouns_clash_kept"] += 1
            return False
        edits = [(a, b, "Я" if text[a:b][:1].isupper() else "я")]
        if s.verb is not None:
            _, va, vb = s.verb
            new = _agree(text[va:vb], "1per")
            if new:
                edits.append((va, vb, new))
                edits += _coordinated_verbs(text, max(b, vb), "1per")
                self.stats["verbs_reinflected"] += 1
        for ea, eb, rep in sorted(edits, reverse=True):
            text = text[:ea] + rep + text[eb:]
        out[i] = (kind, text)
        return True
