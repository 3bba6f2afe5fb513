"""LoRA with peft: low-rank adapters on the attention and MLP projections, plus
the <char> embedding row trained on its own (peft's trainable_token_indices),
so the rest of the embedding stays frozen."""
from __future__ import annotations

from pathlib import Path

from dataset_tools.common import KitError, log

ADAPTER_DIR = "adapter"  # PROJECT_NAME/adapter: the adapter beside the merged model
MODEL_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "config.json",
               "generation_config.json")


def projection_modules(model) -> list[str]:
    """Names of the linear projections inside the transformer blocks (c_attn,
    c_proj, c_fc in GPT-2; q/k/v/o and gate/up/down in LLaMA-likes): every
    Linear or Conv1D but the output head."""
    import torch
    from transformers.pytorch_utils import Conv1D

    head = model.get_output_embeddings()
    return sorted({name.rsplit(".", 1)[-1] for name, m in model.named_modules()
                   if isinstance(m, (torch.nn.Linear, Conv1D)) and m is not head})


def count_parameters(model) -> tuple[int, int]:
    """(trainable, all); a tied weight is counted once, as model.parameters() yields it once."""
    ps = list(model.parameters())
    return sum(p.numel() for p in ps if p.requires_grad), sum(p.numel() for p in ps)


def apply_lora(model, cfg, char_id: int):
    """Wraps `model` in a peft LoRA model; returns (model, targets)."""
    from peft import LoraConfig, get_peft_model
    from transformers.pytorch_utils import Conv1D

    available = projection_modules(model)
    targets = [t.strip() for t in cfg.lora_targets.split(",") if t.strip()] or available
    missing = [t for t in targets if t not in available]
    if missing:
        raise KitError(f"LORA_TARGETS: no module named {', '.join(missing)} in this model; "
                       f"its projections are {', '.join(available)}")
    # GPT-2's Conv1D stores weights transposed; peft must be told (it warns otherwise).
    conv = any(isinstance(m, Conv1D) for n, m in model.named_modules() if n.rsplit(".", 1)[-1] in targets)
    config = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                        target_modules=targets, fan_in_fan_out=conv, trainable_token_indices=[char_id],
                        task_type="CAUSAL_LM")
    if cfg.grad_checkpointing:
        model.enable_input_require_grads()  # checkpointed blocks need a grad-carrying input
    peft_model = get_peft_model(model, config)
    if Path(cfg.src_model).is_dir():  # so the adapter finds its base from any directory
        peft_model.peft_config["default"].base_model_name_or_path = str(Path(cfg.src_model).resolve())
    return peft_model, targets


def save_lora(peft_model, tok, out: Path, merge: bool) -> str:
    """Adapter to out/adapter; the merged model to out when `merge`. Returns what was saved."""
    adapter = out / ADAPTER_DIR
    peft_model.save_pretrained(adapter)
    tok.save_pretrained(adapter)
    if not merge:
        stale = [f for f in MODEL_FILES if (out / f).exists()]
        for f in stale:  # a merged model from an earlier run would shadow the new adapter
            (out / f).unlink()
        if stale:
            log.info(f"removed the earlier merged model from {out} (LORA_MERGE=false)")
        return f"adapter in {adapter}"
    merged = peft_model.merge_and_unload()
    merged.save_pretrained(out)
    return f"adapter in {adapter}, merged model in {out}"


def is_adapter_only(path: str | Path) -> bool:
    p = Path(path)
    return p.is_dir() and not (p / "config.json").exists() and (p / ADAPTER_DIR / "adapter_config.json").exists()


def load_adapter_merged(path: str | Path, **kw):
    """A LORA_MERGE=false project: its base model with the adapter merged in memory."""
    from peft import AutoPeftModelForCausalLM

    adapter = Path(path) / ADAPTER_DIR
    try:
        model = AutoPeftModelForCausalLM.from_pretrained(str(adapter), **kw)
    except (OSError, ValueError) as e:
        raise KitError(f"{adapter}: can't load the adapter or its base model ({str(e).splitlines()[0][:200]})") \
            from None
    return model.merge_and_unload()

