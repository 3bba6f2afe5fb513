"""Names stage with real Natasha NER and pymorphy3: cleaning, completion, cases."""
from dataset_tools.names import dict_entries, find_names, is_name_part
from dataset_tools.replicas import split_replica


def dialogs_of(*pars):
    return [[split_replica(p) for p in pars]]


def test_glued_words_are_cleaned(ner_tagger):
    forms = find_names(dialogs_of(
        "— Тогда Петя придёт, — сказал он.",
        "— Спроси Олю, — ответила Маша.",
        "— Потом Митя уедет.",
        "— Ого, как поздно!",
    ), tagger=ner_tagger)
    assert {"Петя", "Маша"} <= set(forms)
    for junk in ("Тогда Петя", "Спроси Олю", "Потом Митя", "Ого", "Тогда", "Спроси"):
        assert junk not in forms


def test_completion_finds_other_forms(ner_tagger):
    forms = find_names(dialogs_of(
        "— Митя пришёл, — сказала Оля.",
        "— Дай Мите хлеба, — попросила она.",
    ), tagger=ner_tagger)
    assert "Мите" in forms


def test_cases_in_context(ner_tagger):
    forms = find_names(dialogs_of(
        "— Вася пришёл, — сказала Маша.",
        "— Видела Васю? — спросила она.",
        "— Дай Васе хлеба, — сказала Маша.",
        "— С Васей не пропадёшь, — сказала Маша.",
        "— Передайте Ивану Петровичу, — сказал Вася.",
    ), tagger=ner_tagger)
    me = {f: p for f, p, _, _ in dict_entries(forms, "me")}
    ti = {f: p for f, p, _, _ in dict_entries(forms, "ti")}
    assert me["Вася"] == "я" and ti["Вася"] == "ты"
    assert me["Васю"] == "меня" and me["Васе"] == "мне" and me["Васей"] == "мной"
    assert me["Ивану Петровичу"] == "мне"
    assert [f for f, *_ in dict_entries(forms, "me")][0] == "Маша"  # most frequent first


def test_name_parts():
    assert is_name_part("Маша") and is_name_part("Степан")
    for w in ("Тогда", "Ого", "Иду", "Что-о-о", "маша"):
        assert not is_name_part(w)


def test_two_people_side_by_side_are_split(ner_tagger):
    forms = find_names(dialogs_of(
        "— Вера Иосифовна дома? — спросил Старцев.",
        "— А что пишете? — спросил у Веры Иосифовны Старцев.",
    ), tagger=ner_tagger)
    assert "Веры Иосифовны" in forms and "Веры Иосифовны Старцев" not in forms


def test_common_words_and_places_are_not_names(ner_tagger):
    forms = find_names(dialogs_of(
        "— Мур… мур… мур…",
        "— В Малозёмове гостит князь, тебе кланяется, — говорила Лида.",
        "— Маша, пойдём! — Пирогов напеку.",
    ), tagger=ner_tagger)
    assert "Лида" in forms
    for junk in ("Мур", "Малозёмове", "Пирогов"):
        assert junk not in forms


def test_unseen_nominative_is_decided_by_position(ner_tagger):
    # pymorphy reads Стива as the genitive of Стив only.
    forms = find_names(dialogs_of(
        "— Стива мне говорил, — сказала Анна.",
        "— Что же Стива сказал вам?",
        "— Стива! — крикнул Левин.",
        "— У Ивана нет денег, — сказал Стива.",
    ), tagger=ner_tagger)
    me = {f: p for f, p, _, _ in dict_entries(forms, "me")}
    assert me["Стива"] == "я" and me["Ивана"] == "меня"


def test_name_and_surname_of_two_people_are_split():
    from dataset_tools.names import agrees

    assert not agrees(["Степан", "Аркадьич"], "Левина")  # "спросил Степан Аркадьич Левина"
    assert agrees(["Анна"], "Каренина") and agrees(["Шарлотта", "Чарльзовна"], "Тфайс")


def test_villages_and_possessives_are_not_names():
    from dataset_tools.names import is_name_part, is_plural_only

    assert not is_name_part("Бутёкино") and is_name_part("Кнапс")
    assert is_plural_only("Сашины") and is_plural_only("Калининых") and not is_plural_only("Каренина")
    # pymorphy knows these only as genitive plurals (of Кирил, песец); they are surnames
    assert not is_plural_only("Кирилов") and not is_plural_only("Песцов") and not is_plural_only("Маслобоев")


def test_two_surnames_side_by_side():
    from dataset_tools.names import agrees

    assert not agrees(["Кистунову"], "Щукина")  # "бросилась к Кистунову Щукина"
    assert agrees(["Наденьки"], "Калининой")


def test_two_surnames_are_two_people():
    from dataset_tools.names import agrees

    assert not agrees(["Катавасов"], "Левину") and not agrees(["Вронский"], "Левину")
    assert agrees(["Степан", "Аркадьич"], "Облонский")


def test_surname_read_as_adjective_joins_the_name(ner_tagger):
    forms = find_names(dialogs_of(
        "— Старые знакомые, — сказал Васенька Весловский.",
        "— А где Васенька Весловский? — спросила Кити.",
    ), tagger=ner_tagger)
    assert "Васенька Весловский" in forms


def test_interjections_are_not_names():
    from dataset_tools.names import is_function_word

    assert is_function_word("Ишь") and is_function_word("Ба") and not is_function_word("Мими")
    assert not is_name_part("Ишь")


def test_object_after_verb_is_not_its_subject():
    from dataset_tools.names import group_in_context

    # "прогнусавил Перегарин" is the subject; in "я видел Мими" the clause has one already
    for text, want in (("— Ну, — сказал Мими.", True), ("Я видел Мими вчера.", False)):
        assert (group_in_context("Мими", text, text.index("Мими")) == "nomn") is want


def test_animals_are_not_names():
    from dataset_tools.names import animal_forms

    forms = {"Жучку": {}, "Жучке": {}, "Петю": {}}
    book = ["Жучка залаяла и завиляла хвостом.", "Петя погладил Жучку по морде.", "Жучка лизнула ему руку.",
            "Петя ушёл домой.", "Жучке дали кость."]
    assert animal_forms(forms, book) == {"Жучку", "Жучке"}
    # one cue among many mentions is the person's dog, not the person
    assert animal_forms(forms, book[:3] + ["Петя пришёл."] * 60) == {"Жучку", "Жучке"}


def test_accusative_of_unseen_nominative():
    from collections import Counter

    from dataset_tools.names import _accusative_of_unseen

    def forms(*names):
        return {f: {"count": 1, "groups": Counter({g: 2})} for f, g in names}
    # "Стива" is this book's nominative: "Стиву" is its accusative, not Стив's dative
    assert _accusative_of_unseen("Стиву", forms(("Стива", "nomn"), ("Стиву", "datv")))
    # with "Ферапонт" in the book, "Ферапонту" is his dative
    assert not _accusative_of_unseen("Ферапонту", forms(("Ферапонт", "nomn"), ("Ферапонта", "nomn"),
                                                         ("Ферапонту", "datv")))


def test_an_u_form_takes_its_case_from_the_book_s_other_forms():
    from collections import Counter

    from dataset_tools.names import _u_form_group

    def forms(*names):
        return {f: {"count": 1, "groups": Counter({g: 2})} for f, g in names}
    # "Митрошка" is a nominative here: "Митрошку" is its accusative (the dative would be "Митрошке")
    assert _u_form_group("Митрошку", forms(("Митрошка", "nomn"), ("Митрошку", "nomn"))) == "gent"
    # "Маслобоева" read as a genitive, or "Маслобоев" itself: "Маслобоеву" is the man's dative
    assert _u_form_group("Маслобоеву", forms(("Маслобоева", "gent"), ("Маслобоеву", "gent"))) == "datv"
    assert _u_form_group("Маслобоеву", forms(("Маслобоев", "nomn"), ("Маслобоеву", "gent"))) == "datv"
    # ... or beside his instrumental "Маслобоевым"
    assert _u_form_group("Маслобоеву", forms(("Маслобоевым", "ablt"), ("Маслобоеву", "gent"))) == "datv"
    # ... unless his wife "Маслобоевой" is in the book too; and nothing else of the name: no say
    assert _u_form_group("Маслобоеву", forms(("Маслобоева", "gent"), ("Маслобоевой", "gent"))) is None
    assert _u_form_group("Митрошку", forms(("Митрошку", "nomn"))) is None
    # a word pymorphy knows is left to it
    assert _u_form_group("Машу", forms(("Маша", "nomn"), ("Машу", "gent"))) is None


def test_an_a_form_beside_a_man_s_nominative_is_his_genitive():
    from collections import Counter

    from dataset_tools.names import _a_form_group, _female_context

    def forms(*names):
        return {f: {"count": 1, "groups": Counter({g: 2})} for f, g in names}
    assert _a_form_group("Феферкухена", forms(("Феферкухен", "nomn"), ("Феферкухена", "nomn"))) == "gent"
    # his wife shows in the book, or nothing else of the name: no say
    assert _a_form_group("Феферкухена", forms(("Феферкухен", "nomn"), ("Феферкухена", "nomn"),
                                              ("Феферкухеной", "ablt"))) is None
    assert _a_form_group("Феферкухена", forms(("Феферкухена", "nomn"))) is None
    # find_names leaves a form that a woman's title or verb stands beside
    text = "— А чай? — строго спросила m-me Шумихина."
    assert _female_context(text, text.index("Шумихина"), len(text) - 1)
    text = "— Кто там? — Мадам Отлетаева."
    assert _female_context(text, text.index("Отлетаева"), len(text) - 1)
    text = "— Прогнал Феферкухена, чудак."
    assert not _female_context(text, text.index("Феферкухена"), text.index(","))


def test_a_place_named_like_a_person_is_no_name():
    from dataset_tools.names import place_forms

    forms = {"Шлангенберг": {}, "Шлангенберге": {}, "Шлангенберга": {}, "Мими": {}, "Полина": {}}
    book = ["— Помните, на Шлангенберге я прошептал вам?", "— Не соскочит он с Шлангенберга.",
            "Вспомните Шлангенберг.", "— Он женится на Мими.", "— А на Мими женился Петя.",
            "Мими пришла.", "Полина молчала.", "— Полина, вы на Полину похожи."]
    assert place_forms(forms, book) == {"Шлангенберг", "Шлангенберге", "Шлангенберга"}


def test_a_surname_after_a_nobiliary_particle_is_a_name(ner_tagger):
    from dataset_tools.names import clean_span

    words = [(0, 3, "фон"), (4, 9, "Корен")]
    assert [[w for _, _, w in run] for run in clean_span(words)] == [["Корен"]]  # "Корен" is a verb form too
    forms = find_names(dialogs_of(
        "— Вот уж кого мне не жаль! — сказал фон Корен.",
        "— Помирился бы ты с фон Кореном, — сказал Самойленко.",
    ), tagger=ner_tagger)
    assert "Корен" in forms


def test_a_latin_name_after_a_title_is_a_name_but_no_dictionary_entry(ner_tagger):
    forms = find_names(dialogs_of(
        "— Oui, oui! — защебетала m-lle Blanche.",
        "— А где Blanche? — спросил генерал.",
        "— Mais, madame la baronne!",
    ), tagger=ner_tagger)
    assert "Blanche" in forms and "la" not in forms
    assert not any(f == "Blanche" for f, *_ in dict_entries(forms, "me"))


def test_an_animal_with_a_name_and_patronymic_is_not_a_person():
    from dataset_tools.names import animal_full_names

    goose = ["Иван Иваныч вытянул шею и шаркнул лапкой.", "Иван Иваныч взял в клюв веревку.",
             "Тут Иван Иваныч взмахнул крыльями и вскочил на спину свиньи.", "Все смотрели на Ивана Иваныча."]
    man = ["Иван Иваныч сел к столу.", "Все слушали Ивана Иваныча.", "Иван Иваныч закурил трубку."]
    forms = {"Иван Иваныч": {}, "Ивана Иваныча": {}, "Петя": {}}
    assert animal_full_names(forms, goose) == {"Иван Иваныч", "Ивана Иваныча"}
    # a folder: the goose's story holds most of the mentions, the man's story fewer
    assert animal_full_names(forms, goose + [""] + man[:2]) == {"Иван Иваныч", "Ивана Иваныча"}
    # ... and the other way round: the name stays a person's
    assert animal_full_names(forms, goose + [""] + man * 2) == set()
    # a man once near a dog's bark is a man
    assert animal_full_names(forms, man + ["Иван Иваныч слышал, как собака залаяла."]) == set()


def test_a_possessive_adjective_of_a_name_is_not_the_name():
    from dataset_tools.names import possessive_forms

    forms = {"Наташа": {}, "Наташина": {}, "Саша": {}, "Сашину": {}, "Ира": {}, "Ирина": {},
             "Илья": {}, "Ильин": {}, "Ильина": {}}
    # "Ирина" is a first name, "Ильина" the surname Ильин's genitive
    assert possessive_forms(forms) == {"Наташина", "Сашину"}
