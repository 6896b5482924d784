"""Gradescope's per-submission entry: python -m autograder.gradescope /autograder

Picks the assignment's notebook among what was submitted in <root>/submission/ (notebooks, and
zips that grader.export() makes), grades it with the bundle in <root>/source/ under limits that
fit the container (see container.py), and writes <root>/results/results.json. Whatever the
student's code does, a valid results.json is written. A fault of the machinery itself (the
sandbox cannot start, an internal error) is tried once more; if it persists, no results.json is
written and the exit status is 1: Gradescope then says that the autograder failed, which is
true, instead of recording a score that nobody earned, and the instructor can regrade.
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
from autograder.grade import variants
from autograder.gradescope import container, pick


def limits_note(limits):
    return (f"Limits for your code here: {limits.memory_mb} MB of memory and {limits.disk_mb} MB of "
            f"scratch files, {limits.call_seconds:.0f} s per call of a function, "
            f"{limits.cell_seconds:.0f} s per notebook cell, {limits.total_seconds:.0f} s in all.")


def submission_variant(root, bundle):
    """The variant of this submission's hidden checks: from the submitting users in
    <root>/submission_metadata.json (grade/variants.py); 0 when nobody is named there."""
    try:
        metadata = json.loads((Path(root) / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metadata = {}
    return variants.choose(variants.gradescope_identity(metadata), bundle.name, bundle.variants)


def main(root):
    root = Path(root)
    bundle = Bundle(root / "source")
    variant = submission_variant(root, bundle)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    try:
        box = container.probe(bundle.meta)
        limits, fitted = container.fit_limits(bundle.meta.get("limits", {}), box)
        print(f"container: {box.describe()}; " + ("; ".join(fitted) or "the zip's limits fit"))
    except Exception:  # the zip's own limits are still a sound way to grade
        traceback.print_exc()
        box, limits = None, bundle.limits()
    graded, ignored, notes, fault = None, [], [], None
    for attempt in range(2):
        fault = None
        try:
            chosen, _, ignored = pick.choose(root / "submission", bundle.name, bundle.tests)
            graded = chosen.shown
            print(f"graded {graded}" + "".join(f"; ignored {n} ({why})" for n, why in ignored))
            with tempfile.TemporaryDirectory() as tmp:
                nb = Path(tmp) / "submission.ipynb"
                nb.write_bytes(chosen.submission.read_bytes())
                result = grade_notebook(bundle, nb, limits=limits, variant=variant)
            if not chosen.metadata_matches(bundle.name):
                notes.append(f"This notebook's metadata says it is {chosen.metadata_names}, not "
                             f"{bundle.name}: did you upload the right file?")
        except (SubmissionError, NoNotebook) as exc:
            result = SubmissionResult.not_graded(bundle, str(exc))
            result.variant = variant
        except Exception as exc:  # MachineryFault, or a bug of ours: never the student's score
            traceback.print_exc()
            fault = f"{type(exc).__name__}: {exc}"
            continue
        break
    if fault:
        (results_dir / "results.json").unlink(missing_ok=True)
        print(f"NOT GRADED: the grading machinery failed twice ({fault}); no score was recorded. "
              "Regrade this submission once the cause is fixed.")
        return 1
    results = to_gradescope(result, graded, ignored, notes + [limits_note(limits)])
    results["extra_data"]["limits"] = {"container": box and box.describe(), "memory_mb": limits.memory_mb,
                                       "disk_mb": limits.disk_mb, "call_seconds": limits.call_seconds,
                                       "cell_seconds": limits.cell_seconds,
                                       "total_seconds": limits.total_seconds}
    (results_dir / "results.json").write_text(json.dumps(results, indent=1))
    print(f"score {result.score:g} / {result.max_score:g} ({result.confinement or 'not run'}; "
          f"variant {result.variant} of {bundle.variants})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/autograder"))
