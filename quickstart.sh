#!/usr/bin/env bash
# The whole chain on the bundled sample, offline: datasets -> tiny default model
# -> add <char> -> short training -> one chat reply. Shows the pipeline, not quality.
set -euo pipefail

# Book to start from.
SRC_FILE="${SRC_FILE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/data/sample/raw.txt}"
# Everything the quickstart writes goes here.
WORK_DIR="${WORK_DIR:-quickstart_out}"
# Training steps of the demo run.
MAX_STEPS="${MAX_STEPS:-300}"
# The line to say to the trained model.
PROMPT="${PROMPT:-Привет! Куда ты едешь?}"

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
kit_parse_args "${BASH_SOURCE[0]}" "$@"
kit_check_int MAX_STEPS
kit_ensure_venv
export PYTHONPATH="$KIT_ROOT${PYTHONPATH:+:$PYTHONPATH}" TIME_KIT_PROGRESS="${TIME_KIT_PROGRESS:-0}"
start=$SECONDS
mkdir -p "$WORK_DIR"

kit_log "== 1/5 datasets"
"$KIT_ROOT/make_datasets.sh" --src-file "$SRC_FILE" --out-dir "$WORK_DIR/data" --dict-dir "$WORK_DIR/dicts"

kit_log "== 2/5 default model (tiny GPT-2 built from scratch, no download)"
[[ -f "$WORK_DIR/gpt2_small/config.json" ]] \
    || "$KIT_PY" -m model_tools.build_default --dataset "$WORK_DIR/data/dataset.txt" --out "$WORK_DIR/gpt2_small"

kit_log "== 3/5 add <char>"
"$KIT_ROOT/model_add_tokens.sh" --src-model "$WORK_DIR/gpt2_small" --new-model "$WORK_DIR/gpt2_small_for_train"

kit_log "== 4/5 train $MAX_STEPS steps"
"$KIT_ROOT/model_train_gpt2.sh" --dataset-file "$WORK_DIR/data/dataset.txt" \
    --src-model "$WORK_DIR/gpt2_small_for_train" --project-name "$WORK_DIR/finetune" \
    --max-steps "$MAX_STEPS" --save-steps 100 --batch-size 8 --block-size 128 --lr 0.002 \
    --logging-steps 25 --fresh true

kit_log "== 5/5 chat"
reply="$("$KIT_ROOT/model_chat.sh" --model "$WORK_DIR/finetune" --prompt "$PROMPT" --seed 1)"
printf 'you> %s\nbot> %s\n' "$PROMPT" "$reply"
kit_log "quickstart done in $((SECONDS - start)) s; outputs in $WORK_DIR/"
