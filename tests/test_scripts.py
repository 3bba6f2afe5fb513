"""End-to-end: make_datasets.sh from another directory, env overrides, --flags,
stage restarts, hand-edited dictionaries, bad input; make_alpaca.py."""
import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "raw.txt"


def sh(args, cwd, env=None, check=True):
    e = dict(os.environ, TIME_KIT_PROGRESS="0", **(env or {}))
    r = subprocess.run(["bash", str(ROOT / args[0]), *args[1:]], cwd=cwd, env=e,
                       capture_output=True, text=True)
    if check and r.returncode:
        raise AssertionError(f"exit {r.returncode}\n{r.stderr[-3000:]}")
    return r


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One full run with env overrides and flags, from a directory with spaces."""
    work = tmp_path_factory.mktemp("e2e") / "my books"
    work.mkdir()
    shutil.copy(SAMPLE, work / "книга.txt")
    r = sh(["make_datasets.sh", "--out-dir", "out put", "--dict-dir=my dicts"], cwd=work,
           env={"SRC_FILE": "книга.txt", "BASE_NAME": "train", "VAL_SHARE": "0.1"})
    return work, r


def test_full_run_outputs(built):
    work, r = built
    out = work / "out put"
    for name in ("dialogs.txt", "raw_dialogs.txt", "me_dialogs.txt", "ti_dialogs.txt", "train.txt", "train_val.txt"):
        assert (out / name).stat().st_size > 0, name
    assert (work / "my dicts" / "dict_me.py").exists()
    assert "stage dialogs: paragraphs.txt -> dialogs.txt" in r.stderr
    assert "replica paragraphs: 234" in r.stdout and "top names: Маша" in r.stdout
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    me = (out / "me_dialogs.txt").read_text(encoding="utf-8").splitlines()
    assert len(me) == len((out / "dialogs.txt").read_text(encoding="utf-8").splitlines())


def test_dataset_blocks_unique_and_split_clean(built):
    out = built[0] / "out put"
    train = (out / "train.txt").read_text(encoding="utf-8").split("\n\n")
    val = (out / "train_val.txt").read_text(encoding="utf-8").split("\n\n")
    blocks = [b.strip() for b in train + val]
    assert len(blocks) == len(set(blocks))
    dialogs = (out / "dialogs.txt").read_text(encoding="utf-8").strip().split("\n\n")
    me = (out / "me_dialogs.txt").read_text(encoding="utf-8").strip().split("\n\n")
    for d, m in zip(dialogs, me):
        if d != m:  # the me version lives in the same split as its dialog
            assert (d in train) == (m in train) or (d.strip() in [t.strip() for t in train]) == \
                   (m.strip() in [t.strip() for t in train])


def test_edited_dictionary_drives_rerun_from_time(built):
    work, _ = built
    d = work / "my dicts" / "dict_me.py"
    text = d.read_text(encoding="utf-8")
    d.write_text(text.replace('"Маша": "я",', '"Маша": "ЗАМЕНА",'), encoding="utf-8")
    sh(["make_datasets.sh", "--stage", "time", "--out-dir", "out put", "--dict-dir", "my dicts",
        "--base-name", "train"], cwd=work)
    assert "ЗАМЕНА" in d.read_text(encoding="utf-8")  # not overwritten
    # a value the user writes is used as written
    assert "(ответила ЗАМЕНА)" in (work / "out put" / "me_dialogs.txt").read_text(encoding="utf-8")
    # a run from `names` writes fresh dictionaries and keeps the edited pair as .bak
    r = sh(["make_datasets.sh", "--stage", "names", "--stop-stage", "names", "--out-dir", "out put",
            "--dict-dir", "my dicts"], cwd=work)
    assert (work / "my dicts" / "dict_me.py.bak").exists() and "hand edits" in r.stderr
    assert "ЗАМЕНА" not in d.read_text(encoding="utf-8")


def test_broken_dictionary_is_a_clear_error(built):
    work, _ = built
    d = work / "my dicts" / "dict_ti.py"
    good = d.read_text(encoding="utf-8")
    d.write_text(good.replace('"Маша": "ты",', '"Маша": "ты,'), encoding="utf-8")
    try:
        r = sh(["make_datasets.sh", "--stage", "time", "--out-dir", "out put", "--dict-dir", "my dicts"],
               cwd=work, check=False)
    finally:
        d.write_text(good, encoding="utf-8")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "dict_ti.py:5: syntax error" in r.stderr


def test_help_shows_current_values(tmp_path):
    r = sh(["make_datasets.sh", "--help"], cwd=tmp_path, env={"SRC_FILE": "x y.txt"})
    assert "--src-file" in r.stdout and "SRC_FILE=x\\ y.txt" in r.stdout and "--dict-dir" in r.stdout


@pytest.mark.parametrize("args,msg", [
    (["--no-such-flag", "1"], "unknown flag --no-such-flag"),
    (["--stage", "nope"], "unknown STAGE"),
    (["--val-share", "2"], "VAL_SHARE"),
    (["--src-file"], "needs a value"),
])
def test_bad_flags(tmp_path, args, msg):
    r = sh(["make_datasets.sh", *args], cwd=tmp_path, check=False)
    assert r.returncode != 0 and msg in r.stderr


@pytest.mark.parametrize("content,msg", [
    (None, "source not found"),
    (b"", "has no text"),
    (b"\x00\x01\x02\x03" * 100, "binary"),
    ("Просто рассказ без диалогов.\nИ ещё абзац.\n".encode(), "no dialogs found"),
])
def test_bad_input_one_line_no_outputs(tmp_path, content, msg):
    if content is not None:
        (tmp_path / "raw.txt").write_bytes(content)
    r = sh(["make_datasets.sh", "--out-dir", "out"], cwd=tmp_path, check=False)
    assert r.returncode != 0 and msg in r.stderr and "Traceback" not in r.stderr
    errors = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1
    for name in ("dialogs.txt", "dataset.txt"):
        assert not (tmp_path / "out" / name).exists()


def test_cp1251_copy_gives_same_dialogs(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace("ё", "ё")
    (tmp_path / "u.txt").write_text(text, encoding="utf-8")
    (tmp_path / "w.txt").write_bytes(text.encode("cp1251"))
    for name in ("u", "w"):
        sh(["make_datasets.sh", "--src-file", f"{name}.txt", "--out-dir", name, "--stop-stage", "dialogs"],
           cwd=tmp_path)
    assert (tmp_path / "u" / "dialogs.txt").read_bytes() == (tmp_path / "w" / "dialogs.txt").read_bytes()


def test_alpaca_export(built, tmp_path):
    raw = built[0] / "out put" / "raw_dialogs.txt"
    r = subprocess.run([str(ROOT / ".venv/bin/python"), str(ROOT / "make_alpaca.py"), str(raw),
                        str(tmp_path / "a.json"), "--context", "2"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "a.json").read_text(encoding="utf-8")
    recs = json.loads(text)
    n_dialogs = sum(1 for x in raw.read_text(encoding="utf-8").splitlines() if x.startswith("@"))
    n_lines = len(raw.read_text(encoding="utf-8").splitlines())
    assert len(recs) == n_lines - n_dialogs
    assert "\\u04" not in text and "<char>" not in text and "|" not in text
    assert recs[0]["instruction"].startswith("Привет (сказал Вася")
    assert set(recs[1]) == {"instruction", "input", "output"} and recs[1]["input"]
    subprocess.run([str(ROOT / ".venv/bin/python"), str(ROOT / "make_alpaca.py"), str(raw),
                    str(tmp_path / "m.jsonl"), "--format", "messages", "--drop-remarks"], check=True)
    msgs = [json.loads(x) for x in (tmp_path / "m.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(msgs) == len(recs)
    assert [m["role"] for m in msgs[0]["messages"]] == ["user", "assistant"]
    assert "сказал" not in msgs[0]["messages"][0]["content"]
