"""Feedback of a question that calls an earlier, failing function names that function first."""
from types import SimpleNamespace

from autograder.grade.engine import CheckResult, failing_functions, name_upstream_failures


def _bundle(tests):
    meta = {"defines": {"f": "q_up", "g": "q_up", "h": "q_down"},
            "uses": {"q_down": ["f", "g"]}}
    return SimpleNamespace(meta=meta, tests=[{"question": q, "name": n, "source": f"def {n}({args}):\n    pass\n"}
                                             for q, n, args in tests])


def _checks(bundle, passed):
    return [CheckResult(t["question"], t["name"], 1.0, False, ok, "" if ok else "the check failed")
            for t, ok in zip(bundle.tests, passed)]


TESTS = [("q_up", "test_public", "f, g"), ("q_up", "test_f", "f"), ("q_up", "test_g", "g"),
         ("q_down", "test_down", "h")]


def test_a_failed_single_function_check_blames_that_function_only():
    bundle = _bundle(TESTS)
    checks = _checks(bundle, [False, True, False, False])
    assert failing_functions(bundle, checks) == {"g": "q_up", "h": "q_down"}
    name_upstream_failures(bundle, checks)
    assert checks[3].message.startswith("q_down uses your g, which fails q_up: fix that first.\n")
    assert checks[0].message == "the check failed"  # the upstream question's own messages are untouched


def test_a_check_of_several_functions_blames_them_all_when_nothing_narrows_it():
    bundle = _bundle(TESTS)
    checks = _checks(bundle, [False, True, True, False])
    name_upstream_failures(bundle, checks)
    assert checks[3].message.startswith("q_down uses your f (which fails q_up), your g (which fails q_up): "
                                        "fix those first.")


def test_no_note_when_the_upstream_question_passes():
    bundle = _bundle(TESTS)
    checks = _checks(bundle, [True, True, True, False])
    name_upstream_failures(bundle, checks)
    assert checks[3].message == "the check failed"


def test_no_note_on_a_stub_of_its_own():
    import nncheck
    bundle = _bundle(TESTS)
    checks = _checks(bundle, [False, False, False, False])
    checks[3].message = f"h returned None: {nncheck.STUB_MARK}"
    name_upstream_failures(bundle, checks)
    assert checks[3].message == f"h returned None: {nncheck.STUB_MARK}"
