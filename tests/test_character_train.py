"""CHARACTER=NAME training on a kit JSONL export (make_character.py --format kit):
the loss is on NAME's lines only; tiny GPT-2 from a config (CPU, no network)."""
import json
import os
import subprocess

import pytest
import torch
from transformers import AutoTokenizer

from model_tools.character import tokenize_character
from model_tools.train import Collator, load_blocks
from tests.conftest import ROOT
from tests.test_model import assert_quiet, make_tiny_models, sh

ALIASES = ["Базаров", "Евгений", "Евгений Васильич"]
DIALOGS = [
    (["<char>Иду (ответил я)", "<char>Куда? (спросил Аркадий)", "<char>Туда, где лягушки."],
     ["Базаров", "Аркадий", "Базаров"]),
    (["<char>Ты спишь? (спросил Аркадий)", "<char>Нет.", "<char>А я сплю (сказал Николай Петрович)"],
     ["Аркадий", "Базаров", "Николай Петрович"]),
    (["<char>Ну и ну (сказала она)", "<char>Что ж."], [None, "Базаров"]),
    (["<char>Без меня (сказал Аркадий)", "<char>Хорошо (ответил Павел Петрович)"], ["Аркадий", "Павел Петрович"]),
]


def write_kit(path, dialogs=DIALOGS, repeat=1):
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(repeat):
            for lines, speakers in dialogs:
                f.write(json.dumps({"character": "Базаров", "aliases": ALIASES, "lines": lines,
                                    "speakers": speakers}, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    d = make_tiny_models(tmp_path_factory.mktemp("character"))
    write_kit(d / "kit.jsonl", repeat=6)
    write_kit(d / "kit_val.jsonl")
    return d


def test_labels_are_the_characters_lines_and_eos_after_them(kit):
    tok = AutoTokenizer.from_pretrained(kit / "tr")
    ids, labels, stats = tokenize_character(kit / "kit_val.jsonl", tok, "Евгений Васильич", "t")
    assert stats["character"] == "Базаров" and stats["dialogs"] == 3 and stats["dialogs_without_lines"] == 1
    eos = tok.eos_token_id
    for (lines, speakers), x, y in zip([d for d in DIALOGS if "Базаров" in d[1]], ids, labels):
        text = "\n".join(lines) + "\n"
        assert x == tok(text, add_special_tokens=False)["input_ids"] + [eos]  # tokenised as training does
        assert len(x) == len(y)
        # the targets, read back, are exactly the character's lines with their newlines
        target_ids = [t for t, lab in zip(x[:-1], y[:-1]) if lab != -100]
        assert all(lab in (-100, t) for t, lab in zip(x, y))
        want = "".join(line + "\n" for line, who in zip(lines, speakers) if who == "Базаров")
        assert tok.decode(target_ids, skip_special_tokens=False) == want
        assert y[-1] == (eos if speakers[-1] == "Базаров" else -100)  # EOS only after his last line
        # everything before his first line is context
        first = text.index(lines[speakers.index("Базаров")])
        n_before = len(tok(text[:first], add_special_tokens=False)["input_ids"])
        assert set(y[:n_before]) <= {-100}
    assert stats["target_tokens"] == sum(lab != -100 for y in labels for lab in y)


def test_packed_labels_stay_aligned_and_pad_is_masked(kit):
    tok = AutoTokenizer.from_pretrained(kit / "tr")
    blocks, label_blocks, _ = load_blocks(kit / "kit.jsonl", tok, 64, "Базаров")
    assert [len(b) for b in blocks] == [len(b) for b in label_blocks]
    batch = Collator(tok.pad_token_id)([{"input_ids": b, "labels": lab}
                                        for b, lab in zip(blocks[:2], label_blocks[:2])])
    for i, lab in enumerate(label_blocks[:2]):
        assert batch["labels"][i, :len(lab)].tolist() == lab
        assert (batch["labels"][i, len(lab):] == -100).all()
    assert (batch["labels"] != -100).sum() < (batch["attention_mask"] == 1).sum()  # context is masked


def test_character_training_run_and_chat(kit):
    env = {"DATASET_FILE": str(kit / "kit.jsonl"), "SRC_MODEL": str(kit / "tr"), "PROJECT_NAME": str(kit / "bz"),
           "CHARACTER": "Евгений", "MAX_STEPS": "6", "SAVE_STEPS": "3", "BATCH_SIZE": "2", "LR": "0.003",
           "BLOCK_SIZE": "64", "LOGGING_STEPS": "3"}
    r = sh("model_train_gpt2.sh", env)
    assert_quiet(r.stderr)
    assert "CHARACTER Базаров: loss on" in r.stderr
    args = json.loads((kit / "bz" / "run_args.json").read_text())
    tok = AutoTokenizer.from_pretrained(kit / "tr")
    _, labels, _ = tokenize_character(kit / "kit.jsonl", tok, "Базаров", "t")
    assert args["character"]["target_tokens"] == sum(lab != -100 for y in labels for lab in y)
    assert args["character"]["target_tokens"] < args["character"]["tokens"]
    hist = [json.loads(x) for x in (kit / "bz" / "log_history.jsonl").read_text().splitlines()]
    assert any("eval_loss" in h for h in hist)  # kit_val.jsonl found beside kit.jsonl
    assert json.loads((kit / "bz" / "character.json").read_text())["character"] == "Базаров"
    # the chat plays him: the user's lines are the other side's
    e = dict(os.environ, TIME_KIT_PROGRESS="0", HF_HUB_OFFLINE="1")
    p = subprocess.run(["bash", str(ROOT / "model_chat.sh"), "--model", str(kit / "bz"), "--seed", "1",
                        "--max-new-tokens", "8"], input="Куда ты?\n\n", env=e, capture_output=True, text=True)
    assert p.returncode == 0 and "Базаров answers" in p.stderr and p.stdout.strip()
    # eval answers as him: contexts end before his lines; CHARACTER comes from character.json
    r = sh("model_eval.sh", {"MODEL": str(kit / "bz"), "VAL_FILE": str(kit / "kit_val.jsonl"), "SAMPLES": "3",
                             "MAX_NEW_TOKENS": "6"})
    ev = json.loads((kit / "bz" / "eval.json").read_text())
    assert ev["settings"]["character"] == "Базаров" and ev["replies"] == 3
    assert ev["train_file"] == str(kit / "kit.jsonl")
    refs = [x[4:] for x in (kit / "bz" / "eval_samples.txt").read_text().splitlines() if x.startswith("ref ")]
    his = {line for lines, who in DIALOGS for line, w in zip(lines, who) if w == "Базаров"}
    assert refs and set(refs) <= his
    # a LoRA run takes CHARACTER too
    r = sh("model_train_gpt2.sh", dict(env, PROJECT_NAME=str(kit / "bz_lora"), LORA="true", MAX_STEPS="3"))
    assert "CHARACTER Базаров" in r.stderr and "LoRA r=16" in r.stderr


def test_masked_context_gets_no_gradient(kit):
    """Changing the other speakers' words changes nothing the loss is taken on."""
    from transformers import AutoModelForCausalLM

    tok = AutoTokenizer.from_pretrained(kit / "tr")
    model = AutoModelForCausalLM.from_pretrained(kit / "tr")
    ids, labels, _ = tokenize_character(kit / "kit_val.jsonl", tok, "Базаров", "t")
    x, y = torch.tensor([ids[0][:64]]), torch.tensor([labels[0][:64]])  # the tiny model's context is 64
    out = model(input_ids=x, labels=y)
    logits_grad = torch.autograd.grad(out.loss, out.logits)[0][0]
    # positions whose next token is masked get no gradient at all
    masked_next = (y[0, 1:] == -100).nonzero().flatten()
    assert masked_next.numel() and logits_grad[masked_next].abs().sum() == 0
    assert logits_grad[(y[0, 1:] != -100).nonzero().flatten()].abs().sum() > 0


@pytest.mark.parametrize("env,msg", [
    ({"CHARACTER": ""}, "is a character export: set CHARACTER"),
    ({"CHARACTER": "Онегин"}, "CHARACTER 'Онегин' matches no record"),
    ({"DATASET_FILE": "TXT"}, "CHARACTER needs a kit JSONL export"),
])
def test_character_errors(kit, tmp_path, env, msg):
    base = {"DATASET_FILE": str(kit / "kit.jsonl"), "SRC_MODEL": str(kit / "tr"), "PROJECT_NAME": str(tmp_path / "p"),
            "CHARACTER": "Базаров", "MAX_STEPS": "1"}
    base.update(env)
    if base["DATASET_FILE"] == "TXT":
        base["DATASET_FILE"] = str(kit / "dataset.txt")
    r = sh("model_train_gpt2.sh", base, check=False)
    assert r.returncode != 0 and msg in r.stderr and "Traceback" not in r.stderr
    assert len([x for x in r.stderr.splitlines() if x.startswith("error:")]) == 1
