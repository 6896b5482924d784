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


# ---------------------------------------------------------------- hidden_messages

def hidden_with(body, params="double"):
    """A question whose hidden check has `body` (lines indented by 4) after getting `got`."""
    return question(checks=[check("test_double_public", 1),
                            check("test_double_hidden", 3, hidden=True, params=params,
                                  body="    import numpy as np\n    import nncheck\n"
                                       "    from nncheck import CheckFailure, assert_close, call, ref\n"
                                       "    got = call(double, 1.0)\n" + body)])


def test_a_hidden_message_showing_what_the_students_code_returned(tmp_path):
    path = write_master(tmp_path, hidden_with('    assert got == 2.0, f"double(1.0) returned {got}"\n'))
    assert messages(path) == [
        "tiny: q_double: test_double_hidden: cell 9, line 10: the assert message of a hidden check shows "
        "`got`, which may hold what the student's code returned or a hidden input; use plain text, or only "
        "names the test binds to literals"]


def test_the_same_message_in_a_public_check_is_allowed(tmp_path):
    body = ('    from nncheck import call\n    got = call(double, 1.0)\n'
            '    assert got == 2.0, f"double(1.0) returned {got}"\n')
    path = write_master(tmp_path, question(checks=[check("test_double_public", 1, body=body),
                                                   check("test_double_hidden", 3, hidden=True)]))
    assert messages(path) == []


def test_hidden_messages_may_show_the_tests_own_constants(tmp_path):
    body = '''    N, sizes, name = 5, [4, 7, 3], "double"
    seed = 3
    seed += 1
    keys = ("W1", "b1")
    expected = [k.lower() for k in keys]
    def describe(what, n=N):
        return f"{what} for {n} rows"
    def expect(value, size, label):
        assert np.shape(value) == (size,), f"{label}: expected {size} values (sizes {sizes}, pi {np.pi:.2f})"
    expect(got, 1, name)
    for i, n in enumerate((3, 5)):
        assert got != n, "%s(%d) at step %d" % (name, n, i) + str(len(sizes)) + repr(keys)
    assert got == 2.0, "{} of {} (seed {})".format(name, sizes, seed) + f" keys {sorted(expected)}"
    assert got == 2.0, "plain text: double(1.0) should be 2.0"
    try:
        assert_close(got, 2.0, f"{name}(1.0), {N} rows", alternatives={f"{name} returned x itself": 1.0})
    except CheckFailure as e:
        raise CheckFailure(f"{e}\\n  Likely cause: see the text of q_double ({describe(name)})") from None
'''
    assert messages(write_master(tmp_path, hidden_with(body))) == []


@pytest.mark.parametrize("body, shown", [
    ('    assert got == 2.0, "double returned %r" % (got,)\n', "`got`"),
    ('    assert got == 2.0, "double returned {}".format(got)\n', "`got`"),
    ('    assert got == 2.0, "double returned " + str(got)\n', "`got`"),
    ('    assert got == 2.0, "shape " + repr(np.shape(got))\n', "`got`"),
    ('    assert got == 2.0, f"got a {type(got).__name__}"\n', "`got`"),
    ('    if got != 2.0:\n        raise AssertionError(f"got {got}")\n', "`got`"),
    ('    import pytest\n    if got != 2.0:\n        pytest.fail(f"got {got}")\n', "`got`"),
    ('    err = CheckFailure(f"got {got}")\n    if got != 2.0:\n        raise err\n', "`err`"),
    ('    x = nncheck.rng(5).normal(size=3)\n    assert got == 2.0, f"for x = {x}"\n', "`x`"),    # a hidden input
    ('    data = nncheck.load_grader_data("d.npz")\n    assert got == 2.0, f"{data}"\n', "`data`"),
    ('    assert got == 2.0, f"{ref.value(\'double/k\', lambda: 2.0)}"\n', "ref.value()"),   # the answer
    ('    shown = ["a"]\n    shown.append(got)\n    assert got == 2.0, f"{shown}"\n', "`shown`"),
    ('    d = {}\n    d["a"] = got\n    assert got == 2.0, f"{sorted(d.items())}"\n', "`d`"),
    ('    a = [1]\n    b = a\n    b.append(got)\n    assert got == 2.0, f"{a}"\n', "`a`"),
    ('    def say(v):\n        return f"got {v}"\n    assert got == 2.0, say(got)\n', "`say`"),
    ('    def expect(v):\n        assert v == 2.0, f"got {v}"\n    expect(got)\n', "`v`"),
    ('    try:\n        float(got)\n    except Exception as e:\n        raise CheckFailure(f"{e}")\n', "`e`"),
    ('    assert got == 2.0, f"{locals()}"\n', "`locals`"),
    ('    assert got == 2.0, f"{double}"\n', "`double`"),
    ('    for k in got:\n        assert k, f"key {k}"\n', "`k`"),
    ('    assert_close(got, 2.0, f"double(1.0) = {got}")\n', "`got`"),
    ('    ref.close("double/k", got, "double(1.0)", alternatives={f"you gave {got}": 1.0})\n', "`got`"),
])
def test_every_way_a_value_reaches_a_hidden_message(tmp_path, body, shown):
    [problem] = messages(write_master(tmp_path, hidden_with(body)))
    assert problem.startswith("tiny: q_double: test_double_hidden: cell 9, line ") and "of a hidden check" in problem
    assert f"shows {shown}," in problem, problem
