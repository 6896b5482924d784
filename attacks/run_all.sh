#!/usr/bin/env bash
# Reproduce every hostile case on this branch (run as root from the worktree, after `make assign`).
#   attacks/run_all.sh            # everything (about 15 minutes on 2 loaded cores)
# (about 25 minutes in all with time_hidden)
# Results: attacks/build/<case>/{root,user,gs-root,gs-user,gs-docker,gs-768}/ and the summary
# printed by attacks/check.py for each. Nothing outside /tmp, grades/ and /home/hostileuser is
# written; the bomb writes 2 GB to /tmp for a minute (removed by make grade itself).
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
id hostileuser >/dev/null 2>&1 || useradd -m hostileuser

$PY attacks/gen.py

HW1="bad_source deep_json crc_zip classmate_overwrite nested_zip empty_zip traversal_zip conflict_zip dotonly_zip leak_inputs md_injection"
HW3="writeback_sizes pretrained_train pretrained_cnn ansi_names"

# path 1: make grade as root
attacks/grade_root.sh $HW1 $HW3
attacks/bomb_watch.sh
# a machinery-fault verdict is permanent: the same command again
attacks/grade_root.sh bad_source

# path 2: make grade as a plain user, in a copy of the worktree that user owns
KIT=/home/hostileuser/kit
rm -rf "$KIT"; mkdir -p "$KIT"
tar --exclude=./.venv --exclude=./grades --exclude=./attacks/build -cf - . | (cd "$KIT" && tar xpf -)
ln -s /work/main/.venv "$KIT/.venv"; chown -R hostileuser: "$KIT"
attacks/grade_user.sh writeback_sizes bad_source empty_zip classmate_overwrite leak_inputs

# paths 3 and 4: the zip's run_autograder (root; root without CAP_SYS_ADMIN; a plain user)
attacks/grade_gradescope.sh root bad_source deep_json crc_zip leak_inputs nested_zip empty_zip writeback_sizes \
    pretrained_train conflict_zip bomb_zip dotonly_zip classmate_overwrite traversal_zip
attacks/grade_gradescope.sh docker bad_source writeback_sizes leak_inputs
attacks/grade_gradescope.sh user bad_source writeback_sizes leak_inputs
# the grader's own memory for one streamed 248 MB reply, and a 768 MB container
CASE=stream_reply attacks/huge_reply_gs.sh
attacks/container768.sh stream_reply_held
HALF_CPU=1 attacks/container768.sh time_hidden     # about 9 minutes: the whole time budget

for c in $HW1 $HW3 bomb_zip; do
    for d in root user gs-root gs-docker gs-user; do
        [ -d "attacks/build/$c/$d" ] && $PY attacks/check.py "$c" "attacks/build/$c/$d"
    done
done
$PY attacks/check.py stream_reply_held attacks/build/stream_reply_held/gs-768
$PY attacks/check.py time_hidden attacks/build/time_hidden/gs-768
tail -2 attacks/build/time_hidden/gs-768/gs-time_hidden.ipynb/stdout.txt
cat attacks/build/stream_reply/gs-peak.txt attacks/build/bomb_zip/root/unpacked_bytes.txt
