#!/usr/bin/env bash
# Evaluates fine-tuned models: validation perplexity and reply metrics
# (well-formed, identity, copying, variety). MODEL=a,b compares them in one table.
set -euo pipefail

# Model directory, or a comma list of them to compare.
MODEL="${MODEL:-finetune}"
# Base name of the dataset files (make_datasets.sh's BASE_NAME).
BASE_NAME="${BASE_NAME:-dataset}"
# Validation file ('' = {BASE_NAME}_val.txt); a kit .jsonl export with CHARACTER.
VAL_FILE="${VAL_FILE:-}"
# Training file for the copying check ('' = {BASE_NAME}.txt, or the .jsonl beside a .jsonl VAL_FILE).
TRAIN_FILE="${TRAIN_FILE:-}"
# Contexts to answer (dialog prefixes ending at a line boundary).
SAMPLES="${SAMPLES:-100}"
# Picks the contexts and seeds the sampling: the same for every model.
SEED="${SEED:-42}"
# Tokens per packed block for perplexity (0 = as the model was trained).
BLOCK_SIZE="${BLOCK_SIZE:-0}"
# Blocks per forward pass for perplexity.
BATCH_SIZE="${BATCH_SIZE:-4}"
# Character of a kit export ('' = from the model's character.json when VAL_FILE is .jsonl).
CHARACTER="${CHARACTER:-}"
# Sampling temperature, as in model_chat.sh (0 = greedy).
TEMPERATURE="${TEMPERATURE:-0.8}"
# Nucleus sampling share.
TOP_P="${TOP_P:-0.95}"
# Sample from the K most likely tokens.
TOP_K="${TOP_K:-50}"
# Above 1 discourages repeats.
REPETITION_PENALTY="${REPETITION_PENALTY:-1.2}"
# Longest reply in tokens; a reply that does not stop within it is not well-formed.
MAX_NEW_TOKENS="${MAX_NEW_TOKENS:-60}"
# Replicas of the dialog before the reply that the model sees.
CONTEXT_REPLICAS="${CONTEXT_REPLICAS:-6}"

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
kit_parse_args "${BASH_SOURCE[0]}" "$@"
kit_check_int SAMPLES SEED BLOCK_SIZE BATCH_SIZE TOP_K MAX_NEW_TOKENS CONTEXT_REPLICAS
[[ -n "$VAL_FILE" ]] || VAL_FILE="${BASE_NAME}_val.txt"
if [[ -z "$TRAIN_FILE" ]]; then
    if [[ "$VAL_FILE" == *_val.jsonl ]]; then TRAIN_FILE="${VAL_FILE%_val.jsonl}.jsonl"; else TRAIN_FILE="${BASE_NAME}.txt"; fi
fi
kit_ensure_venv
kit_log_effective "${BASH_SOURCE[0]}"
export PYTHONPATH="$KIT_ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$KIT_PY" -m model_tools.eval --model "$MODEL" --val-file "$VAL_FILE" --train-file "$TRAIN_FILE" \
    --samples "$SAMPLES" --seed "$SEED" --block-size "$BLOCK_SIZE" --batch-size "$BATCH_SIZE" \
    --character "$CHARACTER" --temperature "$TEMPERATURE" --top-p "$TOP_P" --top-k "$TOP_K" \
    --repetition-penalty "$REPETITION_PENALTY" --max-new-tokens "$MAX_NEW_TOKENS" \
    --context-replicas "$CONTEXT_REPLICAS"
