#!/usr/bin/env bash
# Adds the <char> token to a model and its tokenizer (idempotent).
set -euo pipefail

# Source model: a local directory or a hub name (ai-forever/rugpt3small_based_on_gpt2).
SRC_MODEL="${SRC_MODEL:-gpt2_small}"
# Where the model with <char> is saved.
NEW_MODEL="${NEW_MODEL:-gpt2_small_for_train}"
# Initialisation of the new embedding row: dash, mean or random.
INIT="${INIT:-dash}"

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
kit_parse_args "${BASH_SOURCE[0]}" "$@"
case "$INIT" in dash|mean|random) ;; *) kit_die "INIT must be dash, mean or random, got '$INIT'" ;; esac
kit_ensure_venv
kit_log_effective "${BASH_SOURCE[0]}"
export PYTHONPATH="$KIT_ROOT${PYTHONPATH:+:$PYTHONPATH}"
"$KIT_PY" -m model_tools.add_tokens --src-model "$SRC_MODEL" --new-model "$NEW_MODEL" --init "$INIT"
