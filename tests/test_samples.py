"""Every grading claim, backed by a sample submission graded through the real zip.

For each assignment: the reference scores full marks, the blank student notebook scores zero,
and each sample of solutions/<name>/mistakes.py loses points exactly on the questions it names,
keeps every other question's points, and gets feedback that names the cause. A fake (a sample
with "zero") earns nothing on the questions it targets. Every assignment has at least four
correct samples in other styles.
"""
import pytest

import json

from autograder.assign.build import load_mistakes, question_dependencies
from conftest import ASSIGNMENTS, ROOT


def _samples():
    for name in ASSIGNMENTS:
        for sample, spec in load_mistakes(ROOT / "solutions" / name / "mistakes.py").items():
            yield pytest.param(name, sample, spec, id=f"{name}-{sample}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_scores_full_marks(graded_samples, assignment):
    result = graded_samples[assignment]["reference"]
    failed = [f"{c.name}: {c.message}" for c in result.checks if not c.passed]
    assert not failed and result.score == result.max_score > 0, failed
    assert not result.error and not result.notebook_errors


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_scores_zero(graded_samples, assignment):
    result = graded_samples[assignment]["blank"]
    assert result.score == 0
    assert result.notebook_errors == []  # the stubs run; each check says the stub is not filled in
    assert all("not filled in" in c.message or "not defined" in c.message for c in result.checks), \
        [c.message for c in result.checks if "not filled in" not in c.message][:3]


@pytest.mark.parametrize("assignment,sample,spec", list(_samples()))
def test_mistake_loses_points_where_it_lives(graded_samples, assignment, sample, spec):
    result = graded_samples[assignment][sample]
    scores = result.question_scores()
    for question, (got, total) in scores.items():
        if question in spec["loses"]:
            assert got < total, f"{sample} should lose points on {question}"
        else:
            assert got == total, (f"{sample} should keep all points of {question}; failed: "
                                  + "; ".join(c.message for c in result.checks if c.question == question and not c.passed))
    for question in spec.get("zero", []):
        assert scores[question][0] == 0, (f"{sample} is a fake and should earn nothing on {question}; passed: "
                                          + ", ".join(c.name for c in result.checks if c.question == question and c.passed))
    feedback = "\n".join(c.message for c in result.checks if not c.passed).lower()
    for phrase in spec.get("feedback", []):
        assert phrase.lower() in feedback, f"{sample}: feedback should mention {phrase!r}:\n{feedback}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grades_csv_has_one_row_per_sample(graded_samples, assignment):
    import csv
    out = graded_samples[assignment]["__out__"]
    rows = list(csv.DictReader(open(out / "grades.csv")))
    names = {r["submission"].removesuffix(".ipynb") for r in rows}
    assert names == set(graded_samples[assignment]) - {"__out__"}
    header = open(out / "grades.csv").readline().strip().split(",")
    assert header[:3] == ["submission", "score", "max_score"] and header[-3:] == ["variant", "status", "error"]
    assert all(q.startswith("q_") for q in header[3:-3])
    assert {r["status"] for r in rows} == {"graded"}
    ref = next(r for r in rows if r["submission"].startswith("reference"))
    assert ref["score"] == ref["max_score"] and ref["error"] == ""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_solutions_in_other_styles_keep_full_marks(graded_samples, assignment):
    """At least four correct samples written in other styles; each one scores full marks (the
    per-question assertion above covers them too: their "loses" is empty)."""
    correct = [s for s, spec in load_mistakes(ROOT / "solutions" / assignment / "mistakes.py").items()
               if not spec["loses"]]
    assert len(correct) >= 4, f"{assignment}: only {len(correct)} correct samples in other styles"
    for sample in correct:
        result = graded_samples[assignment][sample]
        assert result.score == result.max_score, (sample, [c.message for c in result.checks if not c.passed])


@pytest.mark.parametrize("assignment,sample,spec", list(_samples()))
def test_downstream_questions_name_the_upstream_one(graded_samples, assignment, sample, spec):
    """A question that loses points because it calls an earlier, failing function (the master's
    `uses`) says so first, in every failed check: "q_x uses your f, which fails q_y"."""
    master = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    defines, uses = question_dependencies(json.loads(master.read_text()))
    result = graded_samples[assignment][sample]
    for question in spec["loses"]:
        upstream = {defines[f] for f in uses.get(question, [])} & set(spec["loses"]) - {question}
        if not upstream:
            continue
        for check in result.checks:
            if check.question == question and not check.passed:
                assert check.message.startswith(f"{question} uses your "), (sample, check.name, check.message[:200])
                assert any(f"which fails {u}" in check.message.split("\n")[0] for u in upstream), (
                    sample, check.name, check.message[:200])
