"""Table-driven tests for SPEC §5 replacement rules, with a hand-made dictionary."""
import pytest

from dataset_tools.names import PRONOUNS
from dataset_tools.replicas import render_char, split_replica
from dataset_tools.time_replace import Replacer

FORMS = {  # form -> case group, as the names stage would decide
    "Вася": "nomn", "Васи": "gent", "Васю": "gent", "Васе": "datv", "Васей": "ablt",
    "Маша": "nomn", "Маши": "gent", "Машу": "gent", "Маше": "datv", "Машей": "ablt",
    "Андрей": "nomn", "Зоя": "nomn", "Костя": "nomn", "Ваня": "nomn", "Тимур": "nomn",
    "Саша": "nomn", "Рома": "nomn", "Ани": "nomn",
    "Пётр Ильич": "nomn", "Ивану Петровичу": "datv",
}


def make(mode):
    return Replacer({f: PRONOUNS[mode][g] for f, g in FORMS.items()})


def run(mode, paragraph):
    return render_char(make(mode).replica(split_replica(paragraph)))


CASES = [
    # cases
    ("— Вася пришёл.", "<char>Я пришёл.", "<char>Ты пришёл."),
    ("— Нет Васи дома.", "<char>Нет меня дома.", "<char>Нет тебя дома."),
    ("— Видел Васю вчера.", "<char>Видел меня вчера.", "<char>Видел тебя вчера."),
    ("— Дай Васе хлеба, — сказала мать.", "<char>Дай мне хлеба (сказала мать)", "<char>Дай тебе хлеба (сказала мать)"),
    ("— Горжусь Васей.", "<char>Горжусь мной.", "<char>Горжусь тобой."),
    # prepositions: long forms for the first person only
    ("— Думаю о Маше.", "<char>Думаю обо мне.", "<char>Думаю о тебе."),
    ("— Пойду к Маше.", "<char>Пойду ко мне.", "<char>Пойду к тебе."),
    ("— Пойду с Машей.", "<char>Пойду со мной.", "<char>Пойду с тобой."),
    ("— Что-то есть в Маше.", "<char>Что-то есть во мне.", "<char>Что-то есть в тебе."),
    ("— Смеются над Машей.", "<char>Смеются надо мной.", "<char>Смеются над тобой."),
    ("— Лёд под Машей.", "<char>Лёд подо мной.", "<char>Лёд под тобой."),
    ("— Стыдно перед Машей.", "<char>Стыдно передо мной.", "<char>Стыдно перед тобой."),
    ("— У Маши есть.", "<char>У меня есть.", "<char>У тебя есть."),
    ("— О Маше потом.", "<char>Обо мне потом.", "<char>О тебе потом."),
    # capitalisation: start of speech, after . ! ? …, across a remark; never elsewhere
    ("— Тише! — шикнула няня. — Рома спит.", "<char>Тише! (шикнула няня) Я сплю.", "<char>Тише! (шикнула няня) Ты спишь."),
    ("— Тише, — шикнула няня, — Рома спит.", "<char>Тише (шикнула няня) я сплю.", "<char>Тише (шикнула няня) ты спишь."),
    ("— Ну… Маша пришла.", "<char>Ну… Я пришла.", "<char>Ну… Ты пришла."),
    ("— Иду, — ответил Вася.", "<char>Иду (ответил я)", "<char>Иду (ответил ты)"),
    # verb agreement: present/future 3sg only, reflexives too; past never
    ("— Хорошо, — говорит Андрей.", "<char>Хорошо (говорю я)", "<char>Хорошо (говоришь ты)"),
    ("— Саша придёт.", "<char>Я приду.", "<char>Ты придёшь."),
    ("— Пока, — машет рукой Зоя.", "<char>Пока (машу рукой я)", "<char>Пока (машешь рукой ты)"),
    ("— Маша улыбается.", "<char>Я улыбаюсь.", "<char>Ты улыбаешься."),
    ("— Маша открыла дверь.", "<char>Я открыла дверь.", "<char>Ты открыла дверь."),
    ("— Вася открыл дверь.", "<char>Я открыл дверь.", "<char>Ты открыл дверь."),
    ("— Вася сказал, что придёт.", "<char>Я сказал, что придёт.", "<char>Ты сказал, что придёт."),
    # vocatives: removed with one comma; next word capitalised at a sentence start
    ("— Костя, иди сюда!", "<char>Иди сюда!", "<char>Иди сюда!"),
    ("— Послушай, Ваня, это важно.", "<char>Послушай, это важно.", "<char>Послушай, это важно."),
    ("— Иди сюда, Костя!", "<char>Иди сюда!", "<char>Иди сюда!"),
    ("— Костя! Иди сюда.", "<char>Иди сюда.", "<char>Иди сюда."),
    ("— Костя, — сказала мать, — иди сюда!", "<char>(сказала мать) Иди сюда!", "<char>(сказала мать) Иди сюда!"),
    # a name that is only asked about is replaced, not removed
    ("— Костя? — удивилась она.", "<char>Я? (удивилась она)", "<char>Ты? (удивилась она)"),
    # introductions are kept
    ("— Меня зовут Тимур.", "<char>Меня зовут Тимур.", "<char>Меня зовут Тимур."),
    ("— Звали его Тимур, — сказал он.", "<char>Звали его Тимур (сказал он)", "<char>Звали его Тимур (сказал он)"),
    ("— Я — Тимур, ваш сосед.", "<char>Я — Тимур, ваш сосед.", "<char>Я — Тимур, ваш сосед."),
    # a name hanging on another word stays: "голос Маши" is not "голос меня"
    ("— Это голос Маши.", "<char>Это голос Маши.", "<char>Это голос Маши."),
    ("— Наш Вася пришёл.", "<char>Наш Вася пришёл.", "<char>Наш Вася пришёл."),
    ("— Дед Андрей спит.", "<char>Дед Андрей спит.", "<char>Дед Андрей спит."),
    ("— Это моя жена, Маша, она добрая.", "<char>Это моя жена, Маша, она добрая.",
     "<char>Это моя жена, Маша, она добрая."),
    ("— Скажут, что Вася не исполняет постов.", "<char>Скажут, что я не исполняю постов.",
     "<char>Скажут, что ты не исполняешь постов."),
    # an indeclinable name after a preposition takes the preposition's case
    ("— Он женится на Ани.", "<char>Он женится на меня.", "<char>Он женится на тебя."),
    ("— Пойду к Ани.", "<char>Пойду ко мне.", "<char>Пойду к тебе."),
    # multi-word names as one unit
    ("— Пётр Ильич знает.", "<char>Я знаю.", "<char>Ты знаешь."),
    ("— Передайте Ивану Петровичу.", "<char>Передайте мне.", "<char>Передайте тебе."),
    # nothing to replace: identical
    ("— Москва — большой город, — сказал он.", "<char>Москва — большой город (сказал он)",
     "<char>Москва — большой город (сказал он)"),
]


@pytest.mark.parametrize("src,me,ti", CASES)
def test_rules(src, me, ti):
    assert run("me", src) == me
    assert run("ti", src) == ti


def test_sole_address_is_kept_whole():
    assert run("me", "— Костя!") == "<char>Костя!"


def test_unchanged_replica_is_same_object():
    segs = split_replica("— Никого тут нет, — сказал он.")
    assert make("me").replica(segs) is segs


def test_lowercase_words_are_not_names():
    assert run("me", "— Вася, а вася это кот.") == "<char>А вася это кот."
