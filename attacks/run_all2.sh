#!/usr/bin/env bash
# Round 2 (on the fixed main): reproduce every new case. Run as root from the worktree after
# `make assign` (and after attacks/run_all.sh has made /home/hostileuser/kit, for the user path).
# About 10 minutes on 2 loaded cores.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY attacks/gen2.py

# path 1: make grade as root
attacks/grade_root.sh undisguise_train undisguise_cnn leak_dtype leak_shape leak_warning leak_dictkeys leak_exitcode \
    deep_reply forgot_cache name_collision pasted_all fake_norms
attacks/grade_roster.sh names_injection names_flat lone_student_meta
echo /late.zip > attacks/build/lone_student_zip/subs.suffix
attacks/grade_roster.sh lone_student_zip
# path 2: make grade as a plain user
attacks/grade_user.sh leak_dtype undisguise_train deep_reply leak_shape undisguise_cnn lone_student_meta
# paths 3, 3d, 4: run_autograder
attacks/grade_gradescope.sh root undisguise_train undisguise_cnn leak_dtype leak_shape leak_dictkeys deep_reply pasted_all fake_norms
attacks/grade_gradescope.sh docker leak_dtype undisguise_train deep_reply undisguise_cnn leak_shape leak_dictkeys leak_warning
attacks/grade_gradescope.sh user leak_dtype undisguise_train deep_reply undisguise_cnn

for c in pasted_all fake_norms undisguise_train undisguise_cnn leak_dtype leak_shape leak_warning leak_dictkeys deep_reply forgot_cache; do
    for d in root user gs-root gs-docker gs-user; do
        [ -d "attacks/build/$c/$d" ] && $PY attacks/check.py "$c" "attacks/build/$c/$d"
    done
done
$PY attacks/decode_shape.py attacks/build/leak_shape/root/feedback/leak_shape.ipynb.results.json
grep -h "raised a warning" attacks/build/leak_warning/root/feedback/leak_warning.ipynb.txt
grep -c "TEST ERROR" attacks/build/forgot_cache/root/stderr.txt
cat attacks/build/name_collision/root/grades.csv
for d in names_injection/root-roster names_flat/root-noroster lone_student_meta/root-roster lone_student_zip/root-roster; do
    head -50 attacks/build/$d/grades.csv attacks/build/$d/gradebook-*.csv 2>/dev/null
done
cat -v attacks/build/names_injection/root-roster/stderr.txt | grep missing
$PY attacks/browser_check.py attacks/build/names_injection/root-*/report.html attacks/build/names_flat/root-noroster/report.html \
    attacks/build/md_injection/root/report.html
$PY attacks/secret.py solutions/hw3_sgd/grader_data/digits_test.npz
