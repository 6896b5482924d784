"""The student's side on its own: the assignment folder, a fresh environment with only the
packages the README lists for students, the notebook run top to bottom, its public checks,
and grader.export()."""
import json
import shutil
import subprocess
import zipfile

import pytest

from conftest import ASSIGNMENTS, first_fast, ROOT


def run_notebook(python, folder, name):
    proc = subprocess.run([str(python), "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                           "--ExecutePreprocessor.timeout=300", "--output", "executed.ipynb", name],
                          cwd=folder, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = json.loads((folder / "executed.ipynb").read_text())
    return nb


def outputs(cell):
    text = []
    for o in cell.get("outputs", []):
        text.append("".join(o.get("text", "")))
        for v in o.get("data", {}).values():
            text.append("".join(v) if isinstance(v, list) else str(v))
        if o.get("output_type") == "error":
            text.append(f"ERROR {o.get('ename')}: {o.get('evalue')}")
    return "\n".join(text)


@pytest.mark.parametrize("assignment", first_fast(ASSIGNMENTS))
def test_filled_in_notebook_runs_checks_pass_and_exports(assignment, built, student_python, tmp_path):
    folder = tmp_path / assignment
    shutil.copytree(built / "assignments" / assignment, folder)
    # the student's notebook, filled in with the reference solution
    shutil.copy(built / "solutions" / assignment / "samples" / "reference.ipynb", folder / f"{assignment}.ipynb")
    nb = run_notebook(student_python, folder, f"{assignment}.ipynb")
    checks = [c for c in nb["cells"] if c["cell_type"] == "code" and "grader.check(" in "".join(c["source"])]
    assert checks
    for cell in checks:
        out = outputs(cell)
        assert "passed" in out.lower() and "ERROR" not in out, out[:1000]
    errors = [outputs(c) for c in nb["cells"] if "ERROR" in outputs(c)]
    assert not errors, errors[:2]
    exports = list(folder.glob("*.zip"))
    assert len(exports) == 1, list(folder.iterdir())
    with zipfile.ZipFile(exports[0]) as zf:
        assert f"{assignment}.ipynb" in zf.namelist()


@pytest.mark.parametrize("assignment", ASSIGNMENTS[:1])
def test_blank_notebook_checks_say_what_to_do(assignment, built, student_python, tmp_path):
    folder = tmp_path / assignment
    shutil.copytree(built / "assignments" / assignment, folder)
    nb = run_notebook(student_python, folder, f"{assignment}.ipynb")
    checks = [outputs(c) for c in nb["cells"] if c["cell_type"] == "code" and "grader.check(" in "".join(c["source"])]
    assert checks and all("not filled in yet" in out for out in checks), checks[0][:800]
    assert all("Traceback" not in out for out in checks)
