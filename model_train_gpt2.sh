#!/usr/bin/env bash
# Fine-tunes a GPT-2-class model on the TiMe dataset with the HF Trainer.
# Resumes from the newest checkpoint in PROJECT_NAME unless FRESH=true.
set -euo pipefail

# Training file written by make_datasets.sh.
DATASET_FILE="${DATASET_FILE:-dataset.txt}"
# Model with the <char> token (see model_add_tokens.sh).
SRC_MODEL="${SRC_MODEL:-gpt2_small_for_train}"
# Output directory: checkpoints, run records and the final model.
PROJECT_NAME="${PROJECT_NAME:-finetune}"
# Save (and evaluate) every N optimizer steps.
SAVE_STEPS="${SAVE_STEPS:-500}"
# Sequences per step per GPU.
BATCH_SIZE="${BATCH_SIZE:-1}"
# Gradient accumulation steps.
GAS="${GAS:-1}"
# AdamW weight decay.
WEIGHT_DECAY="${WEIGHT_DECAY:-0.03}"
# Learning rate.
LR="${LR:-0.00006}"
# adamw_bnb_8bit (8-bit states, less memory) or adamw_torch.
OPTIMIZER="${OPTIMIZER:-adamw_bnb_8bit}"
# Passes over the data (ignored when MAX_STEPS > 0).
EPOCHS="${EPOCHS:-1}"
# Stop after this many steps (0 = use EPOCHS).
MAX_STEPS="${MAX_STEPS:-0}"
# Tokens per packed block (capped by the model's context).
BLOCK_SIZE="${BLOCK_SIZE:-512}"
# Validation file ('' = {BASE_NAME}_val.txt beside the dataset if it exists).
VAL_FILE="${VAL_FILE:-}"
# auto: fp16/bf16 only on GPUs of compute capability >= 7.0; true; false.
FP16="${FP16:-auto}"
# Trade compute for memory on small GPUs.
GRAD_CHECKPOINTING="${GRAD_CHECKPOINTING:-false}"
# Checkpoints to keep.
SAVE_TOTAL_LIMIT="${SAVE_TOTAL_LIMIT:-3}"
# Log the loss every N steps.
LOGGING_STEPS="${LOGGING_STEPS:-10}"
# true: ignore checkpoints and start from SRC_MODEL's weights.
FRESH="${FRESH:-false}"
# Data-parallel GPUs; above 1 runs through accelerate launch.
NUM_GPUS="${NUM_GPUS:-1}"
# Train one character of a kit JSONL export (make_character.py --format kit): its name or any alias.
CHARACTER="${CHARACTER:-}"
# true: train LoRA adapters (peft) and the <char> row instead of every weight.
LORA="${LORA:-false}"
# LoRA rank.
LORA_R="${LORA_R:-16}"
# LoRA scale numerator (the update is scaled by LORA_ALPHA / LORA_R).
LORA_ALPHA="${LORA_ALPHA:-32}"
# Dropout on the LoRA input.
LORA_DROPOUT="${LORA_DROPOUT:-0.05}"
# Comma list of modules to adapt ('' = the attention and MLP projections).
LORA_TARGETS="${LORA_TARGETS:-}"
# true: also save the adapter merged into the model, so chat and eval load it as usual.
LORA_MERGE="${LORA_MERGE:-true}"

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
kit_parse_args "${BASH_SOURCE[0]}" "$@"
kit_check_int SAVE_STEPS BATCH_SIZE GAS MAX_STEPS BLOCK_SIZE SAVE_TOTAL_LIMIT LOGGING_STEPS NUM_GPUS LORA_R
kit_check_bool GRAD_CHECKPOINTING FRESH LORA LORA_MERGE
kit_ensure_venv
kit_log_effective "${BASH_SOURCE[0]}"
export PYTHONPATH="$KIT_ROOT${PYTHONPATH:+:$PYTHONPATH}"
export DATASET_FILE SRC_MODEL PROJECT_NAME SAVE_STEPS BATCH_SIZE GAS WEIGHT_DECAY LR OPTIMIZER EPOCHS \
    MAX_STEPS BLOCK_SIZE VAL_FILE FP16 GRAD_CHECKPOINTING SAVE_TOTAL_LIMIT LOGGING_STEPS FRESH CHARACTER \
    LORA LORA_R LORA_ALPHA LORA_DROPOUT LORA_TARGETS LORA_MERGE
if (( NUM_GPUS > 1 )); then
    exec "$KIT_VENV/bin/accelerate" launch --multi_gpu --num_processes "$NUM_GPUS" -m model_tools.train
fi
exec "$KIT_PY" -m model_tools.train
