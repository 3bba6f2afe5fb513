"""Characters and the speakers stage: every sieve and the abstentions, on
sentences written for the tests."""
from collections import Counter

import pytest

from dataset_tools.characters import (
    Character, build_characters, format_characters, load_characters, nominative, parts_of,
)
from dataset_tools.common import KitError
from dataset_tools.replicas import split_replica
from dataset_tools.speakers import (
    DialogState, MentionFinder, analyse, attribute, attribute_scene, remark_subject, scene_addressees,
)

CHARS = [
    Character("Базаров", ["Базаров", "Евгений", "Евгений Васильич"], "m"),
    Character("Аркадий", ["Аркадий", "Аркаша"], "m"),
    Character("Одинцова", ["Одинцова", "Анна Сергеевна"], "f"),
    Character("Катя", ["Катя"], "f"),
]
BY_KEY = {c.key: c for c in CHARS}


@pytest.fixture(scope="module")
def finder():
    return MentionFinder(CHARS, {})


def run(paragraphs, finder, context=(), ties=None):
    dialog = [split_replica(p) for p in paragraphs]
    infos = analyse(dialog, finder, BY_KEY, ties or {})
    return attribute(infos, list(context), BY_KEY, ties or {})


@pytest.mark.parametrize("form,group,want", [
    ("Евгению Васильичу", "datv", "Евгений Васильич"),
    ("Анне Петровне", "datv", "Анна Петровна"),
    ("Базарову", "datv", "Базаров"),
    ("Стива", "nomn", "Стива"),  # the text says nominative; pymorphy thinks of Стив
    ("Алексей Александровичем", "nomn", "Алексей Александрович"),
    ("Алексей Иванович-то", "nomn", "Алексей Иванович"),
])
def test_nominative(form, group, want):
    assert nominative(form, group) == want


def test_patronymic_spellings_are_one_name():
    assert parts_of("Евгений Васильевич") == parts_of("Евгений Васильич")
    assert parts_of("Николай Петрович") != parts_of("Павел Петрович")


def test_build_characters_groups_aliases():
    counts = Counter({"Базаров": 50, "Евгений Васильевич Базаров": 2, "Евгений": 5, "Евгений Васильич": 3,
                      "Николай Петрович": 20, "Павел Петрович": 15, "Николай Иваныч": 3, "Николай": 2, "Аркадий": 30, "Аркаша": 4})
    chars = {c.key: c for c in build_characters(counts)}
    assert set(chars["Базаров"].aliases) == {"Базаров", "Евгений Васильевич Базаров", "Евгений", "Евгений Васильич"}
    assert chars["Базаров"].gender == "m"
    assert "Аркаша" in chars["Аркадий"].aliases  # a diminutive joins the name it shortens
    assert "Николай Петрович" in chars and "Павел Петрович" in chars  # one patronymic, two people
    assert "Николай" in chars  # two Николаи: which one is not for the kit to guess


def test_remark_names_the_speaker(finder):
    spk, how, _ = run(["— Иду, — ответил Базаров.",
                       "— Ну и что? — Базаров усмехнулся.",
                       "— Куда? — спросил Евгений Васильич, оборачиваясь к Аркадию."], finder)
    assert spk == ["Базаров"] * 3 and how == ["remark"] * 3


def test_the_subject_not_any_name(finder):
    s = remark_subject("сказала Катя Аркадию", finder.find("сказала Катя Аркадию"))
    assert s.kind == "name" and s.chars == {"Катя"}
    spk, _, addr = run(["— Пойдём, — сказала Катя Аркадию."], finder)
    assert spk == ["Катя"] and addr == ["Аркадий"]


def test_the_hearer_is_not_the_speaker(finder):
    # "— Стой! — слышит Базаров": somebody else shouts; a third person also stops turn-taking.
    spk, _, _ = run(["— Ты здесь? — спросил Аркадий.", "— Стой! — слышит вдруг Базаров.", "— Что?"], finder)
    assert spk[1] is None and spk[2] is None
    spk, _, _ = run(["— Жив! — услыхал Базаров голос Кати."], finder)
    assert spk == [None]


def test_subject_before_a_verb_that_does_not_open_the_remark(finder):
    # "доктор взял Базарова": the doctor acts, Базаров is the object; nobody known speaks.
    spk, _, _ = run(["— Пойдём, — доктор взял Базарова за рукав."], finder)
    assert spk == [None]


def test_reported_speech_is_no_tag(finder):
    spk, _, _ = run(["— Катя, — она говорит, что Базаров уехал."], finder, context=["Одинцова"])
    assert spk == [None]


def test_remark_naming_two_people_abstains(finder):
    # Two remarks with two different subjects: the paragraph is not one person's.
    spk, _, _ = run(["— Да, — сказал Базаров. — Нет, — сказал Аркадий."], finder)
    assert spk == [None]


def test_a_noun_after_the_name_or_speech_cut_by_dashes_is_no_second_speaker(finder):
    # the inspector is Базаров himself (or nobody the kit knows): the name stands
    spk, _, _ = run(["— Гм! — говорит Базаров строго. — Чья собака? — обращается надзиратель к сторожу."], finder)
    assert spk == ["Базаров"]
    # ... but a noun the book ties to another character is that one: two speakers
    spk, _, _ = run(["— Да, — сказал Базаров. — Нет, — сказал юноша."], finder, ties={"юноша": "Аркадий"})
    assert spk == [None]
    # "уж не знаю" between dashes is speech, not a remark whose subject is a grass snake
    spk, _, _ = run(["— Люблю, — отвечала Катя, — и помню цветы, — уж не знаю, как они называются, — и розы."],
                    finder)
    assert spk == ["Катя"]


def test_an_indeclinable_name_after_a_preposition_or_an_oblique_title_is_no_subject():
    from dataset_tools.speakers import people_in

    f = MentionFinder([Character("Бетси", ["Бетси"], "f"), Character("Анна Алексеевна", ["Анна Алексеевна"], "f")], {})
    for text in ["«Для Бетси еще рано», — подумала она.", "Муж княгини Бетси подошел к столу."]:
        assert "Бетси" not in people_in(text, f.find(text), {}, subjects=True)
    for text in ["Бетси вошла.", "Вошла княгиня Бетси.", "Рядом с губернаторшей Анна Алексеевна."]:
        assert set(people_in(text, f.find(text), {}, subjects=True)) & {"Бетси", "Анна Алексеевна"}


def test_the_one_the_narration_says_asked_does_not_answer(finder):
    from dataset_tools.speakers import asker_of

    para = "Но Базаров спросил, не продаётся ли картина. Аркадию это было неприятно."
    assert asker_of(para, finder) == "Базаров"
    assert asker_of("Базаров спросил:", finder) is None  # then the question follows
    lines = [split_replica("— Она выставлена для продажи, — отвечал он.")]
    d = DialogState(analyse(lines, finder, BY_KEY, {}), ["Базаров", "."])
    attribute_scene([d], BY_KEY, {})
    assert d.spk == ["Базаров"]  # without the asker: the one man named
    d = DialogState(analyse(lines, finder, BY_KEY, {}), ["Базаров", "."])
    d.asker = asker_of(para, finder)
    attribute_scene([d], BY_KEY, {})
    assert d.spk == [None]


def test_a_woman_or_a_man_by_the_common_noun_is_somebody_named(finder):
    # "женщина" in the narration is, as a rule, a woman the book has named: it does not block "она"
    from dataset_tools.speakers import people_in

    for text, want in [("Катя села. Эта женщина знала всё.", "Катя"), ("Катя села. Эта дама знала всё.", None)]:
        context = people_in(text, finder.find(text), {}, subjects=True)
        spk, _, _ = run(["— Кончить? — сказала она тихо."], finder, context=context)
        assert spk == [want]


def test_pronoun_resolved_to_the_one_candidate(finder):
    spk, how, _ = run(["— Поздно, — сказала она."], finder, context=["Базаров", "Одинцова"])
    assert spk == ["Одинцова"] and how == ["pronoun"]


def test_pronoun_with_two_candidates_abstains(finder):
    spk, _, _ = run(["— Поздно, — сказал он."], finder, context=["Базаров", "Аркадий"])
    assert spk == [None]


def test_pronoun_with_an_unnamed_person_abstains(finder):
    # "доктор" may be the one who speaks, and the kit cannot name him.
    spk, _, _ = run(["— Поздно, — сказал он."], finder, context=["Базаров", "~доктор|m"])
    assert spk == [None]


def test_pronoun_skips_the_previous_speaker(finder):
    spk, _, _ = run(["— Поедем? — спросил Базаров.", "— Поедем, — ответил он."], finder,
                    context=["Базаров", "Аркадий"])
    assert spk == ["Базаров", "Аркадий"]


def test_noun_tied_to_one_character(finder):
    spk, how, _ = run(["— Пора, — сказал доктор."], finder, ties={"доктор": "Базаров"})
    assert spk == ["Базаров"] and how == ["noun"]
    spk, _, _ = run(["— Пора, — сказал доктор."], finder)
    assert spk == [None]  # a noun the book does not tie to one person


def test_turn_taking_between_two(finder):
    spk, how, addr = run(["— Ты здесь? — спросил Базаров.",
                          "— Здесь.",
                          "— А где Катя?",
                          "— Ушла, — ответил Аркадий."], finder)
    assert spk == ["Базаров", "Аркадий", "Базаров", "Аркадий"]
    assert how == ["remark", "turn", "turn", "remark"]
    assert addr == ["Аркадий", "Базаров", "Аркадий", "Базаров"]


def test_three_people_talking_abstains(finder):
    spk, _, _ = run(["— Ты здесь? — спросил Базаров.",
                     "— Здесь.",
                     "— А я? — сказала Катя.",
                     "— И ты.",
                     "— Ушла, — ответил Аркадий."], finder)
    assert spk[1] is None and spk[3] is None


def test_a_third_person_by_noun_stops_turn_taking(finder):
    spk, _, _ = run(["— Ты здесь? — спросил Базаров.",
                     "— Здесь, — сказал слуга.",
                     "— А Аркадий?",
                     "— Ушёл, — ответил Аркадий."], finder)
    assert spk[1] is None and spk[2] is None


def test_broken_alternation_abstains(finder):
    # Базаров ? Аркадий: whoever says the middle line, the alternation breaks.
    spk, _, _ = run(["— Ты здесь? — спросил Базаров.", "— Здесь.", "— Ушёл, — ответил Аркадий."], finder)
    assert spk[1] is None


def test_vocative_gives_the_addressee(finder):
    _, _, addr = run(["— Аркаша, иди сюда! — крикнул Базаров."], finder)
    assert addr == ["Аркадий"]
    _, _, addr = run(["— Господа, прошу к столу, — сказала Одинцова."], finder)
    assert addr == ["*"]


@pytest.mark.parametrize("remark,want", [
    ("обратился он к Аркадию", {"Аркадий"}),
    ("сказал Базаров, оборачиваясь к Кате", {"Катя"}),
    ("сказала она и встала к Кате", set()),  # she goes to Катя: where, not to whom
    ("сказал он и поехал к Аркадию", set()),
    ("сказал он с почтением к Аркадию", set()),
    ("сказал он. И хотя он обещал Аркадию молчать, не выдержал", set()),  # narration after the remark
    ("спросил он Катю", {"Катя"}),  # the one asked
    ("спрашивает Базаров у Аркадия", {"Аркадий"}),
    ("окликнула Одинцова Базарова", {"Базаров"}),
    ("спросил он про Катю", set()),  # asked about her, not asked her
    ("сказал он, глядя на Катю", set()),
])
def test_remark_addressee_needs_turning_to_them(finder, remark, want):
    from dataset_tools.speakers import remark_addressees

    mentions = finder.find(remark)
    assert remark_addressees(remark, mentions, remark_subject(remark, mentions, 1)) == want


def test_turning_to_an_unnamed_person_is_no_talk_of_two(finder):
    from dataset_tools.speakers import turns_to_unnamed

    assert turns_to_unnamed("обратился Базаров к лакею, доливавшему бокалы")
    assert not turns_to_unnamed("сказал Базаров и пошёл к лакею")
    lines = ["— Ты едешь? — спросил Базаров.", "— Еду, — отвечал Аркадий.",
             "— Подай другую, — обратился Базаров к лакею."]
    _, _, addr = run(lines, finder)
    assert addr == ["Аркадий", "Базаров", None]


def test_a_call_in_a_retold_talk_is_no_address(finder):
    from dataset_tools.speakers import speech_vocatives
    text = "Сколько надо было, Аркадий, столько, говорю, и пошло."
    assert speech_vocatives([("s", text)], 0, text, finder.find(text)) == set()
    text = "Сколько надо было, Аркадий, столько и пошло."
    assert speech_vocatives([("s", text)], 0, text, finder.find(text)) == {"Аркадий"}


def test_a_subject_before_a_parenthetical_is_no_address(finder):
    from dataset_tools.speakers import speech_vocatives
    text = "Аркадий, кажется, ей не противоречит."
    assert speech_vocatives([("s", text)], 0, text, finder.find(text)) == set()


def test_a_call_the_speaker_quotes_is_no_address(finder):
    _, _, addr = run(["— А она, бывало, скажет: «Купи, Аркадий, дом!» — и всё тут."], finder)
    assert addr == [None]
    _, _, addr = run(["— Купи, Аркадий, дом!"], finder)
    assert addr == ["Аркадий"]


def test_a_name_asked_about_is_no_address(finder):
    _, _, addr = run(["— Базаров? — переспросила Катя."], finder)
    assert addr == [None]


def test_first_person_narrator_is_named_by_the_others():
    from dataset_tools.speakers import name_narrator

    chars = CHARS + [Character("Алексей Иванович", ["Алексей Иванович"], "m")]
    by_key = {c.key: c for c in chars}
    fin = MentionFinder(chars, {})
    scenes = []
    for lines in (["— Куда вы? — спросила Катя.", "— Домой, — отвечал я.", "— Алексей Иванович, постойте!"],
                  ["— Алексей Иванович, вы здесь? — спросила Катя.", "— Здесь, — сказал я."]):
        d = DialogState(analyse([split_replica(p) for p in lines], fin, by_key, {}), [])
        attribute_scene([d], by_key, {})
        scenes.append([d])
    assert name_narrator(scenes, by_key) == "Алексей Иванович"
    for scene in scenes:
        attribute_scene(scene, by_key, {}, "Алексей Иванович")
    assert scenes[0][0].spk == ["Катя", "Алексей Иванович", "Катя"]
    assert scene_addressees(scenes[0], by_key)[0] == ["Алексей Иванович", "Катя", "Алексей Иванович"]


def test_characters_file_round_trip(tmp_path):
    chars = [Character("Базаров", ["Базаров", "Евгений"], "m", replicas=3)]
    (tmp_path / "characters.py").write_text(format_characters(chars), encoding="utf-8")
    back = load_characters(tmp_path / "characters.py")
    assert [(c.key, c.aliases, c.gender) for c in back] == [("Базаров", ["Базаров", "Евгений"], "m")]


@pytest.mark.parametrize("body,msg", [
    ('CHARACTERS = {\n    "Базаров": {"aliases": ["Базаров"], "gender": "x"},\n}\n', ":2: the gender of 'Базаров'"),
    ('CHARACTERS = {\n    "Базаров": {"aliases": ["Базаров"], "gender": "m"\n}\n', "syntax error"),
    ('CHARACTERS = {\n    "А": {"aliases": ["А"]},\n    "А": {"aliases": ["Б"]},\n}\n', ":3: 'А' appears twice"),
    ('CHARACTERS = {\n    "А": {"aliases": "А"},\n}\n', "must be a list"),
    ('CHARACTERS = {\n    "А": {"aliases": [f()]},\n}\n', "must be a literal"),
])
def test_bad_characters_file_is_one_line_error(tmp_path, body, msg):
    p = tmp_path / "characters.py"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(KitError, match=msg.replace("(", r"\(")) as e:
        load_characters(p)
    assert str(p) in str(e.value) and "\n" not in str(e.value)


def test_a_person_named_only_by_a_noun_becomes_a_character(finder):
    from dataset_tools.speakers import noun_characters

    lines = [["— Стой! — сказал городовой.", "— Стою, — ответил Базаров."],
             ["— Чья собака? — спросил городовой."], ["— Ничья, — сказал Аркадий."],
             ["— Так и запишем, — заметил городовой."], ["— Пиши, — сказал отец."],
             ["— Иду, — сказал отец."], ["— Иду, — сказал отец."]]
    dialogs = [[split_replica(p) for p in d] for d in lines]
    found = noun_characters(dialogs, [0] * len(dialogs), finder, {}, set(BY_KEY))
    assert [(c.key, c.aliases, c.gender) for c in found] == [("Городовой", ["городовой"], "m")]  # not "отец"
    # in two texts of a folder it may be two people: no character
    assert noun_characters(dialogs, [0, 0, 0, 1, 1, 1, 1], finder, {}, set(BY_KEY)) == []


def test_names_ner_missed_are_found_where_they_speak():
    from dataset_tools.speakers import remark_names

    dialogs = [[split_replica("— Да, — ответил Кирилов."), split_replica("— Нет, — сказал Кирилов.")],
               [split_replica("— Ну, — сказал Базаров.")]]
    found = remark_names(dialogs, {"Базаров": {}})
    assert set(found) == {"Кирилов"} and found["Кирилов"]["count"] == 2


def test_the_one_just_called_answers(finder):
    # Two women are near, but the line before calls Катя: "ответила она" is Катя.
    spk, how, _ = run(["— Катя, ты где? — спросил Базаров.", "— Здесь, — ответила она."], finder,
                      context=["Катя", "Одинцова"])
    assert spk == ["Базаров", "Катя"] and how == ["remark", "pronoun"]


def test_he_is_never_the_first_person_narrator(finder):
    # The narrator ("сказал я") and Базаров talk; "заговорил он" can only be Базаров.
    spk, _, _ = run(["— Ну? — сказал я.", "— Пора, — заговорил он."], finder, context=["Аркадий", "Базаров"])
    assert spk[1] is None  # two men nearby besides the narrator: still unsure
    spk, _, _ = run(["— Ну? — сказал я.", "— Пора, — заговорил он."], finder, context=["Базаров"])
    assert spk[1] == "Базаров"


def test_a_first_person_future_is_no_narrator_tag(finder):
    s = remark_subject("кого я укажу", [])
    assert s is None


def test_noun_ties_need_an_apposition(finder):
    from dataset_tools.speakers import noun_ties

    # "доктор Базаров" ties the noun; "шафер Аркадия" is Аркадий's best man, someone else.
    ties = noun_ties(["Вошёл доктор Базаров.", "Пришёл шафер Аркадия."], finder)
    assert ties.get("доктор") == "Базаров" and "шафер" not in ties
    # At a sentence start the noun is capitalised; a first name there is no noun.
    ties = noun_ties(["Ночь. Дьячок Аркадий лежал и не спал.", "Евгений Базаров вошёл."], finder)
    assert ties.get("дьячок") == "Аркадий" and "евгений" not in ties
    # One "доктор Базаров" among a novel's many doctors ties nothing: the others are nobody the kit knows.
    book = ["Вошёл доктор Базаров."] + ["— Лежите, — сказал доктор." if i % 2 else "Доктора не было." for i in range(70)]
    assert "доктор" not in noun_ties(book, finder)
    assert noun_ties(book[:30], finder).get("доктор") == "Базаров"
    # a nobiliary particle between the noun and the name: "зоолог фон Корен"
    korén = [Character("Корен", ["Корен"], "m")]
    assert noun_ties(["Вошёл зоолог фон Корен."], MentionFinder(korén, {})).get("зоолог") == "Корен"
    # an indeclinable name after "verb + noun" may be the object ("объявил епископ Спаланцо"): no tie;
    # and between the verb and a noun in the nominative it is the object
    chars = [Character("Спаланцо", ["Спаланцо"], "m")]
    s = remark_subject("спросил Спаланцо епископ.", MentionFinder(chars, {}).find("спросил Спаланцо епископ."), 1)
    assert (s.kind, s.lemma) == ("noun", "епископ")
    assert "епископ" not in noun_ties(["— Ведьма! — объявил епископ Спаланцо."], MentionFinder(chars, {}))
    assert noun_ties(["Епископ Спаланцо вошёл."], MentionFinder(chars, {})).get("епископ") == "Спаланцо"
    # "в ожидании доктора Аркадий": the genitive "доктора" reads as a plural nominative too; a plural ties nobody
    assert "доктор" not in noun_ties(["В ожидании доктора Аркадий сидел."], finder)


def _dialog(lines, finder, context=(), prev=None):
    d = DialogState(analyse([split_replica(p) for p in lines], finder, BY_KEY, {}), list(context), prev=prev)
    attribute_scene([d], BY_KEY, {})
    return d


def test_pronoun_remembers_the_dialog_before(finder):
    # The narration between names nobody: "сказала она" is the woman of the talk before.
    first = _dialog(["— Где ты была? — спросил Базаров.", "— В саду, — ответила Катя."], finder)
    assert _dialog(["— Пойдём, — сказала она."], finder, prev=first).spk == ["Катя"]


def test_pronoun_memory_with_two_women_abstains(finder):
    first = _dialog(["— Где ты была? — спросила Одинцова.", "— В саду, — ответила Катя."], finder)
    assert _dialog(["— Пойдём, — сказала она."], finder, prev=first).spk == [None]
    # A woman the narration names comes first: no memory needed, none used.
    assert _dialog(["— Пойдём, — сказала она."], finder, context=["Одинцова"], prev=first).spk == ["Одинцова"]


def test_pronoun_is_not_the_next_lines_speaker(finder):
    # A new paragraph is a new speaker: the one the next remark names did not say this line.
    spk, _, _ = run(["— Поздно, — сказал он.", "— Не поздно, — ответил Базаров."], finder,
                    context=["Базаров", "Аркадий"])
    assert spk == ["Аркадий", "Базаров"]
    # A person the kit cannot name is still nearby: null.
    spk, _, _ = run(["— Поздно, — сказал он.", "— Не поздно, — ответил Базаров."], finder,
                    context=["Базаров", "Аркадий", "~доктор|m"])
    assert spk == [None, "Базаров"]


def test_of_a_man_and_a_woman_she_is_the_woman(finder, monkeypatch):
    # A setting, off by default: "сказала она" right after her own line is still the one woman of the pair.
    monkeypatch.setattr("dataset_tools.speakers._PAIR_GENDER", True)
    spk, how, _ = run(["— Ты здесь? — спросил Базаров.",
                       "— Здесь, — ответила Катя.",
                       "— Нет, — сказала она. — Уже ухожу."], finder)
    assert spk == ["Базаров", "Катя", "Катя"] and how[2] == "pronoun"
    # Two men: "сказал он" after Аркадий's own line is not Аркадий again.
    spk, _, _ = run(["— Ты здесь? — спросил Базаров.",
                     "— Здесь, — ответил Аркадий.",
                     "— Нет, — сказал он."], finder)
    assert spk[2] != "Аркадий"


def test_a_noun_opening_a_sentence_is_a_person_too(finder):
    from dataset_tools.speakers import people_in

    def people(text):
        return people_in(text, finder.find(text), {})

    # "Сторож" opens the sentence: still a person the pronoun may stand for.
    assert people("Сторож зевнул и отвернулся.") == ["~сторож|m"]
    assert people("Было тихо. Сторож зевнул.") == ["~сторож|m"]
    # A noun right before a name is that person: "Доктор Базаров" is one.
    assert people("Доктор Базаров зевнул.") == ["Базаров"]
    assert people("Вошёл доктор Базаров.") == ["Базаров"]


def test_only_a_possible_subject_in_the_narration_is_a_pronoun_candidate(finder):
    from dataset_tools.speakers import SENTENCE_END, people_in

    def people(text):
        return [c for c in people_in(text, finder.find(text), {}, subjects=True) if c != SENTENCE_END]

    assert people("Он рассказал всё Евгению Васильичу.") == []
    assert people("Евгений Васильич рассказал всё.") == ["Базаров"]
    # Remarks keep every mention: there the dative is the one spoken to.
    text = "сказал он Евгению Васильичу"
    assert people_in(text, finder.find(text), {}) == ["Базаров"]


def test_a_later_remark_naming_the_speaker_says_who_the_pronoun_is(finder):
    spk, how, _ = run(["— Ты здесь? — спросил Базаров.",
                       "— Нет, — сказала она. — Я ушла давно, — сказала Катя."], finder)
    assert spk[1] == "Катя" and how[1] == "remark"


def test_narration_verbs_vote_for_a_gender(finder):
    from dataset_tools.speakers import narration_genders

    votes = narration_genders(["Катя ещё веселее засмеялась.", "Потом Базаров ушёл.", "Кате стало скучно."], finder)
    assert votes["Катя"] == {"f": 1} and votes["Базаров"] == {"m": 1}


def test_a_character_of_unknown_gender_nearby_stops_the_pronoun():
    from dataset_tools.speakers import MentionFinder

    chars = CHARS + [Character("Сафо", ["Сафо"], "?")]
    by_key = {c.key: c for c in chars}
    f = MentionFinder(chars, {})
    dialog = [split_replica("— Не теперь же, — сказала она.")]
    infos = analyse(dialog, f, by_key, {})
    assert attribute(infos, ["Катя"], by_key, {})[0] == ["Катя"]
    assert attribute(infos, ["Катя", "Сафо"], by_key, {})[0] == [None]


def run_intro(intro, paragraphs, finder, context=()):
    dialog = [split_replica(p) for p in paragraphs]
    infos = analyse(dialog, finder, BY_KEY, {}, intro=intro)
    return attribute(infos, list(context), BY_KEY, {})


@pytest.mark.parametrize("intro,want", [
    ("Базаров стал у окна, поднял руку и проговорил трагическим тоном:", "Базаров"),
    ("Когда Аркадий вошёл, Базаров сказал ему шёпотом, сильно волнуясь:", "Базаров"),
    ("Заметив, что Аркадий спит, Катя спросила:", "Катя"),  # a subordinate clause names nobody who speaks
    ("Катя засмеялась и крикнула Аркадию:", "Катя"),
    ("И тут сказал Базаров:", "Базаров"),
    ("Аркадий долго молчал. Потом Катя посмотрела на него, и она сказала:", "Катя"),  # her own paragraph
    ("Базаров услышал:", None),  # who hears is not who speaks
    ("Базаров прочёл:", None),
    ("Катя и Аркадий сказали:", None),
    ("Базаров вошёл к Аркадию.", None),  # no colon: the author's words introduce nothing
    ("Базаров и Аркадий долго молчали. Наконец он сказал:", None),  # two men
])
def test_the_words_before_a_dialog_name_its_first_speaker(finder, intro, want):
    spk, how, _ = run_intro(intro, ["— Пора."], finder)
    assert spk == [want]
    assert how == ["remark" if want else None] or (how == ["pronoun"] and "она" in intro)


def test_the_words_before_a_dialog_give_the_addressee_and_the_turns(finder):
    spk, _, addr = run_intro("Базаров сказал Аркадию:", ["— Пора.", "— Иду."], finder)
    assert spk == ["Базаров", "Аркадий"] and addr == ["Аркадий", "Базаров"]


def test_the_lines_own_remark_wins_over_the_words_before(finder):
    spk, _, _ = run_intro("Базаров сказал:", ["— Нет, — ответил Аркадий."], finder)
    assert spk == ["Аркадий"]


def test_a_title_before_a_name_is_not_another_person(finder):
    s = remark_subject("сказал доктор Аркадий", finder.find("сказал доктор Аркадий"))
    assert s.kind == "name" and s.chars == {"Аркадий"}


def test_the_name_said_after_an_unnamed_person_wins_only_in_a_later_sentence(finder):
    # "Доктор ушёл. Базаров сел. — ..., — сказал он": Базаров, named last.
    spk, how, _ = run(["— Поздно, — сказал он."], finder, context=["~доктор|m", ".", "Базаров", "."])
    assert spk == ["Базаров"] and how == ["pronoun"]
    # "Вошли доктор и Базаров": both in one breath, either may speak.
    spk, _, _ = run(["— Поздно, — сказал он."], finder, context=["~доктор|m", "Базаров", "."])
    assert spk == [None]
    # The unnamed one came last: he may be the one who speaks.
    spk, _, _ = run(["— Поздно, — сказал он."], finder, context=["Базаров", ".", "~доктор|m", "."])
    assert spk == [None]


@pytest.mark.parametrize("text,want", [
    ("Его сиятельство отложил газету.", ["~сиятельство|?"]),  # a title is a person of either gender
    ("Лошадь фыркнула, и пол заскрипел.", []),  # animals and a floor read as the name Пол are nobody
    ("Сторож зевнул.", ["~сторож|m"]),
])
def test_person_nouns(finder, text, want):
    from dataset_tools.speakers import SENTENCE_END, people_in

    assert [c for c in people_in(text, finder.find(text), {}, subjects=True) if c != SENTENCE_END] == want


def test_an_unknown_name_the_text_uses_as_a_nominative_keeps_its_ending():
    assert nominative("Сисой", "nomn") == "Сисой"  # not the instrumental of "Сиса"
    assert nominative("Алексей Александровичем", "nomn") == "Алексей Александрович"


def test_hypocorisms_join_their_full_name():
    chars = {c.key: c for c in build_characters(Counter({"Константин Дмитрич": 20, "Костя": 5, "Стива": 3,
                                                         "Степан Аркадьич": 30}))}
    assert "Костя" in chars["Константин Дмитрич"].aliases and "Стива" in chars["Степан Аркадьич"].aliases
    # A namesake named once does not stop Долли from joining the Дарья the book is about...
    chars = {c.key: c for c in build_characters(Counter({"Дарья Александровна": 50, "Дарья Дмитриевна": 1,
                                                         "Долли": 30}))}
    assert "Долли" in chars["Дарья Александровна"].aliases and "Дарья Дмитриевна" in chars
    # ...but Саша with an Александр and an Александра as frequent is left to the user.
    chars = {c.key: c for c in build_characters(Counter({"Саша": 5, "Александр Петрович": 10,
                                                         "Александра Ивановна": 10}))}
    assert "Саша" in chars
    assert parts_of("Константин Митрич") == parts_of("Константин Дмитрич")
    # Ванюша beside Ваня does not hide Иван Петрович; a bare "Иван" is one of the Иваны, not another man.
    chars = {c.key: c for c in build_characters(Counter({"Ваня": 200, "Ванюша": 1, "Иван Петрович": 60, "Иван": 5,
                                                         "Иван Александрыч": 2}))}
    assert {"Ваня", "Ванюша", "Иван Петрович"} <= set(chars["Ваня"].aliases)
    # A bare full name beside diminutives is weak: a grandmother "Мария" said once is not Маша.
    chars = {c.key: c for c in build_characters(Counter({"Маша": 60, "Машенька": 5, "Мария": 1}))}
    assert "Мария" in chars and "Мария" not in chars["Маша"].aliases


def _scene(paragraphs, finder, context=(), gap=None):
    dialog = [split_replica(p) for p in paragraphs]
    d = DialogState(analyse(dialog, finder, BY_KEY, {}), list(context))
    d.gap = gap
    return [d]


def _after_a_talk(first, then, finder, context):
    """Speakers of the dialog `then`, which follows the talk `first` after a
    short narration naming `context`."""
    from dataset_tools.speakers import attribute_book

    scenes = [_scene(first, finder), _scene(then, finder, context, gap=1)]
    attribute_book(scenes, BY_KEY)
    return scenes[1][0].spk


BAZAROV_ARKADY = ["— Пойдём? — спросил Базаров.", "— Нет, — ответил Аркадий."]


def test_a_talk_of_two_goes_on_across_a_short_narration(finder):
    quiet = _after_a_talk(BAZAROV_ARKADY, ["— Почему? — спросил Базаров.", "— Поздно.", "— Жаль."], finder,
                          ["Аркадий", "."])
    assert quiet == ["Базаров", "Аркадий", "Базаров"]
    # The narration between brings in Катя: the talk may be hers now.
    busy = _after_a_talk(BAZAROV_ARKADY, ["— Почему? — спросил Базаров.", "— Поздно."], finder, ["Катя", "."])
    assert busy == ["Базаров", None]


def test_a_kin_noun_that_speaks_often_becomes_a_character(finder):
    from dataset_tools.speakers import _KIN_CHARACTERS, noun_characters

    lines = [["— Ну! — сказала бабушка."], ["— Пиши, — сказал отец."]] * _KIN_CHARACTERS
    dialogs = [[split_replica(p) for p in d] for d in lines]
    found = noun_characters(dialogs, [0] * len(dialogs), finder, {}, set(BY_KEY))
    assert sorted(c.key for c in found) == ["Бабушка", "Отец"]
    # Three times is the bar for "городовой", not for "отец" (the father of whom?)
    few = [[split_replica("— Пиши, — сказал отец.")]] * 3
    assert noun_characters(few, [0, 0, 0], finder, {}, set(BY_KEY)) == []


def test_a_noun_ties_to_no_character_of_the_other_gender():
    from collections import Counter as C

    from dataset_tools.speakers import ties_of

    counts = {"бабушка": C({"Базаров": 1}), "доктор": C({"Базаров": 2})}
    assert ties_of(counts, BY_KEY) == {"доктор": "Базаров"}  # "бабушке Базарова" is no grandmother Базаров


@pytest.mark.parametrize("remark,want", [
    ("нахмурившись, сказал Базаров, не любивший споров", "Базаров"),  # a gerund phrase before the verb
    ("невольно сказал Базаров и ужаснулся тому, что говорил", "Базаров"),  # "что" far from the verb
    ("она говорит, что Базаров уехал", None),  # reported speech: no speech tag
    ("вскричал, махнув рукой, Базаров", "Базаров"),  # the subject after a gerund phrase
    ("сказала, обернувшись к нему, Катя", "Катя"),
    ("сказал, улыбаясь, Аркадию", None),  # the one he smiles at, not a subject
    ("сказал, улыбаясь, Базаров взял его руку", None),  # a new clause with its own verb
    # the gerund phrase's relative clause and a second gerund are no remark verbs
    ("взяв руку, которую она положила на стол, и целуя ее, сказал Базаров", "Базаров"),
])
def test_remark_subject_past_a_gerund_and_a_far_clause(finder, remark, want):
    s = remark_subject(remark, finder.find(remark))
    assert (set(s.chars) if s is not None and s.kind == "name" else None) == ({want} if want else None)


def test_a_bare_surname_joins_the_namesake_the_book_is_about():
    from dataset_tools.speakers import full_name_ties

    chars = [Character("Левин", ["Левин"], "m", mentions=400), Character("Костя", ["Костя", "Константин Левин"], "m", mentions=70),
             Character("Николай Левин", ["Николай Левин"], "m", mentions=9), Character("Катавасов", ["Катавасов"], "m", mentions=20)]
    by_key = {c.key: c for c in chars}
    finder = MentionFinder(chars, {})
    texts = ["Катавасов Левину сказал.", "Пришёл Константин Левин."]
    assert full_name_ties(texts, finder, by_key) == {"Левин": "Костя"}  # not Катавасов, whom "Левину" was told
    by_key["Николай Левин"].mentions = 30  # two brothers spoken of alike: left to the user
    assert full_name_ties(texts, finder, by_key) == {}


@pytest.mark.parametrize("alias,want", [
    ("Иван Алексеич", ["Иван Алексеевич"]), ("Сергей Иванович", ["Сергей Иваныч"]),
    ("Степан Аркадьич", ["Степан Аркадьевич"]), ("Тимур Ильич", []), ("Вера Иосифовна", []),
])
def test_patronymic_spellings(alias, want):
    from dataset_tools.characters import patronymic_variants

    assert patronymic_variants(alias) == want


def test_the_other_patronymic_spelling_is_a_mention():
    finder = MentionFinder([Character("Огнев", ["Огнев", "Иван Алексеич"], "m")], {})
    assert [m.chars for m in finder.find("Иван Алексеевич Огнев помнит")] == [{"Огнев"}, {"Огнев"}]


def test_she_adds_to_her_own_line(finder):
    spk, how, _ = run(["— Поздно, — сказала Катя.", "— И темно, — прибавила она."], finder,
                      context=["Катя", "Одинцова"])
    assert spk == ["Катя", "Катя"] and how == ["remark", "pronoun"]


def test_a_dative_after_a_second_verb_is_no_addressee(finder):
    spk, _, addr = run(["— Готово, — отвечал Базаров и велел Аркадию собираться."], finder)
    assert spk == ["Базаров"] and addr == [None]


def test_an_oblique_form_pymorphy_cannot_inflect_joins_its_nominative():
    from dataset_tools.speakers import initial_characters

    names = {"Яшвин": {"count": 20, "groups": {"nomn": 20}}, "Яшвину": {"count": 2, "groups": {"datv": 2}}}
    chars = initial_characters(names, None)
    assert [c.key for c in chars] == ["Яшвин"]
    # "Алеше" read as the dative of a man named Алеш is the dative of the Алёша the text has
    names = {"Алеша": {"count": 100, "groups": {"nomn": 100}}, "Алешу": {"count": 10, "groups": {"gent": 10}},
             "Алеше": {"count": 2, "groups": {"datv": 2}}}
    assert [c.key for c in initial_characters(names, None)] == ["Алеша"]


def test_he_with_nobody_of_his_gender_nearby_is_the_last_man_named_before(finder):
    lines = ["— Долли! — сказал он тихим голосом.", "— Уйдите! — вскрикнула Катя."]
    d = DialogState(analyse([split_replica(p) for p in lines], finder, BY_KEY, {}), ["Катя", "."])
    d.far = ["Аркадий", ".", "Катя", "."]
    attribute_scene([d], BY_KEY, {})
    assert d.spk == ["Аркадий", "Катя"]
    # the last man named before is a nameless lackey: nobody
    d = DialogState(analyse([split_replica(p) for p in lines], finder, BY_KEY, {}), ["Катя", "."])
    d.far = ["Аркадий", ".", "Базаров", "~лакей|m", "."]
    attribute_scene([d], BY_KEY, {})
    assert d.spk == [None, "Катя"]
    # a man in the window, even one who cannot be "он" here, stops the look further back
    d = DialogState(analyse([split_replica(["— Аркадий, иди сюда! — сказал он."][0])], finder, BY_KEY, {}),
                    ["Аркадий", "."])
    d.far = ["Базаров", "."]
    attribute_scene([d], BY_KEY, {})
    assert d.spk == [None]


def test_a_genitive_after_a_noun_ties_nothing(finder):
    from dataset_tools.speakers import noun_ties

    assert noun_ties(["Пришёл лакей Базарова.", "Лакей ушёл."], finder) == {}
    assert noun_ties(["Пришёл доктор Базаров."], finder) == {"доктор": "Базаров"}
    # a title in the genitive is the name's apposition; a relation noun is not
    assert noun_ties(["Умер сын земского доктора Базарова."], finder) == {"доктор": "Базаров"}
    assert noun_ties(["Умер сын жены Базарова."], finder) == {}


def test_a_surname_pymorphy_knows_only_as_a_plural_still_declines():
    from dataset_tools.characters import inflections

    assert set(inflections("Кирилов")) == {"Кирилов", "Кирилова", "Кирилову", "Кириловым", "Кирилове"}


def test_a_title_before_an_indeclinable_name_is_the_subject():
    chars = [Character("Спаланцо", ["Спаланцо"], "m")]
    finder = MentionFinder(chars, {})
    s = remark_subject("объявил епископ Спаланцо", finder.find("объявил епископ Спаланцо"))
    assert s.kind == "noun" and s.lemma == "епископ"  # Спаланцо (any case) is told


def test_one_known_speaker_and_one_other_named_just_before_make_a_talk_of_two(finder):
    lines = ["— Ты едешь? — спросил Базаров.", "— Еду.", "— Когда?", "— Завтра."]

    def scene(context, narrator_near=False, prev=None):
        d = DialogState(analyse([split_replica(p) for p in lines], finder, BY_KEY, {}), context, prev=prev)
        d.narrator_near = narrator_near
        attribute_scene([d], BY_KEY, {})
        return d.spk

    assert scene(["Аркадий", "."]) == ["Базаров", "Аркадий", "Базаров", "Аркадий"]
    assert scene(["Аркадий", "Катя", "."]) == ["Базаров", None, None, None]  # two others named
    assert scene(["Аркадий", "~лакей|m", "."]) == ["Базаров", None, None, None]  # and a lackey
    assert scene(["Аркадий", "."], narrator_near=True) == ["Базаров", None, None, None]  # "…сказал он мне"
    # the talk just before was Базаров's with Катя: Аркадий, named between, may be silent
    before = DialogState([], [], spk=["Катя", "Базаров"], how=["remark", "remark"])
    assert scene(["Аркадий", "."], prev=before) == ["Базаров", None, None, None]


def test_an_apposition_is_no_vocative(finder):
    _, _, addr = run(["— Он ненавидел её за то, что его сын, Аркадий, хотел на ней жениться, — сказал Базаров."],
                     finder)
    assert addr == [None]
    _, _, addr = run(["— Хотел, Аркадий, на ней жениться, — сказал Базаров."], finder)
    assert addr == ["Аркадий"]


def test_a_talk_of_two_men_he_is_the_one_the_narration_names(finder):
    then = ["— Да, — сказал он.", "— Почему?", "— Поздно."]
    # "сказал он" between two men of the pair: the one the narration just named, then turns
    assert _after_a_talk(BAZAROV_ARKADY, then, finder, ["Аркадий", "."]) == ["Аркадий", "Базаров", "Аркадий"]
    # the narration names both: no telling who "он" is
    assert _after_a_talk(BAZAROV_ARKADY, then, finder, ["Аркадий", ".", "Базаров", "."]) == [None, None, None]


def test_a_kin_noun_speaking_in_a_talk_of_two_is_one_of_them(finder):
    here = ["— Ты здесь? — спросил Базаров.", "— Здесь, — ответил Аркадий."]
    spk, how, _ = run(here + ["— Так пойдём, — сказал брат."], finder)
    assert spk == ["Базаров", "Аркадий", "Базаров"] and how[2] == "turn"
    # a kin noun of the other gender is nobody of the two
    spk, _, _ = run(here + ["— Так пойдём, — сказала сестра."], finder)
    assert spk[2] is None


@pytest.mark.parametrize("speech, want", [
    ("Я так рада!", {"f"}), ("Я был там вчера.", {"m"}), ("Не знала я этого.", {"f"}),
    ("Я сама пойду.", {"f"}), ("Я уже давно решила.", {"f"}), ("Я готов.", {"m"}),
    ("Я думаю, что он прав.", set()),  # "прав" is not the speaker's
    ("Он сказал: «Я был там».", set()),  # quoted words are somebody else's
])
def test_the_speech_gives_its_speakers_gender(speech, want):
    from dataset_tools.speakers import speech_gender

    assert speech_gender(speech) == want


def test_the_speakers_gender_guards_turn_taking(finder):
    # "я была" cannot be Аркадий's line, whatever the alternation says
    lines = ["— Ты здесь? — спросил Базаров.", "— Я {} в саду.", "— Где? — спросил Базаров.", "— Там, — ответил Аркадий."]
    spk, _, _ = run([x.format("была") for x in lines], finder)
    assert spk[1] is None
    spk, _, _ = run([x.format("был") for x in lines], finder)
    assert spk[1] == "Аркадий"


def test_in_a_talk_of_a_man_and_a_woman_her_words_are_hers(finder):
    # no line of the next exchange names its speaker; "я так рада" is the woman's, then turns
    spk = _after_a_talk(["— Пойдём? — спросил Базаров.", "— Нет, — ответила Катя."],
                        ["— Я так рада!", "— Чему?", "— Весне."], finder, ["."])
    assert spk == ["Катя", "Базаров", "Катя"]
    # two men: the words tell nothing
    assert _after_a_talk(BAZAROV_ARKADY, ["— Я так рад!", "— Чему?", "— Весне."], finder, ["."]) == [None, None, None]


def test_in_first_person_narration_one_named_person_talks_with_the_narrator(finder):
    from dataset_tools.speakers import NARRATOR

    lines = ["— Пойдём в сад, — сказала Катя.", "— Зачем?", "— Там хорошо."]
    scene = _scene(lines, finder, ["Катя", "."])
    scene[0].narrator_near = True  # "Я взглянул на Катю."
    attribute_scene(scene, BY_KEY, {})
    assert scene[0].spk == ["Катя", NARRATOR, "Катя"]
    # "Он вошёл… Я взглянул на Катю": a man the narration calls "он" is there too
    scene = _scene(lines, finder, ["Катя", "."])
    scene[0].narrator_near, scene[0].near_he_she = True, frozenset({"m"})
    attribute_scene(scene, BY_KEY, {})
    assert scene[0].spk == ["Катя", None, None]
    # no first person in the narration: nobody to pair her with
    scene = _scene(lines, finder, ["Катя", "."])
    attribute_scene(scene, BY_KEY, {})
    assert scene[0].spk == ["Катя", None, None]


def test_a_character_the_book_names_by_a_noun_is_called_by_it():
    chars = CHARS + [Character("Бабушка", ["бабушка"], "f")]
    by_key = {c.key: c for c in chars}
    finder = MentionFinder(chars, {})
    dialog = [split_replica(p) for p in ["— Нет, бабушка, не проиграете, — сказал Базаров.",
                                         "— Бабушка, пора!",
                                         "— У бабушки всё есть, — сказал Аркадий."]]
    from dataset_tools.speakers import noun_calls

    infos = analyse(dialog, finder, by_key, {}, nouns=noun_calls(by_key))
    assert [i.noun_vocatives for i in infos] == [{"Бабушка"}, {"Бабушка"}, set()]
    _, _, addr = attribute(infos, [], by_key, {})
    assert addr[0] == "Бабушка"


def test_a_third_man_the_narration_just_named_breaks_the_talk_of_two():
    chars = CHARS + [Character("Николай", ["Николай"], "m")]
    by_key = {c.key: c for c in chars}
    finder = MentionFinder(chars, {})
    lines = ["— Дёшево, — сказал он, обращаясь к Аркадию.", "— Нет.", "— Да кончено или нет? — сказал Базаров."]
    infos = analyse([split_replica(p) for p in lines], finder, by_key, {})
    # "Николай встал … — …, — сказал он, обращаясь к Аркадию": Николай, not Базаров of the talk of two
    assert attribute(infos, ["Николай"], by_key, {})[0] == ["Николай", None, "Базаров"]
    infos = analyse([split_replica(p) for p in lines], finder, by_key, {})
    assert attribute(infos, ["Базаров"], by_key, {})[0][0] == "Базаров"


@pytest.mark.parametrize("remark,kind,lemma", [
    ("с соболезнованием сказал Бартнянский.", "name", ""),  # an adjective-like surname NER missed
    ("проговорил сердито больной.", "noun", "больной"),  # pymorphy's rare reading, the verb agrees
    ("сказала больной.", None, None),  # "to the sick woman": no subject
    # a short adverbial with no verb before the comma: the verb and its subject come after it
    ("с расстановкой, медленно проговорил умирающий.", "noun", "умирающий"),
    ("весело смеясь, сказал Бартнянский.", "name", ""),
    # past an infinitive, five words, an adverb before the gerund
    ("не утерпела не сказать Бартнянская.", "name", ""),
    ("вскрикнула вдруг своим слабым голоском Бартнянская.", "name", ""),
    ("сказала, вдруг оживляясь, хозяйка.", "noun", "хозяйка"),
])
def test_remark_subjects_the_kit_cannot_name(finder, remark, kind, lemma):
    s = remark_subject(remark, finder.find(remark), 1)
    assert (s.kind, s.lemma, s.chars) == (kind, lemma, frozenset()) if kind else s is None


def test_a_speaker_the_kit_cannot_name_stops_a_later_he(finder):
    spk, _, _ = run(["— Много? — сказал Бартнянский.", "— Очень.", "— О, счастливый! — сказал он."],
                    finder, context=["Базаров"])
    assert spk[2] is None


def test_a_first_name_and_a_full_name_with_it_are_no_talk_of_two():
    # "Николай" and "Николай Левин" may be one man the kit did not merge: their lines do not alternate
    chars = [Character("Николай", ["Николай"], "m"), Character("Николай Левин", ["Николай Левин"], "m")]
    by_key = {c.key: c for c in chars}
    finder = MentionFinder(chars, {})
    lines = ["— Ты взял чужую мысль, — сказал Николай.", "— Нет.", "— Там, — говорил Николай Левин, — есть прелесть.",
             "— Зачем?"]
    infos = analyse([split_replica(p) for p in lines], finder, by_key, {})
    assert attribute(infos, [], by_key, {})[0] == ["Николай", None, "Николай Левин", None]


def test_the_voice_of_a_person_is_the_person(finder):
    s = remark_subject("сказал голос Кати.", finder.find("сказал голос Кати."), 1)
    assert (s.kind, s.chars, s.gender) == ("name", frozenset({"Катя"}), None)
    # "будет думать моя Катя" is speech the dashes cut, not a tag: only a past verb takes an infinitive
    assert remark_subject("вот как будет думать моя Катя!", finder.find("вот как будет думать моя Катя!"), 1) is None


def test_names_in_quoted_thoughts_are_nobody_present(finder):
    from dataset_tools.speakers import people_in
    text = "«Катя не придёт», — думал он. «Ну и пусть! — злился Аркадий. — Базаров прав»."
    # Катя and Базаров are in his thoughts; Аркадий, in the author's words inside the quotes, is the thinker
    assert [c for c in people_in(text, finder.find(text), {}, subjects=True) if c != "."] == ["Аркадий"]


def test_a_talk_of_two_holds_until_a_third_person_comes_in(finder):
    lines = ["— Знаешь что? — сказал Базаров.", "— Что? — спросил Аркадий.", "— Исполни свой долг.", "— Почему?",
             "— Так надо.", "— Катя, подай чаю! — крикнул Аркадий.", "— Сейчас, — ответила она."]
    spk, _, addr = run(lines, finder)
    # the last two lines bring in Катя: before them the two alternate
    assert spk[:5] == ["Базаров", "Аркадий", "Базаров", "Аркадий", "Базаров"]
    assert addr[:5] == ["Аркадий", "Базаров", "Аркадий", "Базаров", "Аркадий"]


def test_a_talk_of_two_needs_both_speaking_by_a_remark_before_the_third(finder):
    # Аркадий is only called by name here: he may be a third person, no turns
    lines = ["— Иди вперёд, Аркадий! — сказал Базаров.", "— Куда?", "— Туда.", "— Катя, подай чаю!",
             "— Сейчас, — ответила она."]
    spk, _, _ = run(lines, finder)
    assert spk[1] is None and spk[2] is None
