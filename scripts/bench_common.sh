# Shared by scripts/bench-summarize, bench-hunt and bench-search (sourced, not run): the
# knobs they have in common, the set-up (release build, bench venv, generated logs) and the
# measuring helpers. The sourcing script sets NAME (its name, for messages and its default
# output folder) first.
#
# Env (common to the three):
#   BENCH_RUNS=3                 runs of each trailproof measurement (median reported)
#   BENCH_PEER_RUNS              runs of each peer (DuckDB, jq) measurement (script default)
#   BENCH_SEED=1                 log generator seed
#   BENCH_THREADS=$(nproc)       DuckDB's `SET threads`
#   BENCH_GEN_JOBS=$(nproc)      generator processes
#   BENCH_DATA=.work/bench-data  generated logs, shared by the three scripts and kept
#   BENCH_DIR=.work/NAME         outputs (out/, replaced on every run)
#   BENCH_VENV=.work/bench-venv  the venv of `scripts/setup-venv --bench` (created if missing)
#   BENCH_BUILD=1                0 skips `cargo build` (target/release/trailproof must exist)
#   BENCH_TRAILPROOF             the binary to time (default target/release/trailproof)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${BENCH_RUNS:-3}"
SEED="${BENCH_SEED:-1}"
THREADS="${BENCH_THREADS:-$(nproc)}"
GEN_JOBS="${BENCH_GEN_JOBS:-$(nproc)}"
DATA="${BENCH_DATA:-$ROOT/.work/bench-data}"
BENCH_DIR="${BENCH_DIR:-$ROOT/.work/$NAME}"
VENV="${BENCH_VENV:-$ROOT/.work/bench-venv}"
BUILD="${BENCH_BUILD:-1}"
[[ "$DATA" == /* ]] || DATA="$ROOT/$DATA"
[[ "$BENCH_DIR" == /* ]] || BENCH_DIR="$ROOT/$BENCH_DIR"
[[ "$VENV" == /* ]] || VENV="$ROOT/$VENV"
PY="$VENV/bin/python"
RUNNER="$ROOT/scripts/bench_summarize.py"
TP="${BENCH_TRAILPROOF:-$ROOT/target/release/trailproof}"
OUT="$BENCH_DIR/out"

section() { printf '\n==== %s ====\n' "$*"; }
die() {
    echo "$NAME: $*" >&2
    exit 1
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
max() { printf '%s\n' "$@" | sort -g | tail -n 1; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

# timed PREFIX CMD...: runs CMD once, stdout/stderr to PREFIX.stdout/.stderr; sets T_CODE,
# T_WALL (s), T_RSS (peak, KiB; the largest of the process and the children it waited for)
# and T_CPU (user+sys s, children included).
timed() {
    local prefix="$1"
    shift
    read -r T_CODE T_WALL T_RSS T_CPU < <("$PY" "$RUNNER" run "$prefix" -- "$@")
}

# bench_setup: the release build and the bench venv; prints the versions.
bench_setup() {
    section "Toolchain"
    if [[ "$BUILD" == 1 ]]; then
        cargo build --release --all-features --bin trailproof
    fi
    [[ -x "$TP" ]] || die "$TP is missing (run without BENCH_BUILD=0)"
    BENCH_VENV="$VENV" scripts/setup-venv --bench
    echo "trailproof: $("$TP" --version 2>&1)"
    echo "duckdb:     $("$PY" -c 'import duckdb; print(duckdb.__version__)') (threads = $THREADS)"
}

# bench_logs SIZES...: generates (or reuses) the log sets of SIZES MB (inflated) in $DATA
# and writes their manifest lines to $BENCH_DIR/sets.txt; replaces $OUT.
bench_logs() {
    section "Generating logs (seed $SEED, sizes: $* MB inflated)"
    mkdir -p "$DATA" "$BENCH_DIR"
    "$PY" scripts/gen_activity_logs.py "$DATA" --sizes "$(tr ' ' ',' <<<"$*")" --seed "$SEED" \
        --jobs "$GEN_JOBS" | tee "$BENCH_DIR/sets.txt"
    rm -rf "$OUT"
    mkdir -p "$OUT"
}

# set_info MB: sets FILES RECORDS GZ_BYTES RAW_BYTES of that set and SET_DIR, reads its files
# into the page cache and prints the set's heading.
set_info() {
    read -r _ FILES RECORDS GZ_BYTES RAW_BYTES < <(grep "^${1}mb " "$BENCH_DIR/sets.txt")
    SET_DIR="$DATA/${1}mb"
    section "${1} MB: $FILES files, $RECORDS records ($(mb "$GZ_BYTES") MB gzip, $(mb "$RAW_BYTES") MB inflated)"
    find "$SET_DIR" -type f -exec cat {} + >/dev/null
}

# repeat N LABEL PREFIX OK_CODES CMD...: runs CMD N times (outputs PREFIX-i.*), failing unless
# the exit code is one of OK_CODES (space-separated) and stderr is empty (with STDERR_OK=1,
# stderr is allowed and its first lines shown once); sets R_WALL (median), R_RSS (largest),
# R_CPU (median) and prints one line a run.
repeat() {
    local n="$1" label="$2" prefix="$3" ok="$4" i
    shift 4
    local walls=() rss=() cpu=()
    for i in $(seq 1 "$n"); do
        timed "$prefix-$i" "$@"
        if [[ " $ok " != *" $T_CODE "* || ("${STDERR_OK:-0}" != 1 && -s "$prefix-$i.stderr") ]]; then
            head -n 20 "$prefix-$i.stderr" >&2
            die "$label exited $T_CODE (or wrote to stderr): $*"
        fi
        walls+=("$T_WALL") rss+=("$T_RSS") cpu+=("$T_CPU")
        echo "$label run $i: ${T_WALL} s (CPU ${T_CPU} s), peak RSS $(mib "$T_RSS") MiB"
        if [[ "$i" == 1 && -s "$prefix-$i.stderr" ]]; then
            echo "  its stderr ($(wc -l <"$prefix-$i.stderr") lines):"
            head -n 5 "$prefix-$i.stderr" | sed 's/^/  | /'
        fi
    done
    R_WALL="$(median "${walls[@]}")" R_RSS="$(max "${rss[@]}")" R_CPU="$(median "${cpu[@]}")"
}

# has_command SUB FLAG...: true when `trailproof SUB --help` works; names each FLAG its help
# lacks (a warning: the run then shows what the command says).
has_command() {
    local sub="$1" help flag
    shift
    help="$("$TP" "$sub" --help 2>/dev/null)" || return 1
    for flag in "$@"; do
        grep -q -- "$flag" <<<"$help" || echo "warning: \`trailproof $sub --help\` does not mention $flag" >&2
    done
}

# machine_lines: the machine and load lines of a figures block (LOAD_START set by the caller).
machine_lines() {
    echo "machine:      $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM"
    echo "load average: $LOAD_START before the runs, $(loadavg) after (1/5/15 min)"
}
