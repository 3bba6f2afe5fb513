# Shared helpers for the kit's entry scripts. Source it, do not run it.
#
# Conventions (see README): every script declares its variables at the top as
#     # What it is.
#     NAME="${NAME:-default}"
# so the environment overrides the default. kit_parse_args then lets
# `--name value` / `--name=value` override both, and `--help` prints every
# declared variable with its comment and current value.

KIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KIT_ROOT
KIT_VENV="${KIT_VENV:-$KIT_ROOT/.venv}"
KIT_PY="$KIT_VENV/bin/python"

kit_log() { printf '%s\n' "$*" >&2; }
kit_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Variables declared in a script, in order: "NAME<TAB>comment".
_kit_declared_vars() {
    awk '
        /^# / { c = (c == "" ? substr($0, 3) : c " " substr($0, 3)); next }
        /^[A-Z][A-Z0-9_]*="\$\{[A-Z][A-Z0-9_]*:-.*\}"/ {
            n = $0; sub(/=.*/, "", n); print n "\t" c; c = ""; next
        }
        { c = "" }
    ' "$1"
}

# kit_parse_args SCRIPT "$@": applies --flags to the declared variables.
kit_parse_args() {
    local script="$1"; shift
    local decl names=" " name flag value
    decl="$(_kit_declared_vars "$script")"
    while IFS=$'\t' read -r name _; do names+="$name "; done <<<"$decl"
    while (($#)); do
        case "$1" in
            -h|--help)
                printf 'Usage: %s [--flag value ...]\n\n' "$(basename "$script")"
                printf 'Every variable can be set in the environment (NAME=value %s)\n' "$(basename "$script")"
                printf 'or with its flag. Current values:\n\n'
                while IFS=$'\t' read -r name value; do
                    flag="--$(tr 'A-Z_' 'a-z-' <<<"$name")"
                    printf '  %-24s %s=%q\n' "$flag" "$name" "${!name}"
                    [[ -n "$value" ]] && printf '  %-24s   %s\n' "" "$value"
                done <<<"$decl"
                exit 0 ;;
            --*)
                flag="${1#--}"
                if [[ "$flag" == *=* ]]; then
                    value="${flag#*=}"; flag="${flag%%=*}"; shift
                else
                    (($# >= 2)) || kit_die "flag --$flag needs a value (see --help)"
                    value="$2"; shift 2
                fi
                name="$(tr 'a-z-' 'A-Z_' <<<"$flag")"
                [[ "$names" == *" $name "* ]] || kit_die "unknown flag --$flag (see --help for the list)"
                printf -v "$name" '%s' "$value" ;;
            *) kit_die "unexpected argument '$1': variables are set with --flag value (see --help)" ;;
        esac
    done
}

# kit_check_bool NAME...: booleans must be true or false.
kit_check_bool() {
    local n
    for n in "$@"; do
        case "${!n}" in true|false) ;; *) kit_die "$n must be true or false, got '${!n}'" ;; esac
    done
}

# kit_check_int NAME...: non-negative integers.
kit_check_int() {
    local n
    for n in "$@"; do
        [[ "${!n}" =~ ^[0-9]+$ ]] || kit_die "$n must be a non-negative integer, got '${!n}'"
    done
}

# Creates .venv and installs requirements.txt when missing or stale.
kit_ensure_venv() {
    local req="$KIT_ROOT/requirements.txt" stamp="$KIT_VENV/.requirements.sha256" want have=""
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    [[ -f "$stamp" ]] && have="$(cat "$stamp")"
    if [[ -x "$KIT_PY" && "$want" == "$have" ]]; then
        return 0
    fi
    kit_log "setting up $KIT_VENV (requirements.txt changed or venv missing; takes a few minutes once)"
    if [[ ! -x "$KIT_PY" ]]; then
        "${PYTHON:-python3}" -m venv "$KIT_VENV" || kit_die "could not create $KIT_VENV: is python3-venv installed?"
    fi
    "$KIT_PY" -m pip install -q --disable-pip-version-check -r "$req" >&2 \
        || kit_die "pip install -r requirements.txt failed; see the messages above"
    printf '%s\n' "$want" >"$stamp"
}

# Logs the command line and the effective values once, at the start.
kit_log_effective() {
    local script="$1"; shift
    local name line="" 
    while IFS=$'\t' read -r name _; do line+=" $name=$(printf '%q' "${!name}")"; done \
        < <(_kit_declared_vars "$script")
    kit_log "# $(basename "$script")$line"
}

# Stage guard: kit_stage_on NAME is true when NAME is within [STAGE, STOP_STAGE].
# Needs KIT_STAGES (array of names in order), STAGE and STOP_STAGE.
_kit_stage_index() {
    local i
    for i in "${!KIT_STAGES[@]}"; do
        [[ "${KIT_STAGES[$i]}" == "$1" ]] && { echo "$i"; return 0; }
    done
    return 1
}
kit_check_stages() {
    _kit_stage_index "$STAGE" >/dev/null || kit_die "unknown STAGE '$STAGE'; stages are: ${KIT_STAGES[*]}"
    _kit_stage_index "$STOP_STAGE" >/dev/null || kit_die "unknown STOP_STAGE '$STOP_STAGE'; stages are: ${KIT_STAGES[*]}"
    (( $(_kit_stage_index "$STAGE") <= $(_kit_stage_index "$STOP_STAGE") )) \
        || kit_die "STAGE '$STAGE' comes after STOP_STAGE '$STOP_STAGE'"
}
kit_stage_on() {
    local i
    i="$(_kit_stage_index "$1")"
    (( $(_kit_stage_index "$STAGE") <= i && i <= $(_kit_stage_index "$STOP_STAGE") ))
}
