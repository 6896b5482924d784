#!/usr/bin/env bash
# Path 1 with a forced sandbox layer: NNKIT_SANDBOX=landlock|uid-only make grade, as root.
# Output in attacks/build/<case>/root-<mode>/.   usage: attacks/grade_mode.sh MODE CASE...
cd "$(dirname "$0")/.."
mode=$1; shift
for c in "$@"; do
    a=$(python3 -c "import json;print(json.load(open('attacks/build/$c/case.json'))['assignment'])")
    out="attacks/build/$c/root-$mode"
    rm -rf "grades/$a" "$out"; mkdir -p "$out"
    start=$(date +%s)
    NNKIT_SANDBOX=$mode timeout 1500 make grade ASSIGNMENT=$a SUBMISSIONS="$PWD/attacks/build/$c/subs" JOBS=2 \
        > "$out/stdout.txt" 2> "$out/stderr.txt"
    rc=$?
    echo "$rc $(( $(date +%s) - start ))" > "$out/rc"
    [ -d "grades/$a" ] && cp -a "grades/$a/." "$out/"
    echo "$c ($mode): rc=$rc in $(( $(date +%s) - start )) s"
done
