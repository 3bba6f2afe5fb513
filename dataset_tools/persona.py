"""Persona exports: one character of the book as the assistant (SPEC §11).

Reads what make_datasets.sh wrote (pov_dialogs.txt, dialogs.txt, speakers.jsonl,
paragraphs.txt, names.json) and DICT_DIR/characters.py, and writes one of:

  messages  chat JSONL ({"messages": [{"role", "content"}]}), one conversation per dialog
  sharegpt  the same as {"conversations": [{"from", "value"}]}
  card      a chara_card_v2 character card (JSON, or PNG with a `chara` tEXt chunk)
  kit       {"character", "aliases", "lines", "speakers"} per dialog, for model_tools/character.py

Conversations: the character's lines are assistant turns, every other line
(also a line of unknown speaker) a user turn; consecutive lines of one side
are joined with a newline. A conversation starts with a user turn (an opening
line of the character is dropped unless keep_opening) and ends on an
assistant turn; a dialog with no assistant turn left is skipped.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .characters import Character, characters_path, load_characters
from .assemble import iter_blocks
from .common import KitError, atomic_write, require_file, write_json
from .speakers import read_speakers

FORMATS = ("messages", "sharegpt", "card", "kit")
CHAR = "<char>"
DEFAULT_SYSTEM = "Ты — {name}, персонаж книги «{book}»."
DEFAULT_SYSTEM_NO_BOOK = "Ты — {name}, персонаж книги."
_HINT = "run make_datasets.sh first, through the speakers stage"
_RERUN = "re-run make_datasets.sh from STAGE=speakers"


# ---------------------------------------------------------------- reading

@dataclass
class Line:
    pov: str            # pov_dialogs.txt line, with <char>
    plain: str          # dialogs.txt line, with <char> ('' when dialogs.txt is not needed)
    speaker: str | None
    addressee: str | None


@dataclass
class Book:
    out_dir: Path
    dialogs: list[list[Line]]
    chars: list[Character]
    chars_path: Path
    counts: Counter[str] = field(default_factory=Counter)  # replicas per speaker, from speakers.jsonl


def read_blocks(path: Path) -> list[list[str]]:
    """Dialog blocks of a dialogs.txt-like file: lines, an empty line after each dialog."""
    return [b.split("\n") for b in iter_blocks(path)]


def load_book(out_dir: str | Path, dict_dir: str | Path, need_plain: bool = False) -> Book:
    """Everything an export needs, checked to belong to one run."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise KitError(f"OUT_DIR not found: {out_dir} ({_HINT})")
    pov_path = require_file(out_dir / "pov_dialogs.txt", "pov_dialogs.txt", _HINT)
    spk_path = require_file(out_dir / "speakers.jsonl", "speakers.jsonl", _HINT)
    chars_path = require_file(characters_path(dict_dir), "characters.py",
                              f"{_HINT}, or pass --dict-dir where it wrote characters.py")
    chars = load_characters(chars_path)
    pov = read_blocks(pov_path)
    rows = read_speakers(spk_path)
    plain = read_blocks(require_file(out_dir / "dialogs.txt", "dialogs.txt", _HINT)) if need_plain else None
    if sum(map(len, pov)) != len(rows):
        raise KitError(f"{pov_path} has {sum(map(len, pov))} lines but {spk_path} has {len(rows)} rows: "
                       f"they are from different runs; {_RERUN}")
    if plain is not None and [len(b) for b in plain] != [len(b) for b in pov]:
        raise KitError(f"{out_dir / 'dialogs.txt'} and {pov_path} differ in their dialogs; {_RERUN}")
    dialogs, i = [], 0
    for d, block in enumerate(pov):
        lines = []
        for j, text in enumerate(block):
            row = rows[i]
            if row["dialog"] != d + 1:
                raise KitError(f"{spk_path}: row {i + 1} is of dialog {row['dialog']}, but line {j + 1} of dialog "
                               f"{d + 1} in {pov_path}; {_RERUN}")
            lines.append(Line(text, plain[d][j] if plain else "", row["speaker"], row.get("addressee")))
            i += 1
        dialogs.append(lines)
    counts = Counter(r["speaker"] for r in rows if r["speaker"])
    return Book(out_dir, dialogs, chars, chars_path, counts)


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold().replace("ё", "е")


def top_characters(book: Book, n: int = 10) -> list[tuple[str, int]]:
    return sorted(book.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def find_character(book: Book, name: str) -> Character:
    """The character NAME names: a canonical key first, else any alias."""
    want = _norm(name)
    by_key = [c for c in book.chars if _norm(c.key) == want]
    found = by_key or [c for c in book.chars if want in map(_norm, c.aliases)]
    if len(found) > 1:
        raise KitError(f"'{name}' is an alias of {len(found)} characters ({', '.join(c.key for c in found)}); "
                       "give the canonical name, or merge them in characters.py")
    if not found:
        top = ", ".join(f"{k} ({n})" for k, n in top_characters(book)) or "none with lines"
        raise KitError(f"'{name}' is not a character of {book.chars_path}; "
                       f"the characters with the most lines: {top}")
    char = found[0]
    if not book.counts[char.key]:
        raise KitError(f"{char.key} has no lines in {book.out_dir / 'speakers.jsonl'} "
                       f"(renamed or merged in characters.py after the run? {_RERUN})")
    return char


# ---------------------------------------------------------------- the book title

_HEADING = re.compile(r"^(?:глава|часть|книга|том|действие|акт|явление|сцена|картина|пролог|эпилог|предисловие|"
                      r"вступление|оглавление|содержание|[ivxlc]+|\d+)(?=$|[\s.:])", re.I)
_PERSON = re.compile(r"^[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?:\s+[А-ЯЁ](?:[а-яё]+|\.))*\s+[А-ЯЁ][а-яё]+$")


def _title_like(p: str) -> bool:
    from .replicas import is_replica

    p = p.strip()
    if not 0 < len(p) <= 80 or is_replica(p) or _HEADING.match(p) or re.search(r"[.,:;…]$", p):
        return False
    return p[:1].isupper() or p[:1] in "«\""


def guess_title(paragraphs: list[str]) -> str | None:
    """The book's title from the top of paragraphs.txt: the first short,
    title-like paragraph, or the second when the first is an author's name
    (`Лев Толстой` / `Анна Каренина`). None for a folder of texts (their
    titles differ) or when nothing there looks like a title."""
    if any(not p.strip() for p in paragraphs):
        return None  # an empty line parts the texts of a folder
    cands = []
    for p in paragraphs[:4]:
        if not _title_like(p):
            break
        cands.append(p.strip())
    if not cands:
        return None
    title = cands[1] if len(cands) > 1 and _PERSON.match(cands[0]) else cands[0]
    if title.isupper():  # УНИЖЕННЫЕ И ОСКОРБЛЕННЫЕ -> Униженные и оскорбленные
        title = title[:1] + title[1:].lower()
    return title.strip("«»\"")


def book_title(out_dir: Path, book: str | None) -> str:
    """--book if given ('' for none), else the guess from paragraphs.txt."""
    if book is not None:
        return book.strip()
    path = out_dir / "paragraphs.txt"
    if not path.exists():
        return ""
    with open(path, encoding="utf-8") as f:
        head = [line.rstrip("\n") for _, line in zip(range(6), f)]
    return guess_title(head) or ""


def system_prompt(template: str | None, name: str, title: str) -> str:
    """--system with {name} and {book} filled in; the default names the book when known."""
    if template is None:
        template = DEFAULT_SYSTEM if title else DEFAULT_SYSTEM_NO_BOOK
    return template.replace("{name}", name).replace("{book}", title)


# ---------------------------------------------------------------- conversations

def strip_char(line: str) -> str:
    return line[len(CHAR):] if line.startswith(CHAR) else line


def dialog_turns(lines: list[Line], key: str, keep_opening: bool = False, attr: str = "pov") -> list[dict]:
    """[{"role": "user"|"assistant", "content"}] of one dialog (see the module doc)."""
    turns: list[dict] = []
    for line in lines:
        role = "assistant" if line.speaker == key else "user"
        text = strip_char(getattr(line, attr))
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n" + text
        else:
            turns.append({"role": role, "content": text})
    if turns and turns[0]["role"] == "assistant" and not keep_opening:
        turns.pop(0)  # it answers nothing; user-first templates reject it
    while turns and turns[-1]["role"] == "user":
        turns.pop()
    return turns


def conversations(book: Book, key: str, system: str, keep_opening: bool = False) -> Iterator[list[dict]]:
    for lines in book.dialogs:
        if not any(x.speaker == key for x in lines):
            continue
        turns = dialog_turns(lines, key, keep_opening)
        if any(t["role"] == "assistant" for t in turns):
            yield ([{"role": "system", "content": system}] if system else []) + turns


_SHAREGPT = {"system": "system", "user": "human", "assistant": "gpt"}


def to_sharegpt(messages: list[dict]) -> dict:
    return {"conversations": [{"from": _SHAREGPT[m["role"]], "value": m["content"]} for m in messages]}


def kit_records(book: Book, char: Character) -> Iterator[dict]:
    """Every dialog the character speaks in, as model_tools/character.py reads it."""
    for lines in book.dialogs:
        if any(x.speaker == char.key for x in lines):
            yield {"character": char.key, "aliases": list(char.aliases),
                   "lines": [x.pov for x in lines], "speakers": [x.speaker for x in lines]}


# ---------------------------------------------------------------- the card

# Character Card V2 (github.com/malfoyslastname/character-card-spec-v2, spec_v2.md): every
# field of `data` with its type; character_book is the one optional field.
CARD_V2_FIELDS = {
    "name": str, "description": str, "personality": str, "scenario": str, "first_mes": str,
    "mes_example": str, "creator_notes": str, "system_prompt": str, "post_history_instructions": str,
    "alternate_greetings": list, "tags": list, "creator": str, "character_version": str, "extensions": dict,
}
CARD_V2_OPTIONAL = {"character_book": dict}
_BOOK_FIELDS = {"extensions": dict, "entries": list}
_BOOK_OPTIONAL = {"name": str, "description": str, "scan_depth": (int, float), "token_budget": (int, float),
                  "recursive_scanning": bool}
_ENTRY_FIELDS = {"keys": list, "content": str, "extensions": dict, "enabled": bool, "insertion_order": (int, float)}
_ENTRY_OPTIONAL = {"name": str, "priority": (int, float), "id": (int, float), "comment": str, "selective": bool,
                   "secondary_keys": list, "constant": bool, "position": str}


def _check_fields(obj: dict, required: dict, optional: dict, where: str) -> list[str]:
    problems = []
    for name, typ in {**required, **optional}.items():
        if name not in obj:
            if name in required:
                problems.append(f"{where}.{name} is missing")
            continue
        value = obj[name]
        if not isinstance(value, typ) or (typ in (int, float, (int, float)) and isinstance(value, bool)):
            problems.append(f"{where}.{name} must be {getattr(typ, '__name__', 'a number')}, "
                            f"got {type(value).__name__}")
        elif typ is list and not all(isinstance(x, str) for x in value) and name != "entries":
            problems.append(f"{where}.{name} must be a list of strings")
    return problems


def card_problems(card) -> list[str]:
    """What keeps `card` from being a valid chara_card_v2 (empty when it is one)."""
    if not isinstance(card, dict):
        return ["the card must be a JSON object"]
    problems = []
    if card.get("spec") != "chara_card_v2":
        problems.append(f"spec must be 'chara_card_v2', got {card.get('spec')!r}")
    if card.get("spec_version") != "2.0":
        problems.append(f"spec_version must be '2.0', got {card.get('spec_version')!r}")
    data = card.get("data")
    if not isinstance(data, dict):
        return problems + ["data must be an object"]
    problems += _check_fields(data, CARD_V2_FIELDS, CARD_V2_OPTIONAL, "data")
    cb = data.get("character_book")
    if isinstance(cb, dict):
        problems += _check_fields(cb, _BOOK_FIELDS, _BOOK_OPTIONAL, "data.character_book")
        for i, e in enumerate(cb.get("entries") or []):
            where = f"data.character_book.entries[{i}]"
            problems += _check_fields(e, _ENTRY_FIELDS, _ENTRY_OPTIONAL, where) if isinstance(e, dict) \
                else [f"{where} must be an object"]
            if isinstance(e, dict) and e.get("position", "before_char") not in ("before_char", "after_char"):
                problems.append(f"{where}.position must be 'before_char' or 'after_char'")
    return problems


def validate_card(card) -> None:
    problems = card_problems(card)
    if problems:
        raise KitError("not a valid chara_card_v2 card: " + "; ".join(problems))


_DESC_MIN, _DESC_MAX = 300, 700  # "a few hundred characters" of introduction
_PRONOUN = {"m": re.compile(r"^(?:Он|Его|Ему|Им|Нем|Нём)\b"), "f": re.compile(r"^(?:Она|Ее|Её|Ей|Ней)\b")}
_NO = re.compile(r"(?!)")


def describe(book: Book, char: Character) -> str:
    """The narration that introduces the character: from the first narration
    paragraphs that name them as a subject (a nominative form, as the speakers
    stage finds them: `Левин был почти одних лет с Облонским`, not `сестры
    Анны`), starting at the sentence of that mention, whole sentences.
    Headings and the title (short, no final stop) are not narration."""
    from razdel import sentenize

    from .replicas import is_replica
    from .speakers import MentionFinder, load_names

    path = book.out_dir / "paragraphs.txt"
    if not path.exists():
        return ""
    finder = MentionFinder(book.chars, load_names(book.out_dir))
    parts: list[str] = []
    size = 0
    with open(path, encoding="utf-8") as f:
        for p in f:
            p = p.strip()
            if not p or is_replica(p) or _title_like(p):
                continue
            mine = [m for m in finder.find(p) if m.chars == {char.key}]
            first = next((m for m in mine if "nomn" in m.groups), None)
            if first is None:
                continue
            taken, prev = [], False
            for s in sentenize(p):
                if s.stop <= first.start:
                    continue
                # Sentences about them: naming them, or going on with their pronoun.
                named = any(s.start <= m.start < s.stop for m in mine)
                if not (named or (prev and _PRONOUN.get(char.gender, _NO).match(s.text))):
                    prev = False
                    continue
                if size + len(s.text) > _DESC_MAX and (taken or parts):
                    break
                taken.append(s.text)
                size += len(s.text) + 1
                prev = True
            if taken:
                parts.append(" ".join(taken))
            if size >= _DESC_MIN:
                break
    text = "\n".join(parts)
    if len(text) > _DESC_MAX:  # one huge sentence: cut at a word
        text = text[:_DESC_MAX].rsplit(" ", 1)[0].rstrip(",;:—- ") + "…"
    return text


# Plain speech verbs, and words that say nothing of manner (глядя, вдруг, опять).
_NEUTRAL_VERBS = {"сказать", "говорить", "ответить", "отвечать", "спросить", "спрашивать", "продолжать",
                  "продолжить", "прибавить", "прибавлять", "добавить", "добавлять", "проговорить", "начать",
                  "начинать", "обратиться", "обращаться", "быть", "стать", "мочь", "думать", "подумать",
                  "сказывать", "глядеть", "смотреть", "посмотреть", "взглянуть", "видеть", "увидеть", "слышать",
                  "услышать", "чувствовать", "почувствовать", "знать", "понимать", "понять", "хотеть",
                  "повторить", "повторять", "сделать", "делать", "найти", "вспомнить", "подойти", "оборачиваться",
                  "обернуться", "обращать", "входить", "войти", "выйти", "выходить"}
_NEUTRAL_ADVERBS = {"вдруг", "опять", "только", "тотчас", "почти", "очень", "совсем", "снова", "тоже", "также",
                    "тогда", "теперь", "сейчас", "сначала", "потом", "немного", "много", "мало", "скоро", "долго",
                    "довольно", "уже", "еще", "ещё", "нарочно", "невольно", "наконец", "сразу", "прямо", "именно",
                    "что-то", "как-то", "где-то", "особенно", "совершенно", "вместе", "опять-таки"}


def remark_manner(book: Book, char: Character, n: int = 10) -> list[str]:
    """How the remarks of the character's lines say they speak: the speech
    verb (`вскрикнул`), gerunds (`улыбаясь`) and manner adverbs (`мрачно`),
    most frequent first, as the book spells them; plain verbs left out."""
    from .dialogs import read_dialogs_jsonl
    from .morph import WORD, parse_top

    path = book.out_dir / "dialogs.jsonl"
    if not path.exists():
        return []
    counts: Counter[str] = Counter()
    spelled: dict[str, Counter] = {}
    for dialog, lines in zip(read_dialogs_jsonl(path), book.dialogs):
        for segments, line in zip(dialog, lines):
            if line.speaker != char.key:
                continue
            for kind, text in segments:
                if kind != "r":
                    continue
                first_verb = True
                for w in WORD.findall(text.lower()):
                    p = parse_top(w)
                    pos, lemma = p.tag.POS, p.normal_form
                    if pos == "VERB" and first_verb:
                        first_verb = False
                        keep = lemma not in _NEUTRAL_VERBS
                    elif pos == "GRND":
                        keep = lemma not in _NEUTRAL_VERBS
                    elif pos == "ADVB":
                        keep = lemma not in _NEUTRAL_ADVERBS and len(w) > 4 and w[-1] in "оеи"
                    else:
                        keep = False
                    if keep:
                        counts[lemma] += 1
                        spelled.setdefault(lemma, Counter())[w] += 1
    best = [lemma for lemma, k in counts.most_common() if k >= 2] or [lemma for lemma, _ in counts.most_common()]
    return [spelled[lemma].most_common(1)[0][0] for lemma in best[:n]]


def partners(book: Book, char: Character, n: int = 5) -> list[str]:
    """Who the character talks with most: addressees of their lines and speakers of lines to them."""
    counts: Counter[str] = Counter()
    for lines in book.dialogs:
        for x in lines:
            if x.speaker == char.key and x.addressee not in (None, "*", char.key):
                counts[x.addressee] += 1
            elif x.addressee == char.key and x.speaker and x.speaker != char.key:
                counts[x.speaker] += 1
    return [k for k, _ in counts.most_common(n)]


_GREETING_MAX = 400  # a greeting, not a monologue


def greetings(book: Book, char: Character, n: int = 4) -> list[str]:
    """Real first lines: the character's lines that open a dialog (at least a few
    words), in book order; their very first line when none does."""
    opening = [strip_char(lines[0].plain) for lines in book.dialogs if lines[0].speaker == char.key]
    good = [x for x in opening if len(x.split()) >= 4 and len(x) <= _GREETING_MAX]
    out = good or opening
    if not out:
        out = [strip_char(x.plain) for lines in book.dialogs for x in lines if x.speaker == char.key][:1]
    return out[:n]


_EXAMPLES, _EXAMPLE_TURNS, _EXAMPLES_MAX = 4, 4, 1800


def example_exchanges(book: Book, char: Character) -> list[list[dict]]:
    """A few real exchanges spread over the book: user-first, ending on the character."""
    found, sure = [], []
    for lines in book.dialogs:
        if not any(x.speaker == char.key for x in lines):
            continue
        lines = lines[:_EXAMPLE_TURNS * 2]
        turns = dialog_turns(lines, char.key, attr="plain")
        if not turns:
            continue
        # The first turns of the dialog, cut to end on the character.
        turns = turns[:_EXAMPLE_TURNS]
        while turns[-1]["role"] == "user":
            turns.pop()
        if sum(len(t["content"]) for t in turns) <= _EXAMPLES_MAX // _EXAMPLES:
            found.append(turns)
            # Every line's speaker known: no line of theirs hides in a user turn.
            n = sum(len(t["content"].split("\n")) for t in turns)
            if all(x.speaker for x in lines[:n + 1]):
                sure.append(turns)
    if len(sure) >= _EXAMPLES:
        found = sure
    if len(found) <= _EXAMPLES:
        return found
    step = len(found) / _EXAMPLES
    return [found[int(i * step)] for i in range(_EXAMPLES)]


def format_examples(exchanges: list[list[dict]]) -> str:
    blocks = []
    for turns in exchanges:
        rows = [("{{char}}: " if t["role"] == "assistant" else "{{user}}: ") + t["content"].replace("\n", " ")
                for t in turns]
        blocks.append("<START>\n" + "\n".join(rows))
    return "\n".join(blocks)


def build_card(book: Book, char: Character, title: str) -> dict:
    greets = greetings(book, char)
    dialogs = sum(any(x.speaker == char.key for x in lines) for lines in book.dialogs)
    manner = remark_manner(book, char)
    talks_with = partners(book, char)
    where = f"книги «{title}»" if title else "книги"
    scenario = f"Действие — в мире {where}."
    if talks_with:
        scenario += f" Чаще всего {{{{char}}}} говорит там с: {', '.join(talks_with)}."
    personality = f"Манера по ремаркам книги: {', '.join(manner)}." if manner else ""
    data = {
        "name": char.key,
        "description": describe(book, char),
        "personality": personality,
        "scenario": scenario,
        "first_mes": greets[0] if greets else "",
        "mes_example": format_examples(example_exchanges(book, char)),
        "creator_notes": (f"{char.key} из {where}. Описание, приветствия и примеры — текст книги "
                          f"(реплик: {book.counts[char.key]}, диалогов: {dialogs}). Кто говорит реплику, "
                          "решено автоматически и может ошибаться. Сделано make_character.py (набор TiMe)."),
        "system_prompt": "",  # empty: the front-end's own system prompt stays in force
        "post_history_instructions": "",
        "alternate_greetings": greets[1:],
        "tags": [t for t in (title, "персонаж книги", "русский язык", "TiMe") if t],
        "creator": "TiMe kit (make_character.py)",
        "character_version": "1.0",
        "extensions": {"time_kit": {"aliases": list(char.aliases), "gender": char.gender, "book": title,
                                    "replicas": book.counts[char.key], "dialogs": dialogs}},
    }
    card = {"spec": "chara_card_v2", "spec_version": "2.0", "data": data}
    validate_card(card)
    return card


# ---------------------------------------------------------------- PNG

PNG_SIZE = (400, 600)


def _font(size: int):
    """DejaVu Sans (Cyrillic) from matplotlib's data, which the kit installs; else Pillow's own."""
    import importlib.util

    from PIL import ImageFont

    spec = importlib.util.find_spec("matplotlib")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        ttf = Path(loc) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if ttf.exists():
            return ImageFont.truetype(str(ttf), size)
    return ImageFont.load_default(size)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, cur = [], ""
    for w in text.split():
        cand = f"{cur} {w}".strip()
        if cur and draw.textlength(cand, font=font) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    return lines + [cur] if cur else lines


def placeholder_image(name: str, subtitle: str = ""):
    """A plain portrait-sized picture with the name: colours from the name's hash."""
    from PIL import Image, ImageDraw

    h = hashlib.sha256(name.encode()).digest()
    bg = tuple(40 + x % 90 for x in h[:3])
    img = Image.new("RGB", PNG_SIZE, bg)
    draw = ImageDraw.Draw(img)
    draw.rectangle([12, 12, PNG_SIZE[0] - 13, PNG_SIZE[1] - 13], outline=(235, 225, 200), width=3)
    y = PNG_SIZE[1] // 2 - 40
    for text, size in ((name, 40), (subtitle, 20)):
        font = _font(size)
        for row in _wrap(draw, text, font, PNG_SIZE[0] - 60):
            draw.text((PNG_SIZE[0] // 2, y), row, font=font, fill=(245, 240, 225), anchor="mt")
            y += size + 10
        y += 20
    return img


def card_to_b64(card: dict) -> str:
    return base64.b64encode(json.dumps(card, ensure_ascii=False).encode("utf-8")).decode("ascii")


def write_card_png(path: str | Path, card: dict) -> None:
    """The card in a `chara` tEXt chunk (base64 of its UTF-8 JSON), as SillyTavern reads it."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("chara", card_to_b64(card))  # ASCII, no zip: a tEXt chunk, not zTXt/iTXt
    title = card["data"].get("extensions", {}).get("time_kit", {}).get("book", "")
    img = placeholder_image(card["data"]["name"], f"«{title}»" if title else "")
    with atomic_write(path, "wb") as f:
        img.save(f, format="PNG", pnginfo=info)


def read_card_png(path: str | Path) -> dict:
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        chunk = img.text.get("chara") if hasattr(img, "text") else None
    if chunk is None:
        raise KitError(f"{path} has no 'chara' text chunk")
    return json.loads(base64.b64decode(chunk).decode("utf-8"))


# ---------------------------------------------------------------- export

def write_jsonl(path: str | Path, records) -> int:
    n = 0
    with atomic_write(path) as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def check_jsonl_with_datasets(path: str | Path, cache_dir: str | Path) -> int:
    """Loads the JSONL with the `datasets` library as trainers do; the number of rows."""
    import datasets

    try:
        ds = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache_dir))
    except Exception as e:  # noqa: BLE001 - any failure means trainers would fail too
        raise KitError(f"{path}: the datasets library cannot read it ({type(e).__name__}: {e})") from None
    return ds.num_rows


def export_character(out_dir, name: str, fmt: str, dst, dict_dir="dicts", system: str | None = None,
                     book: str | None = None, keep_opening: bool = False) -> dict:
    """Writes one export; returns stats for the summary line."""
    if fmt not in FORMATS:
        raise KitError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    data = load_book(out_dir, dict_dir, need_plain=fmt == "card")
    char = find_character(data, name)
    title = book_title(data.out_dir, book)
    stats = {"character": char.key, "format": fmt, "book": title, "dialogs": 0, "turns": 0, "assistant_turns": 0}
    if fmt in ("messages", "sharegpt"):
        convs = list(conversations(data, char.key, system_prompt(system, char.key, title), keep_opening))
        if not convs:
            raise KitError(f"{char.key} never answers anybody: no conversation to write")
        write_jsonl(dst, ({"messages": c} for c in convs) if fmt == "messages" else map(to_sharegpt, convs))
        stats["dialogs"] = len(convs)
        stats["turns"] = sum(len(c) for c in convs)
        stats["assistant_turns"] = sum(m["role"] == "assistant" for c in convs for m in c)
    elif fmt == "kit":
        recs = list(kit_records(data, char))
        write_jsonl(dst, recs)
        stats["dialogs"] = len(recs)
        stats["turns"] = sum(len(r["lines"]) for r in recs)
        stats["assistant_turns"] = sum(s == char.key for r in recs for s in r["speakers"])
    else:
        card = build_card(data, char, title)
        if str(dst).lower().endswith(".png"):
            write_card_png(dst, card)
        else:
            write_json(dst, card)
        ex = card["data"]["mes_example"]
        stats["dialogs"] = ex.count("<START>")
        stats["turns"] = ex.count("\n{{user}}: ") + ex.count("\n{{char}}: ")
        stats["assistant_turns"] = ex.count("\n{{char}}: ")
    return stats
