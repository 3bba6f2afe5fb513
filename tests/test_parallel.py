"""Worker processes change the speed, never the output."""
import json
import shutil
import subprocess
import sys

import pytest

from dataset_tools.common import split_even


@pytest.mark.parametrize("n,k", [(0, 3), (1, 3), (7, 3), (9, 3), (5, 8)])
def test_split_even_keeps_order_and_balance(n, k):
    items = list(range(n))
    parts = split_even(items, k)
    assert [x for p in parts for x in p] == items
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, root):
    """The sample through names..speakers in one process with one job."""
    out = tmp_path_factory.mktemp("run")
    r = subprocess.run([sys.executable, "-m", "dataset_tools.pipeline", "--src", str(root / "data/sample/raw.txt"),
                        "--out-dir", str(out), "--dict-dir", str(out), "--to", "speakers", "--jobs", "1"],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_names_same_with_two_workers(sample_run, ner_tagger):
    from dataset_tools.dialogs import read_dialogs_jsonl
    from dataset_tools.names import find_names, read_names

    # batch=16: several NER batches, so both workers get some
    paragraphs = (sample_run / "paragraphs.txt").read_text(encoding="utf-8").splitlines()
    forms = find_names(read_dialogs_jsonl(sample_run / "dialogs.jsonl"), ner_tagger, batch=16,
                       paragraphs=paragraphs, jobs=2)
    assert json.loads(json.dumps({f: {**i, "groups": dict(i["groups"])} for f, i in forms.items()})) \
        == read_names(sample_run)


def test_time_same_with_two_workers(sample_run, tmp_path):
    from dataset_tools.time_replace import write_time

    one = tmp_path / "one"
    shutil.copytree(sample_run, one)
    two = tmp_path / "two"
    shutil.copytree(sample_run, two)
    s1, s2 = write_time(one, one, jobs=1), write_time(two, two, jobs=2)
    assert s1 == s2 and s1["pov_lines"] == s1["lines"] > 200
    for name in ("me_dialogs.txt", "ti_dialogs.txt", "pov_dialogs.txt"):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_pipeline_stage_order_is_checked(tmp_path, root):
    r = subprocess.run([sys.executable, "-m", "dataset_tools.pipeline", "--out-dir", str(tmp_path),
                        "--dict-dir", str(tmp_path), "--from", "time", "--to", "names"],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode != 0 and "--from time comes after --to names" in r.stderr
    assert "Traceback" not in r.stderr


def test_speakers_same_with_two_workers(sample_run, tmp_path):
    from dataset_tools.speakers import write_speakers

    two = tmp_path / "two"
    shutil.copytree(sample_run, two)
    (two / "characters.py").unlink()  # built again, not read as a hand edit
    write_speakers(two, two, jobs=2)
    for name in ("speakers.jsonl", "speaker_dialogs.txt", "characters.py"):
        assert (two / name).read_bytes() == (sample_run / name).read_bytes()


def test_whole_pipeline_same_with_two_jobs(sample_run, tmp_path, root):
    """--jobs 2 forks NER, the time stage, and me/ti beside the speakers stage."""
    one, two = tmp_path / "one", tmp_path / "two"
    for out, jobs in ((one, "1"), (two, "2")):
        r = subprocess.run([sys.executable, "-m", "dataset_tools.pipeline", "--src", str(root / "data/sample/raw.txt"),
                            "--out-dir", str(out), "--dict-dir", str(out), "--jobs", jobs],
                           cwd=root, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    assert "me/ti of the time stage meanwhile" in r.stderr
    for name in ("dict_me.py", "names.json", "characters.py", "speakers.jsonl", "me_dialogs.txt", "ti_dialogs.txt",
                 "pov_dialogs.txt", "dataset.txt", "dataset_val.txt"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    s1 = json.loads((one / "stats_time.json").read_text(encoding="utf-8"))
    s2 = json.loads((two / "stats_time.json").read_text(encoding="utf-8"))
    for s in (s1, s2):
        s.pop("seconds")
    s2.pop("meti_seconds_beside_speakers")
    assert s1 == s2


def _nested(x):
    from dataset_tools.common import fork_map, shared

    before = shared()
    inner = list(fork_map(abs, [-x], 1, shared="inner"))  # a worker's own fork_map (tagged_group does one)
    return before, inner[0], shared()


def test_fork_map_nested_call_keeps_the_outer_shared():
    from dataset_tools.common import fork_map, shared

    for jobs in (1, 2):
        out = list(fork_map(_nested, [1, 2, 3, 4], jobs, shared="outer"))
        assert out == [("outer", x, "outer") for x in (1, 2, 3, 4)]
        assert shared() is None


def test_early_stage_error_beside_model_loading_is_one_line(tmp_path, root):
    """With --jobs 2, prepare and dialogs run in a forked process while the
    models load: its error is still one line, exit 1."""
    r = subprocess.run([sys.executable, "-m", "dataset_tools.pipeline", "--src", str(tmp_path / "missing.txt"),
                        "--out-dir", str(tmp_path / "o"), "--dict-dir", str(tmp_path / "o"), "--jobs", "2"],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "source not found" in errors[0], r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "o" / "names.json").exists()
