"""The similarity report (autograder/similarity): what an instructor reads in similarity.html.

The class: hw1's samples (the reference and every mistake and correct style of mistakes.py),
three independent correct solutions written by hand (tests/similarity_class.py) and five
planted copies of one of them (renamed variables, reordered functions, added comments, one
function rewritten, all four at once).
"""
import csv
import itertools
import shutil

import pytest

from autograder.similarity import compare, extract, page
from conftest import ASSIGNMENTS, ROOT, slow
import similarity_class

A = "hw1_forward"
FAMILY = {"student_a", "copy_renamed", "copy_reordered", "copy_commented", "copy_one_changed", "copy_all"}


def _cells(path):
    return extract.code_cells_of(path.read_bytes())


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    similarity_class.write_class(ROOT / "assignments" / A / f"{A}.ipynb", folder)
    for sample in (ROOT / "solutions" / A / "samples").glob("*.ipynb"):
        shutil.copy(sample, folder / sample.name)
    return folder


@pytest.fixture(scope="module")
def ranked(klass):
    subs = [(p.stem, _cells(p)) for p in sorted(klass.glob("*.ipynb"))]
    pairs, students, skipped = page.analyse(subs, _cells(ROOT / "assignments" / A / f"{A}.ipynb"))
    return pairs, students, skipped


def test_planted_copies_rank_on_top(ranked):
    pairs, students, skipped = ranked
    family_pairs = {frozenset(p) for p in itertools.combinations(FAMILY, 2)}
    top = [frozenset((p.a.name, p.b.name)) for p in pairs[:len(family_pairs)]]
    assert set(top) == family_pairs, [(p.a.name, p.b.name, round(p.score, 2)) for p in pairs[:20]]
    assert all(p.flagged for p in pairs[:len(family_pairs)])
    for copy in FAMILY - {"student_a"}:  # each copy, against its original
        pair = next(p for p in pairs if {p.a.name, p.b.name} == {"student_a", copy})
        assert pair.score >= 0.8, (copy, pair.score)
    assert skipped == 1  # the blank notebook: nothing of its own


def test_independent_correct_solutions_are_not_flagged(ranked):
    pairs, _, _ = ranked
    others = [p for p in pairs if not {p.a.name, p.b.name} <= FAMILY]
    assert not any(p.flagged for p in others), [(p.a.name, p.b.name, p.score) for p in others[:5]]
    assert all(p.score < 0.3 for p in others), [(p.a.name, p.b.name, p.score) for p in others if p.score >= 0.3]
    for x, y in (("student_a", "student_b"), ("student_a", "student_c"), ("student_b", "student_c")):
        pair = [p for p in pairs if {p.a.name, p.b.name} == {x, y}]
        assert not pair or pair[0].score < 0.3


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_sample_is_flagged_in_its_class(assignment):
    """The samples of an assignment (the reference, its mistakes and correct styles) are all the
    reference's text with a few lines changed, so the reference's lines are in every one of them:
    common code, ignored (a class where most students wrote a function the same way). What each
    sample changed is its own, and no pair is flagged. (Alone against the reference, a correct
    style such as hw2's correct_numpy_scalars, which turns float(...) into np.array(...), is a
    near copy, and the report would rightly say so.)"""
    samples = sorted((ROOT / "solutions" / assignment / "samples").glob("*.ipynb"))
    assert len(samples) >= compare.COMMON
    pairs, students, _ = page.analyse([(p.stem, _cells(p)) for p in samples],
                                      _cells(ROOT / "assignments" / assignment / f"{assignment}.ipynb"))
    assert len(students) == len(samples) - 1  # all but the blank have code of their own
    flagged = [(p.a.name, p.b.name, round(p.score, 2), p.matched) for p in pairs if p.flagged]
    assert not flagged


def test_only_student_written_code_is_compared():
    """The handout is not the student's: hw2's blank notebook (which hands out hw1's functions
    working, and a dictionary inside the backward_pass stub) has no code of its own, and the
    reference's backward_pass is compared without the given line."""
    a = "hw2_backprop"
    blank = _cells(ROOT / "assignments" / a / f"{a}.ipynb")
    handout = extract.handout_of(blank)
    assert extract.student_code(blank, handout) == {}
    code = extract.student_code(_cells(ROOT / "solutions" / a / "samples" / "reference.ipynb"), handout)
    assert "dense_forward" not in code and "softmax" not in code  # given, unchanged
    assert "backward_pass" in code and "act_grad = {" not in code["backward_pass"]
    assert all('"""' not in text for text in code.values())  # docstrings left out


def test_names_comments_whitespace_and_order_do_not_matter():
    one = {"f": "def f(x, y):\n    total = 0\n    for i in range(len(x)):\n        total += x[i] * y[i] - 1\n"
                "    return total / len(x) + 3\n",
           extract.OTHER: "def helper(a):\n    return a.reshape(-1, 1) @ a.reshape(1, -1) + a.sum()\n"}
    two = {"f": "def f(x, y):\n    # the sum\n    acc=0\n    for k in range( len(x) ):\n        acc += x[k]*y[k] - 1"
                "  # each\n    return acc / len(x) + 3\n",
           extract.OTHER: "def outer(v):\n    return v.reshape(-1, 1) @ v.reshape(1, -1) + v.sum()\n"}
    pair = compare.compare(compare.fingerprint("one", one), compare.fingerprint("two", two))
    assert pair.score == pytest.approx(1.0)


@pytest.mark.skipif(A not in ASSIGNMENTS, reason=f"NNKIT_ASSIGNMENTS leaves out {A}, whose class this is")
def test_make_grade_writes_the_similarity_report(built, klass, tmp_path):
    """The real `make grade` path: the planted class graded with the built zip; similarity.html
    ranks a planted pair first, shows it side by side with the matches marked, and report.html
    links to it."""
    from autograder.grade.cli import grade_folder
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in sorted(FAMILY) + ["student_b", "student_c", "reference"]:
        shutil.copy(klass / f"{name}.ipynb", subs / f"{name}.ipynb")
    out = tmp_path / "out"
    grade_folder(A, subs, out, zip_path=built / "dist" / A / "autograder.zip", quiet=True)
    assert {r["submission"] for r in csv.DictReader(open(out / "grades.csv"))} == {p.name for p in subs.iterdir()}
    html = (out / "similarity.html").read_text()
    assert 'href="similarity.html"' in (out / "report.html").read_text()
    first = html.split('id="pair-1"')[1].split("</h2>")[0]
    assert sum(name in first for name in FAMILY) == 2, first
    assert "<mark>" in html.split('id="pair-1"')[1]
    assert "student_b" not in html.split('id="pair-1"')[1].split('id="pair-2"')[0]


@pytest.mark.parametrize("n", [pytest.param(300, marks=slow("a class of 300, timed"))])
def test_a_class_of_300_is_compared_within_a_minute(n):
    """bench/similarity_300.py: 300 hw1 notebooks, each with code of its own, 5 of them planted
    copies. The copies are the 5 pairs on top, nothing else is flagged, in under a minute."""
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    import similarity_300
    out = similarity_300.main(["--n", str(n)])
    assert out["ranks"] == [1, 2, 3, 4, 5] and out["flagged"] == out["planted"] == 5
    assert out["seconds"] < 60, out


def test_the_similarity_tool_stays_with_the_instructor(built):
    """copydetect and autograder/similarity are for `make grade` only: neither is in the zip
    (its code or its requirements) nor in what students install."""
    import zipfile
    for a in ASSIGNMENTS:
        with zipfile.ZipFile(built / "dist" / a / "autograder.zip") as zf:
            names = zf.namelist()
            assert not any(n.startswith("autograder/similarity") for n in names)
            assert "copydetect" not in zf.read("requirements.txt").decode().lower()
    assert "copydetect" not in (ROOT / "student-requirements.txt").read_text().lower()
    assert "copydetect==0.5.0" in (ROOT / "requirements.txt").read_text()
