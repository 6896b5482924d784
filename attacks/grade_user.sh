#!/usr/bin/env bash
# Path 2: make grade as a plain user (hostileuser), in a copy of the worktree that user owns
# (/home/hostileuser/kit, .venv a symlink to the shared one), via tests/sandbox_env.py.
# usage: attacks/grade_user.sh CASE...
cd "$(dirname "$0")/.."
KIT=/home/hostileuser/kit
PY=/work/main/.venv/bin/python
for c in "$@"; do
    a=$(python3 -c "import json;print(json.load(open('attacks/build/$c/case.json'))['assignment'])")
    rm -rf "$KIT/grades/$a" "$KIT/subs-$c" "attacks/build/$c/user"
    cp -a "attacks/build/$c/subs" "$KIT/subs-$c"; chown -R hostileuser: "$KIT/subs-$c"
    mkdir -p "attacks/build/$c/user"
    # the shared .venv's stamp flips between worktrees with other requirements: a stamp of the
    # kit's own (newer than requirements.txt) stands for "installed" (the user cannot write .venv)
    touch "$KIT/.stamp-user"; chown hostileuser: "$KIT/.stamp-user"
    start=$(date +%s)
    env -i PATH="$PATH" HOME=/home/hostileuser timeout 1500 "$PY" tests/sandbox_env.py --user hostileuser -- \
        bash -c "cd $KIT && make grade ASSIGNMENT=$a SUBMISSIONS=$KIT/subs-$c JOBS=2 STAMP=$KIT/.stamp-user" \
        > "attacks/build/$c/user/stdout.txt" 2> "attacks/build/$c/user/stderr.txt"
    rc=$?
    echo "$rc $(( $(date +%s) - start ))" > "attacks/build/$c/user/rc"
    [ -d "$KIT/grades/$a" ] && cp -a "$KIT/grades/$a/." "attacks/build/$c/user/"
    echo "$c (user): rc=$rc"
done
