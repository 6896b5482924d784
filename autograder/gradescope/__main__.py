"""Gradescope's per-submission entry: python -m autograder.gradescope /autograder

Picks the assignment's notebook among what was submitted in <root>/submission/ (notebooks, and
zips that grader.export() makes), grades it with the bundle in <root>/source/ under limits that
fit the container (see container.py), and writes <root>/results/results.json. Whatever goes
wrong, a valid results.json is written, so students never see "the autograder failed".
run_autograder has already made everything under <root> but the submission unreadable to
others (the student's code runs as another user).
"""
import json
import sys
import tempfile
import traceback
from pathlib import Path

import autograder  # noqa: F401  (puts nncheck on the path)
from autograder.grade.engine import Bundle, SubmissionError, SubmissionResult, grade_notebook
from autograder.grade.feedback import to_gradescope
from autograder.grade.submissions import NoNotebook
from autograder.gradescope import container, pick


def limits_note(limits):
    return (f"Limits for your code here: {limits.memory_mb} MB of memory and {limits.disk_mb} MB of "
            f"scratch files, {limits.call_seconds:.0f} s per call of a function, "
            f"{limits.cell_seconds:.0f} s per notebook cell, {limits.total_seconds:.0f} s in all.")


def main(root):
    root = Path(root)
    bundle = Bundle(root / "source")
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    try:
        box = container.probe(bundle.meta)
        limits, fitted = container.fit_limits(bundle.meta.get("limits", {}), box)
        print(f"container: {box.describe()}; " + ("; ".join(fitted) or "the zip's limits fit"))
    except Exception:  # the zip's own limits are still a sound way to grade
        traceback.print_exc()
        box, limits = None, bundle.limits()
    graded, ignored, notes, failed = None, [], [], False
    try:
        chosen, _, ignored = pick.choose(root / "submission", bundle.name, bundle.tests)
        graded = chosen.shown
        print(f"graded {graded}" + "".join(f"; ignored {n} ({why})" for n, why in ignored))
        with tempfile.TemporaryDirectory() as tmp:
            nb = Path(tmp) / "submission.ipynb"
            nb.write_bytes(chosen.submission.read_bytes())
            result = grade_notebook(bundle, nb, hide=[str(root)], limits=limits)
        if not chosen.metadata_matches(bundle.name):
            notes.append(f"This notebook's metadata says it is {chosen.metadata_names}, not "
                         f"{bundle.name}: did you upload the right file?")
    except (SubmissionError, NoNotebook) as exc:
        result = SubmissionResult.not_graded(bundle, str(exc))
    except Exception:
        traceback.print_exc()
        failed = True
        result = SubmissionResult.not_graded(bundle, "the autograder hit an internal error; your "
                                                     "instructor has the details")
    results = to_gradescope(result, graded, ignored, notes + [limits_note(limits)])
    results["extra_data"]["limits"] = {"container": box and box.describe(), "memory_mb": limits.memory_mb,
                                       "disk_mb": limits.disk_mb, "call_seconds": limits.call_seconds,
                                       "cell_seconds": limits.cell_seconds,
                                       "total_seconds": limits.total_seconds}
    (results_dir / "results.json").write_text(json.dumps(results, indent=1))
    print(f"score {result.score:g} / {result.max_score:g} ({result.confinement or 'not run'})")
    return 1 if failed else 0  # a fault of the machinery is never a grade: it exits non-zero


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/autograder"))
