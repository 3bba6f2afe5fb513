"""model_eval.sh: reply metrics on hand-made replies, perplexity as training
sees it, and a two-model comparison on tiny GPT-2s built from a config."""
import json
import math
import shutil

import pytest
import torch

from model_tools.eval import Reply, distinct, perplexity, remark_subject, score_replies, well_formed
from tests.test_model import assert_quiet, make_tiny_models, sh

TRAIN = {"<char>Хорошо — спасибо (ответила она)", "<char>Иду."}


@pytest.mark.parametrize("reply,ok", [
    (Reply("Иду (сказал он)", True), False),                   # no <char>
    (Reply("<char>Иду (сказала ты)", True), True),
    (Reply("<char>и так далее и так далее и так", False), False),  # never stops
    (Reply("<char>Ну (ответил я", True), False),                # unbalanced remark
    (Reply("<char>Ну) (ответил я(", True), False),
    (Reply("<char>   ", True), False),                           # empty
    (Reply("<char>Да<char>Нет", True), False),                   # two replicas in one line
    (Reply("<char>Да (спросил Базаров) Нет.", True), True),
])
def test_well_formed(reply, ok):
    assert well_formed(reply) is ok


@pytest.mark.parametrize("remark,subject", [
    ("сказала ты", "ты"), ("ответил я", "я"), ("спросил Базаров", "name"), ("ответила она", "он/она"),
    ("сказал тихо он", "он/она"), ("Аркадий ответил", "name"), ("сказал князь", "other"),
    ("улыбнулся и кивнул", None),            # a speech verb without a subject
    ("махнул рукой он", None),               # not a speech verb
    ("тихо", None),
])
def test_remark_subject(remark, subject):
    assert remark_subject(remark) == subject


def test_scores_on_hand_made_replies():
    replies = [
        Reply("Привет (сказал он)", True),                       # no <char>: malformed, subject он
        Reply("<char>Иду (сказала ты)", True),                   # well-formed, subject ты
        Reply("<char>и так далее и так далее", False),           # never stops
        Reply("<char>Хорошо — спасибо (ответила она)", True),    # a training line, verbatim
        Reply("<char>Ладно (ответил я)", True),
    ]
    s = score_replies(replies, {" ".join(x.split()) for x in TRAIN})
    assert s["replies"] == 5
    assert s["well_formed"] == pytest.approx(3 / 5)
    assert s["stopped"] == pytest.approx(4 / 5)
    assert s["with_subject"] == 4
    assert s["identity"] == {"я": 0.25, "ты": 0.25, "name": 0.0, "он/она": 0.5, "other": 0.0}
    assert s["copied"] == pytest.approx(1 / 5)


def test_distinct_n():
    replies = [Reply("<char>а б а", True), Reply("<char>а б", True)]
    assert distinct(replies, 1) == pytest.approx(2 / 5)
    assert distinct(replies, 2) == pytest.approx(2 / 3)  # (а б), (б а), (а б)


@pytest.fixture(scope="module")
def eval_models(tmp_path_factory):
    d = make_tiny_models(tmp_path_factory.mktemp("eval"))
    shutil.copytree(d / "tr", d / "tr copy")
    return d


def test_perplexity_is_the_training_loss_with_overflow_guard(eval_models):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from model_tools.train import Collator, load_blocks

    d = eval_models
    tok = AutoTokenizer.from_pretrained(d / "tr")
    model = AutoModelForCausalLM.from_pretrained(d / "tr").eval()
    blocks, _, _ = load_blocks(d / "dataset_val.txt", tok, 64)
    batch = Collator(tok.pad_token_id)([{"input_ids": b} for b in blocks])
    with torch.no_grad():
        want = model(**batch).loss.item()  # what the Trainer computes on one batch of every block
    got = perplexity(model, tok, d / "dataset_val.txt", 64, len(blocks), "", "cpu")
    assert got["loss"] == pytest.approx(want, rel=1e-5)
    assert got["perplexity"] == pytest.approx(math.exp(want), rel=1e-4)
    with torch.no_grad():
        model.get_input_embeddings().weight.mul_(1e4)  # tied head: logits huge, loss past exp's range
    assert perplexity(model, tok, d / "dataset_val.txt", 64, 4, "", "cpu")["perplexity"] == float("inf")


def test_two_models_compared_in_one_table(eval_models, tmp_path):
    d = eval_models
    env = {"MODEL": f"{d / 'tr'},{d / 'tr copy'}", "BASE_NAME": str(d / "dataset"), "SAMPLES": "6",
           "MAX_NEW_TOKENS": "8"}
    r = sh("model_eval.sh", env)
    assert_quiet(r.stderr)
    header, rule, *rows = r.stdout.strip().splitlines()
    assert header == f"| metric | {d / 'tr'} | {d / 'tr copy'} |"
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    table = {c[0]: c[1:] for c in cells}
    for key in ("val perplexity", "well-formed", "subject я", "copied training line", "distinct-2"):
        assert len(table[key]) == 2, key
    a, b = (json.loads((d / m / "eval.json").read_text()) for m in ("tr", "tr copy"))
    assert a["replies"] == b["replies"] == 6 and a["val_tokens"] > 0
    # same contexts and the same sampling stream: the same model gives the same replies
    sa, sb = ((d / m / "eval_samples.txt").read_text(encoding="utf-8") for m in ("tr", "tr copy"))
    assert sa == sb and sa.count("### ") == 6 and sa.count(">>> ") == 6
    assert a["stopped"] < 1  # an untrained model does not stop within 8 tokens every time
    assert table["replies"] == ["6", "6"]


@pytest.mark.parametrize("env,msg", [
    ({"VAL_FILE": "/nope/val.txt"}, "validation file not found"),
    ({"MODEL": "/nope/model"}, "model not found"),
    ({"SAMPLES": "x"}, "SAMPLES must be a non-negative integer"),
])
def test_eval_errors(eval_models, env, msg):
    d = eval_models
    r = sh("model_eval.sh", {"MODEL": str(d / "tr"), "BASE_NAME": str(d / "dataset"), **env}, check=False)
    assert r.returncode != 0 and msg in r.stderr and "Traceback" not in r.stderr
