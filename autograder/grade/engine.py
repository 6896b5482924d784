"""Grade one submission with a built autograder bundle.

The bundle is the unpacked `autograder.zip`: `tests.json` (the master's tests, public and
hidden), `expected.npz` (reference values recorded from the solution at build time; those of
variant v of the varying hidden checks in `expected@v.npz`), `files/`
(what students get besides the notebook, e.g. data), `grader_data/` (data only the grader has,
never shown to the student's code) and this package. The tests run here, in
the grader's process; the student's code runs in a Sandbox and is reached only through
StudentFunction proxies, so nothing the student's code does can change how a check decides.
"""
from __future__ import annotations

import ast
import functools
import inspect
import json
import linecache
import time
import traceback
import types
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

import nncheck
from autograder.run.sandbox import Limits, MachineryFault, Sandbox, StudentError, StudentFunction


MESSAGE_LIMIT = 4000      # characters of one check's message
CELL_ERROR_LIMIT = 2000   # of one cell's error
MAX_CELL_ERRORS = 30      # cells listed: a result (and its feedback files) stays small


def _bounded(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters]"


class SubmissionError(Exception):
    """The file cannot be graded at all (not a notebook, broken JSON, ...)."""


@dataclass
class CheckResult:
    question: str
    name: str
    points: float
    hidden: bool
    passed: bool
    message: str = ""
    seconds: float = 0.0
    author_error: str = ""   # the test's own traceback when it could not run: for the instructor only

    @property
    def score(self):
        return self.points if self.passed else 0.0


@dataclass
class SubmissionResult:
    checks: list[CheckResult] = field(default_factory=list)
    notebook_errors: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    confinement: str = ""
    fault: bool = False   # the machinery failed: not a grade (never cached, make grade exits non-zero)
    variant: int = 0      # which inputs the varying hidden checks used (see nncheck.rng)
    timed_out: bool = False  # a time limit was reached: make grade grades it again next time

    @property
    def score(self):
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self):
        return round(sum(c.points for c in self.checks), 6)

    def question_scores(self):
        scores = {}
        for c in self.checks:
            got, total = scores.get(c.question, (0.0, 0.0))
            scores[c.question] = (round(got + c.score, 6), round(total + c.points, 6))
        return scores

    def to_dict(self):
        return {"score": self.score, "max_score": self.max_score, "error": self.error,
                "seconds": round(self.seconds, 3), "notebook_errors": self.notebook_errors,
                "confinement": self.confinement, "variant": self.variant, "timed_out": self.timed_out,
                "checks": [asdict(c) for c in self.checks]}

    @classmethod
    def not_graded(cls, bundle, reason, fault=False):
        """Every check failed with `reason`: for a submission that could not be graded at all
        (`fault`: because the machinery failed, which is not a grade)."""
        return cls([CheckResult(t["question"], t["name"], t["points"], t["hidden"], False,
                                f"not graded: {reason}") for t in bundle.tests],
                   error=f"not graded: {reason}" if fault else reason, fault=fault)

    @classmethod
    def from_dict(cls, d):
        return cls([CheckResult(**c) for c in d["checks"]], d.get("notebook_errors", []),
                   d.get("error", ""), d.get("seconds", 0.0), d.get("confinement", ""),
                   variant=d.get("variant", 0), timed_out=d.get("timed_out", False))


@dataclass
class Bundle:
    """A built autograder, unpacked."""
    root: Path

    def __post_init__(self):
        self.root = Path(self.root)
        self.meta = json.loads((self.root / "tests.json").read_text())
        self.name = self.meta["assignment"]

    @property
    def tests(self):
        return self.meta["tests"]

    @functools.cached_property
    def checks(self):
        """The assignment's shared check code (the master's checks.py), as a module, or None."""
        return load_checks(self.meta.get("checks"), self.name)

    @property
    def files_dir(self):
        return self.root / "files"

    def limits(self, **overrides):
        values = dict(self.meta.get("limits", {}))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Limits(**values)

    @property
    def variants(self):
        """K: how many variants the varying hidden checks have (1: a zip without variants)."""
        return int(self.meta.get("variants", 1))

    def reference(self, variants=(0,)):
        """The reference values of variant 0 and of the checks that do not vary
        (expected.npz), with those of `variants` (expected@v.npz)."""
        reference = nncheck.Reference.load(self.root / "expected.npz")
        varying = any(t.get("variants", 1) > 1 for t in self.tests)
        for v in sorted(set(variants) - {0}):
            path = self.root / f"expected@{v}.npz"
            if path.exists():
                reference.values.update(nncheck.unpack(path.read_bytes()))
            elif varying:  # a broken zip must not cost the student the points of those checks
                raise MachineryFault(f"the autograder zip has no expected@{v}.npz (variant {v} of "
                                     f"{self.variants}): rebuild it with make assign")
        return reference

    def max_points(self):
        points = {}
        for t in self.tests:
            points[t["question"]] = points.get(t["question"], 0) + t["points"]
        return points


def read_code_cells(path):
    """The code cells of a notebook file, in order. Raises SubmissionError if unreadable.

    Plain JSON on purpose, not nbformat: this runs in the Gradescope zip too, whose environment
    (gradescope/requirements.txt) has no nbformat, and a submission must be read alike there and
    by `make grade`. Only the code cells' sources are read, each a string or a list of strings
    (what every nbformat 4 writer produces)."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError("the file is not a text notebook (.ipynb)") from None
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"the notebook file is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SubmissionError("the notebook file is not a Jupyter notebook (JSON nested too deeply)") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise SubmissionError("the file is JSON but not a Jupyter notebook (no list of cells)")
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            src = cell.get("source", "")
            if isinstance(src, list) and all(isinstance(line, str) for line in src):
                src = "".join(src)
            if not isinstance(src, str):
                raise SubmissionError(f"code cell {i + 1} of the notebook is damaged (its source is not text): "
                                      "open the notebook in Jupyter, save it and hand it in again")
            cells.append(src)
    return cells


class StudentEnvironment(dict):
    """What a test's parameters resolve to: proxies for the student's functions, copies of
    the student's plain values (numbers, strings, arrays), numpy for `np`."""

    def __init__(self, sandbox):
        super().__init__()
        self.sandbox = sandbox

    def get(self, name, default=None):
        if name in ("np", "numpy"):
            return np
        kind, value = self.sandbox.lookup(name)
        if kind == "callable":
            return StudentFunction(self.sandbox, name)
        if kind == "value":
            return value
        return default


class CouldNotRun(str):
    """The polite line a student reads when a test could not run, carrying in `.traceback` what
    its author needs (a typo in the test is the author's to fix, not the student's)."""
    traceback = ""


def _compile_test(source, name="test"):
    """The test function defined by one test's source (otter's exception-test format)."""
    ns = {}
    _run_source(source, f"<test {name}>", ns)
    funcs = [v for k, v in ns.items() if callable(v) and k.startswith("test")]
    if len(funcs) != 1:
        raise ValueError("a test source must define exactly one test function")
    return funcs[0]


def _run_source(source, filename, namespace):
    """exec `source` into `namespace`, its lines kept for tracebacks under `filename`."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def check_variant(test, variant):
    """The variant a check runs as: the submission's if the check varies (the build found that
    it draws its inputs from nncheck.rng), else 0 (public checks, fixed inputs)."""
    return variant if test.get("variants", 1) > 1 else 0


def load_checks(source, assignment):
    """The module made of a master's checks.py source (None: the master has none). Hidden tests
    that take a parameter `checks` get it."""
    if source is None:
        return None
    module = types.ModuleType(f"checks_{assignment}")
    module.__file__ = f"<checks.py of {assignment}>"
    _run_source(source, module.__file__, module.__dict__)
    return module


def run_check(test, env, variant=0, checks=None):
    """Run one test against the environment as `variant` (its nncheck.rng inputs and reference
    values); returns (passed, message). When the test itself fails (not the student's code,
    not an assertion), the message is a CouldNotRun whose `.traceback` is for the author."""
    fn = _compile_test(test["source"], test.get("name", "test"))
    try:
        given = {"env": env, "checks": checks}
        kwargs = {p: given[p] if p in given else env.get(p) for p in inspect.signature(fn).parameters}
        with nncheck.values_shown(not test["hidden"]), nncheck.variant(variant), warnings.catch_warnings():
            warnings.simplefilter("ignore", nncheck.StudentWarning)  # call_quietly still sees them
            fn(**kwargs)
        return True, ""
    except AssertionError as exc:  # CheckFailure and plain asserts: written for the student
        return False, str(exc) or "the check failed"
    except StudentError as exc:
        return False, exc.student_message
    except MachineryFault:
        raise  # not the student's doing: the submission is not graded, never scored
    except Exception as exc:
        # the test passed on the solution when the zip was built: what differs now is the
        # submission's values (a list where an array was meant, y_hat alone where a pair was)
        message = CouldNotRun(f"this check could not use what your code returned ({type(exc).__name__}): "
                              "check that each function returns what its docstring says (an array, a "
                              "tuple or a dict, with the shapes given); if it does, tell your instructor.")
        message.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next))
        return False, message


def grade_cells(bundle: Bundle, cells, limits=None, variant=0):
    """Run the checks of `bundle` against a notebook's code cells, the varying hidden checks as
    `variant`. Raises MachineryFault when the grading machinery fails: the caller reports the
    submission as not graded."""
    return grade_variants(bundle, cells, [variant], limits)[variant]


def grade_variants(bundle: Bundle, cells, variants, limits=None):
    """{variant: SubmissionResult} for one run of the notebook: every check that does not vary
    runs once, and each varying hidden check once per variant in `variants`. With one variant
    this is exactly how a submission is graded; with all of them it shows what the submission
    would score in each (tests/test_variants.py)."""
    start = time.monotonic()
    reference = bundle.reference(variants)
    saved_ref = nncheck.ref
    nncheck.ref = reference
    nncheck.DATA_DIRS[:] = [str(bundle.files_dir)]
    nncheck.GRADER_DATA_DIRS[:] = [str(bundle.root / "grader_data")]
    sandbox = Sandbox(cells, str(bundle.files_dir), limits or bundle.limits())
    results = {v: SubmissionResult(variant=v) for v in variants}
    try:
        error = ""
        try:
            sandbox.start()
        except StudentError as exc:
            error = exc.student_message
        env = StudentEnvironment(sandbox)
        # public checks first: the student's code sees a hidden check's inputs only after every
        # message that students can read at once has been written
        order = sorted(range(len(bundle.tests)), key=lambda i: bundle.tests[i]["hidden"])
        checks = {}  # (test index, the variant it ran as) -> CheckResult
        for v in variants:
            for i in order:
                test = bundle.tests[i]
                key = (i, check_variant(test, v))
                if key in checks:
                    continue
                t0 = time.monotonic()
                if error:
                    passed, message = False, f"not graded: {error}"
                else:
                    passed, message = run_check(test, env, key[1], bundle.checks)
                checks[key] = CheckResult(test["question"], test["name"], test["points"],
                                          test["hidden"], passed, _bounded(message, MESSAGE_LIMIT),
                                          time.monotonic() - t0,
                                          _bounded(getattr(message, "traceback", ""), MESSAGE_LIMIT))
        notebook_errors = []
        for i, reason in sorted(sandbox.skip.items()):
            notebook_errors.append(_bounded(f"Cell {i} was left out: {reason}", CELL_ERROR_LIMIT))
        for i, report in sorted(sandbox.cell_reports.items()):
            if report.error:
                notebook_errors.append(_bounded(f"Cell {i} raised {report.error}", CELL_ERROR_LIMIT))
        if len(notebook_errors) > MAX_CELL_ERRORS:
            more = len(notebook_errors) - MAX_CELL_ERRORS
            notebook_errors[MAX_CELL_ERRORS:] = [f"... and {more} more cells with errors"]
        for v, result in results.items():
            result.error = error
            result.checks = [replace(checks[(i, check_variant(t, v))]) for i, t in enumerate(bundle.tests)]
            if not error:
                name_upstream_failures(bundle, result.checks)
            result.confinement = sandbox.confinement or ""
            result.notebook_errors = list(notebook_errors)
            result.timed_out = sandbox.timed_out
    finally:
        sandbox.kill()
        nncheck.ref = saved_ref
    for result in results.values():
        result.seconds = time.monotonic() - start
    return results


def author_errors(results):
    """{test name: traceback} of the tests that could not run (the author's to fix), once each,
    from an iterable of SubmissionResults: for the instructor's log, never for students."""
    errors = {}
    for result in results:
        for c in result.checks:
            if c.author_error and c.name not in errors:
                errors[c.name] = c.author_error
    return errors


def _parameters(source):
    func = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    return [a.arg for a in func.args.args]


def failing_functions(bundle, checks):
    """{function: question} for the students' functions that fail a check of the question that
    defines them. A failed check that calls several of the question's functions blames them all
    only when no failed check of that question calls just one of them."""
    defines = bundle.meta.get("defines", {})
    failed = {}
    for test, check in zip(bundle.tests, checks):
        if not check.passed:
            own = [p for p in _parameters(test["source"]) if defines.get(p) == check.question]
            failed.setdefault(check.question, []).append(own)
    blamed = {}
    for question, calls in failed.items():
        single = {c[0] for c in calls if len(c) == 1}
        for fn in (single or {f for c in calls for f in c}):
            blamed[fn] = question
    return blamed


def name_upstream_failures(bundle, checks):
    """Put first, in each failed check of a question, which earlier functions it calls that fail
    their own question (the master's `uses`). The check still counts: see docs/authoring.md."""
    blamed = failing_functions(bundle, checks)
    for check in checks:
        bad = [(fn, blamed[fn]) for fn in bundle.meta.get("uses", {}).get(check.question, [])
               if fn in blamed and blamed[fn] != check.question]
        if check.passed or not bad or nncheck.STUB_MARK in check.message:
            continue  # (a stub of its own is the first thing to fix)
        if len(bad) == 1:
            what, those = f"your {bad[0][0]}, which fails {bad[0][1]}", "that"
        else:
            what, those = ", ".join(f"your {fn} (which fails {q})" for fn, q in bad), "those"
        check.message = f"{check.question} uses {what}: fix {those} first.\n{check.message}"


def grade_notebook(bundle: Bundle, path, limits=None, variant=0):
    return grade_cells(bundle, read_code_cells(path), limits=limits, variant=variant)
