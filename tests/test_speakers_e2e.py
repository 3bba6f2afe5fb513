"""End-to-end: the speakers stage in make_datasets.sh, hand edits of
characters.py driving a re-run from STAGE=speakers, and a play."""
import json
import shutil

import pytest

from tests.conftest import ROOT
from tests.test_scripts import sh

SAMPLE = ROOT / "data" / "sample" / "raw.txt"
PLAY = ROOT / "data" / "sample" / "play.txt"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("spk")
    shutil.copy(SAMPLE, work / "book.txt")
    r = sh(["make_datasets.sh", "--src-file", "book.txt", "--out-dir", "out", "--dict-dir", "d"], cwd=work)
    return work, r


def rows(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_speakers_outputs_match_dialogs(run):
    work, r = run
    out = work / "out"
    lines = [x for x in (out / "dialogs.txt").read_text(encoding="utf-8").splitlines() if x]
    spk = rows(out / "speakers.jsonl")
    assert len(spk) == len(lines)
    assert {"dialog", "speaker", "addressee", "how"} == set(spk[0])
    assert {s["how"] for s in spk} <= {"remark", "pronoun", "noun", "turn", "play", None}
    pretty = [x for x in (out / "speaker_dialogs.txt").read_text(encoding="utf-8").splitlines() if x]
    assert [p.split(": ", 1)[1] for p in pretty] == lines
    assert "stage speakers:" in r.stderr and "replicas with a speaker:" in r.stdout
    assert "top speakers: Маша" in r.stdout


def test_pov_keeps_lines_and_leaves_unknown_speakers_alone(run):
    out = run[0] / "out"
    dialogs = (out / "dialogs.txt").read_text(encoding="utf-8").splitlines()
    pov = (out / "pov_dialogs.txt").read_text(encoding="utf-8").splitlines()
    assert len(pov) == len(dialogs)
    assert [bool(x) for x in pov] == [bool(x) for x in dialogs]  # same empty lines
    spk = iter(rows(out / "speakers.jsonl"))
    changed = 0
    for d, p in zip(dialogs, pov):
        if not d:
            continue
        s = next(spk)
        if s["speaker"] is None:
            assert p == d
        changed += p != d
    assert changed > 50


def test_dataset_mix_keeps_the_split(run):
    work, _ = run
    out = work / "out"
    val_before = (out / "dataset_val.txt").read_text(encoding="utf-8")
    r = sh(["make_datasets.sh", "--src-file", "book.txt", "--out-dir", "out", "--dict-dir", "d",
            "--stage", "assemble", "--dataset-mix", "dialogs,pov"], cwd=work)
    assert "dataset.txt:" in r.stdout and "pov " in r.stdout
    val = (out / "dataset_val.txt").read_text(encoding="utf-8")
    dialogs_val = [b for b in val_before.split("\n\n") if b.strip()][0]
    assert dialogs_val.strip() in val  # the same dialog went to validation
    train = (out / "dataset.txt").read_text(encoding="utf-8")
    pov = (out / "pov_dialogs.txt").read_text(encoding="utf-8").strip().split("\n\n")
    assert any(b in train for b in pov if b not in (out / "dialogs.txt").read_text(encoding="utf-8"))
    r = sh(["make_datasets.sh", "--out-dir", "out", "--dataset-mix", "dialogs,you"], cwd=work, check=False)
    assert r.returncode != 0 and "DATASET_MIX must be" in r.stderr
    sh(["make_datasets.sh", "--src-file", "book.txt", "--out-dir", "out", "--dict-dir", "d",
        "--stage", "assemble"], cwd=work)


def test_edited_characters_drive_a_rerun(run):
    work, _ = run
    path = work / "d" / "characters.py"
    text = path.read_text(encoding="utf-8")
    assert '"Тимур Ильич": {"aliases": ["Тимур Ильич", "Тимур"]' in text
    # Merge Степан into Тимур Ильич by hand (a wrong merge, but the user's word goes).
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith('"Степан"')]
    lines = [ln.replace('["Тимур Ильич", "Тимур"]', '["Тимур Ильич", "Тимур", "Степан", "Степан Петрович"]')
             for ln in lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = sh(["make_datasets.sh", "--src-file", "book.txt", "--out-dir", "out", "--dict-dir", "d",
            "--stage", "speakers"], cwd=work)
    assert "hand-edited characters.py" in r.stdout
    assert path.read_text(encoding="utf-8") == "\n".join(lines) + "\n"  # never overwritten
    spk = rows(work / "out" / "speakers.jsonl")
    assert "Степан" not in {s["speaker"] for s in spk}
    assert any(s["speaker"] == "Тимур Ильич" and s["how"] == "remark" for s in spk)
    # A run from names starts the characters afresh and keeps the edit as .bak.
    r = sh(["make_datasets.sh", "--src-file", "book.txt", "--out-dir", "out", "--dict-dir", "d",
            "--stage", "names", "--stop-stage", "speakers"], cwd=work)
    assert (work / "d" / "characters.py.bak").read_text(encoding="utf-8") == "\n".join(lines) + "\n"
    assert "characters.py had hand edits" in r.stderr
    assert '"Степан": {' in path.read_text(encoding="utf-8")


def test_broken_characters_file_is_one_line_error(run):
    work, _ = run
    path = work / "d" / "characters.py"
    path.write_text('CHARACTERS = {\n    "Маша": {"aliases": ["Маша"], "gender": "ж"},\n}\n', encoding="utf-8")
    r = sh(["make_datasets.sh", "--src-file", "book.txt", "--out-dir", "out", "--dict-dir", "d",
            "--stage", "speakers", "--stop-stage", "speakers"], cwd=work, check=False)
    assert r.returncode != 0
    assert "characters.py:2: the gender of 'Маша'" in r.stderr and "Traceback" not in r.stderr


def test_play_gets_speakers_from_labels(tmp_path):
    shutil.copy(PLAY, tmp_path / "play.txt")
    sh(["make_datasets.sh", "--src-file", "play.txt", "--out-dir", "out", "--dict-dir", "d"], cwd=tmp_path)
    spk = rows(tmp_path / "out" / "speakers.jsonl")
    labelled = json.loads((tmp_path / "out" / "play.json").read_text(encoding="utf-8"))["labels"]
    assert len(spk) == sum(labelled.values())
    assert all(s["how"] == "play" and s["speaker"] for s in spk)
    assert any(s["addressee"] == "Семён" for s in spk)  # "(Семёну)" names the one spoken to


def test_a_noun_is_tied_to_a_name_in_its_own_story_only(tmp_path):
    # In a folder, "старик" is Пётр Ильич in the first story and nobody known in the second.
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(
        "Вечером старик Пётр Ильич сидел у окна и курил.\n"
        "— Пётр Ильич, чаю хотите? — спросила Вера.\n— Пора спать, — сказал старик.\n", encoding="utf-8")
    (src / "b.txt").write_text(
        "Утром в лавку зашёл какой-то старик и долго смотрел на полки.\n"
        "— Почём мука? — спросил старик.\n— Дорого, — ответил Семён.\n", encoding="utf-8")
    r = sh(["make_datasets.sh", "--src-file", "src", "--out-dir", "out", "--dict-dir", "d",
            "--stop-stage", "speakers"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [x for x in (tmp_path / "out" / "speaker_dialogs.txt").read_text(encoding="utf-8").splitlines() if x]
    first = next(x for x in lines if "Пора спать" in x)
    second = next(x for x in lines if "Почём мука" in x)
    assert first.startswith("Пётр Ильич →") and not second.startswith("Пётр Ильич")
