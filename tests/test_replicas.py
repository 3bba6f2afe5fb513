"""Table-driven tests for SPEC §2-4: replica detection, remarks, punctuation."""
import pytest

from dataset_tools.dialogs import iter_dialogs
from dataset_tools.replicas import is_replica, render_raw, replica_to_char, split_replica

SPEC_TABLE = [
    ("— Привет, — сказал Вася и улыбнулся, — что у нас сегодня на ужин?",
     "<char>Привет (сказал Вася и улыбнулся) что у нас сегодня на ужин?"),
    ("— Как дела?", "<char>Как дела?"),
    ("— Иду, — ответил он.", "<char>Иду (ответил он)"),
    ("— Кто там? — спросила она. — Открой.", "<char>Кто там? (спросила она) Открой."),
    ("— Ну... — протянул он.", "<char>Ну... (протянул он)"),
    ("— Хорошо, — сказал он и добавил: — Завтра.", "<char>Хорошо (сказал он и добавил) Завтра."),
]

OWN_TABLE = [
    # a footnote mark after the punctuation: the remark still opens
    ("— Quelle megere![52] — крикнул Де-Грие.", "<char>Quelle megere![52] (крикнул Де-Грие)"),
    # every dash kind at the start and inside
    ("– Что это? – спросила Лена.", "<char>Что это? (спросила Лена)"),
    ("― Кто идёт? ― крикнул часовой.", "<char>Кто идёт? (крикнул часовой)"),
    ("− Стой, − приказал он.", "<char>Стой (приказал он)"),
    ("- Пора, - сказала мама.", "<char>Пора (сказала мама)"),
    ("-- Пора, -- сказала мама.", "<char>Пора (сказала мама)"),
    # spacing: none after the dash, none before, NBSP-like spaces already cleaned
    ("—Да,— говорит он.— Ну, пойдём.", "<char>Да (говорит он) Ну, пойдём."),
    ("—  Да ,  — сказал он .", "<char>Да (сказал он)"),
    ("    — Отступ, — заметил Петя.", "<char>Отступ (заметил Петя)"),
    # ?! !.. ?.. … kept before a remark
    ("— Правда?! — удивилась Оля.", "<char>Правда?! (удивилась Оля)"),
    ("— Ну и ну!.. — протянул дед.", "<char>Ну и ну!.. (протянул дед)"),
    ("— Что?.. — не понял он.", "<char>Что?.. (не понял он)"),
    ("— Разное… — ответила она.", "<char>Разное… (ответила она)"),
    ("— Стой! — крикнул он!", "<char>Стой! (крикнул он!)"),
    # a remark that opens with how it was said, its verb after the commas
    ("— Не могу, — холодно, стоя и не сажая гостя, сказал Вася.", "<char>Не могу (холодно, стоя и не сажая гостя, сказал Вася)"),
    ("— Да, — с трудом, но с определенностью, проговорил дед.", "<char>Да (с трудом, но с определенностью, проговорил дед)"),
    # ... but speech with commas and a verb of its own stays speech
    ("— Да, — с одной стороны, игрушка, играют в парламент.", "<char>Да, — с одной стороны, игрушка, играют в парламент."),
    # colon and semicolon before the dash
    ("— Правда, — сказала Зоя: — я знаю.", "<char>Правда (сказала Зоя) я знаю."),
    ("— Молоко, — повторила она; — у неё корова.", "<char>Молоко (повторила она) у неё корова."),
    ("— Иду; — ответил он.", "<char>Иду; (ответил он)"),
    # several remarks in one paragraph
    ("— Раз, — сказал он, — два, — добавил он, — три.", "<char>Раз (сказал он) два (добавил он) три."),
    # gerund remark, verb in the middle of the first clause
    ("— Ловко, — улыбнувшись, похвалила Зоя.", "<char>Ловко (улыбнувшись, похвалила Зоя)"),
    ("— Тише! — Маша шикнула. — Спят.", "<char>Тише! (Маша шикнула) Спят."),
    ("— Нет, — начала она.", "<char>Нет (начала она)"),
    # dashes that belong to the speech
    ("— Москва — большой город.", "<char>Москва — большой город."),
    ("— Москва—большой город.", "<char>Москва — большой город."),
    ("— Москва - большой город.", "<char>Москва — большой город."),
    ("— Я пришёл, — а никого нет!", "<char>Я пришёл, — а никого нет!"),
    ("— Вдруг, — горло. Беда.", "<char>Вдруг, — горло. Беда."),
    ("— Стой, — иди сюда!", "<char>Стой, — иди сюда!"),
    ("— Был у Митричем, — и вдруг, — сказал он.", "<char>Был у Митричем, — и вдруг (сказал он)"),
    # hyphens, ranges and signs stay
    ("— По-моему, в 1941–1945 было −5, — сказал он.", "<char>По-моему, в 1941–1945 было −5 (сказал он)"),
    # quotes, ё and case kept
    ("— «Ёлки», — прочла Юля вслух.", "<char>«Ёлки» (прочла Юля вслух)"),
    # a remark that runs on to the end of the paragraph keeps every word
    ("— Иду, — ответил он и вышел. Дверь хлопнула.", "<char>Иду (ответил он и вышел. Дверь хлопнула)"),
    # a dash at the very end (interrupted speech)
    ("— Я хотел... —", "<char>Я хотел... —"),
    # silent reply
    ("— …", "<char>…"),
]


@pytest.mark.parametrize("src,want", SPEC_TABLE + OWN_TABLE)
def test_char_line(src, want):
    assert replica_to_char(src) == want


@pytest.mark.parametrize("par,want", [
    ("— Да.", True), ("– Да.", True), ("-Да", True), ("   — Да", True),
    ("Он сказал: — Да.", False), ("— — —", False), ("***", False), ("", False), ("—", False),
])
def test_is_replica(par, want):
    assert is_replica(par) == want


def test_raw_line():
    segs = split_replica("— Привет, — сказал Вася и улыбнулся, — что у нас сегодня на ужин?")
    assert render_raw(segs, first=True) == "@Привет |сказал Вася и улыбнулся| что у нас сегодня на ужин?"
    assert render_raw(split_replica("— Котлеты, — ответила мама."), first=False) == "Котлеты |ответила мама|"


def test_dialog_grouping_narration_and_text_boundary():
    pars = ["Начало.", "— А?", "— Б.", "Рассказ.", "— В.", "", "— Г.", "— Д."]
    dialogs = list(iter_dialogs(pars))
    assert [len(d) for d in dialogs] == [2, 1, 2]
