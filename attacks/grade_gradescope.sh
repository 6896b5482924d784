#!/usr/bin/env bash
# Paths 3/4: the zip's run_autograder in a scratch /autograder tree, as Gradescope lays it out
# (tests/test_gradescope.py::run_autograder), one tree per submission file.
# usage: attacks/grade_gradescope.sh MODE CASE...   MODE: root | docker (root, no CAP_SYS_ADMIN) | user (hostileuser)
# (docker and user go through tests/sandbox_env.py, as the project's suite does)
cd "$(dirname "$0")/.."
HERE=$PWD
mode=$1; shift
PY=/work/main/.venv/bin/python
for c in "$@"; do
    a=$(python3 -c "import json;print(json.load(open('attacks/build/$c/case.json'))['assignment'])")
    out="attacks/build/$c/gs-$mode"
    rm -rf "$out"; mkdir -p "$out"
    for f in "attacks/build/$c/subs"/*; do
        name=$(basename "$f")
        scratch=$(mktemp -d /tmp/hostile-gs-XXXXXX)
        root="$scratch/autograder"
        mkdir -p "$root/submission"
        (cd "$root" && mkdir source && cd source && unzip -q "$HERE/dist/$a/autograder.zip")
        chmod 755 "$root/source/run_autograder" "$root/source/setup.sh"
        cp "$root/source/run_autograder" "$root/run_autograder"
        cp "$f" "$root/submission/"
        echo '{"previous_submissions": [{"results": {"tests": [{"name": "SECRET_PREVIOUS_RESULT_4242"}]}}]}' > "$root/submission_metadata.json"
        start=$(date +%s)
        if [ "$mode" = root ]; then
            env -i PATH="$PATH" AUTOGRADER_ROOT="$root" NNKIT_PYTHON="$PY" \
                timeout 900 bash "$root/run_autograder" > "$scratch/stdout.txt" 2>&1
            rc=$?
        elif [ "$mode" = docker ]; then   # root without CAP_SYS_ADMIN, Docker's seccomp: Landlock mode
            env -i PATH="$PATH" AUTOGRADER_ROOT="$root" NNKIT_PYTHON="$PY" \
                timeout 900 "$PY" tests/sandbox_env.py --docker -- bash "$root/run_autograder" > "$scratch/stdout.txt" 2>&1
            rc=$?
        else
            chown -R hostileuser: "$scratch"
            env -i PATH="$PATH" AUTOGRADER_ROOT="$root" NNKIT_PYTHON="$PY" \
                timeout 900 "$PY" tests/sandbox_env.py --user hostileuser -- bash "$root/run_autograder" > "$scratch/stdout.txt" 2>&1
            rc=$?
        fi
        mkdir -p "$out/gs-$name"
        echo "$rc $(( $(date +%s) - start ))" > "$out/gs-$name/rc"
        cp "$scratch/stdout.txt" "$out/gs-$name/"
        [ -f "$root/results/results.json" ] && cp "$root/results/results.json" "$out/gs-$name/"
        rm -rf "$scratch"
        echo "$c/$name ($mode): rc=$rc"
    done
done
