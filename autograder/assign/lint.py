"""Lint a master notebook: the mistakes an author makes that the build would not catch.

Reads the master (and its mistakes.py) only: no otter, no sandbox, a fraction of a second.
`make assign` refuses a master with problems; `make test` lints every master. The rules:

- public_and_hidden: every question has at least one public and one hidden check.
- points: every check has positive points; where the question's config gives `points`, its
  checks add up to it; the public checks carry 15-40% of the question's points.
- unique_keys: a reference key (`ref.close/alt/value("key", ...)`) is recorded at one place only
  (two tests sharing a key silently overwrite each other's value).
- parameters: every test parameter names a global of the notebook (or np, numpy, env; `checks`,
  the module of a checks.py beside the master, in hidden checks only).
- functions_checked: every function a question's solution defines (names without a leading _)
  is a parameter of some check, so nothing of the contract goes ungraded.
- hints_reached (a warning for now: the three first masters have hints no sample reaches): every
  hint given as a literal key of `alternatives={...}` is expected by at least one sample of
  mistakes.py (one of its `feedback` strings occurs in the hint's text; test_samples checks that
  the sample's feedback really contains it). Hints built elsewhere (a dict in a variable) and
  keys built at run time (f-strings) are not checked by hints_reached and unique_keys.

Usage: python -m autograder.assign.lint [master.ipynb | assignment name ...]
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
KNOWN_PARAMETERS = {"np", "numpy", "env"}  # what the engine provides besides the notebook's globals
PUBLIC_SHARE = (0.15, 0.40)
REFERENCE_METHODS = {"close", "alt", "value"}


@dataclass
class Problem:
    master: str
    question: str
    test: str
    message: str
    warning: bool = False   # reported by `make assign`, does not stop it

    def __str__(self):
        where = ": ".join(p for p in (self.master, self.question, self.test) if p)
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass
class Test:
    name: str
    points: float | None
    hidden: bool
    source: str
    parameters: list[str]


@dataclass
class Question:
    name: str
    config: dict
    tests: list[Test] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)   # functions its solution cells define


@dataclass
class Master:
    name: str
    questions: list[Question]
    globals: set[str]
    mistakes: dict | None          # None: no mistakes.py
    problems: list[Problem]        # found while reading
    given: list[str] = field(default_factory=list)   # functions defined outside every question (handed out)
    has_checks: bool = False       # a checks.py beside the master (hidden checks' parameter `checks`)


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _python(text):
    """A code cell's text without IPython magics and shell lines."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.split("\n"))


def _top_level_names(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
    return names


def _test_config(text):
    """(config dict, test source) of a test cell: an optional config docstring, then a function."""
    match = re.match(r'\s*"""\s*# BEGIN TEST CONFIG(.*?)"""\s*# END TEST CONFIG\s*\n', text, re.S)
    if not match:
        return {}, text
    return yaml.safe_load(match.group(1)) or {}, text[match.end():]


def load_mistakes(path: Path):
    """The MISTAKES dict of a mistakes.py ({} when the file does not exist)."""
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"mistakes_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MISTAKES


def read_master(path: Path) -> Master:
    import nbformat
    path = Path(path)
    name = path.stem
    nb = nbformat.read(str(path), as_version=4)
    questions, names, problems, given = [], set(), [], []
    question, in_tests = None, False
    for i, cell in enumerate(nb.cells):
        text = _source(cell)
        first = text.strip().split("\n", 1)[0].strip()
        if cell.cell_type == "raw":
            if first == "# BEGIN QUESTION":
                config = yaml.safe_load(text.split("\n", 1)[1]) if "\n" in text else {}
                config = config if isinstance(config, dict) else {}
                question = Question(str(config.get("name", f"<question at cell {i}>")), config)
                questions.append(question)
            elif first == "# END QUESTION":
                question, in_tests = None, False
            elif first in ("# BEGIN TESTS", "# END TESTS"):
                in_tests = first == "# BEGIN TESTS"
            continue
        if cell.cell_type != "code":
            continue
        if in_tests and question is not None:
            config, body = _test_config(text)
            try:
                funcs = [n for n in ast.parse(body).body if isinstance(n, ast.FunctionDef)]
            except SyntaxError as exc:
                problems.append(Problem(name, question.name, f"cell {i}", f"test cell does not parse: {exc}"))
                continue
            if len(funcs) != 1:
                problems.append(Problem(name, question.name, f"cell {i}",
                                        f"a test cell defines one test function (found {len(funcs)})"))
                continue
            points = config.get("points")
            question.tests.append(Test(funcs[0].name, None if points is None else float(points),
                                       bool(config.get("hidden", False)), body,
                                       [a.arg for a in funcs[0].args.args]))
            continue
        try:
            tree = ast.parse(_python(text))
        except SyntaxError as exc:
            problems.append(Problem(name, question.name if question else "", f"cell {i}",
                                    f"code cell does not parse: {exc}"))
            continue
        names |= _top_level_names(tree)
        defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        if question is not None:
            question.defines += defined
        else:
            given += defined
    mistakes_path = path.parent / "mistakes.py"
    mistakes = None
    if mistakes_path.exists():
        try:
            mistakes = load_mistakes(mistakes_path)
        except Exception as exc:  # the author's file: say what is wrong with it
            problems.append(Problem(name, "", "mistakes.py", f"cannot be loaded: {type(exc).__name__}: {exc}"))
    return Master(name, questions, names, mistakes, problems, given, (path.parent / "checks.py").exists())


# ---------------------------------------------------------------- rules

def check_public_and_hidden(master):
    problems = []
    for q in master.questions:
        kinds = {t.hidden for t in q.tests}
        if False not in kinds:
            problems.append(Problem(master.name, q.name, "", "no public check (students need at least one)"))
        if True not in kinds:
            problems.append(Problem(master.name, q.name, "", "no hidden check"))
    return problems


def check_points(master):
    problems = []
    for q in master.questions:
        for t in q.tests:
            if t.points is None or t.points <= 0:
                problems.append(Problem(master.name, q.name, t.name,
                                        f"points must be positive (got {t.points}); set `points:` in the test config"))
        total = sum(t.points or 0 for t in q.tests)
        stated = q.config.get("points")
        if isinstance(stated, (int, float)) and abs(stated - total) > 1e-9:
            problems.append(Problem(master.name, q.name, "",
                                    f"the checks carry {total:g} points, the question's config says {stated:g}"))
        public = sum(t.points or 0 for t in q.tests if not t.hidden)
        if total > 0 and any(not t.hidden for t in q.tests) and any(t.hidden for t in q.tests):
            share = public / total
            low, high = PUBLIC_SHARE
            if not low <= share <= high:
                problems.append(Problem(master.name, q.name, "",
                                        f"public checks carry {public:g} of {total:g} points ({share:.0%}); "
                                        f"keep it between {low:.0%} and {high:.0%} (about a quarter)"))
    return problems


def _reference_keys(source):
    """[(key, line)] of the literal keys the test passes to ref.close/alt/value."""
    keys = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in REFERENCE_METHODS and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "ref" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            keys.append((node.args[0].value, node.lineno))
    return keys


def check_unique_keys(master):
    problems, first = [], {}
    for q in master.questions:
        for t in q.tests:
            for key, line in _reference_keys(t.source):
                if key in first:
                    other_q, other_t, _ = first[key]
                    where = "twice in this test" if other_t == t.name else f"also used by {other_t} ({other_q})"
                    problems.append(Problem(master.name, q.name, t.name,
                                            f"reference key {key!r} is {where}: each key records one value"))
                else:
                    first[key] = (q.name, t.name, line)
    return problems


def check_parameters(master):
    problems = []
    for q in master.questions:
        for t in q.tests:
            for p in t.parameters:
                if p == "checks" and not (master.has_checks and t.hidden):
                    problems.append(Problem(master.name, q.name, t.name, (
                        "parameter 'checks' needs a checks.py beside the master" if not master.has_checks else
                        "a public check cannot take 'checks': it runs in the student's kernel, which has no "
                        "checks.py (only hidden checks can)")))
                elif p not in master.globals and p not in KNOWN_PARAMETERS | {"checks"}:
                    problems.append(Problem(master.name, q.name, t.name,
                                            f"parameter {p!r} is not a global of the notebook "
                                            "(a typo? the test would get None)"))
    return problems


def check_functions_checked(master):
    problems = []
    used = {p for q in master.questions for t in q.tests for p in t.parameters}
    for q in master.questions:
        for fn in q.defines:
            if not fn.startswith("_") and fn not in used:
                problems.append(Problem(master.name, q.name, "",
                                        f"function {fn!r} is defined here but no check takes it as a parameter"))
    return problems


def _hint_texts(source):
    """[(text, line)] of the hints given as literal keys of `alternatives={...}`; the formatted
    parts of an f-string become '\\0' (they never match a feedback string)."""
    hints = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg == "alternatives" and isinstance(kw.value, ast.Dict):
                for key in kw.value.keys:
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        hints.append((key.value, key.lineno))
                    elif isinstance(key, ast.JoinedStr):
                        text = "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in key.values)
                        hints.append((text, key.lineno))
    return hints


def check_hints_reached(master):
    if master.mistakes is None:
        return []  # no samples yet: nothing to check against (the build still makes reference/blank)
    expected = [str(f).lower() for m in master.mistakes.values() for f in m.get("feedback", [])]
    problems = []
    for q in master.questions:
        for t in q.tests:
            for hint, _ in _hint_texts(t.source):
                text = hint.lower()
                if not any(f and f in text for f in expected):
                    shown = hint.replace("\0", "{...}")
                    problems.append(Problem(master.name, q.name, t.name,
                                            f"no sample in mistakes.py reaches the hint {shown[:80]!r} "
                                            "(add a mistake whose `feedback` quotes it)", warning=True))
    return problems


RULES = [check_public_and_hidden, check_points, check_unique_keys, check_parameters,
         check_functions_checked, check_hints_reached]


def lint(path: Path) -> list[Problem]:
    """Every problem of the master at `path` (an empty list: the master is fine)."""
    try:
        master = read_master(path)
    except Exception as exc:  # an unreadable master is a problem to report, not a crash
        return [Problem(Path(path).stem, "", "", f"cannot be read: {type(exc).__name__}: {exc}")]
    problems = list(master.problems)
    if not master.questions:
        problems.append(Problem(master.name, "", "", "no questions (raw cells '# BEGIN QUESTION')"))
    for rule in RULES:
        problems += rule(master)
    return problems


def master_path(name_or_path):
    path = Path(name_or_path)
    if path.suffix == ".ipynb":
        return path
    return ROOT / "solutions" / name_or_path / f"{name_or_path}.ipynb"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("masters", nargs="*", help="assignment names or master paths (default: all)")
    args = parser.parse_args(argv)
    masters = args.masters or sorted(p.name for p in (ROOT / "solutions").iterdir()
                                     if (p / f"{p.name}.ipynb").exists())
    problems = [p for m in masters for p in lint(master_path(m))]
    for p in problems:
        print(p)
    errors = [p for p in problems if not p.warning]
    print(f"{len(masters)} masters, {len(errors)} errors, {len(problems) - len(errors)} warnings",
          file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
