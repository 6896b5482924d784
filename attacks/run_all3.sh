#!/usr/bin/env bash
# Round 3 (on integ 0aefb5c): every new case, and round 2's cases on changed code. Run as root from the
# worktree after building the zips .
# About 10 minutes on 2 loaded cores (cpu_hog alone spins 60 processes for ~3 minutes: run it last, or skip).
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -f dist/hw4_cnn/autograder.zip ] || $PY -m autograder.assign.build --zip-only hw4_cnn
$PY attacks/gen3.py
$PY attacks/gen2.py undisguise_train undisguise_cnn pasted_all fake_norms leak_dtype leak_shape leak_warning leak_dictkeys leak_exitcode deep_reply
attacks/grade_root.sh closed_train closed_cnn pasted_public fake_norms2 probe_files leak_typename leak_subclass leak_hint \
    undisguise_train undisguise_cnn pasted_all fake_norms leak_dtype leak_shape leak_warning leak_dictkeys leak_exitcode deep_reply
attacks/grade_gradescope.sh root probe_files closed_train closed_cnn fake_norms2 leak_typename pasted_public undisguise_train leak_dictkeys deep_reply
attacks/grade_gradescope.sh docker probe_files closed_train closed_cnn fake_norms2 leak_typename leak_shape
for c in closed_train closed_cnn pasted_public fake_norms2 probe_files leak_typename leak_subclass leak_hint \
         undisguise_train undisguise_cnn pasted_all fake_norms leak_dtype leak_shape leak_warning leak_dictkeys leak_exitcode deep_reply; do
    for d in root gs-root gs-docker; do
        [ -d "attacks/build/$c/$d" ] && $PY attacks/check.py "$c" "attacks/build/$c/$d"
    done
done
grep -A3 "hidden, " attacks/build/leak_hint/root/feedback/leak_hint.ipynb.txt | head -20
# the sandbox's view, in full (what probe_files can only signal bit by bit)
$PY attacks/direct_probe.py 2>/dev/null || true
attacks/grade_root.sh long_name long_name_nested; tail -1 attacks/build/long_name/root/stderr.txt | cut -c1-80
attacks/grade_root.sh cpu_hog && cat attacks/build/cpu_hog/root/grades.csv
