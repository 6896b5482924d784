#!/usr/bin/env bash
# bomb_zip through make grade, recording the largest size of the grader's unpack folder.
cd "$(dirname "$0")/.."
max=0
attacks/grade_root.sh bomb_zip & pid=$!
while kill -0 $pid 2>/dev/null; do
    s=$(du -sb /tmp/nn-grade-* 2>/dev/null | awk '{t+=$1} END {printf "%d", t}')
    [ "$s" -gt "$max" ] && max=$s
    sleep 0.2
done
echo "largest /tmp/nn-grade-* during the run: $max bytes" | tee attacks/build/bomb_zip/root/unpacked_bytes.txt
