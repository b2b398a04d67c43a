#!/usr/bin/env bash
# The browser and LibreOffice tests, RUNS times in a row (default 5), while busy loops keep every core
# of the machine busy: the timing-sensitive tests must not depend on a quiet machine.
#
#   scripts/stress_browser_tests.sh [RUNS [PYTEST ARGS…]]    (default: 5 tests/browser tests/test_report_in_libreoffice.py)
#
# One `python -c "while True: pass"` per core (from `nproc`), at normal priority, started before the
# first run and stopped when the script ends, however it ends. Prints each run's result and time, the
# load average as it starts, and a summary (each run's full output is kept in a temporary directory);
# exits non-zero if any run failed.
set -uo pipefail

runs=${1:-5}
shift $(( $# > 0 ? 1 : 0 ))
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
python=${PYTHON:-python}
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/browser tests/test_report_in_libreoffice.py)

load=()
stop_load() {
    for pid in "${load[@]}"; do kill "$pid" 2>/dev/null; done
    wait "${load[@]}" 2>/dev/null
}
trap stop_load EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$(nproc)"); do
    "$python" -c "while True: pass" &
    load+=($!)
done
echo "busy loops on $(nproc) cores: pids ${load[*]}"

logs=$(mktemp -d "${TMPDIR:-/tmp}/stress-browser-XXXXXX")
echo "full output of each run in $logs"
failed=0
for i in $(seq "$runs"); do
    started=$(date +%s)
    echo "== run $i/$runs at $(date +%T), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    "$python" -m pytest -q -p no:cacheprovider "${tests[@]}" >"$logs/run-$i.log" 2>&1
    result=$?
    tail -n 5 "$logs/run-$i.log"
    echo "== run $i: $([ "$result" = 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - started ))s"
    [ "$result" = 0 ] || failed=$((failed + 1))
done
echo "== $((runs - failed)) of $runs runs passed under load"
[ "$failed" = 0 ]
