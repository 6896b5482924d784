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
from autograder.grade.gradebook import remove_gradebooks, write_gradebooks
from autograder.grade import variants
from autograder.grade.report import write_report
from autograder.grade.roster import RosterError, match_roster, read_roster, students_from_submitters
from autograder.grade.submissions import (NoNotebook, Submission, feedback_file, find_submissions, notebook_in_zip,
                                          printable, spreadsheet_safe, unique_names)

ROOT = Path(__file__).resolve().parents[2]


def _fingerprint(sub: Submission):
    h = hashlib.sha256()
    if sub.source.is_file():
        with open(sub.source, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    h.update((sub.member or "").encode())
    return h.hexdigest()


def grade_one(bundle_root: str, sub: Submission, limits: dict | None = None):
    """Grade one submission in a worker process. Returns a SubmissionResult dict, or
    {"fault": reason} when the grading machinery failed (never a grade)."""
    bundle = Bundle(bundle_root)
    try:
        if sub.problem:
            raise NoNotebook(sub.problem)
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
    except MachineryFault as exc:
        return {"fault": str(exc)}
    except OSError as exc:  # a full disk or a vanished file on the grader's side
        return {"fault": f"{type(exc).__name__}: {exc}"}
    result.variant = sub.variant
    return result.to_dict()


def unpack_bundle(zip_path: Path, workdir: Path) -> Path:
    target = workdir / "bundle"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(target)
    os.chmod(target, 0o700)
    return target


def grade_folder(assignment, submissions: Path, out_dir: Path, jobs=None, zip_path=None, quiet=False,
                 limits=None, roster=None):
    """Grade every submission under `submissions`; `limits` overrides the zip's time and memory
    limits ({"call_seconds", "cell_seconds", "total_seconds", "memory_mb"}); `roster` (a CSV
    path or [Student]) is the class: its students who did not submit get a row "missing", and
    out_dir gets gradebook files for Canvas and Moodle (also made, without the missing, from a
    Gradescope export's submitters when there is no roster)."""
    if roster is not None and not isinstance(roster, list):
        roster = read_roster(roster)
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
        subs = unique_names(find_submissions(submissions, assignment, workdir))
        results, todo = {}, []
        for sub in subs:
            if sub.fault:   # left out of a class zip over its budget: "not graded", never cached
                results[sub.name] = (sub, SubmissionResult.not_graded(bundle, sub.fault, fault=True))
                continue
            sub.fingerprint = _fingerprint(sub)
            sub.variant = variants.choose(variants.local_identity(sub), bundle.name, bundle.variants)
            key = f"{zip_hash}:{sub.fingerprint}:v{sub.variant}"
            cached = _feedback_path(feedback_dir, sub, ".grade.json")
            if cached.exists():
                data = json.loads(cached.read_text())
                if data.get("key") == key:
                    results[sub.name] = (sub, SubmissionResult.from_dict(data["result"]))
                    results[sub.name][1].variant = sub.variant
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
        finally:
            progress.close()
            for folder in shared:
                shutil.rmtree(folder, ignore_errors=True)
            rows = [results[s.name] for s in subs if s.name in results]
            matching = _class_of(rows, roster)
            missing = matching.missing if matching else []
            _write_csv(out_dir / "grades.csv", bundle, rows, missing)
            notes = list(matching.notes) if matching else []
            if matching and matching.students:
                notes += write_gradebooks(out_dir, assignment, matching, bundle_max(bundle))
            else:
                remove_gradebooks(out_dir)
            if not quiet:
                for line in ([f"missing ({len(missing)}): " + ", ".join(f"{st.id} ({st.name})" if st.name else st.id
                                                                        for st in missing)] if missing else []) + notes:
                    print(f"  {assignment}: {printable(line)}", file=sys.stderr)
            try:  # before the report, which links it
                write_class_similarity(out_dir / "similarity.html", bundle.name, rows, zip_path)
            except Exception as exc:  # like the report: never at the cost of the grades
                print(f"similarity.html not written: {type(exc).__name__}: {exc}", file=sys.stderr)
            try:
                write_report(out_dir / "report.html", assignment, rows, missing=missing, notes=notes)
            except Exception as exc:  # grades.csv is on disk already; the report is a convenience
                print(f"report.html not written: {type(exc).__name__}: {exc}", file=sys.stderr)
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
            data = sub.read_bytes() if sub.source.is_file() and not (sub.problem or sub.fault) else b""
        except (NoNotebook, OSError):   # read_bytes reports a damaged zip as NoNotebook
            data = b""
        submissions.append((sub.name, extract.code_cells_of(data)))
    return write_similarity(path, assignment, submissions, handout_cells)


def bundle_max(bundle):
    return sum(bundle.max_points().values())


def _class_of(rows, roster):
    """The roster matched to the rows; without a roster, the submitters a Gradescope export
    names (no one is missing then); None when neither says who the students are."""
    if roster is not None:
        return match_roster(rows, roster)
    students = students_from_submitters(rows)
    return match_roster(rows, students, from_roster=False) if students else None


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
    return feedback_dir / feedback_file(sub.name, suffix)


def _save_feedback(feedback_dir, sub, key, result):
    _feedback_path(feedback_dir, sub, ".txt").write_text(to_text(result, sub.name), encoding="utf-8")
    _feedback_path(feedback_dir, sub, ".results.json").write_text(json.dumps(to_gradescope(result), indent=1))
    final = _feedback_path(feedback_dir, sub, ".grade.json")
    tmp = final.with_name(final.name + ".tmp")
    # a result a time limit cut short is not reused: on a busy machine the limit may have been the
    # machine's doing, and a later run must not inherit it
    tmp.write_text(json.dumps({"key": None if result.timed_out else key, "source": str(sub.source), "result": result.to_dict()}))
    tmp.replace(final)


def _write_csv(path, bundle, rows, missing=()):
    """grades.csv: one row per submission, then one per roster student with no submission.
    A row that was not graded (the machinery failed) has empty scores, status "not graded" and
    says why in `error`; a missing student's row has no submission, empty scores and status
    "missing" (never a 0: whether missing work scores 0 is the instructor's policy). Optional
    columns: `student` when the layout names students apart from the file (a folder per
    student, an export), `student_id` with a roster, `name` and `email` when known."""
    questions = list(bundle.max_points())
    with_people = any(sub.people for sub, _ in rows) or bool(missing)
    with_id = any(sub.people.get("id") for sub, _ in rows) or bool(missing)
    with_student = any(sub.student != PurePosixPath(sub.name).stem for sub, _ in rows)
    header = ["submission", *(["student"] if with_student else []), *(["student_id"] if with_id else []),
              *(["name", "email"] if with_people else []), "score", "max_score", *questions, "variant", "status",
              "error"]
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore", restval="")
        w.writeheader()
        for sub, result in rows:
            qs = result.question_scores()
            row = {"submission": sub.name, "student": sub.student, "student_id": sub.people.get("id", ""),
                   "name": sub.people.get("name", ""), "email": sub.people.get("email", ""),
                   "variant": result.variant, "status": "not graded" if result.fault else "graded",
                   "error": printable(result.error.replace("\n", " "))}
            if not result.fault:
                row.update({"score": f"{result.score:g}", "max_score": f"{result.max_score:g}",
                            **{q: f"{qs.get(q, (0, 0))[0]:g}" for q in questions}})
            w.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
        for st in missing:
            w.writerow({k: spreadsheet_safe(printable(v)) for k, v in
                        {"student_id": st.id, "name": st.name, "email": st.email, "status": "missing"}.items()})
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
        flag = f"  error: {printable(result.error[:60])}" if result.error else ""
        score = "not graded" if result.fault else f"{result.score:>5g}/{result.max_score:<5g}"
        print(f"  {sub.name:<{width}}  {score:>11}  {cells}{flag}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grade submissions with a built autograder zip.")
    parser.add_argument("--assignment", help="e.g. hw1_forward (default: every assignment's samples)")
    parser.add_argument("--submissions", type=Path, help="a folder or zip of submissions")
    parser.add_argument("--out", type=Path, help="default: grades/<assignment>")
    parser.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: cores)")
    parser.add_argument("--zip", type=Path, help="default: dist/<assignment>/autograder.zip")
    parser.add_argument("--roster", type=Path, help="a CSV of the class (student id, name, email): who did not "
                        "submit, and gradebook files for Canvas and Moodle")
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
    roster = None
    if args.roster:
        try:
            roster = read_roster(args.roster)
        except RosterError as exc:
            print(f"roster: {exc}", file=sys.stderr)
            sys.exit(2)
    assignments = [args.assignment] if args.assignment else sorted(
        p.parent.name for p in (ROOT / "solutions").glob("*/samples"))
    mode = confinement.detect()
    print(f"sandbox: {mode.describe()}", file=sys.stderr)
    if mode.weak or mode.name == "refused":
        print("WARNING: student code is NOT fully confined on this machine (see the line above).",
              file=sys.stderr)
    not_graded = nothing = 0
    for name in assignments:
        subs = args.submissions or ROOT / "solutions" / name / "samples"
        out = args.out or ROOT / "grades" / name
        try:
            rows = grade_folder(name, subs, out, jobs=args.jobs, zip_path=args.zip, limits=limits, roster=roster)
        except KeyboardInterrupt:
            print(f"\nInterrupted. Finished grades are in {out / 'grades.csv'}; run the same command "
                  "again to grade the rest.", file=sys.stderr)
            sys.exit(130)
        if not rows:
            print(f"{name}: no submissions found in {subs}", file=sys.stderr)
            nothing += 1
            continue
        print_table(name, rows)
        for test, trace in author_errors(result for _, result in rows).items():
            print(f"  TEST ERROR in {test} (students read 'this check could not use what your code "
                  "returned'; it passed on the solution: make the test say what is wrong):\n"
                  + "\n".join("    " + line for line in trace.splitlines()), file=sys.stderr)
        for line in report_duplicates(rows):
            print(f"  note: {line}")
        print(f"  -> {out / 'grades.csv'}, {out / 'report.html'}, {out / 'similarity.html'}, "
              f"feedback in {out / 'feedback'}/")
        failed = [sub.name for sub, result in rows if result.fault and not sub.fault]
        if failed:
            not_graded += len(failed)
            print(f"  NOT GRADED ({len(failed)}): {', '.join(failed[:10])}: the grading machinery failed; "
                  "see the error column. Run the same command again to grade them.", file=sys.stderr)
        over = [sub for sub, result in rows if sub.fault]
        if over:
            not_graded += len(over)
            print(f"  NOT GRADED ({len(over)}): {', '.join(sub.name for sub in over[:10])}"
                  f"{', ...' if len(over) > 10 else ''}: {over[0].fault}", file=sys.stderr)
    if not_graded:
        sys.exit(3)
    if nothing:
        sys.exit(2)


if __name__ == "__main__":
    main()
