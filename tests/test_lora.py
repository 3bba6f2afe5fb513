"""LORA=true on a tiny GPT-2 built from a config (CPU, no network)."""
import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

from model_tools import CHAR_TOKEN
from tests.test_model import assert_quiet, make_tiny_models, sh

TARGETS = ("c_attn", "c_proj", "c_fc")


@pytest.fixture(scope="module")
def lora_models(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("lora"))


def lora_env(d, project, steps):
    return {"DATASET_FILE": str(d / "dataset.txt"), "SRC_MODEL": str(d / "tr"), "PROJECT_NAME": str(d / project),
            "LORA": "true", "LORA_R": "4", "LORA_ALPHA": "8", "LORA_DROPOUT": "0", "MAX_STEPS": str(steps),
            "SAVE_STEPS": "5", "BATCH_SIZE": "2", "LR": "0.01", "BLOCK_SIZE": "64", "LOGGING_STEPS": "5"}


@pytest.fixture(scope="module")
def lora_run(lora_models):
    r = sh("model_train_gpt2.sh", lora_env(lora_models, "lo", 10))
    return lora_models, r


def test_lora_log_counts_trainable_parameters(lora_run):
    d, r = lora_run
    assert_quiet(r.stderr)
    line = next(x for x in r.stderr.splitlines() if x.startswith("LoRA r=4"))
    assert "c_attn,c_fc,c_proj + the <char> row" in line and "parameters train" in line
    args = json.loads((d / "lo" / "run_args.json").read_text())
    # r·(in+out) per projection (1 layer, n_embd 32: c_attn 32->96, c_proj 32->32, c_fc 32->128, c_proj 128->32)
    # plus one embedding row of 32
    assert args["trainable_parameters"] == 4 * (32 + 96 + 32 + 32 + 32 + 128 + 128 + 32) + 32
    assert args["lora_targets"] == sorted(TARGETS)


def test_lora_frozen_weights_bit_identical_adapter_and_char_row_trained(lora_run):
    d, _ = lora_run
    base = load_file(d / "tr" / "model.safetensors")
    merged = load_file(d / "lo" / "model.safetensors")
    adapter = load_file(d / "lo" / "adapter" / "adapter_model.safetensors")
    from transformers import AutoTokenizer

    cid = AutoTokenizer.from_pretrained(d / "tr").convert_tokens_to_ids(CHAR_TOKEN)
    assert set(merged) == set(base)
    for name, w in base.items():
        layer = name.rsplit(".", 2)[-2] if name.endswith(".weight") else None
        if name == "transformer.wte.weight":
            rows = torch.ones(w.shape[0], dtype=torch.bool)
            rows[cid] = False
            assert torch.equal(merged[name][rows], w[rows]), "embedding rows other than <char> changed"
            assert not torch.equal(merged[name][cid], w[cid]), "<char> row did not train"
        elif layer in TARGETS:  # the merged LoRA update is there
            assert not torch.equal(merged[name], w), name
        else:
            assert torch.equal(merged[name], w), f"{name} is frozen but changed"
    b_mats = [v for k, v in adapter.items() if "lora_B" in k]
    assert b_mats and all(v.abs().sum() > 0 for v in b_mats)  # B starts at zero, so it trained
    assert any("trainable_tokens" in k and v.abs().sum() > 0 for k, v in adapter.items())


def test_merged_model_logits_match_adapter_model(lora_run):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    d, _ = lora_run
    tok = AutoTokenizer.from_pretrained(d / "lo")
    ids = tok("<char>Привет, Маша! (сказал он)\n<char>Иду.", return_tensors="pt", add_special_tokens=False)
    with_adapter = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(d / "tr"), d / "lo" / "adapter")
    merged = AutoModelForCausalLM.from_pretrained(d / "lo")
    plain = AutoModelForCausalLM.from_pretrained(d / "tr")
    for m in (with_adapter, merged, plain):
        m.eval()
    with torch.no_grad():
        a, b, c = (m(**ids).logits for m in (with_adapter, merged, plain))
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a, c, atol=1e-3)  # the adapter does something


def test_lora_resume_matches_uninterrupted_run(lora_models):
    d = lora_models
    sh("model_train_gpt2.sh", lora_env(d, "straight", 15))
    # an interruption after step 10: the same run with its later outputs gone
    shutil.copytree(d / "straight", d / "split")
    shutil.rmtree(d / "split" / "checkpoint-15")
    shutil.rmtree(d / "split" / "adapter")
    r = sh("model_train_gpt2.sh", lora_env(d, "split", 15))
    assert "resuming from" in r.stderr and "checkpoint-10" in r.stderr
    state = json.loads((d / "split" / "checkpoint-15" / "trainer_state.json").read_text())
    assert state["global_step"] == 15
    a = load_file(d / "straight" / "adapter" / "adapter_model.safetensors")
    b = load_file(d / "split" / "adapter" / "adapter_model.safetensors")
    assert set(a) == set(b)
    for k in a:  # adapter and optimizer state came back: the same weights as without the break
        assert torch.allclose(a[k], b[k], atol=1e-5), k
    # a full-fine-tune checkpoint is not resumed as LoRA
    r = sh("model_train_gpt2.sh", dict(lora_env(d, "split", 20), LORA="false"), check=False)
    assert r.returncode != 0 and "not from a full run" in r.stderr and "Traceback" not in r.stderr


def test_unmerged_adapter_loads_in_chat(lora_models):
    d = lora_models
    sh("model_train_gpt2.sh", dict(lora_env(d, "nomerge", 5), LORA_MERGE="false"))
    assert not (d / "nomerge" / "model.safetensors").exists()
    assert (d / "nomerge" / "adapter" / "adapter_model.safetensors").exists()
    r = sh("model_chat.sh", {"MODEL": str(d / "nomerge")}, "--prompt", "Привет", "--seed", "1",
           "--max-new-tokens", "10")
    assert r.stdout.strip() and CHAR_TOKEN not in r.stdout
    assert_quiet(r.stderr)


def test_bad_lora_targets_is_one_line_error(lora_models, tmp_path):
    env = dict(lora_env(lora_models, "x", 1), PROJECT_NAME=str(tmp_path / "x"), LORA_TARGETS="q_proj")
    r = sh("model_train_gpt2.sh", env, check=False)
    assert r.returncode != 0 and "LORA_TARGETS: no module named q_proj" in r.stderr and "Traceback" not in r.stderr
