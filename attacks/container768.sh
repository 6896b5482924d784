#!/usr/bin/env bash
# Gradescope's container, emulated: run_autograder (root) inside a cgroup-v1 memory cgroup of
# 768 MB, with NNKIT_NO_CGROUP=1 (Docker mounts /sys/fs/cgroup read-only: the grader cannot
# make a cgroup of its own there, so the worker stays in the container's). One case's files.
# usage: attacks/container768.sh CASE
cd "$(dirname "$0")/.."
HERE=$PWD; c=$1
PY=/work/main/.venv/bin/python
CG=/sys/fs/cgroup/memory/hostile-gs-768-$$
mkdir "$CG"; echo $((768 * 2**20)) > "$CG/memory.limit_in_bytes"
echo $((768 * 2**20)) > "$CG/memory.memsw.limit_in_bytes" 2>/dev/null
CPU=/sys/fs/cgroup/cpu/hostile-gs-half-$$
JOIN="echo \$\$ > $CG/cgroup.procs"
if [ -n "${HALF_CPU:-}" ]; then   # Gradescope's default 0.5 vCPU
    mkdir "$CPU"; echo 100000 > "$CPU/cpu.cfs_period_us"; echo 50000 > "$CPU/cpu.cfs_quota_us"
    JOIN="$JOIN && echo \$\$ > $CPU/cgroup.procs"
fi
out="attacks/build/$c/gs-768"; rm -rf "$out"; mkdir -p "$out"
for f in "attacks/build/$c/subs"/*; do
    name=$(basename "$f")
    scratch=$(mktemp -d /tmp/hostile-gs-XXXXXX); root="$scratch/autograder"
    mkdir -p "$root/submission" "$root/source"
    (cd "$root/source" && unzip -q "$HERE/dist/hw1_forward/autograder.zip")
    cp "$root/source/run_autograder" "$root/"; cp "$f" "$root/submission/"
    echo '{}' > "$root/submission_metadata.json"
    start=$(date +%s)
    env -i PATH="$PATH" AUTOGRADER_ROOT="$root" NNKIT_PYTHON="$PY" NNKIT_NO_CGROUP=1 \
        timeout 900 bash -c "$JOIN && exec bash $root/run_autograder" > "$scratch/stdout.txt" 2>&1
    rc=$?
    echo "seconds $(( $(date +%s) - start ))" >> "$scratch/stdout.txt"
    mkdir -p "$out/gs-$name"; echo "$rc" > "$out/gs-$name/rc"; cp "$scratch/stdout.txt" "$out/gs-$name/"
    [ -f "$root/results/results.json" ] && cp "$root/results/results.json" "$out/gs-$name/"
    echo "$c/$name (768 MB container): rc=$rc; oom kills so far: $(grep -c . /dev/null; awk '/oom_kill /{print $2}' $CG/memory.oom_control)"
    rm -rf "$scratch"
done
rmdir "$CG"; [ -d "$CPU" ] && rmdir "$CPU"
