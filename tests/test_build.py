"""make assign: the committed student folder and samples match the masters, and no solution
code reaches anything a student can read."""
import json
import re
import zipfile

import numpy as np
import pytest

import nncheck
from conftest import ASSIGNMENTS, ROOT


def _code(nb_path):
    nb = json.loads(nb_path.read_text())
    return [("".join(c["source"]), c["cell_type"]) for c in nb["cells"]], nb["metadata"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_outputs_match_a_fresh_build(built, assignment):
    for rel in [f"assignments/{assignment}/{assignment}.ipynb",
                *[f"solutions/{assignment}/samples/{p.name}" for p in (built / "solutions" / assignment / "samples").glob("*.ipynb")]]:
        committed = ROOT / rel
        assert committed.exists(), f"{rel} is missing: run `make assign`"
        assert _code(committed) == _code(built / rel), f"{rel} is out of date with its master: run `make assign`"
    for shipped, source in (("nncheck.py", "autograder/nncheck.py"), ("nngrader.py", "autograder/nngrader.py"),
                            ("requirements.txt", "student-requirements.txt")):
        assert (ROOT / "assignments" / assignment / shipped).read_text() == (ROOT / source).read_text(), \
            f"assignments/{assignment}/{shipped} is out of date: run `make assign`"
    fresh = nncheck.unpack((built / "assignments" / assignment / "public_expected.npz").read_bytes())
    committed = nncheck.unpack((ROOT / "assignments" / assignment / "public_expected.npz").read_bytes())
    assert fresh.keys() == committed.keys()
    for key in fresh:
        nncheck.assert_close(committed[key], fresh[key], key, rtol=1e-12, atol=0)


def _solution_lines(assignment):
    """Substantial lines between BEGIN SOLUTION and END SOLUTION in the master."""
    nb = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    lines = []
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        for block in re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", src, re.S):
            for line in block.splitlines():
                s = line.strip()
                if len(s) >= 16 and not s.startswith("#"):
                    lines.append(s)
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_solution_code_in_student_folder_or_zip(built, assignment):
    lines = _solution_lines(assignment)
    assert len(lines) >= 5
    texts = {}
    for f in (built / "assignments" / assignment).iterdir():
        texts[f"student/{f.name}"] = f.read_bytes().decode("utf-8", "replace")
    with zipfile.ZipFile(built / "dist" / assignment / "autograder.zip") as zf:
        for n in zf.namelist():
            texts[f"zip/{n}"] = zf.read(n).decode("utf-8", "replace")
    for where, text in texts.items():
        leaked = [l for l in lines if l in text]
        assert not leaked, f"solution code in {where}: {leaked[:3]}"


def _string_patterns(source):
    """A regular expression for every string literal of the source: f-strings match any text
    where they format a value."""
    import ast
    patterns = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            patterns.add("".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            patterns.add(re.escape(node.value))
    return patterns


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_reference_values_stay_out_of_the_student_folder(built, assignment):
    meta = json.loads(zipfile.ZipFile(built / "dist" / assignment / "autograder.zip").read("tests.json"))
    public = nncheck.unpack((built / "assignments" / assignment / "public_expected.npz").read_bytes())
    hidden_sources = "\n".join(t["source"] for t in meta["tests"] if t["hidden"])
    public_sources = "\n".join(t["source"] for t in meta["tests"] if not t["hidden"])
    patterns = _string_patterns(public_sources)
    for key in public:  # keys made in a test (f"{name}/public", key + "/case") match as patterns
        assert any(re.fullmatch(p, k) for p in patterns for k in (key, key.rsplit("/", 1)[0])), (
            f"{key} is in the student's public_expected.npz but no public test uses it")
    student_nb = (built / "assignments" / assignment / f"{assignment}.ipynb").read_text()
    for t in meta["tests"]:
        if t["hidden"]:
            assert t["name"] not in student_nb, f"hidden test {t['name']} appears in the student notebook"
    assert hidden_sources


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_points_public_about_a_quarter(built, assignment):
    meta = json.loads(zipfile.ZipFile(built / "dist" / assignment / "autograder.zip").read("tests.json"))
    by_q = {}
    for t in meta["tests"]:
        pub, tot = by_q.get(t["question"], (0, 0))
        by_q[t["question"]] = (pub + (0 if t["hidden"] else t["points"]), tot + t["points"])
    for q, (pub, tot) in by_q.items():
        assert 0 < pub < tot and pub / tot <= 0.5, f"{q}: {pub} public of {tot} points"


def _with_grader_data():
    return [a for a in ASSIGNMENTS if (ROOT / "solutions" / a / "grader_data").is_dir()]


@pytest.mark.parametrize("assignment", _with_grader_data())
def test_grader_only_data_ships_only_in_the_zip(built, assignment):
    """solutions/<hw>/grader_data/ goes into the zip's grader_data/, never where students or their
    code can read it (the student folder, the zip's files/ that the sandbox gets)."""
    grader_files = sorted(p.name for p in (ROOT / "solutions" / assignment / "grader_data").iterdir())
    assert grader_files
    with zipfile.ZipFile(built / "dist" / assignment / "autograder.zip") as zf:
        names = zf.namelist()
        for name in grader_files:
            assert f"grader_data/{name}" in names
            data = zf.read(f"grader_data/{name}")
            for other in names:
                if not other.startswith("grader_data/"):
                    assert zf.read(other) != data, f"{name} is also in the zip as {other}"
    student = built / "assignments" / assignment
    for f in student.iterdir():
        assert f.name not in grader_files
        for name in grader_files:
            assert f.read_bytes() != (ROOT / "solutions" / assignment / "grader_data" / name).read_bytes()


def test_a_public_test_may_not_read_grader_only_data(tmp_path):
    """The build refuses a public check that reads grader_data/ (students' kernels lack it) and
    accepts the same check when it is hidden."""
    from autograder.assign.build import record
    files, grader = tmp_path / "files", tmp_path / "grader_data"
    files.mkdir(), grader.mkdir()
    np.savez(grader / "held_out.npz", x=np.arange(3.0))
    source = ("def test_reads_held_out(double):\n"
              "    import nncheck\n"
              "    x = nncheck.load_grader_data('held_out.npz')['x']\n"
              "    nncheck.ref.close('double/held_out', nncheck.call(double, x), 'double(x)')\n")
    test = {"question": "q_double", "name": "test_reads_held_out", "points": 1.0, "hidden": False, "source": source}
    cells = ["def double(x):\n    return 2 * x\n"]
    with pytest.raises(SystemExit, match="grader-only"):
        record([test], cells, files, "toy", grader)
    reference, public_keys = record([dict(test, hidden=True)], cells, files, "toy", grader)
    assert public_keys == set() and list(reference.values["double/held_out"]) == [0.0, 2.0, 4.0]


def test_notebooks_are_read_by_nbformat_and_written_back_unchanged(tmp_path):
    """The build reads notebooks with nbformat (any nbformat version, validated, upgraded to 4)
    in the form it writes them: a student notebook read and written again is the same bytes, and
    a master saved by another editor (sources as one string, nbformat 4.4 without cell ids, or
    nbformat 3) reads as the same cells."""
    import nbformat
    from autograder.assign.build import read_notebook, write_json
    for assignment in ASSIGNMENTS:
        path = ROOT / "assignments" / assignment / f"{assignment}.ipynb"
        nb = read_notebook(path)
        assert isinstance(nb, nbformat.NotebookNode) and all(isinstance(c["source"], list) for c in nb["cells"])
        write_json(tmp_path / "again.ipynb", nb)
        assert (tmp_path / "again.ipynb").read_bytes() == path.read_bytes(), assignment
    cells = [nbformat.v4.new_markdown_cell("# Title\n\ntext"), nbformat.v4.new_code_cell("x = 1\ny = 2\n")]
    joined = [("markdown", "# Title\n\ntext"), ("code", "x = 1\ny = 2\n")]
    as_string = nbformat.v4.new_notebook(cells=cells)
    (tmp_path / "strings.ipynb").write_text(json.dumps(as_string))   # sources as one string each
    old = json.loads(json.dumps(as_string))
    old["nbformat_minor"] = 4
    for c in old["cells"]:
        del c["id"]
    (tmp_path / "v4.4.ipynb").write_text(json.dumps(old))
    nbformat.write(nbformat.v4.downgrade(nbformat.v4.new_notebook(cells=cells)), str(tmp_path / "v3.ipynb"))
    for name in ("strings.ipynb", "v4.4.ipynb", "v3.ipynb"):
        nb = read_notebook(tmp_path / name)
        assert nb["nbformat"] == 4, name
        assert [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]] == joined, name
        assert all(isinstance(c["source"], list) for c in nb["cells"]), name
