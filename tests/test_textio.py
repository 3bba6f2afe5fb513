"""SPEC §1: encodings, Unicode clean-up, hard wrap, fb2, folders, bad input."""
import codecs

import pytest

from dataset_tools.common import KitError
from dataset_tools.prepare import prepare
from dataset_tools.textio import decode_bytes, detect_hard_wrap, read_fb2, text_to_paragraphs

TEXT = "Вечер.\n— Привет, — сказал Вася.\n— Здравствуй, — ответила Маша. — Ёлки!\n"


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),
    lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    lambda t: t.encode("cp1251"),
    lambda t: t.replace("—", "-").encode("koi8-r"),  # KOI8-R has no em dash
])
def test_encodings(encode):
    assert decode_bytes(encode(TEXT)).replace("-", "—") == TEXT


def test_short_cp1251_and_koi8r():
    for enc in ("cp1251", "koi8-r"):
        assert decode_bytes("- Да, - сказал он.".encode(enc)) == "- Да, - сказал он."


@pytest.mark.parametrize("data,msg", [
    (b"\x00\x01\x02binary\x00" * 10, "binary"),
])
def test_bad_bytes(data, msg):
    with pytest.raises(KitError, match=msg):
        decode_bytes(data)


def test_line_ends_and_invisibles():
    raw = "— При\u00adвет,\u00a0—\u2009сказал\u200b Вася.\r\n\r\nНар\u2060рация.\rКонец."
    assert text_to_paragraphs(raw) == ["— Привет, — сказал Вася.", "Наррация.", "Конец."]


def test_unicode_line_separators_split_paragraphs():
    assert text_to_paragraphs("— А.\u2028— Б.\u2029В.") == ["— А.", "— Б.", "В."]


WRAPPED = """    Поезд на Вологду уходил в одиннадцать. Вася пришёл на вокзал за
час, сел на чемодан и стал ждать сестру, которая, как всегда,
опаздывала на всё, что только можно было придумать на этом свете.
    — Привет, — сказал Вася и улыбнулся, — что у нас сегодня на
ужин, и почему ты опять так поздно пришла на этот самый вокзал?
    — Котлеты, — ответила Маша. — Мама положила в сумку котлеты и
хлеб, а ещё яблоки, которые ты так любишь с самого детства.
"""


def test_hard_wrap_joined():
    text = WRAPPED * 5
    assert detect_hard_wrap(text.splitlines())
    pars = text_to_paragraphs(text)
    assert len(pars) == 15
    assert pars[1] == ("— Привет, — сказал Вася и улыбнулся, — что у нас сегодня на ужин, "
                       "и почему ты опять так поздно пришла на этот самый вокзал?")


def test_normal_text_not_detected_as_wrapped():
    lines = [("Длинный абзац " * 30).strip(), "— Да.", "— Нет, — сказал он."] * 20
    assert detect_hard_wrap(lines) is None


FB2 = """<?xml version="1.0" encoding="windows-1251"?>
<FictionBook xmlns="http://www.gribuser.ru/xml/fictionbook/2.0">
<body><title><p>Глава</p></title><section>
<p>Вечер был тихий.</p>
<p>— Привет, — сказал <emphasis>Вася</emphasis>.</p>
<empty-line/>
<p>— Здравствуй!</p>
</section></body>
<body name="notes"><section><p>Сноска.</p></section></body>
</FictionBook>
"""


def test_fb2(tmp_path):
    f = tmp_path / "book.fb2"
    f.write_bytes(FB2.encode("cp1251"))
    assert read_fb2(f) == ["Глава", "Вечер был тихий.", "— Привет, — сказал Вася.", "— Здравствуй!"]


def test_folder_in_name_order(tmp_path):
    (tmp_path / "b.txt").write_text("— Два.\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("— Один.\n", encoding="cp1251")
    (tmp_path / "skip.pdf").write_bytes(b"%PDF")
    stats = prepare(tmp_path, tmp_path / "out" / "paragraphs.txt")
    assert stats["texts"] == 2
    assert (tmp_path / "out" / "paragraphs.txt").read_text(encoding="utf-8") == "— Один.\n\n— Два.\n"


def _put(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("setup,msg", [
    (lambda p: p / "missing.txt", "not found"),
    (lambda p: _put(p / "e.txt", ""), "no text"),
    (lambda p: _put(p / "s.txt", " \n\t\n"), "no text"),
    (lambda p: (p / "d").mkdir() or p / "d", "no .txt or .fb2"),
    (lambda p: _put(p / "x.fb2", "<not xml"), "not a valid .fb2"),
])
def test_bad_input_leaves_nothing(tmp_path, setup, msg):
    src = setup(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(KitError, match=msg):
        prepare(src, out / "paragraphs.txt")
    assert not out.exists() or not any(out.iterdir())
