"""Grade one round-5 case with the kit's CLI (as make grade does) and watch memory.

    .venv/bin/python attacks/round5/run5.py CASE [--assignment A] [--jobs N] [--cgroup-mb MB] [--timeout S]

Runs `python -m autograder.grade.cli --assignment A --submissions <case>/subs --out <case>/out
--jobs N`; samples every process below it 5x a second and prints the peak RSS of the grader's own
processes (not the sandbox worker), the wall time, the exit code and grades.csv. --cgroup-mb runs the
whole grading in a cgroup-v1 memory cgroup of that size (a container's limit; keeps this machine safe).
"""
import argparse, csv, os, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def tree(pid):
    kids = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                ppid = int(open(f"/proc/{e}/stat").read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(e))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--assignment", default="hw3_sgd")
    ap.add_argument("--cgroup-mb", type=int)
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args()
    d = HERE / "build" / a.case
    out = d / "out"
    subprocess.run(["rm", "-rf", str(out)])
    cmd = [str(ROOT / ".venv/bin/python"), "-m", "autograder.grade.cli", "--assignment", a.assignment,
           "--submissions", str(d / "subs"), "--out", str(out), "--jobs", str(a.jobs)]
    pre = None
    cg = None
    if a.cgroup_mb:
        cg = Path(f"/sys/fs/cgroup/memory/hostile5-{os.getpid()}")
        cg.mkdir()
        (cg / "memory.limit_in_bytes").write_text(str(a.cgroup_mb * 2**20))
        pre = lambda: (cg / "cgroup.procs").write_text(str(os.getpid()))
    print("$", " ".join(cmd), f"(cgroup {a.cgroup_mb} MB)" if cg else "", flush=True)
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=pre)
    peak = {}
    while proc.poll() is None:
        for p in tree(proc.pid):
            try:
                cmdline = open(f"/proc/{p}/cmdline").read().replace("\0", " ")
                rss = int(open(f"/proc/{p}/statm").read().split()[1]) * 4096
            except (OSError, ValueError, IndexError):
                continue
            if "worker.py" in cmdline or "bwrap" in cmdline:
                key = "sandbox worker"
            else:
                key = "grader" if p != proc.pid else "grader (cli)"
            peak[key] = max(peak.get(key, 0), rss)
        if time.time() - t0 > a.timeout:
            print(f"TIMEOUT after {a.timeout:.0f} s: killing the grading", flush=True)
            for p in reversed(tree(proc.pid)):
                try:
                    os.kill(p, 9)
                except OSError:
                    pass
            break
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    print(f"exit {proc.returncode} after {time.time() - t0:.1f} s")
    for k, v in peak.items():
        print(f"peak RSS {k}: {v / 2**20:.0f} MB")
    if cg:
        print("cgroup max usage MB", int((cg / "memory.max_usage_in_bytes").read_text()) // 2**20,
              "| oom_control:", (cg / "memory.oom_control").read_text().split()[-1] if (cg / "memory.oom_control").exists() else "")
    print(stdout[-3000:])
    print(stderr[-3000:])
    g = out / "grades.csv"
    if g.exists():
        for row in csv.DictReader(open(g)):
            print(f"ROW {row['submission']}: score={row['score']} status={row['status']} error={row['error'][:150]}")
    if cg:
        time.sleep(0.5)
        try:
            cg.rmdir()
        except OSError as exc:
            print("cgroup left:", exc)


main()
