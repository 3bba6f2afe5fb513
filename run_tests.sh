#!/usr/bin/env bash
# Runs the whole test suite; creates .venv from requirements.txt on first use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
kit_ensure_venv
cd "$KIT_ROOT"
export TIME_KIT_PROGRESS=0 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
exec "$KIT_PY" -m pytest -q -p no:cacheprovider "$@" tests
