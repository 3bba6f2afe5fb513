"""Model tools on tiny GPT-2s built from a config (CPU, no network)."""
import json
import os
import subprocess

import pytest
import torch

from model_tools import CHAR_TOKEN
from model_tools.add_tokens import add_char_token
from model_tools.build_default import build_default
from model_tools.train import Collator, choose_optimizer, pack
from tests.conftest import ROOT

DIALOGS = "\n\n".join(
    f"<char>Привет, {n}! (сказал он) Как дела?\n<char>Хорошо — спасибо (ответила она)\n<char>Иду."
    for n in ("Вася", "Маша", "Зоя", "Петя") * 6) + "\n"


def sh(script, env, *args, check=True):
    e = dict(os.environ, TIME_KIT_PROGRESS="0", HF_HUB_OFFLINE="1", **env)
    r = subprocess.run(["bash", str(ROOT / script), *args], env=e, capture_output=True, text=True)
    if check and r.returncode:
        raise AssertionError(r.stderr[-3000:])
    return r


def make_tiny_models(d):
    """d/dataset.txt, d/dataset_val.txt, d/base (tiny GPT-2) and d/tr (with <char>)."""
    (d / "dataset.txt").write_text(DIALOGS, encoding="utf-8")
    (d / "dataset_val.txt").write_text(DIALOGS[:400].rsplit("\n\n", 1)[0] + "\n", encoding="utf-8")
    build_default(d / "dataset.txt", d / "base", vocab_size=400, n_layer=1, n_embd=32, n_head=2, n_positions=64)
    sh("model_add_tokens.sh", {"SRC_MODEL": str(d / "base"), "NEW_MODEL": str(d / "tr")})
    return d


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("models"))


def test_add_tokens_single_id_resize_and_dash_init(models):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_tok = AutoTokenizer.from_pretrained(models / "base")
    tok = AutoTokenizer.from_pretrained(models / "tr")
    model = AutoModelForCausalLM.from_pretrained(models / "tr")
    base = AutoModelForCausalLM.from_pretrained(models / "base")
    ids = tok.encode(CHAR_TOKEN + "Привет", add_special_tokens=False)
    cid = tok.convert_tokens_to_ids(CHAR_TOKEN)
    assert ids[0] == cid and tok.encode(CHAR_TOKEN, add_special_tokens=False) == [cid]
    assert model.get_input_embeddings().weight.shape[0] == len(tok) == len(base_tok) + 1
    assert model.get_output_embeddings().weight.shape[0] == len(tok)
    old = base.get_input_embeddings().weight
    dash_ids = sorted(set(base_tok.encode("—", add_special_tokens=False) + base_tok.encode(" —", add_special_tokens=False)))
    want = old[torch.tensor(dash_ids)].mean(0)
    assert torch.allclose(model.get_input_embeddings().weight[cid], want, atol=1e-6)
    assert tok.pad_token is not None


def test_add_tokens_idempotent_and_mean_fallback(models):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(models / "tr")
    model = AutoModelForCausalLM.from_pretrained(models / "tr")
    n = len(tok)
    info = add_char_token(model, tok)
    assert not info["added"] and len(tok) == n and model.get_input_embeddings().weight.shape[0] == n
    base_tok = AutoTokenizer.from_pretrained(models / "base")
    base = AutoModelForCausalLM.from_pretrained(models / "base")
    mean = base.get_input_embeddings().weight.mean(0).detach().clone()
    info = add_char_token(base, base_tok, init="mean")
    assert info["init"] == "mean"
    assert torch.allclose(base.get_input_embeddings().weight[info["char_id"]], mean, atol=1e-6)
    r = sh("model_add_tokens.sh", {"SRC_MODEL": str(models / "tr"), "NEW_MODEL": str(models / "tr_again")})
    assert "already present, nothing added" in r.stderr
    assert_quiet(r.stderr)


def test_pack_keeps_dialogs_whole_and_collator_keeps_eos():
    dialogs = [[1, 2, 0], [3, 4, 5, 0], [6] * 9 + [0], [7, 0]]
    blocks = pack(dialogs, 8)
    assert blocks == [[1, 2, 0, 3, 4, 5, 0], [6] * 8, [6, 0, 7, 0]]
    batch = Collator(pad_id=0)([{"input_ids": [5, 0]}, {"input_ids": [5, 6, 7, 0]}])
    assert batch["labels"].tolist() == [[5, 0, -100, -100], [5, 6, 7, 0]]  # EOS (= pad id) kept as a target


def test_optimizer_choice_on_cpu():
    # bitsandbytes >= 0.49 steps AdamW8bit on CPU; anything else must fall back with a warning.
    assert choose_optimizer("adamw_bnb_8bit") in ("adamw_bnb_8bit", "adamw_torch")
    assert choose_optimizer("adamw_torch") == "adamw_torch"


# Library notices a kit run must not print (issue: quiet, honest logs).
NOISE = ("gemm_4bit_forward", "kernels-community", "is deprecated", "FutureWarning", "UserWarning", "pin_memory",
         "loss_type", "PAD/BOS/EOS", "mtime may not be reliable", "Loading weights", "Writing model shards",
         "fontManager")


def assert_quiet(stderr):
    found = [n for n in NOISE if n in stderr]
    assert not found, f"library noise in the log: {found}\n{stderr[-2000:]}"


def test_train_checkpoint_resume_records_and_chat(models):
    env = {"DATASET_FILE": str(models / "dataset.txt"), "SRC_MODEL": str(models / "tr"),
           "PROJECT_NAME": str(models / "ft"), "MAX_STEPS": "30", "SAVE_STEPS": "10", "BATCH_SIZE": "2",
           "LR": "0.003", "BLOCK_SIZE": "64", "LOGGING_STEPS": "5"}
    r = sh("model_train_gpt2.sh", dict(env, GRAD_CHECKPOINTING="true"))
    assert_quiet(r.stderr)
    assert "training: " in r.stderr and "optimizer that ran" in r.stderr  # the kit's own lines stay
    ft = models / "ft"
    for name in ("model.safetensors", "tokenizer.json", "run_args.json", "log_history.jsonl", "loss.png",
                 "metrics.json", "checkpoint-30"):
        assert (ft / name).exists(), name
    hist = [json.loads(x) for x in (ft / "log_history.jsonl").read_text().splitlines()]
    losses = [h["loss"] for h in hist if "loss" in h]
    assert losses[-1] < losses[0] * 0.8  # repetitive toy text: the loss goes down
    assert any("eval_loss" in h for h in hist)  # dataset_val.txt found beside the dataset
    args = json.loads((ft / "run_args.json").read_text())
    assert args["config"]["max_steps"] == 30 and args["optimizer_used"] in ("adamw_bnb_8bit", "adamw_torch")
    r = sh("model_train_gpt2.sh", dict(env, MAX_STEPS="40"))
    assert "resuming from" in r.stderr and "checkpoint-30" in r.stderr
    assert_quiet(r.stderr)
    state = json.loads((ft / "checkpoint-40" / "trainer_state.json").read_text())
    assert state["global_step"] == 40
    r = sh("model_chat.sh", {"MODEL": str(ft)}, "--prompt", "Привет", "--seed", "1", "--max-new-tokens", "20")
    assert r.stdout.strip() and "\n" not in r.stdout.strip() and CHAR_TOKEN not in r.stdout
    assert_quiet(r.stderr)


@pytest.mark.parametrize("what,msg", [
    ("no_char", "has no <char> token; run model_add_tokens.sh"),
    ("no_dataset", "dataset not found"),
    ("empty_dataset", "dataset is empty"),
    ("no_model", "model not found"),
])
def test_training_errors(models, tmp_path, what, msg):
    env = {"DATASET_FILE": str(models / "dataset.txt"), "SRC_MODEL": str(models / "tr"),
           "PROJECT_NAME": str(tmp_path / "p"), "MAX_STEPS": "1"}
    if what == "no_char":
        env["SRC_MODEL"] = str(models / "base")
    elif what == "no_dataset":
        env["DATASET_FILE"] = str(tmp_path / "nope.txt")
    elif what == "empty_dataset":
        (tmp_path / "e.txt").write_text("\n")
        env["DATASET_FILE"] = str(tmp_path / "e.txt")
    else:
        env["SRC_MODEL"] = str(tmp_path / "no_model")
    r = sh("model_train_gpt2.sh", env, check=False)
    assert r.returncode != 0 and msg in r.stderr and "Traceback" not in r.stderr


def test_chat_refuses_model_without_char(models):
    r = sh("model_chat.sh", {"MODEL": str(models / "base")}, "--prompt", "Привет", check=False)
    assert r.returncode != 0 and "no <char> token" in r.stderr
