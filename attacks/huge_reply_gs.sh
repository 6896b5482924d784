#!/usr/bin/env bash
# huge_reply through run_autograder (root): the peak RSS (VmHWM) of the grading process itself,
# polled from /proc, while the student's function returns a 240 MB array. Gradescope's
# container has 768 MB for the grader, the student's processes (384 MB here) and page cache.
cd "$(dirname "$0")/.."
HERE=$PWD
PY=/work/main/.venv/bin/python
CASE=${CASE:-huge_reply}
for name in $CASE.ipynb blank.ipynb; do
    scratch=$(mktemp -d /tmp/hostile-gs-XXXXXX); root="$scratch/autograder"
    mkdir -p "$root/submission" "$root/source"
    (cd "$root/source" && unzip -q "$HERE/dist/hw1_forward/autograder.zip")
    cp "$root/source/run_autograder" "$root/"; cp "attacks/build/$CASE/subs/$name" "$root/submission/"
    echo '{}' > "$root/submission_metadata.json"
    env -i PATH="$PATH" AUTOGRADER_ROOT="$root" NNKIT_PYTHON="$PY" timeout 900 bash "$root/run_autograder" > "$scratch/out.txt" 2>&1 &
    pid=$!; peak=0
    while kill -0 $pid 2>/dev/null; do
        gp=$(pgrep -f "autograder.gradescope $root" | head -1)
        hwm=$([ -n "$gp" ] && awk '/VmHWM/ {print $2}' /proc/$gp/status 2>/dev/null); [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
        sleep 0.1
    done
    wait $pid; rc=$?
    score=$(python3 -c "import json;print(json.load(open('$root/results/results.json'))['score'])" 2>/dev/null || echo "no results.json")
    echo "$name: run_autograder exit $rc, score $score, grader peak RSS $((peak / 1024)) MB" | tee -a attacks/build/$CASE/gs-peak.txt
    rm -rf "$scratch"
done
