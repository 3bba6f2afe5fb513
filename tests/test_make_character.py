"""make_character.py: persona exports of one character (SPEC §11), on the bundled sample."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import make_character
from dataset_tools.common import KitError
from dataset_tools.persona import (
    Line, card_problems, dialog_turns, guess_title, read_blocks, read_card_png, validate_card,
)
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """The sample through every dataset stage (as tests/golden.py builds it)."""
    from tests.golden import build

    path = tmp_path_factory.mktemp("sample")
    build(path)
    return path


def run(out, *args, ok=True):
    res = CliRunner().invoke(make_character.main, [str(out), *args, "--dict-dir", str(out)])
    if ok:
        assert res.exit_code == 0, res.output
    return res


def load_with_datasets(path, cache):
    import datasets

    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))


def speaker_lines(out, key, name="pov_dialogs.txt"):
    """The character's lines of a dialogs file, per dialog, without <char>."""
    rows = [json.loads(x) for x in (out / "speakers.jsonl").read_text(encoding="utf-8").splitlines()]
    flat = [line for block in read_blocks(out / name) for line in block]
    return [line.removeprefix("<char>") for line, r in zip(flat, rows) if r["speaker"] == key]


# ---------------------------------------------------------------- messages / sharegpt

def test_messages_read_by_datasets(out, tmp_path, caplog):
    dst = tmp_path / "vasya.jsonl"
    with caplog.at_level("INFO"):
        run(out, "Вася", "--format", "messages", "-o", str(dst))
    assert "Вася of «Ночной поезд» (messages):" in caplog.text and "Вася turns" in caplog.text  # the summary
    ds = load_with_datasets(dst, tmp_path / "cache")
    convs = [r["messages"] for r in ds]
    assert len(convs) == len(dst.read_text(encoding="utf-8").splitlines()) > 5
    mine = set(speaker_lines(out, "Вася"))
    for msgs in convs:
        assert msgs[0] == {"role": "system", "content": "Ты — Вася, персонаж книги «Ночной поезд»."}
        roles = [m["role"] for m in msgs[1:]]
        assert roles[0] == "user" and roles[-1] == "assistant"
        assert all(a != b for a, b in zip(roles, roles[1:]))  # sides alternate: same side is joined
        for m in msgs[1:]:
            assert "<char>" not in m["content"] and m["content"].strip()
            if m["role"] == "assistant":
                assert set(m["content"].split("\n")) <= mine  # the character's own pov lines, whole
    # Remarks stay in parentheses, from the speaker's point of view.
    assert any("(сказал я" in m["content"] for c in convs for m in c if m["role"] == "assistant")


def test_sharegpt_is_the_same_conversations(out, tmp_path):
    run(out, "Вася", "--format", "messages", "-o", str(tmp_path / "m.jsonl"))
    run(out, "Вася", "--format", "sharegpt", "-o", str(tmp_path / "s.jsonl"), "--check")
    ds = load_with_datasets(tmp_path / "s.jsonl", tmp_path / "cache")
    names = {"system": "system", "user": "human", "assistant": "gpt"}
    msgs = [json.loads(x)["messages"] for x in (tmp_path / "m.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["conversations"] for r in ds] == [
        [{"from": names[m["role"]], "value": m["content"]} for m in c] for c in msgs]


def test_system_option_and_book(out, tmp_path):
    dst = tmp_path / "m.jsonl"
    run(out, "Маша", "--format", "messages", "-o", str(dst), "--system", "Ты {name} из «{book}».", "--book", "Поезд")
    first = json.loads(dst.read_text(encoding="utf-8").splitlines()[0])["messages"][0]
    assert first == {"role": "system", "content": "Ты Маша из «Поезд»."}
    run(out, "Маша", "--format", "messages", "-o", str(dst), "--system", "")
    assert json.loads(dst.read_text(encoding="utf-8").splitlines()[0])["messages"][0]["role"] == "user"
    run(out, "Маша", "--format", "messages", "-o", str(dst), "--book", "")
    first = json.loads(dst.read_text(encoding="utf-8").splitlines()[0])["messages"][0]
    assert first["content"] == "Ты — Маша, персонаж книги."


def test_keep_opening_starts_with_the_character(out, tmp_path):
    dst = tmp_path / "m.jsonl"
    run(out, "Вася", "--format", "messages", "-o", str(dst), "--keep-opening")
    convs = [json.loads(x)["messages"] for x in dst.read_text(encoding="utf-8").splitlines()]
    # Вася opens the first dialog of the book: kept right after the system turn.
    assert convs[0][1] == {"role": "assistant",
                           "content": "Привет (сказал я и улыбнулся) что у нас сегодня на ужин?"}
    assert all(c[-1]["role"] == "assistant" for c in convs)


def L(speaker, text):
    return Line("<char>" + text, "<char>" + text, speaker, None)


def test_conversations_end_on_assistant_and_join_sides():
    lines = [L("A", "a1"), L("B", "b1"), L(None, "x1"), L("A", "a2"), L("A", "a3"), L("B", "b2")]
    assert dialog_turns(lines, "A") == [
        {"role": "user", "content": "b1\nx1"}, {"role": "assistant", "content": "a2\na3"}]
    assert dialog_turns(lines, "A", keep_opening=True)[0] == {"role": "assistant", "content": "a1"}
    assert dialog_turns([L("A", "a1"), L("B", "b1")], "A") == []  # nothing answered: skipped


# ---------------------------------------------------------------- kit

def test_kit_matches_the_trainer_reader(out, tmp_path):
    dst = tmp_path / "kit.jsonl"
    run(out, "Григорий Саввич", "--format", "kit", "-o", str(dst))
    recs = [json.loads(x) for x in dst.read_text(encoding="utf-8").splitlines()]
    blocks = read_blocks(out / "pov_dialogs.txt")
    rows = [json.loads(x) for x in (out / "speakers.jsonl").read_text(encoding="utf-8").splitlines()]
    want = [d for d in range(1, len(blocks) + 1)
            if any(r["dialog"] == d and r["speaker"] == "Григорий" for r in rows)]
    assert len(recs) == len(want)
    for rec, d in zip(recs, want):
        assert set(rec) == {"character", "aliases", "lines", "speakers"}
        assert rec["character"] == "Григорий" and "Гриша" in rec["aliases"]
        assert rec["lines"] == blocks[d - 1] and all(x.startswith("<char>") for x in rec["lines"])
        assert rec["speakers"] == [r["speaker"] for r in rows if r["dialog"] == d]
    character = pytest.importorskip("model_tools.character")
    canonical, aliases, mine = character.select_character(character.read_kit(dst), "Гришка", dst)
    assert canonical == "Григорий" and len(mine) == len(recs)


# ---------------------------------------------------------------- card

def test_card_json_is_a_valid_v2_card(out, tmp_path):
    dst = tmp_path / "vasya.json"
    run(out, "Васенька", "--format", "card", "-o", str(dst))
    card = json.loads(dst.read_text(encoding="utf-8"))
    assert card_problems(card) == []
    d = card["data"]
    assert card["spec"] == "chara_card_v2" and card["spec_version"] == "2.0" and d["name"] == "Вася"
    assert d["first_mes"] in speaker_lines(out, "Вася", "dialogs.txt")  # a real line, without <char>
    assert set(d["alternate_greetings"]) <= set(speaker_lines(out, "Вася", "dialogs.txt"))
    assert "Вася" in d["description"] and 100 <= len(d["description"]) <= 800
    blocks = d["mes_example"].split("<START>\n")[1:]
    assert len(blocks) >= 2 and d["mes_example"].startswith("<START>\n")
    for b in blocks:
        rows = b.strip().split("\n")
        assert rows[0].startswith("{{user}}: ") and rows[-1].startswith("{{char}}: ")
    assert "Ночной поезд" in d["tags"] and d["extensions"]["time_kit"]["aliases"] == ["Вася", "Васенька"]


def test_card_problems_finds_missing_and_mistyped_fields(out, tmp_path):
    run(out, "Маша", "--format", "card", "-o", str(tmp_path / "c.json"))
    card = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    del card["data"]["mes_example"]
    card["data"]["tags"] = "a, b"
    card["data"]["character_book"] = {"entries": [{"keys": ["x"], "content": 1}]}
    problems = card_problems(card)
    assert "data.mes_example is missing" in problems
    assert any(p.startswith("data.tags must be list") for p in problems)
    assert "data.character_book.extensions is missing" in problems
    assert any("entries[0].content must be str" in p for p in problems)
    with pytest.raises(KitError, match="not a valid chara_card_v2"):
        validate_card({"spec": "chara_card_v1", "data": {}})


def test_card_png_holds_the_card(out, tmp_path):
    from PIL import Image

    run(out, "Маша", "--format", "card", "-o", str(tmp_path / "c.json"))
    run(out, "Маша", "--format", "card", "-o", str(tmp_path / "c.png"))
    with Image.open(tmp_path / "c.png") as img:
        assert img.format == "PNG" and img.size == (400, 600)
    assert b"tEXtchara\x00" in (tmp_path / "c.png").read_bytes()  # tEXt, not zTXt/iTXt
    assert read_card_png(tmp_path / "c.png") == json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- names and errors

def test_alias_finds_the_character(out, tmp_path):
    dst = tmp_path / "g.jsonl"
    run(out, "гриша", "--format", "kit", "-o", str(dst))
    assert {json.loads(x)["character"] for x in dst.read_text(encoding="utf-8").splitlines()} == {"Григорий"}


def test_unknown_name_lists_the_top_characters(out, tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "make_character.py"), str(out), "Онегин", "--format", "messages",
                           "-o", str(tmp_path / "x.jsonl"), "--dict-dir", str(out)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()[-1]
    assert err.startswith("error: 'Онегин' is not a character")
    assert "Маша (66), Вася (65)" in err and "Бабушка (14), Степан (5)" in err
    assert "Мария" not in err  # no lines: not among the top
    assert not (tmp_path / "x.jsonl").exists()


def test_missing_out_dir_file_is_a_clear_error(out, tmp_path):
    broken = tmp_path / "out"
    shutil.copytree(out, broken)
    (broken / "pov_dialogs.txt").unlink()
    res = run(broken, "Маша", "--format", "messages", "-o", str(tmp_path / "x.jsonl"), ok=False)
    assert res.exit_code == 1
    assert res.stderr.startswith("error: pov_dialogs.txt not found") and "make_datasets.sh" in res.stderr
    res = run(tmp_path / "nowhere", "Маша", "--format", "kit", "-o", str(tmp_path / "x.jsonl"), ok=False)
    assert res.exit_code == 1 and res.stderr.startswith("error: OUT_DIR not found")


def test_speakers_from_another_run_is_an_error(out, tmp_path):
    broken = tmp_path / "out"
    shutil.copytree(out, broken)
    rows = (broken / "speakers.jsonl").read_text(encoding="utf-8").splitlines()
    (broken / "speakers.jsonl").write_text("\n".join(rows[:-3]) + "\n", encoding="utf-8")
    res = run(broken, "Маша", "--format", "kit", "-o", str(tmp_path / "x.jsonl"), ok=False)
    assert res.exit_code == 1 and "different runs" in res.stderr


# ---------------------------------------------------------------- the book title

@pytest.mark.parametrize("head, title", [
    (["Ночной поезд", "Глава первая", "Поезд на Вологду уходил в одиннадцать."], "Ночной поезд"),
    (["Лев Толстой", "Анна Каренина", "Часть первая", "Мне отмщение, и Аз воздам", "I"], "Анна Каренина"),
    (["Анна Каренина", "Часть первая"], "Анна Каренина"),
    (["Федор Михайлович Достоевский", "Игрок", "(Из записок молодого человека)", "Глава I"], "Игрок"),
    (["Федор Михайлович Достоевский", "УНИЖЕННЫЕ И ОСКОРБЛЕННЫЕ", "Роман в четырех частях с эпилогом"],
     "Униженные и оскорбленные"),
    (["Поезд на Вологду уходил в одиннадцать.", "— Привет!"], None),
    (["Глава первая", "Текст."], None),
    (["Агафья", "Текст.", "", "Альбом", "Текст."], None),  # a folder: many titles
])
def test_guess_title(head, title):
    assert guess_title(head) == title
