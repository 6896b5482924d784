#!/usr/bin/env bash
# Path 1 with a roster: make grade as root, ROSTER=attacks/build/<case>/roster.csv (when the
# case has one). Output kept in attacks/build/<case>/root-roster/ (and root-noroster/ without).
# usage: attacks/grade_roster.sh CASE...
cd "$(dirname "$0")/.."
for c in "$@"; do
    a=$(python3 -c "import json;print(json.load(open('attacks/build/$c/case.json'))['assignment'])")
    for kind in noroster roster; do
        out="attacks/build/$c/root-$kind"; rm -rf "grades/$a" "$out"; mkdir -p "$out"
        extra=""; [ $kind = roster ] && extra="ROSTER=$PWD/attacks/build/$c/roster.csv"
        [ $kind = roster ] && [ ! -f "attacks/build/$c/roster.csv" ] && continue
        timeout 1500 make grade ASSIGNMENT=$a SUBMISSIONS="$PWD/attacks/build/$c/subs$(cat attacks/build/$c/subs.suffix 2>/dev/null)" JOBS=2 $extra \
            > "$out/stdout.txt" 2> "$out/stderr.txt"
        echo "$?" > "$out/rc"
        [ -d "grades/$a" ] && cp -a "grades/$a/." "$out/"
        echo "$c ($kind): rc=$(cat $out/rc)"
    done
done
