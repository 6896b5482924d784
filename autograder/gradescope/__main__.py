"""Gradescope's per-submission entry: python -m autograder.gradescope /autograder

Reads the submission in <root>/submission/ (a notebook, or the zip grader.export() makes),
grades it with the bundle in <root>/source/, writes <root>/results/results.json. Whatever goes
wrong, a valid results.json is written, so students never see "the autograder failed".
"""
import json
import sys
import tempfile
import traceback
from pathlib import Path

import autograder  # noqa: F401  (puts nncheck on the path)
from autograder.grade.engine import Bundle, SubmissionError, SubmissionResult, grade_notebook
from autograder.grade.feedback import to_gradescope
from autograder.grade.submissions import NoNotebook, notebook_in_zip, Submission


def find_submission(folder: Path, assignment: str) -> Submission:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    notebooks = [p for p in files if p.suffix == ".ipynb" and ".ipynb_checkpoints" not in p.parts]
    named = [p for p in notebooks if p.name == f"{assignment}.ipynb"]
    if named or notebooks:
        return Submission((named or notebooks)[0].name, (named or notebooks)[0])
    zips = [p for p in files if p.suffix == ".zip"]
    if zips:
        return Submission(zips[0].name, zips[0], notebook_in_zip(zips[0], assignment))
    raise NoNotebook("no .ipynb notebook (or zip from grader.export()) was submitted")


def main(root):
    root = Path(root)
    bundle = Bundle(root / "source")
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    try:
        submission = find_submission(root / "submission", bundle.name)
        with tempfile.TemporaryDirectory() as tmp:
            nb = Path(tmp) / "submission.ipynb"
            nb.write_bytes(submission.read_bytes())
            result = grade_notebook(bundle, nb, hide=[str(root)])
    except (SubmissionError, NoNotebook) as exc:
        result = SubmissionResult.not_graded(bundle, str(exc))
    except Exception:
        traceback.print_exc()
        result = SubmissionResult.not_graded(bundle, "the autograder hit an internal error; your "
                                                     "instructor has the details")
    (results_dir / "results.json").write_text(json.dumps(to_gradescope(result), indent=1))
    print(f"score {result.score:g} / {result.max_score:g}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/autograder")
