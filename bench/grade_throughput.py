"""Benchmark: `make grade` against a serial loop of `otter run`, on the same submissions.

    .venv/bin/python bench/grade_throughput.py [--n 60] [--jobs J] [--skip-otter] [--root DIR]

1. Submissions: copies of the samples (solutions/<a>/samples/*.ipynb) of every assignment that
   has a built zip (dist/<a>/autograder.zip), taken round robin across the assignments and
   cycled until there are N of them.
2. Baseline, otter's own path: for each assignment, otter's own autograder zip is built from the
   master with `otter assign` (the ASSIGNMENT CONFIG cell edited to `generate: true`,
   `run_tests: false`, and `files` extended with nncheck.py and the *full* reference values of
   our build, saved as public_expected.npz, so that otter can run the hidden checks too). Then
   `otter run -a <that zip> <notebook>` for each submission, one after the other.
3. Ours: `python -m autograder.grade.cli --assignment A --submissions DIR --out FRESH` per
   assignment (all cores), twice, into fresh output folders (nothing cached): the second run
   checks that every score is identical (determinism).
4. Scores are compared: ours run 1 vs run 2, ours vs otter (per question), copies of one sample.
5. Where the time goes, for one reference submission, measured from outside the real code path
   (engine.grade_cells with a timed Sandbox): worker process start, numpy import, the rest of the
   worker's start, the notebook cells, the checks, the clean-up; and the floor: exec'ing the
   reference notebook's code cells in a plain python process.

Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable


# ------------------------------------------------------------------ submissions

def discover(root: Path, only=None):
    """{assignment: [sample notebooks]} for assignments with a built zip and samples."""
    found = {}
    for zip_path in sorted((root / "dist").glob("*/autograder.zip")):
        a = zip_path.parent.name
        if only and a not in only:
            continue
        samples = sorted((root / "solutions" / a / "samples").glob("*.ipynb"))
        master = ROOT / "solutions" / a / f"{a}.ipynb"
        if samples and master.exists():
            found[a] = samples
    return found


def make_submissions(found, n, dest: Path):
    """N copies, round robin over the assignments, each cycling through its samples."""
    queues = {a: list(s) for a, s in found.items()}
    order, i = [], 0
    while len(order) < n:
        for a in queues:
            if len(order) < n:
                samples = queues[a]
                order.append((a, samples[i % len(samples)]))
        i += 1
    subs = []
    for k, (a, sample) in enumerate(order):
        folder = dest / a
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{sample.stem}__{k:03d}.ipynb"
        shutil.copy(sample, target)
        subs.append((a, target, sample.stem))
    return subs


# ------------------------------------------------------------------ otter's own path

def build_otter_zip(a, root: Path, work: Path):
    """otter's own autograder zip for assignment `a` (see the module docstring)."""
    import yaml
    src = work / "master"
    src.mkdir(parents=True)
    for item in (ROOT / "solutions" / a).iterdir():
        if item.name != "samples" and item.is_file():
            shutil.copy(item, src / item.name)
    # otter's kernel has the grader-only data beside the notebook (the baseline trusts the
    # kernel anyway): nncheck looks for it in the working folder
    (src / "nncheck.py").write_text((ROOT / "autograder" / "nncheck.py").read_text().replace(
        "GRADER_DATA_DIRS = []", 'GRADER_DATA_DIRS = ["."]', 1))
    shutil.copy(ROOT / "autograder" / "nngrader.py", src / "nngrader.py")  # the notebooks' grader
    with zipfile.ZipFile(root / "dist" / a / "autograder.zip") as zf:
        (src / "public_expected.npz").write_bytes(zf.read("expected.npz"))  # public AND hidden values
        for name in zf.namelist():  # data files (files/ in our zip) and grader-only data
            if name.startswith(("files/", "grader_data/")) and not name.endswith("/"):
                (src / Path(name).name).write_bytes(zf.read(name))
    master = src / f"{a}.ipynb"
    nb = json.loads(master.read_text())
    for cell in nb["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "raw" and text.lstrip().startswith("# ASSIGNMENT CONFIG"):
            config = yaml.safe_load(text.split("\n", 1)[1]) or {}
            if not config.get("generate"):
                config["generate"] = True
            config["run_tests"] = False
            files = list(config.get("files") or [])
            extra = [f.name for f in sorted(src.iterdir()) if f.suffix != ".ipynb" and f.name != "mistakes.py"
                     and not f.name.endswith(".md")]
            config["files"] = files + [f for f in extra if f not in files]
            cell["source"] = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)
            break
    else:
        raise SystemExit(f"{a}: no ASSIGNMENT CONFIG cell in the master")
    master.write_text(json.dumps(nb, indent=1))
    out = work / "out"
    proc = subprocess.run([str(Path(PY).with_name("otter")), "assign", str(master), str(out)],
                          capture_output=True, text=True, cwd=src)
    zips = sorted((out / "autograder").glob(f"{a}-autograder_*.zip"))
    if proc.returncode != 0 or not zips:
        raise SystemExit(f"otter assign failed for {a}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return zips[-1]


def otter_run(zip_path, notebook, out_dir: Path, timeout):
    """One `otter run`; returns ({question: score} or None, seconds, note)."""
    out_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(Path(PY).with_name("otter")), "run", "--no-logo", "-a", str(zip_path),
                             "-o", str(out_dir), str(notebook)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    note = ""
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)  # SIGINT lets otter stop its kernel
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        note, output = f"timed out after {timeout:.0f} s", b""
    seconds = time.perf_counter() - t0
    results = out_dir / "results.json"
    if not results.exists():
        tail = output.decode(errors="replace").strip().splitlines()[-1:] if output else []
        return None, seconds, note or f"no results.json (exit {proc.returncode}): {' '.join(tail)[:120]}"
    data = json.loads(results.read_text())
    scores = {t["name"]: float(t["score"]) for t in data.get("tests", []) if "score" in t}
    return scores, seconds, note


# ------------------------------------------------------------------ ours

def run_ours(subs_root: Path, root: Path, assignments, out_root: Path, jobs):
    """`python -m autograder.grade.cli` per assignment; returns (wall seconds, {path: row})."""
    rows = {}
    t0 = time.perf_counter()
    for a in assignments:
        cmd = [PY, "-m", "autograder.grade.cli", "--assignment", a, "--submissions", str(subs_root / a),
               "--out", str(out_root / a), "--zip", str(root / "dist" / a / "autograder.zip")]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"make grade failed for {a}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    wall = time.perf_counter() - t0
    for a in assignments:
        with open(out_root / a / "grades.csv", newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fixed = {"submission", "student", "name", "email", "score", "max_score", "error"}
            for r in reader:
                qs = {k: float(v) for k, v in r.items() if k not in fixed}
                rows[f"{a}/{r['submission']}"] = {"score": float(r["score"]), "max": float(r["max_score"]),
                                                  "questions": qs, "error": r["error"]}
    inside = [json.loads(p.read_text())["result"]["seconds"]
              for a in assignments for p in (out_root / a / "feedback").glob("*.grade.json")]
    return wall, rows, inside


# ------------------------------------------------------------------ where the time goes

def worker_env():
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    return env


def time_process(args, reps, env=None):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


FLOOR_SCRIPT = r'''
import json, re, sys, time, types
t0 = time.perf_counter()
otter = types.ModuleType("otter")
class Notebook:
    def __init__(self, *a, **k): pass
    def __getattr__(self, name): return lambda *a, **k: None
otter.Notebook = Notebook
sys.modules["otter"] = sys.modules["nngrader"] = otter
nb = json.load(open(sys.argv[1]))
cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
         for c in nb["cells"] if c["cell_type"] == "code"]
ns = {"__name__": "__main__"}
for src in cells:
    exec(compile(re.sub(r"^(\s*)[%!].*$", r"\1pass", src, flags=re.M), "<cell>", "exec"), ns)
print(json.dumps({"cells": time.perf_counter() - t0}))
'''


def breakdown(a, root: Path, reference: Path, work: Path, reps=5):
    """Median seconds of each part of grading `reference` with the real engine code."""
    import autograder  # noqa: F401
    import autograder.grade.engine as engine
    from autograder.run.sandbox import Sandbox

    bundle_dir = work / "bundle"
    with zipfile.ZipFile(root / "dist" / a / "autograder.zip") as zf:
        zf.extractall(bundle_dir)
    bundle = engine.Bundle(bundle_dir)
    cells = engine.read_code_cells(reference)
    parts = {}

    def add(name, seconds):
        parts.setdefault(name, []).append(seconds)

    class TimedSandbox(Sandbox):
        def _spawn(self):
            t = time.perf_counter()
            super()._spawn()
            self._spawn_s = getattr(self, "_spawn_s", 0.0) + time.perf_counter() - t

        def start(self):
            t = time.perf_counter()
            self.cell_s = {}
            super().start()
            total = time.perf_counter() - t
            add("spawn", self._spawn_s)
            add("cells", total - self._spawn_s)
            for index, seconds in self.cell_s.items():
                per_cell.setdefault(index, []).append(seconds)

        def _request(self, header, seconds, payload=b"", what=None):
            t = time.perf_counter()
            try:
                return super()._request(header, seconds, payload, what)
            finally:
                if header.get("op") == "exec":
                    self.cell_s[header["index"]] = time.perf_counter() - t

        def kill(self):
            t = time.perf_counter()
            alive = self.proc is not None
            super().kill()
            if alive:
                add("kill", time.perf_counter() - t)

    real_run_check = engine.run_check
    check_times = []

    def timed_run_check(test, env):
        t = time.perf_counter()
        try:
            return real_run_check(test, env)
        finally:
            check_times[-1] += time.perf_counter() - t

    engine.Sandbox, engine.run_check = TimedSandbox, timed_run_check
    per_cell = {}
    per_check = {}
    try:
        for _ in range(reps):
            check_times.append(0.0)
            t = time.perf_counter()
            result = engine.grade_cells(bundle, cells, limits=bundle.limits())
            add("grade_cells", time.perf_counter() - t)
            add("checks", check_times[-1])
            for c in result.checks:
                per_check.setdefault(c.name, []).append(c.seconds)
    finally:
        engine.Sandbox, engine.run_check = Sandbox, real_run_check
    score = f"{result.score:g}/{result.max_score:g}"
    med = {k: statistics.median(v) for k, v in parts.items()}

    # the worker's start split from outside: a bare interpreter, then numpy, then nncheck
    env = worker_env()
    py_start = time_process([PY, "-s", "-c", "pass"], reps, env)
    py_numpy = time_process([PY, "-s", "-c", "import numpy"], reps, env)
    py_nncheck = time_process([PY, "-s", "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'autograder')!r}); "
                               "import numpy, nncheck"], reps, env)
    cli_import = time_process([PY, "-c", "import autograder.grade.cli"], reps, None)

    # the floor: the reference notebook's code cells exec'd in a plain python process
    floor_py = work / "floor.py"
    floor_py.write_text(FLOOR_SCRIPT)
    floor_dir = work / "floor"
    floor_dir.mkdir()
    for item in (bundle_dir / "files").glob("*") if (bundle_dir / "files").exists() else []:
        shutil.copy(item, floor_dir / item.name)
    walls, inside = [], []
    for _ in range(reps):
        t = time.perf_counter()
        out = subprocess.run([PY, "-s", str(floor_py), str(reference)], env=env, cwd=floor_dir,
                             capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t)
        inside.append(json.loads(out.stdout.strip().splitlines()[-1])["cells"])
    return {"parts": med, "py_start": py_start, "py_numpy": py_numpy, "py_nncheck": py_nncheck,
            "cli_import": cli_import, "floor_wall": statistics.median(walls),
            "floor_cells": statistics.median(inside), "score": score, "n_cells": len(cells),
            "n_checks": len(bundle.tests),
            "slow_checks": sorted(((statistics.median(v), k) for k, v in per_check.items()), reverse=True)[:3],
            "slow_cells": sorted(((statistics.median(v), i, _first_line(cells[i])) for i, v in per_cell.items()),
                                 reverse=True)[:4]}


def confinement_cost(reps=5):
    """Median seconds to start a sandbox worker (ready to run cells) in each mode this machine
    offers, against a bare `python -c "import numpy"` (what any worker costs unconfined)."""
    import autograder  # noqa: F401
    from autograder.run import confinement
    from autograder.run.sandbox import MachineryFault, Sandbox
    bare = time_process([PY, "-s", "-c", "import numpy"], reps, worker_env())
    costs = {}
    saved = os.environ.get("NNKIT_SANDBOX")
    try:
        for forced in ("", "landlock", "uid-only"):
            os.environ["NNKIT_SANDBOX"] = forced
            confinement.detect.cache_clear()
            mode = confinement.detect()
            if mode.name in costs or mode.name == "refused":
                continue
            times = []
            for _ in range(reps):
                sb = Sandbox(["x = 1"])
                t = time.perf_counter()
                try:
                    sb.start()
                except MachineryFault:
                    break
                times.append(time.perf_counter() - t)
                sb.kill()
            if times:
                costs[mode.name] = statistics.median(times)
    finally:
        if saved is None:
            os.environ.pop("NNKIT_SANDBOX", None)
        else:
            os.environ["NNKIT_SANDBOX"] = saved
        confinement.detect.cache_clear()
    return bare, costs


def _first_line(source):
    lines = [l.strip() for l in source.splitlines() if l.strip() and not l.strip().startswith("#")]
    return (lines[0][:60] + (" ..." if len(lines) > 1 else "")) if lines else "(empty)"


# ------------------------------------------------------------------ report

def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    out = [line.format(*header), "  ".join("-" * w for w in widths)]
    out += [line.format(*r) for r in rows]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="number of submissions (default 60)")
    parser.add_argument("--jobs", type=int, default=None, help="make grade's --jobs (default: all cores)")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="where dist/ and solutions/<a>/samples are (default: the project; "
                             "e.g. the --out of `python -m autograder.assign.build`)")
    parser.add_argument("--assignments", nargs="*", help="default: every assignment with a built zip")
    parser.add_argument("--skip-otter", action="store_true", help="only time make grade")
    parser.add_argument("--otter-timeout", type=float, default=600, help="seconds per otter run")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the breakdown (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)

    found = discover(args.root, args.assignments)
    if not found:
        raise SystemExit(f"no built assignment under {args.root}/dist: run `make assign` first")
    work = Path(tempfile.mkdtemp(prefix="nn-bench-"))
    try:
        import numpy
        import otter
        cores = os.cpu_count()
        print(f"grade_throughput: {args.n} submissions; {cores} cores; Python {platform.python_version()}, "
              f"numpy {numpy.__version__}, otter-grader {otter.__version__}; "
              f"load average {os.getloadavg()[0]:.2f}")
        subs = make_submissions(found, args.n, work / "subs")
        mix = {a: sum(1 for s in subs if s[0] == a) for a in found}
        print("  mix: " + ", ".join(f"{a} {k} (copies of {len(found[a])} samples)" for a, k in mix.items()))
        assignments = list(found)

        # ours, run 1
        print("ours: make grade, run 1 ...", flush=True)
        ours1_wall, ours1, inside1 = run_ours(work / "subs", args.root, assignments, work / "ours1", args.jobs)

        # otter's serial loop
        otter_scores, otter_wall, otter_notes, otter_times = {}, None, {}, []
        if not args.skip_otter:
            zips = {}
            t = time.perf_counter()
            for a in assignments:
                zips[a] = build_otter_zip(a, args.root, work / "otter-build" / a)
            build_s = time.perf_counter() - t
            print(f"otter: built otter's own zips in {build_s:.1f} s (not counted); serial otter run loop ...",
                  flush=True)
            t0 = time.perf_counter()
            for k, (a, nb, _) in enumerate(subs):
                scores, seconds, note = otter_run(zips[a], nb, work / "otter-runs" / f"{k:03d}", args.otter_timeout)
                key = f"{a}/{nb.name}"
                otter_times.append(seconds)
                if scores is not None:
                    otter_scores[key] = scores
                if note:
                    otter_notes[key] = note
            otter_wall = time.perf_counter() - t0

        # ours, run 2 (determinism)
        print("ours: make grade, run 2 ...", flush=True)
        ours2_wall, ours2, _ = run_ours(work / "subs", args.root, assignments, work / "ours2", args.jobs)

        # where the time goes
        ref_a = "hw1_forward" if "hw1_forward" in found else assignments[0]
        reference = next((s for s in found[ref_a] if s.stem == "reference"), found[ref_a][0])
        print(f"breakdown: {ref_a}/{reference.name}, {args.reps} repetitions ...", flush=True)
        bd = breakdown(ref_a, args.root, reference, work / "breakdown", args.reps)

        print(f"confinement: starting sandboxes in each mode, {args.reps} repetitions ...", flush=True)
        bare, costs = confinement_cost(args.reps)

        # ------------------------------------------------------------ print
        n = len(subs)
        print(f"\n(load average now {os.getloadavg()[0]:.2f}: other processes on this machine skew the times)")
        print("\n=== throughput ===")
        rows = []
        if otter_wall is not None:
            rows.append(["otter run, serial loop", f"{otter_wall:.1f}", f"{60 * n / otter_wall:.1f}",
                         f"{otter_wall / n:.2f}", f"{statistics.median(otter_times):.2f}"])
        jobs = args.jobs or cores
        for label, wall in ((f"make grade, run 1 ({jobs} jobs)", ours1_wall),
                            (f"make grade, run 2 ({jobs} jobs)", ours2_wall)):
            rows.append([label, f"{wall:.1f}", f"{60 * n / wall:.1f}", f"{wall / n:.2f}", ""])
        print(table(rows, ["path", "wall s", "subs/min", "wall s/sub", "median s/run"]))
        if otter_wall is not None:
            print(f"ratio (make grade run 1 throughput / otter loop throughput): {otter_wall / ours1_wall:.1f}x"
                  f"   (run 2: {otter_wall / ours2_wall:.1f}x)")

        print("\n=== scores ===")
        keys = [f"{a}/{nb.name}" for a, nb, _ in subs]
        same = [k for k in keys if k in ours1 and k in ours2 and ours1[k] == ours2[k]]
        print(f"ours run 1 vs run 2: {len(same)}/{n} identical (score, every question, error)")
        for k in keys:
            if k not in same:
                print(f"  DIFFERS {k}: {ours1.get(k)} vs {ours2.get(k)}")
        by_sample = {}
        for a, nb, stem in subs:
            by_sample.setdefault((a, stem), set()).add(json.dumps(ours1.get(f"{a}/{nb.name}"), sort_keys=True))
        print(f"copies of one sample: {sum(len(v) == 1 for v in by_sample.values())}/{len(by_sample)} samples "
              "scored identically across all their copies")
        if otter_wall is not None:
            agree, differ, missing = 0, [], []
            for k in keys:
                if k not in otter_scores:
                    missing.append(k)
                    continue
                o, ours = otter_scores[k], ours1[k]
                if all(abs(o.get(q, -1) - s) < 1e-9 for q, s in ours["questions"].items()) and \
                        abs(sum(o.values()) - ours["score"]) < 1e-9:
                    agree += 1
                else:
                    differ.append(k)
            print(f"ours vs otter run: {agree}/{len(keys) - len(missing)} identical per question "
                  f"(otter produced no score for {len(missing)})")
            shown = set()
            for k in differ:
                stem = k.split("/")[1].rsplit("__", 1)[0]
                if stem in shown:
                    continue
                shown.add(stem)
                o, ours = otter_scores[k], ours1[k]
                qd = {q: (s, o.get(q)) for q, s in ours["questions"].items() if o.get(q) != s}
                print(f"  {stem}: ours {ours['score']:g}, otter {sum(o.values()):g}; per question (ours, otter): {qd}")
            for k in missing[:5]:
                print(f"  no otter score for {k}: {otter_notes.get(k, '')}")

        p, t = bd["parts"], bd
        spawn, cells, checks, kill, total = p["spawn"], p["cells"], p["checks"], p.get("kill", 0.0), p["grade_cells"]
        numpy_s = max(0.0, t["py_numpy"] - t["py_start"])
        nncheck_s = max(0.0, t["py_nncheck"] - t["py_numpy"])
        rest = max(0.0, spawn - t["py_start"] - numpy_s - nncheck_s)
        other = max(0.0, total - spawn - cells - checks - kill)
        print(f"\n=== where the time goes: one submission ({ref_a}/{reference.name}, {t['score']}), "
              f"median of {args.reps} ===")
        rows = [
            ["worker process start (python -s -c pass)", f"{t['py_start']:.3f}", f"{100 * t['py_start'] / total:.0f}%"],
            ["import numpy in the worker", f"{numpy_s:.3f}", f"{100 * numpy_s / total:.0f}%"],
            ["import nncheck in the worker", f"{nncheck_s:.3f}", f"{100 * nncheck_s / total:.0f}%"],
            ["rest of worker start (confine, pipes, handshake)", f"{rest:.3f}", f"{100 * rest / total:.0f}%"],
            ["  = Sandbox._spawn", f"{spawn:.3f}", f"{100 * spawn / total:.0f}%"],
            [f"notebook cells ({t['n_cells']} code cells)", f"{cells:.3f}", f"{100 * cells / total:.0f}%"],
            [f"checks ({t['n_checks']}, incl. calls into the worker)", f"{checks:.3f}", f"{100 * checks / total:.0f}%"],
            ["kill worker + clean up", f"{kill:.3f}", f"{100 * kill / total:.0f}%"],
            ["other (reference values, bookkeeping)", f"{other:.3f}", f"{100 * other / total:.0f}%"],
            ["= grade_cells, one submission", f"{total:.3f}", "100%"],
            ["", "", ""],
            ["floor: reference code cells in plain python (process wall)", f"{t['floor_wall']:.3f}",
             f"{100 * t['floor_wall'] / total:.0f}%"],
            ["floor: the same, cells only (imports included, no process start)", f"{t['floor_cells']:.3f}",
             f"{100 * t['floor_cells'] / total:.0f}%"],
            ["make grade, fixed per run: python + import autograder.grade.cli", f"{t['cli_import']:.3f}", ""],
            [f"make grade, wall per submission x jobs ({jobs})", f"{ours1_wall * jobs / n:.3f}", ""],
            ["make grade, one submission's grade_cells inside the pool (median)",
             f"{statistics.median(inside1):.3f}" if inside1 else "?", ""],
        ]
        if otter_times:
            rows.append(["otter run, median per submission", f"{statistics.median(otter_times):.3f}", ""])
        print(table(rows, ["part", "seconds", "of grade_cells"]))
        print("slowest cells: " + "; ".join(f"cell {i} {sec:.3f} s [{line}]" for sec, i, line in t["slow_cells"]))
        print("slowest checks: " + ", ".join(f"{name} {s:.3f} s" for s, name in t["slow_checks"]))
        if otter_wall is not None:
            floor_total = n * t["floor_wall"] / jobs
            print(f"\nfloor for {n} submissions on {jobs} cores (plain python per notebook, no checks): "
                  f"{floor_total:.1f} s; make grade took {ours1_wall:.1f} s; otter loop {otter_wall:.1f} s")
        print("\n=== what confinement costs (median start of a worker, ready to run cells) ===")
        rows = [["unconfined: python -s -c 'import numpy'", f"{bare:.3f}", ""]]
        for name, sec in costs.items():
            rows.append([f"sandbox, mode {name}", f"{sec:.3f}", f"+{sec - bare:.3f}"])
        print(table(rows, ["start", "seconds", "cost per start"]))
        print("(one start per submission, more only when a cell or call hangs or crashes the worker)")
    finally:
        if args.keep:
            print(f"scratch folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
