#!/usr/bin/env bash
# Book -> dialogs -> TiMe (me/ti) datasets -> training file.
# Stages: prepare -> dialogs -> names -> speakers -> time -> assemble (see README).
set -euo pipefail

# Source book: a .txt/.fb2 file or a folder of them (UTF-8, CP1251, KOI8-R, UTF-16).
SRC_FILE="${SRC_FILE:-raw.txt}"
# Training file name: {BASE_NAME}.txt and {BASE_NAME}_val.txt.
BASE_NAME="${BASE_NAME:-dataset}"
# Where the dataset files go.
OUT_DIR="${OUT_DIR:-.}"
# Where the hand-editable dictionaries live (dict_me.py, dict_ti.py, characters.py).
DICT_DIR="${DICT_DIR:-dicts}"
# auto (detect), prose (dash dialogs) or play (speaker labels: "Лопахин. Пришел поезд").
FORMAT="${FORMAT:-auto}"
# What goes into {BASE_NAME}.txt: a comma list of dialogs, me, ti, pov.
DATASET_MIX="${DATASET_MIX:-dialogs,me,ti}"
# Share of dialogs kept aside for validation (0 = none).
VAL_SHARE="${VAL_SHARE:-0.02}"
# Random seed of the validation split.
SEED="${SEED:-42}"
# First stage to run: prepare, dialogs, names, speakers, time or assemble.
STAGE="${STAGE:-prepare}"
# Last stage to run.
STOP_STAGE="${STOP_STAGE:-assemble}"
# Worker processes for NER and the time stage (0 = one per core, at most 4).
JOBS="${JOBS:-0}"

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
kit_parse_args "${BASH_SOURCE[0]}" "$@"
KIT_STAGES=(prepare dialogs names speakers time assemble)
kit_check_stages
kit_check_int SEED
kit_check_int JOBS
case "$FORMAT" in auto|prose|play) ;; *) kit_die "FORMAT must be auto, prose or play, got '$FORMAT'" ;; esac
[[ "$DATASET_MIX" =~ ^(dialogs|me|ti|pov)(,(dialogs|me|ti|pov))*$ ]] \
    || kit_die "DATASET_MIX must be a comma list of dialogs, me, ti, pov (e.g. dialogs,me,ti), got '$DATASET_MIX'"
[[ "$VAL_SHARE" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || kit_die "VAL_SHARE must be a number from 0 to 1, got '$VAL_SHARE'"
kit_ensure_venv
kit_log_effective "${BASH_SOURCE[0]}"

mkdir -p "$OUT_DIR"
export PYTHONPATH="$KIT_ROOT${PYTHONPATH:+:$PYTHONPATH}"
# One Python process runs the stages (they share the loaded models); each
# stage is also its own module: python -m dataset_tools.<stage> --help.
"$KIT_PY" -m dataset_tools.pipeline --from "$STAGE" --to "$STOP_STAGE" \
    --src "$SRC_FILE" --out-dir "$OUT_DIR" --dict-dir "$DICT_DIR" --format "$FORMAT" \
    --mix "$DATASET_MIX" --base-name "$BASE_NAME" --val-share "$VAL_SHARE" --seed "$SEED" --jobs "$JOBS"
