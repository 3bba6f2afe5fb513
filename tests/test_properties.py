"""Property tests (hypothesis): the parser never crashes, keeps one line per
replica and every word; TiMe never touches lines without dictionary names."""
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataset_tools.dialogs import iter_dialogs
from dataset_tools.replicas import is_replica, render_char, render_raw
from dataset_tools.textio import text_to_paragraphs
from dataset_tools.time_replace import Replacer

WORDS = ["Привет", "сказал", "Вася", "ответила", "Маша", "улыбнувшись", "нет", "он", "она", "дом",
         "Москва", "по-моему", "1941–1945", "Ёлка", "идёт", "Маше", "Машей", "к", "о", "с"]
PUNCT = [",", ".", "!", "?", "?!", "!..", "?..", "...", "…", ":", ";", ""]
DASHES = ["—", "–", "―", "−", "-", "--"]
SPACES = [" ", "", "  ", "\u00a0", "\t"]

token = st.one_of(
    st.sampled_from(WORDS),
    st.builds(lambda p, s1, d, s2: p + s1 + d + s2, st.sampled_from(PUNCT), st.sampled_from(SPACES),
              st.sampled_from(DASHES), st.sampled_from(SPACES)),
    st.text(max_size=6),
)
paragraph = st.builds(
    lambda lead, toks: lead + " ".join(toks),
    st.sampled_from(["— ", "—", "– ", "- ", "   — ", "", "Он "]),
    st.lists(token, max_size=14),
)
_WORD = re.compile(r"\w+")


def words(s):
    return _WORD.findall(s)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraph, max_size=12))
def test_one_line_per_replica_and_no_word_lost(pars):
    text = "\n".join(pars)
    paragraphs = text_to_paragraphs(text)
    replicas = [p for p in paragraphs if is_replica(p)]
    lines = [render_char(segs) for d in iter_dialogs(paragraphs) for segs in d]
    assert len(lines) == len(replicas)
    for src, line in zip(replicas, lines):
        assert "\n" not in line and line.startswith("<char>")
        assert words(line[6:]) == words(src), (src, line)
        assert "  " not in line and line == line.rstrip()


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_crashes_on_any_text(text):
    paragraphs = text_to_paragraphs(text)
    for d in iter_dialogs(paragraphs):
        for i, segs in enumerate(d):
            render_char(segs)
            render_raw(segs, first=i == 0)


REPLACER = {m: Replacer({"Вася": p1, "Маше": p2, "Машей": p3})
            for m, (p1, p2, p3) in {"me": ("я", "мне", "мной"), "ti": ("ты", "тебе", "тобой")}.items()}


@settings(max_examples=300, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=8))
def test_time_properties(pars):
    paragraphs = text_to_paragraphs("\n".join(pars))
    dialogs = list(iter_dialogs(paragraphs))
    for mode, rep in REPLACER.items():
        out = [[rep.replica(segs) for segs in d] for d in dialogs]
        assert sum(map(len, out)) == sum(map(len, dialogs))  # same number of lines
        for d_old, d_new in zip(dialogs, out):
            for old, new in zip(d_old, d_new):
                old_line, new_line = render_char(old), render_char(new)
                if not rep.matcher.search(" ".join(t for _, t in old)):
                    assert new_line == old_line  # no dictionary name: untouched
                # every word that vanished was part of a dictionary key or a re-inflected verb
                gone = set(words(old_line)) - set(words(new_line))
                allowed = {"Вася", "Маше", "Машей"}
                assert all(w in allowed or w.lower() in {"к", "о", "с"} or not w.istitle()
                           or w in WORDS for w in gone), (old_line, new_line)
