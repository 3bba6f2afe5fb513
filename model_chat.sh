#!/usr/bin/env bash
# Roleplay chat with a fine-tuned model. --prompt "..." prints one reply and exits.
set -euo pipefail

# Fine-tuned model directory (PROJECT_NAME of model_train_gpt2.sh).
MODEL="${MODEL:-finetune}"
# Sampling temperature (0 = greedy).
TEMPERATURE="${TEMPERATURE:-0.8}"
# Nucleus sampling share.
TOP_P="${TOP_P:-0.95}"
# Sample from the K most likely tokens.
TOP_K="${TOP_K:-50}"
# Above 1 discourages repeats.
REPETITION_PENALTY="${REPETITION_PENALTY:-1.2}"
# Longest reply in tokens.
MAX_NEW_TOKENS="${MAX_NEW_TOKENS:-60}"
# Replicas of history the model sees.
CONTEXT_REPLICAS="${CONTEXT_REPLICAS:-6}"
# One line to answer, then exit ('' = interactive).
PROMPT="${PROMPT:-}"
# Random seed for repeatable replies ('' = random).
SEED="${SEED:-}"

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
kit_parse_args "${BASH_SOURCE[0]}" "$@"
kit_check_int TOP_K MAX_NEW_TOKENS CONTEXT_REPLICAS
kit_ensure_venv
export PYTHONPATH="$KIT_ROOT${PYTHONPATH:+:$PYTHONPATH}"
args=(--model "$MODEL" --temperature "$TEMPERATURE" --top-p "$TOP_P" --top-k "$TOP_K"
      --repetition-penalty "$REPETITION_PENALTY" --max-new-tokens "$MAX_NEW_TOKENS"
      --context-replicas "$CONTEXT_REPLICAS")
[[ -n "$PROMPT" ]] && args+=(--prompt "$PROMPT")
[[ -n "$SEED" ]] && args+=(--seed "$SEED")
exec "$KIT_PY" -m model_tools.chat "${args[@]}"
