"""make grade: grade a folder (or zip) of submissions with a built autograder zip.

    python -m autograder.grade.cli                       # every assignment's bundled samples
    python -m autograder.grade.cli --assignment hw1_forward --submissions path/  [--jobs 2]

Writes grades/<assignment>/grades.csv (one row per submission file), feedback/<name>.txt and
.json per submission, as it goes: an interrupted run keeps what it finished, and the next run
grades only what is new or changed (or was graded by another autograder zip).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path, PurePosixPath

import autograder  # noqa: F401
from autograder.grade.engine import Bundle, SubmissionError, SubmissionResult, author_errors, grade_notebook
from autograder.run import confinement, sandbox
from autograder.run.sandbox import MachineryFault
from autograder.grade.feedback import to_gradescope, to_text
from autograder.grade.report import write_report
from autograder.grade import variants
from autograder.grade.submissions import NoNotebook, Submission, notebook_in_zip, notebooks_in_zip

ROOT = Path(__file__).resolve().parents[2]


def find_submissions(path: Path, assignment: str, workdir: Path, prefix=""):
    """Every submission under `path` (a folder, or a zip of a class), as Submission objects
    named by their path below the root. A zip with exactly one notebook is one submission (the
    zip grader.export() makes); any other zip is a class: a flat zip of notebooks, a folder per
    student, or a Gradescope export."""
    if path.is_file() and path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return [Submission(prefix + path.name, path)]
        if len(notebooks_in_zip(path)) == 1 and not any(n.endswith("submission_metadata.yml") for n in names):
            return [Submission(prefix + path.name, path)]  # one student's grader.export() zip
        target = workdir / f"unpacked-{len(list(workdir.glob('unpacked-*')))}"
        _safe_extract(path, target)
        return find_submissions(target, assignment, workdir, prefix)
    if path.is_file():
        return [Submission(prefix + path.name, path)]
    if (path / "submission_metadata.yml").exists():
        return _gradescope_export(path, assignment)
    items = [i for i in sorted(path.iterdir()) if not i.name.startswith(".") and i.name != "__MACOSX"]
    if len(items) == 1 and items[0].is_dir() and not prefix:
        return find_submissions(items[0], assignment, workdir)  # a zip of one top folder
    subs = []
    for item in items:
        if item.is_dir():
            subs += _student_folder(item, assignment, workdir, prefix + item.name + "/")
        else:  # anything else gets a row too: grade_one says why it is not a notebook
            subs += find_submissions(item, assignment, workdir, prefix) if item.suffix == ".zip" else \
                [Submission(prefix + item.name, item)]
    return subs


def _student_folder(folder: Path, assignment: str, workdir: Path, prefix: str):
    """A folder of one student (or a nested group of folders): every file in it is graded."""
    subs = []
    for item in sorted(folder.rglob("*")):
        rel = item.relative_to(folder)
        if item.is_dir() or any(p.startswith(".") or p == "__MACOSX" for p in rel.parts):
            continue
        subs += find_submissions(item, assignment, workdir, prefix + str(rel.parent) + "/"
                                 if str(rel.parent) != "." else prefix)
    if not subs:
        subs.append(Submission(prefix.rstrip("/"), folder))
    return subs


def _gradescope_export(folder: Path, assignment: str):
    """A Gradescope "Export Submissions" folder: submission_<id>/ folders and a YAML index."""
    people = _read_gradescope_metadata(folder / "submission_metadata.yml")
    subs = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = [f for f in sorted(sub.rglob("*")) if f.is_file()]
        notebooks = [f for f in files if f.suffix == ".ipynb" and ".ipynb_checkpoints" not in f.parts]
        zips = [f for f in files if f.suffix == ".zip"]
        named = [f for f in notebooks if f.name == f"{assignment}.ipynb"]
        if named or notebooks:
            subs.append(Submission(sub.name, (named or notebooks)[0], people=people.get(sub.name, {})))
        elif zips:
            subs.append(Submission(sub.name, zips[0], people=people.get(sub.name, {})))
        else:
            subs.append(Submission(sub.name, sub, people=people.get(sub.name, {})))
    return subs


def _read_gradescope_metadata(path: Path):
    """{submission folder: {"name", "email", "emails"}} from submission_metadata.yml (the first
    submitter's name and e-mail, every submitter's e-mail; a tolerant reader
    of the few fields we need; PyYAML is not required)."""
    people, current = {}, None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"^(\S[^:]*):\s*$", line)
        if m:
            current = m.group(1).strip().strip("'\"")
            people[current] = {}
            continue
        m = re.match(r"^\s+-?\s*:?(name|email):\s*(.+)$", line)
        if m and current is not None:
            value = m.group(2).strip().strip("'\"")
            if m.group(1) == "email":  # every submitter's: a group's variant is the group's
                people[current].setdefault("emails", []).append(value)
            people[current].setdefault(m.group(1), value)
    return people


def _safe_extract(zip_path: Path, target: Path):
    root = target.resolve()
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            dest = (target / info.filename).resolve()
            if not dest.is_relative_to(root) or dest == root or info.filename.endswith(".OTTER_LOG"):
                continue
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)


def _fingerprint(sub: Submission):
    h = hashlib.sha256()
    if sub.source.is_file():
        with open(sub.source, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    h.update((sub.member or "").encode())
    return h.hexdigest()


def _safe_name(name):
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    if safe != name:  # "a/b.ipynb" and "a_b.ipynb" must not share a feedback file
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:6]
    return safe


def grade_one(bundle_root: str, sub: Submission, limits: dict | None = None):
    """Grade one submission in a worker process. Returns a SubmissionResult dict, or
    {"fault": reason} when the grading machinery failed (never a grade)."""
    bundle = Bundle(bundle_root)
    try:
        if sub.source.is_dir():
            raise NoNotebook("the folder holds no notebook")
        if sub.source.suffix == ".zip":
            sub.member = notebook_in_zip(sub.source, bundle.name)
        elif sub.source.suffix != ".ipynb":
            raise NoNotebook(f"not a notebook: {sub.source.name} (expected .ipynb or a .zip from grader.export())")
        with tempfile.TemporaryDirectory() as tmp:
            nb = Path(tmp) / "submission.ipynb"
            nb.write_bytes(sub.read_bytes())
            result = grade_notebook(bundle, nb, limits=bundle.limits(**(limits or {})), variant=sub.variant)
    except (SubmissionError, NoNotebook) as exc:
        result = SubmissionResult.not_graded(bundle, str(exc))
        result.variant = sub.variant
    except MachineryFault as exc:
        return {"fault": str(exc)}
    except OSError as exc:  # a full disk or a vanished file on the grader's side
        return {"fault": f"{type(exc).__name__}: {exc}"}
    return result.to_dict()


def unpack_bundle(zip_path: Path, workdir: Path) -> Path:
    target = workdir / "bundle"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(target)
    os.chmod(target, 0o700)
    return target


def grade_folder(assignment, submissions: Path, out_dir: Path, jobs=None, zip_path=None, quiet=False,
                 limits=None):
    """Grade every submission under `submissions`; `limits` overrides the zip's time and memory
    limits ({"call_seconds", "cell_seconds", "total_seconds", "memory_mb"})."""
    zip_path = zip_path or ROOT / "dist" / assignment / "autograder.zip"
    if not zip_path.exists():
        raise SystemExit(f"{zip_path} does not exist: run `make assign` first")
    if not submissions.exists():
        raise SystemExit(f"no such file or folder: {submissions}")
    zip_hash = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    out_dir.mkdir(parents=True, exist_ok=True)
    feedback_dir = out_dir / "feedback"
    feedback_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nn-grade-") as tmp:
        workdir = Path(tmp)
        bundle_root = unpack_bundle(zip_path, workdir)
        bundle = Bundle(bundle_root)
        subs = find_submissions(submissions, assignment, workdir)
        results, todo = {}, []
        for sub in subs:
            sub.fingerprint = _fingerprint(sub)
            sub.variant = variants.choose(variants.local_identity(sub), bundle.name, bundle.variants)
            key = f"{zip_hash}:{sub.fingerprint}:v{sub.variant}"
            cached = _feedback_path(feedback_dir, sub, ".grade.json")
            if cached.exists():
                data = json.loads(cached.read_text())
                if data.get("key") == key:
                    results[sub.name] = (sub, SubmissionResult.from_dict(data["result"]))
                    continue
            todo.append((sub, key))
        jobs = jobs or os.cpu_count() or 1
        progress = _progress(len(todo), quiet)
        faults = {}
        shared = sandbox.prepare_shared() if todo else []
        try:
            for attempt in range(1 + RETRIES):
                if not todo:
                    break
                todo = _grade_pool(bundle_root, todo, limits, jobs, feedback_dir, results, faults, progress)
            for sub, key in todo:  # still failing after the retries: a row that says so
                results[sub.name] = (sub, SubmissionResult.not_graded(bundle, faults[sub.name], fault=True))
                results[sub.name][1].variant = sub.variant
        finally:
            progress.close()
            for folder in shared:
                shutil.rmtree(folder, ignore_errors=True)
            rows = [results[s.name] for s in subs if s.name in results]
            _write_csv(out_dir / "grades.csv", bundle, rows)
            try:
                write_report(out_dir / "report.html", assignment, rows)
            except Exception as exc:  # grades.csv is on disk already; the report is a convenience
                print(f"report.html not written: {type(exc).__name__}: {exc}", file=sys.stderr)
            try:
                write_class_similarity(out_dir / "similarity.html", bundle.name, rows, zip_path)
            except Exception as exc:  # like the report: never at the cost of the grades
                print(f"similarity.html not written: {type(exc).__name__}: {exc}", file=sys.stderr)
    return rows


def handout_notebook(assignment, zip_path: Path):
    """The student notebook as handed out: assignments/<name>/<name>.ipynb of the project the
    zip was built in (dist/<name>/autograder.zip), else of this project; None if neither."""
    for root in (Path(zip_path).resolve().parents[2], ROOT):
        path = root / "assignments" / assignment / f"{assignment}.ipynb"
        if path.exists():
            return path
    return None


def write_class_similarity(path: Path, assignment, rows, zip_path):
    """similarity.html for the submissions of `rows` (autograder/similarity): the code each
    student wrote, without the handout, compared pair by pair."""
    from autograder.similarity import extract
    from autograder.similarity.page import write_similarity
    handout = handout_notebook(assignment, zip_path)
    handout_cells = extract.code_cells_of(handout.read_bytes()) if handout else []
    submissions = []
    for sub, _ in rows:
        try:
            if sub.source.is_file() and sub.source.suffix == ".zip" and sub.member is None:
                sub.member = notebook_in_zip(sub.source, assignment)
            data = sub.read_bytes() if sub.source.is_file() else b""
        except (NoNotebook, OSError, zipfile.BadZipFile, KeyError):
            data = b""
        submissions.append((sub.name, extract.code_cells_of(data)))
    return write_similarity(path, assignment, submissions, handout_cells)


RETRIES = 2  # a machinery fault is graded again in a fresh pool this many times


def _grade_pool(bundle_root, todo, limits, jobs, feedback_dir, results, faults, progress):
    """Grade `todo` in a fresh pool of processes. Finished grades are saved at once; returns
    the submissions the machinery failed on (a pool process killed, a fault in the sandbox),
    whose reason is in `faults`: they are neither cached nor scored."""
    failed = []
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)))
    try:
        futures = {pool.submit(grade_one, str(bundle_root), sub, limits): (sub, key) for sub, key in todo}
        for fut in as_completed(futures):
            sub, key = futures[fut]
            try:
                data = fut.result()
            except Exception as exc:  # the grading process itself died (the OOM killer, a kill)
                data = {"fault": f"the grading process died ({type(exc).__name__})"}
            if "fault" in data:
                faults[sub.name] = data["fault"]
                failed.append((sub, key))
                continue
            result = SubmissionResult.from_dict(data)
            _save_feedback(feedback_dir, sub, key, result)
            results[sub.name] = (sub, result)
            progress.update(1)
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)  # each grader kills its own sandbox
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return failed


def _progress(total, quiet):
    from tqdm import tqdm
    return tqdm(total=total, unit="sub", desc="grading", disable=quiet or total == 0,
                file=sys.stderr, dynamic_ncols=True)


def _feedback_path(feedback_dir, sub, suffix):
    """feedback/<submission name><suffix>: .txt (what the student sees), .results.json
    (Gradescope's format), .grade.json (the full result, and the key for re-runs)."""
    return feedback_dir / f"{_safe_name(sub.name)}{suffix}"


def _save_feedback(feedback_dir, sub, key, result):
    _feedback_path(feedback_dir, sub, ".txt").write_text(to_text(result, sub.name), encoding="utf-8")
    _feedback_path(feedback_dir, sub, ".results.json").write_text(json.dumps(to_gradescope(result), indent=1))
    final = _feedback_path(feedback_dir, sub, ".grade.json")
    tmp = final.with_name(final.name + ".tmp")
    tmp.write_text(json.dumps({"key": key, "source": str(sub.source), "result": result.to_dict()}))
    tmp.replace(final)


def _write_csv(path, bundle, rows):
    """grades.csv: one row per submission. A row that was not graded (the machinery failed)
    has empty scores and says why in `error`. The `student` column appears when the layout
    names students apart from the file (a folder per student, an export). `variant` is the
    variant of the hidden checks the submission was graded with (see grade/variants.py)."""
    questions = list(bundle.max_points())
    with_people = any(sub.people for sub, _ in rows)
    with_student = any(sub.student != PurePosixPath(sub.name).stem for sub, _ in rows)
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", *(["student"] if with_student else []),
                    *(["name", "email"] if with_people else []), "score", "max_score", *questions, "variant", "error"])
        for sub, result in rows:
            qs = result.question_scores()
            scores = ([""] * (2 + len(questions)) if result.fault else
                      [f"{result.score:g}", f"{result.max_score:g}", *(f"{qs.get(q, (0, 0))[0]:g}" for q in questions)])
            w.writerow([sub.name, *([sub.student] if with_student else []),
                        *([sub.people.get("name", ""), sub.people.get("email", "")] if with_people else []),
                        *scores, result.variant, result.error.replace("\n", " ")])
    tmp.replace(path)


def report_duplicates(rows):
    """Lines naming submissions whose files are byte for byte the same (never merged)."""
    seen = {}
    for sub, _ in rows:
        if sub.fingerprint:
            seen.setdefault(sub.fingerprint, []).append(sub.name)
    return [f"identical files: {', '.join(names)}" for names in seen.values() if len(names) > 1]


def print_table(assignment, rows):
    if not rows:
        print(f"{assignment}: no submissions")
        return
    questions = list(rows[0][1].question_scores())
    width = max(len(s.name) for s, _ in rows)
    print(f"\n{assignment}")
    print(f"  {'submission':<{width}}  {'score':>11}  " + " ".join(q.removeprefix("q_")[:10].rjust(10) for q in questions))
    for sub, result in rows:
        qs = result.question_scores()
        cells = " ".join(f"{qs[q][0]:g}/{qs[q][1]:g}".rjust(10) for q in questions)
        flag = f"  error: {result.error[:60]}" if result.error else ""
        score = "not graded" if result.fault else f"{result.score:>5g}/{result.max_score:<5g}"
        print(f"  {sub.name:<{width}}  {score:>11}  {cells}{flag}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grade submissions with a built autograder zip.")
    parser.add_argument("--assignment", help="e.g. hw1_forward (default: every assignment's samples)")
    parser.add_argument("--submissions", type=Path, help="a folder or zip of submissions")
    parser.add_argument("--out", type=Path, help="default: grades/<assignment>")
    parser.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: cores)")
    parser.add_argument("--zip", type=Path, help="default: dist/<assignment>/autograder.zip")
    for name, help_ in (("call-seconds", "limit for one call of a student's function (default 20)"),
                        ("cell-seconds", "limit for one notebook cell (default 60)"),
                        ("total-seconds", "limit for a whole submission (default 540)"),
                        ("memory-mb", "memory limit of all a submission's processes together (default: the zip's, 384)")):
        parser.add_argument(f"--{name}", type=float, help=help_)
    args = parser.parse_args(argv)
    limits = {k: getattr(args, k) for k in ("call_seconds", "cell_seconds", "total_seconds", "memory_mb")
              if getattr(args, k) is not None}
    if "memory_mb" in limits:
        limits["memory_mb"] = int(limits["memory_mb"])
    if args.submissions and not args.assignment:
        parser.error("--submissions needs --assignment")
    assignments = [args.assignment] if args.assignment else sorted(
        p.parent.name for p in (ROOT / "solutions").glob("*/samples"))
    mode = confinement.detect()
    print(f"sandbox: {mode.describe()}", file=sys.stderr)
    if mode.weak or mode.name == "refused":
        print("WARNING: student code is NOT fully confined on this machine (see the line above).",
              file=sys.stderr)
    not_graded = 0
    for name in assignments:
        subs = args.submissions or ROOT / "solutions" / name / "samples"
        out = args.out or ROOT / "grades" / name
        try:
            rows = grade_folder(name, subs, out, jobs=args.jobs, zip_path=args.zip, limits=limits)
        except KeyboardInterrupt:
            print(f"\nInterrupted. Finished grades are in {out / 'grades.csv'}; run the same command "
                  "again to grade the rest.", file=sys.stderr)
            sys.exit(130)
        print_table(name, rows)
        for test, trace in author_errors(result for _, result in rows).items():
            print(f"  TEST ERROR in {test} (students read 'this check could not run'; fix the test):\n"
                  + "\n".join("    " + line for line in trace.splitlines()), file=sys.stderr)
        for line in report_duplicates(rows):
            print(f"  note: {line}")
        print(f"  -> {out / 'grades.csv'}, {out / 'report.html'}, {out / 'similarity.html'}, "
              f"feedback in {out / 'feedback'}/")
        failed = [sub.name for sub, result in rows if result.fault]
        if failed:
            not_graded += len(failed)
            print(f"  NOT GRADED ({len(failed)}): {', '.join(failed[:10])}: the grading machinery failed; "
                  "see the error column. Run the same command again to grade them.", file=sys.stderr)
    if not_graded:
        sys.exit(3)


if __name__ == "__main__":
    main()
