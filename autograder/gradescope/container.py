"""What the grading container really has, and the sandbox limits that fit inside it.

Gradescope runs each submission in a container with a memory limit (768 MB by default), a CPU
quota (0.5 vCPU) and a global timeout (10 minutes) that the instructor may change. The zip's
limits (tests.json) say what a submission may use on a full machine; here they are lowered to
what the container can give, leaving room for the grader, so that the sandbox's own limit (with
its clear message) is met before the container's (which kills the grader with no results).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.run.sandbox import Limits

# The grader's own share of the container's memory: its Python with numpy and the reference
# values (grader and worker together peaked at 62-95 MB in `make gradescope-check`), the
# kernel's page cache for the files the grader and the notebook read, and a margin.
GRADER_RESERVE_MB = 256
# Seconds of the instructor's timeout kept for starting, writing results.json and a margin.
TIMEOUT_RESERVE_SECONDS = 60
GRADESCOPE_TIMEOUT_SECONDS = 600  # Gradescope's default "autograder timeout"
UNLIMITED = 2**60


@dataclass
class Container:
    memory_mb: float | None   # None: no limit found
    cpus: float               # CPUs the quota allows (0.5 on Gradescope's default)
    timeout_seconds: float    # the instructor's timeout for the whole run_autograder

    def describe(self):
        memory = f"{self.memory_mb:.0f} MB" if self.memory_mb else "no memory limit"
        return f"{memory}, {self.cpus:g} CPU, {self.timeout_seconds:.0f} s timeout"


def _own_cgroups(proc_self_cgroup="/proc/self/cgroup"):
    """{controller: path} of this process (cgroup v1), and "" for the v2 unified hierarchy."""
    paths = {}
    try:
        lines = Path(proc_self_cgroup).read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def _candidate_dirs(mount: Path, own: str | None):
    """The cgroup folders whose limits apply to this process: its own and every ancestor, as
    seen under `mount`, and the mount's root (a container often sees its own cgroup there)."""
    dirs = [mount]
    if own:
        parts = [p for p in own.split("/") if p]
        dirs += [mount.joinpath(*parts[:i]) for i in range(1, len(parts) + 1)]
    return [d for d in dirs if d.is_dir()]


def _read_number(path: Path):
    try:
        text = path.read_text().split()
    except OSError:
        return None
    if not text or text[0] == "max":
        return None
    try:
        return float(text[0])
    except ValueError:
        return None


def memory_limit_mb(root="/sys/fs/cgroup", proc_self_cgroup="/proc/self/cgroup", meminfo="/proc/meminfo"):
    """The smallest memory limit over this process's cgroups (v1 or v2) and the machine's RAM."""
    root, own = Path(root), _own_cgroups(proc_self_cgroup)
    limits = []
    for d in _candidate_dirs(root / "memory", own.get("memory")):          # cgroup v1
        limits.append(_read_number(d / "memory.limit_in_bytes"))
    if (root / "cgroup.controllers").exists():                              # cgroup v2
        for d in _candidate_dirs(root, own.get("")):
            limits += [_read_number(d / "memory.max"), _read_number(d / "memory.high")]
    try:
        for line in Path(meminfo).read_text().splitlines():
            if line.startswith("MemTotal:"):
                limits.append(float(line.split()[1]) * 1024)
    except OSError:
        pass
    limits = [v for v in limits if v and 0 < v < UNLIMITED]
    return min(limits) / 2**20 if limits else None


def cpu_limit(root="/sys/fs/cgroup", proc_self_cgroup="/proc/self/cgroup"):
    """CPUs this process may use: its affinity, lowered by any CFS quota (cgroup v1 or v2)."""
    root, own = Path(root), _own_cgroups(proc_self_cgroup)
    try:
        cpus = float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cpus = float(os.cpu_count() or 1)
    for controller in ("cpu", "cpu,cpuacct"):
        for d in _candidate_dirs(root / controller, own.get("cpu")):        # cgroup v1
            quota, period = _read_number(d / "cpu.cfs_quota_us"), _read_number(d / "cpu.cfs_period_us")
            if quota and quota > 0 and period:
                cpus = min(cpus, quota / period)
    if (root / "cgroup.controllers").exists():                              # cgroup v2
        for d in _candidate_dirs(root, own.get("")):
            try:
                quota, period = (d / "cpu.max").read_text().split()
            except (OSError, ValueError):
                continue
            if quota != "max":
                cpus = min(cpus, float(quota) / float(period))
    return cpus


def timeout_seconds(meta: dict, environ=os.environ):
    """The instructor's Gradescope timeout: tests.json's `gradescope.timeout_seconds` (set when
    the zip is built), NNKIT_TIMEOUT_SECONDS in the environment, or Gradescope's default."""
    value = environ.get("NNKIT_TIMEOUT_SECONDS") or meta.get("gradescope", {}).get("timeout_seconds")
    return float(value) if value else float(GRADESCOPE_TIMEOUT_SECONDS)


def probe(meta: dict) -> Container:
    return Container(memory_limit_mb(), cpu_limit(), timeout_seconds(meta))


def fit_limits(zip_limits: dict, container: Container):
    """The zip's limits lowered to fit the container. Returns (Limits, notes for the log).

    - memory: the submission's processes and its scratch space (which may be a tmpfs) get at
      most the container's memory less GRADER_RESERVE_MB, a quarter of it for the scratch;
    - the whole submission: the timeout less TIMEOUT_RESERVE_SECONDS (or 10% of it if larger);
    - one cell or call: the zip's seconds are CPU-seconds of a whole core, so with a quota of
      0.5 CPU they become twice as many seconds of wall time (never more than the whole).
    """
    base = Limits(**zip_limits)
    values, notes = asdict(base), []
    if container.memory_mb:
        # the submission's scratch space may be a tmpfs, which is memory too
        room = int(container.memory_mb - GRADER_RESERVE_MB)
        if base.memory_mb + base.disk_mb > room:
            values["disk_mb"] = min(base.disk_mb, max(32, room // 4))
            values["memory_mb"] = min(base.memory_mb, max(room - values["disk_mb"], 128))
            notes.append(f"memory for the submission {values['memory_mb']} MB and scratch space "
                         f"{values['disk_mb']} MB (the container has {container.memory_mb:.0f} MB; "
                         f"the zip allows {base.memory_mb} MB and {base.disk_mb} MB)")
    reserve = max(TIMEOUT_RESERVE_SECONDS, 0.1 * container.timeout_seconds)
    total = max(container.timeout_seconds - reserve, 30.0)
    if total < base.total_seconds:
        values["total_seconds"] = total
        notes.append(f"{total:.0f} s for the whole submission (timeout {container.timeout_seconds:.0f} s)")
    slowdown = 1.0 / container.cpus if 0 < container.cpus < 1 else 1.0
    for key in ("cell_seconds", "call_seconds"):
        values[key] = min(getattr(base, key) * slowdown, values["total_seconds"])
    if slowdown > 1:
        notes.append(f"cells and calls get {slowdown:g}x the zip's seconds ({container.cpus:g} CPU)")
    return Limits(**values), notes
