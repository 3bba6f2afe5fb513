"""Characters: one entry per person with every name the text uses (SPEC §8).

Name forms come from the names stage (names.json). Each form is split into
first name / patronymic / surname with Natasha's NamesExtractor, every part is
put in the nominative with pymorphy3, and the nominative aliases are grouped:
an alias joins the one longer name that contains all of its parts (`Базаров`
and `Евгений` join `Евгений Васильевич Базаров`; `Николай` stays apart when
there are a `Николай Петрович` and a `Николай Иваныч`), and a diminutive joins
the one name it shortens (`Аркаша` -> `Аркадий`). A wrong merge costs more
than a missed one: the user merges by hand in characters.py.
"""
from __future__ import annotations

import ast
import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .common import KitError, atomic_write
from .dicts import backup_if_edited, is_edited, parse_literal, repr_ru, with_checksum
from .morph import SURNAME_STEM_ENDS, get_known, parse_all

GENDERS = ("m", "f", "?")
_PYMORPHY_GENDER = {"masc": "m", "femn": "f"}
# Colloquial and full patronymics share a stem: Васильич / Васильевич, Ионыч / Ионович.
_PATR_END = re.compile(r"(?:ьевич|ьевна|евич|евна|ович|овна|ьич|ична|ишна|инична|ич|ыч|на)$")
_PATR_SHAPE = re.compile(r"(?:ич|ыч|вна|ична|ишна)(?:а|у|ем|ом|е|ой|ею|ы)?$")
# Hypocoristic endings: Аркаша, Машенька, Костя, Гришутка, Петруша.
_DIMINUTIVE = re.compile(r"(?:ша|ня|ля|ся|тя|дя|ка|енька|онька|очка|ечка|ушка|юшка|уша|юша|уся|юся|ик|ок|ечек|ёк|ша)$")


def characters_path(dict_dir: str | Path) -> Path:
    return Path(dict_dir) / "characters.py"


@dataclass
class Character:
    key: str
    aliases: list[str]
    gender: str = "?"
    replicas: int = 0
    mentions: int = 0
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- name parts

@functools.cache
def _names_extractor():
    import warnings

    with warnings.catch_warnings():
        # pymorphy2 (under natasha) imports the deprecated pkg_resources.
        warnings.filterwarnings("ignore", message=r".*pkg_resources.*")
        from natasha import MorphVocab, NamesExtractor

        return NamesExtractor(MorphVocab())


def patr_key(word: str) -> str:
    key = _PATR_END.sub("", word.lower().replace("ё", "е")).rstrip("ь")
    # "Митрич" is how Дмитриевич is said
    return "д" + key if key.startswith("митр") else key


@functools.lru_cache(maxsize=100_000)
def _is_patronymic(word: str) -> bool:
    return any("Patr" in p.tag for p in parse_all(word)) or bool(_PATR_SHAPE.search(word.lower()))


@functools.lru_cache(maxsize=100_000)
def word_roles(form: str) -> tuple[str, ...]:
    """One role per word: 'first', 'middle' or 'last'. NamesExtractor splits a
    name of several words; a word it calls a surname but that is a patronymic
    (`Николай Петрович`) is the middle name. A lone word it always calls a
    first name, so there pymorphy decides: a dictionary first name, else a
    surname reading (Базаров, Ихменеву), else a first name."""
    words = form.split()
    roles: list[str | None] = [None] * len(words)
    if len(words) in (2, 3) and _is_patronymic(words[1]) and not _is_patronymic(words[0]):
        # "Имя Отчество [Фамилия]": the common shape needs no parser (and the
        # parser is the slow part of the stage).
        return ("first", "middle", "last")[:len(words)]
    match = _names_extractor().find(form) if len(words) > 1 else None
    if match is not None:
        fact = match.fact
        for role in ("first", "middle", "last"):
            part = getattr(fact, role)
            if part and part in words:
                roles[words.index(part)] = role
    for i, w in enumerate(words):
        if roles[i] in (None, "last") and i > 0 and _is_patronymic(w):
            roles[i] = "middle"
        elif roles[i] is None:
            parses = parse_all(w)
            if get_known(w.lower()) and any("Name" in p.tag for p in parses):
                roles[i] = "first"
            elif any("Surn" in p.tag for p in parses):
                roles[i] = "last"
            else:
                roles[i] = "first"
    return tuple(roles)  # type: ignore[return-value]


_ROLE_TAG = {"first": "Name", "middle": "Patr", "last": "Surn"}
# Particles glued to a name in speech: "Алексей Иванович-то", "Петр Иваныч-с".
_PARTICLE = re.compile(r"-(?:то|с|ка|де|ста)(?=\s|$)")


@functools.lru_cache(maxsize=100_000)
def _word_parse(word: str, role: str, group: str | None = None):
    """The pymorphy parse of a name word for its role, singular, preferring the
    case group the names stage decided in context; None if unknown."""
    from .names import GROUP_OF_CASE

    parses = [p for p in parse_all(word) if p.tag.case and p.tag.number != "plur"]
    tagged = [p for p in parses if _ROLE_TAG[role] in p.tag]
    if not tagged and (role == "middle" or not get_known(word.lower())):
        tagged = [p for p in parses if "anim" in p.tag and p.tag.POS == "NOUN" and p.score >= 0.05]
    if not tagged:
        return None
    # Declinable readings first (Анне is Анна's dative, not the indeclinable Анне).
    tagged.sort(key=lambda p: (group is not None and GROUP_OF_CASE.get(p.tag.case) != group, "Fixd" in p.tag, -p.score))
    return tagged[0]


def _cap(word: str, like: str) -> str:
    if "-" in like:  # Де-Грие, Анна-Мария keep their capitals
        return "-".join(_cap(a, b) for a, b in zip(word.split("-"), like.split("-")))
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


@functools.lru_cache(maxsize=100_000)
def nominative(form: str, group: str | None = None) -> str:
    """The form with every word in the nominative: `Евгению Васильичу` -> `Евгений Васильич`.
    `group` is the case group the names stage decided for the form; a form it
    read as nominative (Стива, not the genitive of Стив) stays as it is."""
    form = _PARTICLE.sub("", form)
    words, roles = form.split(), word_roles(form)
    out = []
    for w, role in zip(words, roles):
        p = _word_parse(w, role, group)
        if group == "nomn" and (p is None or p.tag.case == "nomn" or w[-1:] in "аяь" or (
                w[-2:] in ("ой", "ей") and not get_known(w.lower()))):
            # Стива is a nominative where the text says so, whatever pymorphy
            # thinks of Стив; "с Алексей Александровичем" is not; an unknown
            # "Сисой" the text uses as a nominative is no instrumental of "Сиса".
            out.append(w)
            continue
        new = p.inflect({"nomn"}) if p is not None and p.tag.case not in ("nomn", None) else None
        out.append(_cap(new.word, w) if new is not None else w)
    return " ".join(out)


@functools.lru_cache(maxsize=100_000)
def name_gender(alias: str) -> str:
    """m/f from the name words' morphology (first name, patronymic, surname), else ?."""
    votes: Counter[str] = Counter()
    for w, role in zip(alias.split(), word_roles(alias)):
        p = _word_parse(w, role)
        if p is not None and p.tag.gender in _PYMORPHY_GENDER and (get_known(w.lower()) or role != "first"):
            votes[_PYMORPHY_GENDER[p.tag.gender]] += 2 if role != "last" else 1
        if role == "middle":
            votes["f" if re.search(r"(?:вна|ична|ишна)$", w.lower()) else "m"] += 2
    if not votes or (len(votes) == 2 and votes["m"] == votes["f"]):
        return "?"
    return votes.most_common(1)[0][0]


def parts_of(alias: str) -> frozenset[tuple[str, str]]:
    """The alias as a set of ("patr" or "name", key): patronymics by stem (Васильич
    = Васильевич), other words whole; ё as е. Lone words carry no sure role, so
    first names and surnames are one class."""
    out = set()
    for w, role in zip(alias.split(), word_roles(alias)):
        if role == "middle":
            out.add(("patr", patr_key(w)))
        else:
            out.add(("name", w.lower().replace("ё", "е")))
    return frozenset(out)


@functools.lru_cache(maxsize=100_000)
def inflections(alias: str) -> dict[str, set[str]]:
    """Every singular case form of the alias: {form: {pymorphy cases}}."""
    words, roles = alias.split(), word_roles(alias)
    out: dict[str, set[str]] = defaultdict(set)
    out[alias].add("nomn")
    for case in ("gent", "datv", "accs", "ablt", "loct"):
        new = []
        for w, role in zip(words, roles):
            p = _word_parse(w, role)
            inf = p.inflect({case, "sing"}) if p is not None else None
            if inf is None and p is None and role != "middle" and w.endswith(SURNAME_STEM_ENDS):
                # Кирилов, which pymorphy knows only as a genitive plural: a surname's endings
                new.append(w + SURNAME_CASE_ENDS[case])
                continue
            new.append(_cap(inf.word, w) if inf is not None else w)
        out[" ".join(new)].add(case)
    return dict(out)


# The oblique endings of such a surname (Кирилов: Кирилова, Кирилову, Кириловым, Кирилове).
SURNAME_CASE_ENDS = {"gent": "а", "datv": "у", "accs": "а", "ablt": "ым", "loct": "е"}


# ---------------------------------------------------------------- grouping

def _diminutive_of(short: str, full: str) -> bool:
    s, f = short.lower().replace("ё", "е"), full.lower().replace("ё", "е")
    if s == f or " " in s or not _DIMINUTIVE.search(s):
        return False
    n = 0
    while n < min(len(s), len(f)) and s[n] == f[n]:
        n += 1
    return n >= 3 and len(s) >= 4


# Russian hypocorisms that do not share the full name's first three letters
# (those that do, Аркаша/Аркадий, are found by the prefix): Костя is Константин,
# Стива Степан, Долли Дарья. Only a single full name of the book takes one.
_HYPOCORISMS = [(re.compile("^(?:" + pat + ")$"), tuple(full.split())) for pat, full in [
    (r"кост(?:я|енька|ик|юша|юшка|ька)", "константин"),
    (r"стив(?:а|очка)", "степан"),
    (r"долл?(?:и|инька|енька)|даш(?:а|енька|ка|уля)", "дарья"),
    (r"(?:саш|шур)(?:а|енька|ка|очка)", "александр александра"),
    (r"ван(?:я|ечка|юша|юшка|ька)", "иван"),
    (r"маш(?:а|енька|ка|уня)|ман(?:я|ечка|ька)", "мария марья"),
    (r"паш(?:а|енька|ка)", "павел"),
    (r"кол(?:я|енька|ька|юшка)", "николай"),
    (r"миш(?:а|енька|ка)", "михаил"),
    (r"(?:мит|дим)(?:я|енька|ька|а|очка)", "дмитрий"),
    (r"дун(?:я|яша|ечка|ька)", "авдотья"),
    (r"кат(?:я|енька|ечка|ька|юша)", "екатерина"),
    (r"сон(?:я|ечка|ька)", "софья софия"),
    (r"тан(?:я|ечка|юша|ька)", "татьяна"),
    (r"ан(?:я|ечка|ька|юта)|нюр(?:а|ка|очка)|нюш(?:а|ка)", "анна"),
    (r"ол(?:я|енька|ечка|ька)", "ольга"),
    (r"жен(?:я|ечка|ька)", "евгений евгения"),
    (r"вов(?:а|очка|ка)|волод(?:я|енька|ька)", "владимир"),
    (r"тол(?:я|енька|ька)", "анатолий"),
    (r"сен(?:я|ечка|ька)", "семен"),
    (r"груш(?:а|енька|ка)|грун(?:я|ечка)", "аграфена"),
    (r"наст(?:я|енька|ька)", "анастасия"),
    (r"ксюш(?:а|енька|ка)", "ксения"),
    (r"юр(?:а|очка|ка)", "юрий"),
    (r"лиз(?:а|анька|очка|ка)", "елизавета лизавета"),
    (r"леш(?:а|енька|ка)", "алексей"),
]]


_DOMINANT = 10  # a full name this many times more frequent than the others of its first name takes a diminutive


# Colloquial and full spellings of a patronymic: Алексеич/Алексеевич, Иваныч/Иванович,
# Васильич/Васильевич, Дмитрич/Дмитриевич (the text may use both for one person).
_PATR_SPELLINGS = [("еич", "еевич"), ("ьич", "ьевич"), ("рич", "риевич"), ("ыч", "ович")]


def patronymic_variants(alias: str) -> list[str]:
    """The alias with its (masculine) patronymic in the other spelling, if any."""
    words, roles = alias.split(), word_roles(alias)
    out = []
    for i, (w, role) in enumerate(zip(words, roles)):
        if role != "middle":
            continue
        for short, full in _PATR_SPELLINGS:
            if w.endswith(full):
                other = w[:-len(full)] + short
            elif w.endswith(short) and len(w) - len(short) >= 3:  # not Ильич
                other = w[:-len(short)] + full
            else:
                continue
            out.append(" ".join(words[:i] + [other] + words[i + 1:]))
            break
    return out


def _hypocorism_of(alias: str) -> tuple[str, ...]:
    a = alias.lower().replace("ё", "е")
    return next((full for pat, full in _HYPOCORISMS if pat.match(a)), ())


def build_characters(alias_counts: Counter[str], verb_genders: dict[str, Counter] | None = None) -> list[Character]:
    """Groups nominative aliases into characters (see the module docstring)."""
    verb_genders = verb_genders or {}
    aliases = [a for a, _ in sorted(alias_counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    parts = {a: parts_of(a) for a in aliases}
    # Maximal aliases: no other alias holds all of their parts.
    maximal = [a for a in aliases if not any(parts[a] < parts[b] for b in aliases)]
    # Maximal aliases with the same parts are spellings of one name (Ионыч / Ионович).
    owner: dict[str, str] = {}
    for a in maximal:
        same = next((b for b in maximal if parts[b] == parts[a] and b in owner and owner[b] == b), None)
        owner[a] = same or a
    for a in aliases:
        if a in owner:
            continue
        heads = {owner[b] for b in maximal if parts[a] < parts[b]}
        # Also by gender: "Анна" is in "Анна Петровна", not in a man's name.
        if len(heads) == 1:
            owner[a] = heads.pop()
        else:
            owner[a] = a  # "Николай" with two Николаи: its own entry, the user may merge
    # Diminutives: Аркаша -> the one first name it shortens.
    # Names by their first three letters: a diminutive shares at least those.
    firsts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for a in aliases:
        for role, key in parts[a]:
            if role == "name":
                firsts[key[:3]][key].add(owner[a])
    for a in aliases:
        if owner[a] != a or len(parts[a]) != 1:
            continue
        near = firsts.get(a.lower().replace("ё", "е")[:3], {})
        found = [(name, o) for name, owners in near.items() for o in owners
                 if o != a and _diminutive_of(a, name) and compatible_genders(name_gender(a), name_gender(o))]
        if not any(not _DIMINUTIVE.search(name) for name, _ in found):
            # "Ваня" next to "Ванюша" only: the full name it shortens may still be there
            # (Иван Петрович); beside other diminutives, only a name with a patronymic or
            # a surname (a grandmother "Мария" said once is not Маша).
            found += [(full, o) for full in _hypocorism_of(a) for o in firsts.get(full[:3], {}).get(full, ())
                      if o != a and compatible_genders(name_gender(a), name_gender(o))
                      and (not found or len(parts[o]) > 1)]
        # Гришка and Гриша both shorten Григорий: the full name wins over another diminutive.
        full = {o for name, o in found if not _DIMINUTIVE.search(name)}
        targets = full or {o for _, o in found}
        # A bare "Иван" beside "Иван Петрович" and "Иван Александрыч" is one of them, not a third man.
        targets = {t for t in targets if not any(parts[t] < parts[u] for u in targets)} or targets
        if len(targets) > 1:
            # Долли with Дарья Александровна (51 mentions) and a Дарья Дмитриевна named once:
            # the one the book is about.
            weight = {t: sum(alias_counts[b] for b in aliases if owner[b] == t) for t in targets}
            top = max(targets, key=lambda t: weight[t])
            if weight[top] >= _DOMINANT * (sum(weight.values()) - weight[top]):
                targets = {top}
        if len(targets) == 1:
            t = targets.pop()
            for b in aliases:
                if owner[b] == a:
                    owner[b] = t
    groups: dict[str, list[str]] = defaultdict(list)
    for a in aliases:
        groups[owner[a]].append(a)
    out = []
    for members in groups.values():
        members.sort(key=lambda a: (-alias_counts[a], a))
        key = members[0]
        votes: Counter[str] = Counter()
        for a in members:
            g = name_gender(a)
            if g != "?":
                votes[g] += 2 * alias_counts[a]
            votes.update(verb_genders.get(a, {}))
        gender = "?" if not votes or (len(votes) == 2 and votes["m"] == votes["f"]) else votes.most_common(1)[0][0]
        out.append(Character(key, members, gender, mentions=sum(alias_counts[a] for a in members)))
    out.sort(key=lambda c: (-c.mentions, c.key))
    return out


def compatible_genders(g1: str, g2: str) -> bool:
    return "?" in (g1, g2) or g1 == g2


# ---------------------------------------------------------------- the file

def format_characters(chars: list[Character]) -> str:
    lines = [
        "# Characters of the book: canonical name -> every name the text uses, and the gender (m, f or ?).",
        "# Merge two entries, add or drop an alias, rename a key or fix a gender, then re-run",
        "# make_datasets.sh with STAGE=speakers. This file is read as data, never executed.",
        "CHARACTERS = {",
    ]
    for c in chars:
        aliases = ", ".join(repr_ru(a) for a in c.aliases)
        lines.append(f'    {repr_ru(c.key)}: {{"aliases": [{aliases}], "gender": "{c.gender}"}},  # {c.replicas} replicas')
    lines.append("}")
    return with_checksum("\n".join(lines) + "\n")


def write_characters(dict_dir: str | Path, chars: list[Character]) -> None:
    with atomic_write(characters_path(dict_dir)) as f:
        f.write(format_characters(chars))


def backup_edited(dict_dir: str | Path) -> Path | None:
    """A names re-run starts the characters afresh; hand edits go to .bak."""
    path = characters_path(dict_dir)
    backup = backup_if_edited(path)
    if path.exists():
        path.unlink()
    return backup


def characters_edited(dict_dir: str | Path) -> bool:
    path = characters_path(dict_dir)
    return path.exists() and is_edited(path)


def load_characters(path: str | Path) -> list[Character]:
    path = Path(path)
    node = parse_literal(path, "CHARACTERS", "run from STAGE=speakers to create it")
    out = []
    for k, v in zip(node.keys, node.values):
        where = f"{path}:{v.lineno}"
        try:
            value = ast.literal_eval(v)
        except ValueError:
            raise KitError(f"{where}: the entry of {k.value!r} must be a literal like "
                           '{"aliases": ["..."], "gender": "m"}') from None
        if not isinstance(value, dict) or set(value) - {"aliases", "gender"}:
            raise KitError(f'{where}: the entry of {k.value!r} must be {{"aliases": [...], "gender": "m|f|?"}}')
        aliases = value.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise KitError(f"{where}: the aliases of {k.value!r} must be a list of non-empty quoted names")
        gender = value.get("gender", "?")
        if gender not in GENDERS:
            raise KitError(f"{where}: the gender of {k.value!r} must be \"m\", \"f\" or \"?\", got {gender!r}")
        key = " ".join(k.value.split())
        if not key:
            raise KitError(f"{where}: empty character name")
        names = [" ".join(a.split()) for a in aliases]
        if key not in names:
            names.insert(0, key)  # the key always names its character
        out.append(Character(key, names, gender))
    return out


def alias_index(chars: list[Character]) -> dict[str, set[str]]:
    """Nominative alias (ё as е) -> the keys of the characters it names."""
    index: dict[str, set[str]] = defaultdict(set)
    for c in chars:
        for a in c.aliases:
            index[a.replace("ё", "е")].add(c.key)
    return index
