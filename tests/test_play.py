"""Plays as input (SPEC §10): detection, personae, labels, directions,
continuations, headings, addressees, and the sample play end to end."""
import json

import pytest
from click.testing import CliRunner

from dataset_tools.dialogs import main as dialogs_main
from dataset_tools.dialogs import write_dialogs
from dataset_tools.play import build_cast, is_heading, is_play, is_speech, match_label, parse_play
from dataset_tools.replicas import render_char, render_raw
from dataset_tools.textio import read_text_file
from tests.conftest import ROOT

PLAY = ROOT / "data" / "sample" / "play.txt"
PROSE = ROOT / "data" / "sample" / "raw.txt"

PERSONAE = [
    "Действующие лица",
    "Раневская Любовь Андреевна, помещица.",
    "Аня, ее дочь, 17 лет.",
    "Варя, ее приемная дочь, 24 лет.",
    "Гаев Леонид Андреевич, брат Раневской.",
    "Лопахин Ермолай Алексеевич, купец.",
    "Симеонов-Пищик Борис Борисович, помещик.",
    "Епиходов Семен Пантелеевич, конторщик.",
    "Дуняша, горничная.",
    "Бубнов, картузник.",
    "Сатин.",
    "Действие происходит в имении.",
    "Действие первое",
    "Комната. Рассвет.",
]


def play_of(*lines: str):
    return parse_play(PERSONAE + list(lines))


def lines_of(*lines: str) -> list[str]:
    play = play_of(*lines)
    return [render_char(r) for d in play.dialogs for r in d]


# ---- detection and personae -------------------------------------------------

def test_sample_play_is_a_play_and_prose_is_not():
    assert is_play(read_text_file(PLAY))
    assert not is_play(read_text_file(PROSE))


def test_labels_without_personae_need_many_paragraphs():
    scene = ["Маша. Ну?", "Петя. Что?", "Маша. Иди.", "Петя. Иду.", "Маша. Скорей!", "Петя. Бегу!",
             "Входит Оля.", "Оля. А я?"]
    assert is_play(scene)
    # One-off label-shaped sentences in prose are no labels.
    assert not is_play(["Было утро. Шёл дождь.", "Он встал. Оделся.", "Ночь. Улица. Фонарь.",
                        "— Ты куда? — спросила она.", "Маша. Ну?"])


def test_personae_names_entries_and_aliases():
    cast, start = build_cast(PERSONAE + ["Любовь Андреевна. Ну.", "Пищик. Да.", "Аня. Мама!", "Бубнов. Эх."])
    assert PERSONAE[start] == "Действие происходит в имении."  # no person: the list ends
    by_name = {p.name: p for p in cast.persons}
    ranevskaya = by_name["Любовь Андреевна"]
    assert ranevskaya.entry == "Раневская Любовь Андреевна, помещица."
    assert ranevskaya.aliases[:3] == ["Любовь Андреевна", "Раневская Любовь Андреевна", "Раневская"]
    assert by_name["Пищик"].entry.startswith("Симеонов-Пищик")
    assert "Варя" in by_name and "Сатин" in by_name  # entries with no replica yet
    assert "Действие происходит в имении" not in " ".join(by_name)
    assert cast.label_person["Любовь Андреевна"] == "Любовь Андреевна"


def test_personae_brace_artifact_and_diminutive():
    # "Ольга / Маша его сестры. / Ирина": the brace is lost in plain text.
    pars = ["ДЕЙСТВУЮЩИЕ ЛИЦА", "Прозоров Андрей Сергеевич.", "Наталья Ивановна, его невеста.", "Ольга",
            "Маша его сестры.", "Ирина", "ДЕЙСТВИЕ ПЕРВОЕ",
            "Наташа. Здравствуйте.", "Маша. Здравствуй.", "Андрей. Ну вот.", "Ольга. Садитесь."]
    cast, _ = build_cast(pars)
    names = [p.name for p in cast.persons]
    assert names == ["Андрей", "Наташа", "Ольга", "Маша", "Ирина"]
    assert cast.persons[1].entry == "Наталья Ивановна, его невеста."


def test_typo_label_is_the_near_label():
    play = play_of("Лопахин. Раз.", "Лопахин. Два.", "Лопахини. Три.")
    assert [s for d in play.speakers for s, _ in d] == ["Лопахин"] * 3
    assert play.labels["Лопахини"] == 1 and play.label_person["Лопахини"] == "Лопахин"


# ---- labels -----------------------------------------------------------------

@pytest.mark.parametrize("par,name,direction,rest", [
    ("Лопахин. Пришел поезд, слава богу.", "Лопахин", None, "Пришел поезд, слава богу."),
    ("Лопахин (прислушивается). Нет… Багаж", "Лопахин", "прислушивается", "Нет… Багаж"),
    ("Бубнов(Сатину). Ты чего хрюкаешь?", "Бубнов", "Сатину", "Ты чего хрюкаешь?"),
    ("Любовь Андреевна. Ну что ж.", "Любовь Андреевна", None, "Ну что ж."),
    ("Начальник станции (аплодирует). Браво!", "Начальник станции", "аплодирует", "Браво!"),
    ("Симеонов-Пищик. Да.", "Симеонов-Пищик", None, "Да."),
    ("ЛОПАХИН. Пришел.", "Лопахин", None, "Пришел."),
    ("ЛЮБОВЬ АНДРЕЕВНА (тихо). Ах.", "Любовь Андреевна", "тихо", "Ах."),
    ("Ф и р с. Барин!", "Фирс", None, "Барин!"),
    ("Л ю б о в ь А н д р е е в н а. Ну.", "Любовь Андреевна", None, "Ну."),
    ("Лопахин: Пришел.", "Лопахин", None, "Пришел."),
    ("Лопахин (прислушивается.) Нет.", "Лопахин", "прислушивается.", "Нет."),
    ("Варя (сердито).", "Варя", "сердито", ""),
])
def test_label_shapes(par, name, direction, rest):
    lab = match_label(par)
    assert (lab.name, lab.direction, lab.rest) == (name, direction, rest)


@pytest.mark.parametrize("par", ["Пауза.", "Маша (тихо) смеется.", "Входит Епиходов с букетом: он в пиджаке.",
                                 "Она сказала, что придет. Потом ушла.", "(Уходит.)", "— Да, — сказал он."])
def test_not_labels(par):
    lab = match_label(par)
    assert lab is None or lab.name not in ("Маша", "Входит Епиходов")


# ---- directions -------------------------------------------------------------

@pytest.mark.parametrize("par,want", [
    ("Дуняша. Скоро два. (Тушит свечу.) Уже светло.", "<char>Скоро два (тушит свечу) Уже светло."),
    ("Лопахин (прислушивается). Нет… Багаж получить, то да се…",
     "<char>(прислушивается) Нет… Багаж получить, то да се…"),
    ("Бубнов(Сатину). Ты чего хрюкаешь?", "<char>(Сатину) Ты чего хрюкаешь?"),
    ("Лопахин. Пришел поезд, слава богу. Который час?", "<char>Пришел поезд, слава богу. Который час?"),
    ("Дуняша. Слушаю. (Уходит.)", "<char>Слушаю (уходит)"),
    ("Варя. Как холодно. (Любови Андреевне.) Ваши комнаты целы.",
     "<char>Как холодно (Любови Андреевне) Ваши комнаты целы."),
    ("Лопахин. Вот… (Как бы торжествуя.) Вот видите!", "<char>Вот… (как бы торжествуя) Вот видите!"),
    ("Аня. Ты все об одном… (Поправляя волосы.) Я растеряла шпильки…",
     "<char>Ты все об одном… (поправляя волосы) Я растеряла шпильки…"),
    ("Гаев. Да! (Смеется.) Да!", "<char>Да! (смеется) Да!"),
    ("Варя (сердито).", "<char>(сердито)"),
    ("Лопахин. (Прислушивается.) Нет.", "<char>(прислушивается) Нет."),
    ("Аня (выйдя из комнаты, Варе). Кто там — мама?", "<char>(выйдя из комнаты, Варе) Кто там — мама?"),
])
def test_direction_rendering(par, want):
    assert lines_of(par) == [want]


def test_segments_keep_sentence_ends_for_later_stages():
    play = play_of("Дуняша. Скоро два. (Тушит свечу.) Уже светло.", "Лопахин (прислушивается). Нет…")
    first, second = play.dialogs[0]
    # The period left the speech (render rule) but stays at the end of the remark.
    assert first == [("s", "Скоро два"), ("r", "тушит свечу."), ("s", "Уже светло.")]
    assert second == [("s", ""), ("r", "прислушивается."), ("s", "Нет…")]
    assert render_raw(first, first=True) == "@Скоро два |тушит свечу| Уже светло."


# ---- continuations, headings ------------------------------------------------

def test_continuation_after_pause_joins_the_replica():
    play = play_of("Лопахин (прислушивается). Нет… Багаж получить, то да се…", "Пауза.",
                   "Любовь Андреевна прожила за границей пять лет, не знаю, какая она теперь стала…",
                   "Пауза.", "Мужичок… Отец мой мужик был.", "Пауза.", "Дуняша. А собаки не спали.")
    assert [render_char(r) for r in play.dialogs[0]] == [
        "<char>(прислушивается) Нет… Багаж получить, то да се… (пауза) Любовь Андреевна прожила за границей "
        "пять лет, не знаю, какая она теперь стала… (пауза) Мужичок… Отец мой мужик был.",
        "<char>А собаки не спали.",
    ]
    assert play.stats["continuations"] == 2 and play.stats["labelled_paragraphs"] == 2


def test_continuation_after_entrance_keeps_both_directions():
    play = play_of("Епиходов. Привык и даже улыбаюсь.", "Дуняша входит, подает Лопахину квас.",
                   "Я пойду. (Натыкается на стул.) Вот…", "Лопахин. Иди.")
    assert [render_char(r) for r in play.dialogs[0]] == [
        "<char>Привык и даже улыбаюсь (Дуняша входит, подает Лопахину квас) Я пойду (натыкается на стул) Вот…",
        "<char>Иди.",
    ]
    assert [s for s, _ in play.speakers[0]] == ["Епиходов", "Лопахин"]


def test_directions_between_replicas_are_dropped_not_continued():
    play = play_of("Лопахин. Раз.", "Входит Епиходов с букетом.", "Все смеются.", "Епиходов. Два.",
                   "Варя (выдергивает зонтик).", "Лопахин делает вид, что испугался.",
                   "Что вы, что вы… Я и не думала.")
    assert [render_char(r) for r in play.dialogs[0]] == [
        "<char>Раз.", "<char>Два.",
        "<char>(выдергивает зонтик. Лопахин делает вид, что испугался) Что вы, что вы… Я и не думала.",
    ]


@pytest.mark.parametrize("par", ["Действие первое", "ДЕЙСТВИЕ ВТОРОЕ", "Явление II", "АКТ ПЕРВЫЙ",
                                 "Первое действие", "Картина 3", "Действие 1-е", "Занавес", "Занавес 1904",
                                 "Сцена четвертая."])
def test_headings(par):
    assert is_heading(par)


@pytest.mark.parametrize("par", ["Действие происходит в имении.", "Сцена пуста.", "Пауза.",
                                 "Лопахин. Действие первое.", "Акт купли подписан вчера, и все довольны."])
def test_not_headings(par):
    assert not is_heading(par)


def test_headings_and_scene_changes_end_dialogs_short_directions_do_not():
    play = play_of("Лопахин. Раз.", "Пауза.", "Входит Епиходов.", "Епиходов. Два.",
                   "Занавес", "Действие второе", "Поле. Старая часовенка, колодец.",
                   "Гаев. Три.", "Сцена пуста. Слышно, как запирают двери.", "Лопахин. Четыре.",
                   "Уходят все, кроме Ани и Вари.", "Аня. Пять.")
    assert [[render_char(r) for r in d] for d in play.dialogs] == [
        ["<char>Раз.", "<char>Два."], ["<char>Три."], ["<char>Четыре.", "<char>Пять."]]
    assert play.stats["headings"] == 3  # with the one under the personae list


@pytest.mark.parametrize("par,want", [
    ("Пауза.", False), ("Входит Фирс, он в пиджаке и белом жилете.", False), ("Все смеются.", False),
    ("Дуняша порывисто обнимает его.", False), ("Голос Вари: «Аня! Где ты?»", False), ("Звонок.", False),
    ("Слышно, как вдали стучат топором по дереву.", False),
    ("Я пойду.", True), ("Вы читали Бокля?", True), ("Холодно здесь чертовски.", True), ("Надо ехать.", True),
    ("(Задумчиво.) Епиходов идет…", True), ("И тогда также били часы.", True), ("«Уа!.. уа!..»", True),
    ("Подполковник Вершинин, оказывается, из Москвы.", True), ("Ступай, Федор!", True),
])
def test_speech_or_direction(par, want):
    assert is_speech(par) == want


# ---- addressees -------------------------------------------------------------

@pytest.mark.parametrize("par,speaker,to", [
    ("Бубнов(Сатину). Ты чего хрюкаешь?", "Бубнов", "Сатин"),
    ("Лопахин (Ане). Иди.", "Лопахин", "Аня"),
    ("Лопахин (к Варе). Иди.", "Лопахин", "Варя"),
    ("Аня (обращаясь к Гаеву). Дядя!", "Аня", "Гаев"),
    ("Варя (Любови Андреевне, тихо). Мама.", "Варя", "Любовь Андреевна"),
    ("Лопахин (тихо, Пищику). Потом.", "Лопахин", "Пищик"),
    ("Гаев (Ане и Варе). Спать!", "Гаев", "*"),
    ("Гаев (всем). Спать!", "Гаев", "*"),
    ("Лопахин. (Дуняше.) Квасу!", "Лопахин", "Дуняша"),
    ("Лопахин (отдает Варе ключи). Вот.", "Лопахин", None),
    ("Лопахин (сердито). Вот.", "Лопахин", None),
    ("Лопахин. Вот. (Ане.) Иди.", "Лопахин", None),
    ("Лопахин (Андреевне). Иди.", "Лопахин", None),  # two persons have the patronymic
])
def test_addressee(par, speaker, to):
    # Persons are named as their labels say once they speak.
    cast = ["Любовь Андреевна. А.", "Гаев. Б.", "Пищик. В.", "Аня. Г.", "Варя. Д.", "Сатин. Е."]
    assert play_of(*cast, par).speakers[0][-1] == [speaker, to]


# ---- the stage: sample play end to end --------------------------------------

SAMPLE_DIALOGS = """\
<char>Опять пишут про засуху. Третью неделю ни капли.
<char>(входя) Папа, самовар остыл. Поставить снова?
<char>Не надо (складывает газету) Посиди со мной.
<char>Некогда сидеть. Катя обещала зайти.
<char>(ворчливо) Катя, Катя… Болтушка твоя Катя (пауза) А впрочем, пусть заходит. Всё веселее.
<char>Колодец совсем обмелел, барин. Одна муть.
<char>(Семёну) Так вычисти! Для чего я тебе плачу?
<char>Вычищу, как не вычистить. Только лестница сгнила.
<char>(к Семёну) Возьми у Горских, у них новая.
<char>Слушаю (уходит)
<char>Вот народ… Слово скажешь — десять в ответ.
<char>Он старый, папа. Ему тяжело.
<char>А мне легко? Мне шестьдесят два года!
<char>Это Катя!
<char>Добрый вечер! Я вам вишни принесла, целую корзину.
<char>(не вставая) Здравствуйте, здравствуйте. Вишни — это хорошо.
<char>(Вере Игнатьевне, тихо) Он опять не в духе?
<char>Засуха. Он читает газеты и сердится.
<char>Игнат Петрович, а у нас почтальон был. Говорит, завтра дождь.
<char>Почтальон! Что он понимает в погоде?
<char>(смеётся) Больше вашего, должно быть.
<char>Пойдём в сад, Катя. Пусть папа читает.

<char>(вбегает) Барин! Барин, дождь пошёл!
<char>Слышу, не глухой (подходит к окну) Ну, слава богу.
<char>А лестницу я принёс. У Горских взял.
<char>(Семёну) Молодец. Ступай спать.
<char>Почтальон-то был прав…
<char>(за окном) Телеграмма! Кольцову телеграмма!
<char>Ещё и телеграмма. В такую ночь!

"""


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    from dataset_tools.prepare import prepare

    out = tmp_path_factory.mktemp("play")
    prepare(PLAY, out / "paragraphs.txt")
    with open(out / "paragraphs.txt", encoding="utf-8") as f:
        stats = write_dialogs(f, out)
    return out, stats


def test_sample_play_dialogs(sample_out):
    out, stats = sample_out
    assert (out / "dialogs.txt").read_text(encoding="utf-8") == SAMPLE_DIALOGS
    raw = (out / "raw_dialogs.txt").read_text(encoding="utf-8").splitlines()
    assert raw[1] == "|входя| Папа, самовар остыл. Поставить снова?" and raw[22].startswith("@|вбегает| Барин!")
    assert stats["format"] == "play" and stats["persons"] == 5
    assert stats["labelled_paragraphs"] == stats["replicas"] == 29 and stats["dialogs"] == 2


def test_sample_play_speakers(sample_out):
    out, _ = sample_out
    rows = [json.loads(x) for x in (out / "play_speakers.jsonl").read_text(encoding="utf-8").splitlines()]
    jsonl = (out / "dialogs.jsonl").read_text(encoding="utf-8").splitlines()
    assert [len(r) for r in rows] == [len(json.loads(d)) for d in jsonl] == [22, 7]
    assert rows[0][:3] == [["Кольцов", None], ["Вера Игнатьевна", None], ["Кольцов", None]]
    assert rows[0][6] == ["Кольцов", "Семён"] and rows[0][16] == ["Катя", "Вера Игнатьевна"]
    assert rows[1][-2] == ["Почтальон", None]
    assert sum(to is not None for d in rows for _, to in d) == 4


def test_sample_play_json(sample_out):
    out, _ = sample_out
    text = (out / "play.json").read_text(encoding="utf-8")
    assert "\\u04" not in text
    data = json.loads(text)
    katya = next(p for p in data["persons"] if p["name"] == "Катя")
    assert katya["entry"] == "Горская Катерина Львовна, соседка." and "Горская" in katya["aliases"]
    assert list(data["labels"].items())[0] == ("Кольцов", 12) and sum(data["labels"].values()) == 29
    assert data["label_persons"]["Вера Игнатьевна"] == "Вера Игнатьевна"


def test_prose_run_removes_stale_play_files_and_is_unchanged(sample_out, tmp_path):
    out, _ = sample_out
    prose = PROSE.read_text(encoding="utf-8").splitlines()
    for d in (out, tmp_path):
        (d / "x").mkdir(exist_ok=True)
    stats = write_dialogs(iter(prose), out, "auto")
    assert stats["format"] == "prose" and stats["labelled_paragraphs"] == 0
    assert not (out / "play.json").exists() and not (out / "play_speakers.jsonl").exists()
    write_dialogs(iter(prose), tmp_path, "prose")
    assert (out / "dialogs.txt").read_bytes() == (tmp_path / "dialogs.txt").read_bytes()


def test_folder_with_a_play_and_a_story_is_mixed(tmp_path):
    play = read_text_file(PLAY)
    story = ["Утро.", "— Привет, — сказал Вася.", "— Здравствуй."]
    stats = write_dialogs(play + [""] + story, tmp_path)
    assert stats["format"] == "mixed" and stats["dialogs"] == 3
    rows = (tmp_path / "play_speakers.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(rows[-1]) == [[None, None], [None, None]]
    assert (tmp_path / "dialogs.txt").read_text(encoding="utf-8").endswith(
        "<char>Привет (сказал Вася)\n<char>Здравствуй.\n\n")


def test_cli_format_flag(tmp_path):
    (tmp_path / "paragraphs.txt").write_text("\n".join(read_text_file(PLAY)) + "\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(dialogs_main, ["--out-dir", str(tmp_path), "--format", "prose"])
    assert r.exit_code == 1  # a play has no dash replicas
    r = runner.invoke(dialogs_main, ["--out-dir", str(tmp_path), "--format", "play"])
    assert r.exit_code == 0, r.output
    st = json.loads((tmp_path / "stats_dialogs.json").read_text(encoding="utf-8"))
    assert st["format"] == "play" and st["labelled_paragraphs"] == 29 and st["persons"] == 5
    r = runner.invoke(dialogs_main, ["--out-dir", str(tmp_path), "--format", "poem"])
    assert r.exit_code == 2
