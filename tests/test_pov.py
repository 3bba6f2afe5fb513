"""Speaker-aware TiMe (SPEC §9): rule tables on sentences written for the tests."""
import pytest

from dataset_tools.characters import Character
from dataset_tools.pov import PovRewriter
from dataset_tools.replicas import render_char, split_replica

CHARS = [Character("Базаров", ["Базаров", "Евгений"], "m"), Character("Аркадий", ["Аркадий", "Аркаша"], "m"),
         Character("Катя", ["Катя"], "f")]
ME = {"Базаров": "я", "Базарова": "меня", "Базарову": "мне", "Аркадий": "я", "Аркадия": "меня", "Аркадию": "мне",
      "Аркаша": "я", "Катя": "я", "Кате": "мне", "Катю": "меня", "Евгений": "я"}
TI = {k: {"я": "ты", "меня": "тебя", "мне": "тебе"}[v] for k, v in ME.items()}


@pytest.fixture(scope="module")
def pov():
    return PovRewriter(CHARS, {}, ME, TI)


@pytest.mark.parametrize("src,speaker,addressee,want", [
    # nobody calls himself: the speaker's own name in an address is one he quotes, and stays
    ("— Молит: вырвите, Базаров, зуб! — сказал Базаров.", "Базаров", None,
     "<char>Молит: вырвите, Базаров, зуб! (сказал я)"),
    # the speaker by remark, by pronoun, by turn (no remark: nothing of theirs to change)
    ("— Иду, — ответил Базаров.", "Базаров", None, "<char>Иду (ответил я)"),
    ("— Иду, — ответил он.", "Базаров", None, "<char>Иду (ответил я)"),
    ("— Иду, — ответила она.", "Катя", None, "<char>Иду (ответила я)"),
    ("— Иду.", "Базаров", "Аркадий", "<char>Иду."),
    # present tense agrees; past tense does not change
    ("— Пора, — говорит Базаров.", "Базаров", None, "<char>Пора (говорю я)"),
    ("— Пора, — говорит он.", "Базаров", None, "<char>Пора (говорю я)"),
    ("— Ну и что? — Аркадий усмехнулся.", "Аркадий", None, "<char>Ну и что? (Я усмехнулся)"),
    # the addressee: the vocative removed, other names second person (SPEC §9's example)
    ("— Аркадий, я подожду, — сказал Базаров. — Без Аркадия не поеду.", "Базаров", "Аркадий",
     "<char>Я подожду (сказал я) Без тебя не поеду."),
    ("— Пойдём, — сказал он Аркадию.", "Базаров", "Аркадий", "<char>Пойдём (сказал я тебе)"),
    # a name right after another capitalised word is kept (§5: "Змей Горыныч")
    ("— Пойдём, — сказал Базаров Аркадию.", "Базаров", "Аркадий", "<char>Пойдём (сказал я Аркадию)"),
    # before the line turns to the addressee, it speaks of them to somebody else: the name stays
    ("— Вот Аркадий не спит, — сказала Катя. — Аркадий, поищите морфин!", "Катя", "Аркадий",
     "<char>Вот Аркадий не спит (сказала я) Поищите морфин!"),
    # a third party keeps the name
    ("— Катя придёт, — сказал Базаров.", "Базаров", "Аркадий", "<char>Катя придёт (сказал я)"),
    ("— Аркаша, скоро придёт Катя, — сказал Базаров.", "Базаров", "Аркадий", "<char>Скоро придёт Катя (сказал я)"),
    # the clash keep: a pronoun of the same person already in the sentence
    ("— Мне Базаров всё рассказал, — сказала Катя.", "Базаров", None,
     "<char>Мне Базаров всё рассказал (сказала Катя)"),
    # ... and a first-person narrator's "мне" in the remark keeps its pronoun
    ("— Садитесь, — обратился он ко мне.", "Базаров", None, "<char>Садитесь (обратился он ко мне)"),
    # an addressee known only as the other one of a talk of two: names stay
    ("— Тише! Аркадий спит, — шепнула Катя.", "Катя", "Аркадий", "<char>Тише! Аркадий спит (шепнула я)"),
    # the speaker's subject goes on in the remark: "он" after it is "я" too, its verb agreeing
    ("— Уф! — вздохнул Базаров; он помолчал и спросил тихо: — Ну?", "Базаров", "Аркадий",
     "<char>Уф! (вздохнул я; я помолчал и спросил тихо) Ну?"),
    ("— Обойти можно, — сказал Базаров, показывая, что он не одобряет фигуры.", "Базаров", None,
     "<char>Обойти можно (сказал я, показывая, что я не одобряю фигуры)"),
    # ... also after a gerund or an adverb that opens the remark
    ("— Да, — вздрогнув, сказала Катя; но тут же она покраснела.", "Катя", None,
     "<char>Да (вздрогнув, сказала я; но тут же я покраснела)"),
    ("— Нет, — вдруг перебила его Катя с досадой, которую она не успела скрыть.", "Катя", None,
     "<char>Нет (вдруг перебила его я с досадой, которую я не успела скрыть)"),
    # ... and from a later sentence of the remark that opens with the speaker
    ("— Устал, — вздохнул кто-то за дверью. У Базарова дрогнуло лицо, он уже не плачет.", "Базаров", None,
     "<char>Устал (вздохнул кто-то за дверью. У меня дрогнуло лицо, я уже не плачу)"),
    # ... but not past a third person of that gender, in an enumeration, or beside "его"
    ("— Да, — сказал Базаров; доктор кивнул, и он ушёл.", "Базаров", None,
     "<char>Да (сказал я; доктор кивнул, и он ушёл)"),
    ("— Да, — сказал Базаров, когда оба они, он и Аркадий, вошли.", "Базаров", None,
     "<char>Да (сказал я, когда оба они, он и Аркадий, вошли)"),
    # the speaker's personal oblique forms go with it; "его"/"её" (his? him?) stay
    ("— Да, — сказал Базаров; у него заболело сердце, и он сел.", "Базаров", None,
     "<char>Да (сказал я; у меня заболело сердце, и я сел)"),
    ("— Да, — сказал Базаров; ему было стыдно, и он думал, что к нему все глядят на его руки.", "Базаров", None,
     "<char>Да (сказал я; мне было стыдно, и я думал, что ко мне все глядят на его руки)"),
    ("— Водки! — скомандовал Базаров. Ему налили. Он выпил.", "Базаров", None,
     "<char>Водки! (скомандовал я. Мне налили. Я выпил)"),
    ("— Да, — сказала Катя; с ней был Аркадий, и она ушла.", "Катя", None,
     "<char>Да (сказала я; со мной был Аркадий, и я ушла)"),
    # however far, in a later sentence too, until somebody else of that gender is named
    ("— Да, — проговорил Базаров. Вскочив в сани, он велел ехать домой, и куда бы он ни смотрел, он будет видеть её.",
     "Базаров", None,
     "<char>Да (проговорил я. Вскочив в сани, я велел ехать домой, и куда бы я ни смотрел, я буду видеть её)"),
    # ... but in the clause of the "я" a personal pronoun is somebody else ("себе" would be the speaker)
    ("— Рад! — сказал Базаров, пожимая ему руку и глядя к нему в глаза.", "Базаров", None,
     "<char>Рад! (сказал я, пожимая ему руку и глядя к нему в глаза)"),
    # ... nor a person in a gerund phrase right before the pronoun ("Подав руку Аркадию, он …")
    ("— Да, — сказал Базаров. Подав руку Аркадию, он вышел.", "Базаров", None,
     "<char>Да (сказал я. Подав руку Аркадию, я вышел)"),
    # a person of the other gender between does not stop it; one of the same gender does
    ("— Да, — сказал Базаров при княгине. Он остановился.", "Базаров", None,
     "<char>Да (сказал я при княгине. Я остановился)"),
    ("— Да, — сказал Базаров, а доктор кивнул. Он остановился.", "Базаров", None,
     "<char>Да (сказал я, а доктор кивнул. Он остановился)"),
    # ... in the sentence of the "я" only one who may be a subject; in a sentence between, anybody
    ("— Да, — сказал Базаров при докторе. Он остановился.", "Базаров", None,
     "<char>Да (сказал я при докторе. Я остановился)"),
    ("— Да, — сказал Базаров. В лице Аркадия светилось добродушие. Он облокотился.", "Базаров", None,
     "<char>Да (сказал я. В лице Аркадия светилось добродушие. Он облокотился)"),
    # "он и обещал" is no enumeration
    ("— Да, — сказал Базаров. И хотя он и обещал, он не вытерпел.", "Базаров", None,
     "<char>Да (сказал я. И хотя я и обещал, я не вытерпел)"),
    # the verb may stand a few words after the pronoun, as in TiMe
    ("— Да, — сказал Базаров, и тон, из которого он не в силах будет выйти, был спокоен.", "Базаров", None,
     "<char>Да (сказал я, и тон, из которого я не в силах буду выйти, был спокоен)"),
    # the remark verb's subject "я" after a gerund phrase; not inside somebody's quoted words
    ("— Да, — опять взяв его за руку, сказал Базаров, как будто он был уверен.", "Базаров", None,
     "<char>Да (опять взяв его за руку, сказал я, как будто я был уверен)"),
    ("— Да, — отвечал Базаров. Ему стало стыдно. «К чему ему спрашивать?» подумал он.", "Базаров", None,
     "<char>Да (отвечал я. Мне стало стыдно. «К чему ему спрашивать?» подумал я)"),
    # "а он" after the speaker's remark is the other one
    ("— Пойдём, — сказал Базаров, а он только покачал головой.", "Базаров", None,
     "<char>Пойдём (сказал я, а он только покачал головой)"),
])
def test_pov_rules(pov, src, speaker, addressee, want):
    assert render_char(pov.replica(split_replica(src), speaker, addressee)) == want


@pytest.mark.parametrize("src,speaker,how,want", [
    # a later remark of the same line: its "он"/"она" is the speaker too (by remark, by pronoun) ...
    ("— Нет, — сказала Катя. — Не пойду, — прибавила она.", "Катя", "remark",
     "<char>Нет (сказала я) Не пойду (прибавила я)"),
    ("— Нет, — ответил он. — Не пойду, — повторил он, — никогда.", "Базаров", "pronoun",
     "<char>Нет (ответил я) Не пойду (повторил я) никогда."),
    # ... or before the remark that names the speaker
    ("— Нет, — проговорил он. — Не пойду, — сказал Базаров.", "Базаров", "remark",
     "<char>Нет (проговорил я) Не пойду (сказал я)"),
    # ... but not past a remark where another man acts, nor in a first-person narrator's remark
    ("— Нет, — сказал Базаров. — Так, — Аркадий кивнул. — Иди, — прибавил он.", "Базаров", "remark",
     "<char>Нет (сказал я) Так (Аркадий кивнул) Иди (прибавил он)"),
    ("— Нет, — сказал Базаров. — Иди, — прибавил он, обращаясь ко мне.", "Базаров", "remark",
     "<char>Нет (сказал я) Иди (прибавил он, обращаясь ко мне)"),
])
def test_later_remarks_of_the_line(pov, src, speaker, how, want):
    assert render_char(pov.replica(split_replica(src), speaker, None, how)) == want


@pytest.mark.parametrize("src", ["— Иду, — ответил Базаров.", "— Аркадий, иди сюда! — крикнул он."])
def test_null_speaker_is_untouched(pov, src):
    segs = split_replica(src)
    assert pov.replica(segs, None, "Аркадий") is segs


def test_a_speakers_name_missing_from_the_dictionaries_takes_its_case_from_the_forms():
    # "Облонский": the speakers stage knows it as the speaker's alias, the dictionaries never got it
    chars = [Character("Степан", ["Степан", "Облонский"], "m")]
    pov = PovRewriter(chars, {}, {"Степан": "я"}, {"Степан": "ты"})
    line = split_replica("— Помилуй, — с удивлением сказал Облонский.")
    assert render_char(pov.replica(line, "Степан", None, "remark")) == "<char>Помилуй (с удивлением сказал я)"
    # a form the kit wrote and the user deleted stays deleted
    pov = PovRewriter(chars, {}, {"Степан": "я"}, {"Степан": "ты"}, kit={"me": {"Облонский": "я"}})
    assert render_char(pov.replica(line, "Степан", None, "remark")) == "<char>Помилуй (с удивлением сказал Облонский)"
