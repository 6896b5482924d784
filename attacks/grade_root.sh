#!/usr/bin/env bash
# Path 1: make grade as root, one case at a time. Output kept in attacks/build/<case>/root/.
# usage: attacks/grade_root.sh CASE...
cd "$(dirname "$0")/.."
for c in "$@"; do
    a=$(python3 -c "import json;print(json.load(open('attacks/build/$c/case.json'))['assignment'])")
    rm -rf "grades/$a" "attacks/build/$c/root"
    mkdir -p "attacks/build/$c/root"
    start=$(date +%s)
    timeout 1500 make grade ASSIGNMENT=$a SUBMISSIONS="$PWD/attacks/build/$c/subs" JOBS=2 \
        > "attacks/build/$c/root/stdout.txt" 2> "attacks/build/$c/root/stderr.txt"
    rc=$?
    echo "$rc $(( $(date +%s) - start ))" > "attacks/build/$c/root/rc"
    [ -d "grades/$a" ] && cp -a "grades/$a/." "attacks/build/$c/root/"
    echo "$c: rc=$rc in $(( $(date +%s) - start )) s"
done
