"""The master lint (autograder/assign/lint.py): one tiny bad master per rule, and every real master
passes. Fast: nbformat and ast only, no otter, no sandbox."""
from pathlib import Path

import nbformat
import pytest

from autograder.assign.lint import lint

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())

SOLUTION = '''def double(x):
    """x: array of any shape. Returns 2 * x."""
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
'''


CONFIG = """# ASSIGNMENT CONFIG
name: {name}
run_tests: false
solutions_pdf: false
check_all_cell: true
generate: false
tests:
  ok_format: false
  files: false
export_cell:
  pdf: false
  instructions: Upload the zip file this cell makes to Gradescope."""


def check(name, points, hidden=False, params="double", body=None):
    config = f'""" # BEGIN TEST CONFIG\npoints: {points}\n' + ("hidden: true\n" if hidden else "") + '""" # END TEST CONFIG\n'
    body = body or (f'    from nncheck import call, ref\n'
                    f'    ref.close("double/{name}", call(double, 1.0), "double(1.0)")\n')
    return config + f"def {name}({params}):\n" + body


def question(name="q_double", checks=None, solution=SOLUTION, config=""):
    checks = checks if checks is not None else [check("test_double_public", 1),
                                                 check("test_double_hidden", 3, hidden=True)]
    cells = [nbformat.v4.new_raw_cell(f"# BEGIN QUESTION\nname: {name}\n{config}"),
             nbformat.v4.new_markdown_cell("Write `double`."),
             nbformat.v4.new_raw_cell("# BEGIN SOLUTION"),
             nbformat.v4.new_code_cell(solution),
             nbformat.v4.new_raw_cell("# END SOLUTION"),
             nbformat.v4.new_raw_cell("# BEGIN TESTS")]
    cells += [nbformat.v4.new_code_cell(c) for c in checks]
    return cells + [nbformat.v4.new_raw_cell("# END TESTS"), nbformat.v4.new_raw_cell("# END QUESTION")]


def write_master(tmp_path, cells, mistakes=None, name="tiny"):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"display_name": "Python 3", "language": "python",
                                                           "name": "python3"}, "language_info": {"name": "python"}})
    nb.cells = [nbformat.v4.new_raw_cell(CONFIG.format(name=name)),
                nbformat.v4.new_code_cell("import numpy as np")] + cells
    folder = tmp_path / name
    folder.mkdir()
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    if mistakes is not None:
        (folder / "mistakes.py").write_text(f"MISTAKES = {mistakes!r}\n")
    return path


def messages(path):
    return [str(p) for p in lint(path)]


def test_a_good_master_has_no_problems(tmp_path):
    assert messages(write_master(tmp_path, question())) == []


@pytest.mark.parametrize("master", MASTERS)
def test_every_master_passes_the_lint(master):
    errors = [str(p) for p in lint(ROOT / "solutions" / master / f"{master}.ipynb") if not p.warning]
    assert errors == []


def test_a_question_without_a_hidden_check(tmp_path):
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1)]))
    assert messages(path) == ["tiny: q_double: no hidden check"]


def test_a_question_without_a_public_check(tmp_path):
    path = write_master(tmp_path, question(checks=[check("test_double_hidden", 3, hidden=True)]))
    assert messages(path) == ["tiny: q_double: no public check (students need at least one)"]


def test_public_share_too_large(tmp_path):
    path = write_master(tmp_path, question(checks=[check("test_double_public", 2),
                                                   check("test_double_hidden", 2, hidden=True)]))
    assert messages(path) == ["tiny: q_double: public checks carry 2 of 4 points (50%); keep it "
                              "between 15% and 40% (about a quarter)"]


def test_points_missing_or_zero(tmp_path):
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1),
                                                   check("test_double_hidden", 0, hidden=True),
                                                   check("test_double_more", 3, hidden=True)]))
    assert messages(path) == ["tiny: q_double: test_double_hidden: points must be positive (got 0.0); "
                              "set `points:` in the test config"]


def test_points_do_not_add_up_to_the_question_total(tmp_path):
    path = write_master(tmp_path, question(config="points: 5\n"))
    assert messages(path) == ["tiny: q_double: the checks carry 4 points, the question's config says 5"]


def test_a_public_and_a_hidden_test_sharing_a_key(tmp_path):
    same_key = '    from nncheck import call, ref\n    ref.close("double/case", call(double, 1.0), "double(1.0)")\n'
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1, body=same_key),
                                                   check("test_double_hidden", 3, hidden=True, body=same_key)]))
    assert messages(path) == ["tiny: q_double: test_double_hidden: reference key 'double/case' is also "
                              "used by test_double_public (q_double): each key records one value"]


def test_a_key_used_twice_in_one_test(tmp_path):
    twice = ('    from nncheck import call, ref\n    ref.close("double/a", call(double, 1.0), "double(1.0)")\n'
             '    ref.close("double/a", call(double, 2.0), "double(2.0)")\n')
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1),
                                                   check("test_double_hidden", 3, hidden=True, body=twice)]))
    assert messages(path) == ["tiny: q_double: test_double_hidden: reference key 'double/a' is twice in "
                              "this test: each key records one value"]


def test_a_parameter_that_is_no_global(tmp_path):
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1),
                                                   check("test_double_hidden", 3, hidden=True,
                                                         params="doubel, np")]))
    assert messages(path) == ["tiny: q_double: test_double_hidden: parameter 'doubel' is not a global of "
                              "the notebook (a typo? the test would get None)"]


def test_a_function_no_check_takes(tmp_path):
    path = write_master(tmp_path, question(solution=SOLUTION + "\n\ndef triple(x):\n    return 3 * x\n"))
    assert messages(path) == ["tiny: q_double: function 'triple' is defined here but no check takes it "
                              "as a parameter"]


HINTED = ('    from nncheck import call, ref\n'
          '    ref.close("double/h", call(double, 1.0), "double(1.0)",\n'
          '              alternatives={"you returned x itself: multiply by 2": ref.alt("double/h/alt", lambda: 1.0),\n'
          '                            f"you added {1} instead of doubling": ref.alt("double/h/alt2", lambda: 2.0)})\n')


def test_a_hint_no_sample_reaches(tmp_path):
    mistakes = {"identity": {"replace": [("2 * x", "x")], "loses": ["q_double"], "feedback": ["returned x itself"]}}
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1),
                                                   check("test_double_hidden", 3, hidden=True, body=HINTED)]),
                        mistakes=mistakes)
    problems = lint(path)
    assert [str(p) for p in problems] == [
        "tiny: q_double: test_double_hidden: warning: no sample in mistakes.py reaches the hint "
        "'you added {...} instead of doubling' (add a mistake whose `feedback` quotes it)"]
    assert problems[0].warning


def test_hints_are_not_checked_without_mistakes(tmp_path):
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1),
                                                   check("test_double_hidden", 3, hidden=True, body=HINTED)]))
    assert messages(path) == []


def test_a_broken_test_cell_is_a_problem_not_a_crash(tmp_path):
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1),
                                                   check("test_double_hidden", 3, hidden=True) + "  )\n"]))
    problems = messages(path)
    assert problems[0].startswith("tiny: q_double: cell ") and "test cell does not parse" in problems[0]
    assert problems[1:] == ["tiny: q_double: no hidden check"]


def test_an_unreadable_master_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    [problem] = messages(path)
    assert problem.startswith("broken: cannot be read:")


def test_a_master_without_questions(tmp_path):
    assert messages(write_master(tmp_path, [])) == ["tiny: no questions (raw cells '# BEGIN QUESTION')"]


def test_the_build_refuses_a_master_the_lint_rejects(tmp_path, monkeypatch):
    from autograder.assign import build
    (tmp_path / "solutions").mkdir()
    write_master(tmp_path / "solutions", question(checks=[check("test_double_public", 1)]))
    monkeypatch.setattr(build, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match="tiny: the lint found 1 problems"):
        build.build("tiny", tmp_path)
