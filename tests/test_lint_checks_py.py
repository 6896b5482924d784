"""The hidden_messages lint rule on a master's checks.py (autograder/assign/lint.py `_ChecksModule`):
its code runs in hidden checks only, so each of its messages may show only literals, the
module's constants and parameters every call passes a constant. Tiny masters, ast only."""
import textwrap

import pytest

from autograder.assign.lint import lint

from test_lint import check, question, write_master  # the tiny masters of the lint's own tests

PUBLIC = check("test_double_public", 1)


def master(tmp_path, checks_py, *bodies):
    """A master whose hidden checks have these bodies (each taking `double` and `checks`) and
    whose checks.py is `checks_py`; returns the lint's problems as text."""
    hidden = [check(f"test_double_hidden_{i}", 3 if i == 0 else 1, hidden=True, params="double, checks",
                    body=textwrap.indent(textwrap.dedent(b), "    ")) for i, b in enumerate(bodies)]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_master(tmp_path, question(checks=[check("test_double_public", len(bodies))] + hidden))
    (path.parent / "checks.py").write_text(textwrap.dedent(checks_py))
    return [str(p) for p in lint(path)]


FAMILY = textwrap.dedent('''\
    import numpy as np
    import nncheck
    from nncheck import call

    ROWS = 3
    HINT = ("you returned x itself: " "multiply by 2")

    def describe(label, n):
        return f"{label} on {n} rows"

    def family(fn, seed, label, rows=ROWS):
        x = nncheck.rng(seed).normal(size=rows)
        got = call(fn, x)
        def say(what):
            return f"{describe(label, rows)}: {what} (seed {seed}, {HINT})"
        assert np.shape(got) == (rows,), say("wrong shape")
        nncheck.assert_close(got, 2 * x, f"double of {rows} values, {label}")
    ''')


def test_a_message_of_constants_the_tests_pass(tmp_path):
    """(a) label and seed come from the tests' literals, rows from the default (a module constant),
    through a nested helper and another function of checks.py."""
    assert master(tmp_path, FAMILY, 'checks.family(double, seed=3, label="tanh")\n',
                  'label = "relu"\nchecks.family(double, 4, label, rows=5)\n') == []


def test_a_message_showing_what_the_students_function_returned(tmp_path):
    """(b)"""
    checks_py = FAMILY + '    assert np.allclose(got, 2 * x), f"double returned {got}"\n'
    assert master(tmp_path, checks_py, 'checks.family(double, seed=3, label="tanh")\n') == [
        "tiny: checks.py: family: line 18: the assert message of a hidden check shows `got`, which may "
        "hold what the student's code returned or a hidden input; use plain text, or only names bound "
        "to literals (a parameter is one when every call of the function passes a literal)"]


def test_a_parameter_one_call_passes_a_literal_and_another_a_students_value(tmp_path):
    """(c) the second test passes what double returned as `label`: the messages of family and of
    describe (which family calls with label) show it."""
    problems = master(tmp_path, FAMILY, 'checks.family(double, seed=3, label="tanh")\n',
                      'out = double(1.0)\nchecks.family(double, seed=4, label=str(out))\n')
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: checks.py: family: line 16: the assert message of a hidden check shows `say`",
        "tiny: checks.py: family: line 17: the nncheck.assert_close() description message of a hidden "
        "check shows `label`"]


def test_a_parameter_a_call_inside_checks_py_passes_a_hidden_input(tmp_path):
    """(c) the call that spoils `label` is in checks.py, read in its caller's context; the tests pass literals."""
    checks_py = FAMILY + ('\ndef twice(fn, seed):\n    family(fn, seed, "tanh")\n'
                          '    family(fn, seed, str(nncheck.rng(seed).normal()))\n')
    problems = master(tmp_path, checks_py, "checks.twice(double, seed=3)\n")
    assert [p.split(": the ")[0] for p in problems] == ["tiny: checks.py: family: line 16",
                                                      "tiny: checks.py: family: line 17"]
    assert "shows `label`" in problems[1]
    clean = checks_py.replace("str(nncheck.rng(seed).normal())", '"relu"')
    assert master(tmp_path / "ok", clean, "checks.twice(double, seed=3)\n") == []


@pytest.mark.parametrize("passed_on", [
    "RUN = family\n",                                                   # a module name bound to it
    "def run_all(fn):\n    for f in (family,):\n        f(fn, 1, 'x')\n",   # passed around
    "def deco(f):\n    return f\n\n@deco\ndef family2(fn, seed, label):\n"
    "    assert fn, f'{label}'\n",                                       # decorated: deco may call it with anything
])
def test_a_function_passed_around_has_parameters_of_unknown_values(tmp_path, passed_on):
    """(d) every call by name passes literals, but the function is also used as a value."""
    checks_py = FAMILY + "\n" + passed_on
    problems = master(tmp_path, checks_py, 'checks.family(double, seed=3, label="tanh")\n'
                      + ('checks.family2(double, 1, "a")\n' if "family2" in passed_on else ""))
    assert problems and all(p.startswith("tiny: checks.py: family") for p in problems), problems
    assert any("shows `label`" in p or "shows `say`" in p for p in problems)


def test_a_test_passing_the_checks_function_on_makes_its_parameters_unknown(tmp_path):
    """(d) in a test: `checks.family` used as a value (or the module `checks` itself)."""
    for i, body in enumerate(['f = checks.family\nf(double, 3, "tanh")\n',
                              'run = getattr(checks, "family")\nrun(double, 3, "tanh")\n']):
        problems = master(tmp_path / str(i), FAMILY, body)
        assert [p.split(": the ")[0] for p in problems] == ["tiny: checks.py: family: line 16",
                                                          "tiny: checks.py: family: line 17"], problems


def test_module_constants_and_module_names_that_are_not(tmp_path):
    """(e) a module name bound to literals is a constant (a test may read it as checks.X); one bound
    to a hidden input, one a function fills with the student's values, one a test fills (through
    an alias) are not."""
    checks_py = '''\
    import nncheck
    from nncheck import call

    SIZES = [4, 7, 3]
    NAMES = {"W": "weights", "b": "biases"}
    DRAWN = nncheck.rng(0).normal(size=3)
    SEEN = []
    SHARED = [1, 2]

    def shapes(fn):
        got = call(fn, 1.0)
        SEEN.append(got)
        assert got, f"sizes {SIZES}, {NAMES['W']}, {len(SIZES)} layers"
        assert got, f"{DRAWN}"
        assert got, f"{SEEN}"
        assert got, f"{SHARED}"
    '''
    problems = master(tmp_path, checks_py, "checks.shapes(double)\nassert checks.SIZES, f'{checks.NAMES}'\n"
                      "assert checks.SIZES, f'{checks.DRAWN}'\n",
                      "kept = checks.SHARED\nkept.append(double(2.0))\nassert kept, f'{checks.DRAWN}'\n")
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: q_double: test_double_hidden_0: cell 9, line 8: the assert message of a hidden check shows "
        "checks.DRAWN",
        "tiny: q_double: test_double_hidden_1: cell 10, line 8: the assert message of a hidden check shows "
        "`checks`",   # (a test that fills `checks` gets none of its names vouched for)
        "tiny: checks.py: shapes: line 14: the assert message of a hidden check shows `DRAWN`",
        "tiny: checks.py: shapes: line 15: the assert message of a hidden check shows `SEEN`",
        "tiny: checks.py: shapes: line 16: the assert message of a hidden check shows `SHARED`"]


def test_a_test_rebinding_a_function_of_checks_py(tmp_path):
    problems = master(tmp_path, FAMILY, 'checks.family = checks.family\nchecks.family(double, 3, "x")\n')
    assert [p.split(": the ")[0] for p in problems] == ["tiny: checks.py: family: line 16",
                                                      "tiny: checks.py: family: line 17"], problems


def test_what_a_function_of_checks_py_returns_or_puts_into_an_argument(tmp_path):
    checks_py = '''\
    from nncheck import call

    def run(fn):
        return call(fn, 1.0)

    def fill(fn, box):
        box.append(call(fn, 1.0))

    def label(name):
        return name.upper()

    def use(fn):
        box = ["start"]
        fill(fn, box)
        assert fn, f"{run(fn)} {label('double')}"
        assert fn, f"{box}"
    '''
    problems = master(tmp_path, checks_py, 'checks.use(double)\nshown = []\ncheckslist = shown\n'
                      'checks.fill(double, checkslist)\nassert shown, f"{shown}"\n')
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: q_double: test_double_hidden_0: cell 9, line 10: the assert message of a hidden check shows `shown`",
        "tiny: checks.py: use: line 15: the assert message of a hidden check shows run()",
        "tiny: checks.py: use: line 16: the assert message of a hidden check shows `box`"]


def test_fixed_point_through_recursion_and_chains(tmp_path):
    checks_py = '''\
    def a(fn, n, what):
        if n:
            return b(fn, n - 1, what)
        assert fn, f"{what} at {n}"

    def b(fn, n, what):
        return a(fn, n, what)
    '''
    assert master(tmp_path, checks_py, 'checks.a(double, 3, "x")\n') == []
    problems = master(tmp_path / "bad", checks_py, 'checks.a(double, 3, "x")\n', 'checks.b(double, 2, double(1.0))\n')
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: checks.py: a: line 4: the assert message of a hidden check shows `what`"]


def test_a_checks_py_that_does_not_parse(tmp_path):
    problems = master(tmp_path, "def f(:\n", "checks.f(double)\n")
    assert len(problems) == 1 and problems[0].startswith("tiny: checks.py: does not parse:")


def test_a_function_passed_around_that_fills_its_arguments(tmp_path):
    """Where an escaped function is called, the lint cannot tell whose object it fills: refused."""
    checks_py = '''\
    from nncheck import call

    def fill(fn, box):
        box.append(call(fn, 1.0))

    STEPS = [fill]

    def run(fn):
        box = []
        for step in STEPS:
            step(fn, box)
        assert box, "plain text"
    '''
    problems = master(tmp_path, checks_py, "checks.run(double)\n")
    assert problems == [
        "tiny: checks.py: fill: line 3: puts values the lint cannot vouch for into its parameters `box` and is "
        "used other than by calling it by name, so the lint cannot follow where they go; call it directly"]


def test_module_level_code_of_checks_py(tmp_path):
    checks_py = '''\
    import nncheck

    DRAWN = nncheck.rng(0).normal(size=2)
    assert DRAWN.size == 2, f"drew {DRAWN}"
    assert DRAWN.size == 2, "drew two numbers"

    def run(fn):
        assert fn, "plain text"
    '''
    assert master(tmp_path, checks_py, "checks.run(double)\n") == [
        "tiny: checks.py: module level: line 4: the assert message of a hidden check shows `DRAWN`, which may "
        "hold what the student's code returned or a hidden input; use plain text, or only names bound to "
        "literals (a parameter is one when every call of the function passes a literal)"]


def test_a_helper_returning_fixed_sentences_may_be_called_with_the_students_values(tmp_path):
    """A call of a function of checks.py is as safe as the arguments its results depend on: a
    diagnosis that picks one of its sentences from the student's loss shows none of it."""
    checks_py = '''\
    from nncheck import call

    def diagnose(J, bar):
        if J > bar:
            return f"the loss stayed above {bar}"
        return None

    def echo(J, bar):
        return f"the loss is {J}"

    def trained(fn, bar):
        J = call(fn, 1.0)
        problem = diagnose(J, bar)
        assert problem is None, f"{problem}"
        assert problem is None, f"{echo(J, bar)}"
    '''
    problems = master(tmp_path, checks_py, "checks.trained(double, bar=0.5)\n")
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: checks.py: trained: line 15: the assert message of a hidden check shows `J`"]
    problems = master(tmp_path / "b", checks_py, "checks.trained(double, bar=double(0.5))\n")
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: checks.py: trained: line 14: the assert message of a hidden check shows `problem`",
        "tiny: checks.py: trained: line 15: the assert message of a hidden check shows `J`"]   # (not bar)


def test_a_test_reaching_the_module_other_than_as_checks_x(tmp_path):
    """getattr(checks, ...) may change anything in it: its names are no longer vouched for."""
    checks_py = '''\
    SEEN = []

    def run(fn):
        assert fn, f"{SEEN}"
    '''
    assert master(tmp_path, checks_py, "checks.run(double)\n") == []
    problems = master(tmp_path / "b", checks_py,
                      'getattr(checks, "SEEN").append(double(1.0))\nchecks.run(double)\n')
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: checks.py: run: line 4: the assert message of a hidden check shows `SEEN`"]


def test_a_function_defined_in_a_module_level_block(tmp_path):
    """A function defined under `if` at module level: its calls from every function count (its
    parameters are taken as unknown)."""
    checks_py = '''\
    from nncheck import call

    if True:
        def say(what):
            assert what is not None, f"{what}"
        say("at import")

    def quiet(fn):
        say("plain text")

    def loud(fn):
        say(call(fn, 1.0))
    '''
    problems = master(tmp_path, checks_py, "checks.quiet(double)\nchecks.loud(double)\n")
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: checks.py: module level: line 5: the assert message of a hidden check shows `what`"]


def test_an_object_a_function_of_checks_py_returns_and_its_caller_fills(tmp_path):
    """The caller fills what `same` returns: its argument (the caller's `box`, shown) and a
    module-level list (`TABLE`, shown by another function) hold the student's value."""
    checks_py = '''\
    from nncheck import call

    TABLE = []
    NAME = "double"

    def same(x):
        return x

    def table():
        return TABLE

    def name():
        return NAME

    def run(fn):
        box = ["start"]
        kept = same(box)
        kept.append(call(fn, 1.0))
        assert fn, f"{box}"
        assert fn, f"{name()}"

    def fill(fn):
        t = table()
        t.append(call(fn, 1.0))

    def show(fn):
        assert fn, f"{TABLE}"
    '''
    problems = master(tmp_path, checks_py, "checks.run(double)\nchecks.fill(double)\nchecks.show(double)\n")
    assert [p.split(", which")[0] for p in problems] == [
        "tiny: checks.py: run: line 19: the assert message of a hidden check shows `box`",
        "tiny: checks.py: show: line 27: the assert message of a hidden check shows `TABLE`"]
