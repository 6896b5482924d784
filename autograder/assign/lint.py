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
- hidden_messages: a hidden check's messages (assert messages, a raised exception's arguments,
  pytest.fail, the `what` and literal `alternatives` hints of assert_close/ref.close) show only
  literals and names the test binds to literals (through helpers it defines and calls, loops
  over literals, pure builtins, module names): never what the student's code returned (a shape,
  keys, a type name can spell out the hidden inputs), a hidden input or a reference value.
  The same for every message of the master's checks.py (it runs in hidden checks only), where a
  function's parameter counts as a constant when every call of it passes one (`checks.F(...)` in
  the hidden tests, `F(...)` in checks.py; a function used other than by calling it by name has
  parameters of unknown values), a module-level name when it is bound to constants only, and a
  call of a checks.py function when the arguments its result depends on are; reported as
  `checks.py: <function>: line N`.

Usage: python -m autograder.assign.lint [master.ipynb | assignment name ...]
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import os
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
    cell: int = 0          # the cell's index in the master
    first_line: int = 1    # the line of the cell that `source` starts at (after the config)


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
    checks_source: str | None = None   # its text


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
                                       [a.arg for a in funcs[0].args.args], i,
                                       text[:len(text) - len(body)].count("\n") + 1))
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
    checks_path = path.parent / "checks.py"
    return Master(name, questions, names, mistakes, problems, given, checks_path.exists(),
                  checks_path.read_text(encoding="utf-8") if checks_path.exists() else None)


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


# The hidden_messages rule. A message may show literals, names the test binds only to such
# values (its sizes, seeds, expected keys), pure builtins of those, and module names; nothing
# else, since any other value could come from the student's code or be a hidden input.
PURE_BUILTINS = {"len", "str", "repr", "int", "float", "round", "sorted", "tuple", "list", "range", "min",
                 "max", "abs", "sum", "enumerate", "zip", "dict", "set", "bool", "format", "reversed", "any",
                 "all", "type", "isinstance", "divmod", "pow", "chr", "ord", "hex", "bin", "oct", "frozenset"}
# numpy's functions that write into their first argument (and any call's out=)
ARGUMENT_MUTATORS = {"shuffle", "copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}
MESSAGE_CALLS = {"fail", "skip", "xfail"}     # pytest.fail(msg) and friends
_SAFE = ast.Constant(value=None)              # a binding known to hold a safe value


class _Each:
    """The items of an iterable a `for` or a comprehension walks (safe when the iterable is)."""

    def __init__(self, iterable):
        self.iterable = iterable


class _Opaque:
    """A value the lint cannot follow (what a function of checks.py put into an argument)."""

    def __init__(self, what):
        self.what = what


class _ChecksFunction:
    """A top-level function of checks.py, named in another of its functions: it stands for what
    it returns. Safe when every `return` is safe whenever its arguments are (a call's arguments
    are checked where it is made)."""

    def __init__(self, name):
        self.name = name


class _Returns:
    """What a helper function defined in the test returns: its `return` values (a generator's
    values are not checked)."""

    def __init__(self, fn):
        self.values, todo = [], list(fn.body)
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Return):
                self.values.append(node.value if node.value is not None else _SAFE)
            elif isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
                self.values.append(None)
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                todo.extend(ast.iter_child_nodes(node))


def _root_name(node):
    """x of x, x.a, x[i], x.a[i].b (None when the chain does not start at a name)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _aliased(value):
    """The names whose object (or a part of it) `value` may be: x, x[i], x.a, x.values(), a
    display holding those, the items of one of those."""
    if isinstance(value, _Each):
        value = value.iterable
    if isinstance(value, (ast.Name, ast.Subscript, ast.Attribute, ast.Starred)):
        root = _root_name(value)
        return [root] if root else []
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        return _aliased(value.func.value)
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return [n for e in value.elts for n in _aliased(e)]
    if isinstance(value, ast.Dict):
        return [n for e in value.values for n in _aliased(e)]
    if isinstance(value, ast.IfExp):
        return _aliased(value.body) + _aliased(value.orelse)
    if isinstance(value, ast.NamedExpr):
        return _aliased(value.value)
    return []


def _is_check_failure(node):
    """`except CheckFailure` (nncheck's class, however imported): what nncheck's helpers raise,
    with messages that show no values in hidden checks; a test's own CheckFailure messages are
    checked where they are raised."""
    kinds = node.elts if isinstance(node, ast.Tuple) else [node]
    return bool(kinds) and all((isinstance(k, ast.Name) and k.id == "CheckFailure")
                               or (isinstance(k, ast.Attribute) and k.attr == "CheckFailure") for k in kinds)


class _Bindings(ast.NodeVisitor):
    """Every place a test cell binds a name: {name: [what it is bound to: an expression, an
    _Each, _SAFE, or None when the value is not one the cell wrote (a parameter of the test, a
    `with ... as`, an exception that is not nncheck's CheckFailure)]}. Flow-insensitive: every
    binding of a name counts, wherever it is.

    For a function of checks.py: `top` is that function (the statements of the module beside it
    are read too), `constant_parameters` those of its parameters every call passes a constant,
    `prebound` the other names it may see ({name: [values]}: the module's functions, module
    names some function makes unsafe), `escaping` the functions defined in module-level blocks
    (called from anywhere), `results(call)` the arguments what a call of a checks.py function
    returns may be part of (None: not such a call), `effects(call)` the arguments a call of a checks.py
    function fills with values the lint cannot follow (None: not such a call). `tracked`: test
    parameters whose objects the test may change (`checks`: the module is shared)."""

    def __init__(self, tree, known_modules=(), top=None, constant_parameters=(), prebound=None, effects=None,
                 tracked=(), escaping=(), results=None):
        self.bound, self.modules, self.nncheck = {}, set(), set()
        self.known_modules = set(known_modules)
        top = tree.body if top is None else top
        self.constant_parameters = set(constant_parameters)
        self.top_parameters = {a.arg for n in top if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                               for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs} \
            - self.known_modules - self.constant_parameters - set(tracked)
        self.top = {id(n) for n in top}
        self.effects = effects
        self.escaping = set(escaping)   # ids of helper functions called from where this tree does not show
        self.results = results          # results(call): the arguments a checks.py function's result may be
        self.prebound = dict(prebound or {})
        for name, values in self.prebound.items():
            for v in values:
                self.add(name, v)
        self.mutations = {}   # {name: [values put into the object it names: x[i] = v, x.append(v)]}
        self.visit(tree)
        self._bind_helper_parameters(tree)
        self._share_mutations()

    def add(self, name, value):
        self.bound.setdefault(name, []).append(value)

    def mutate(self, name, values):
        """Each of `values` goes into the object `name` refers to (None: a value not known)."""
        self.mutations.setdefault(name, []).extend(values)

    def _share_mutations(self):
        """What is put into an object counts for every name that may refer to it (or to a part
        of it): names bound to one another (a = b, a = b[0], for v in b.values()) share it."""
        parent = {}

        def find(n):
            while parent.get(n, n) != n:
                n = parent[n]
            return n
        modules = (self.modules | self.nncheck | self.known_modules) - set(self.bound)
        for name, values in self.bound.items():
            for v in values:
                if isinstance(v, ast.Call) and _root_name(v.func) in modules:
                    continue   # what np.f(...) or nncheck.call(...) returns is no part of the module
                returned = self.results(v) if self.results is not None and isinstance(v, ast.Call) else None
                for other in _aliased(v) if returned is None else [n for a in returned for n in _aliased(a)]:
                    parent[find(name)] = find(other)
        shared = {}
        for name, values in self.mutations.items():
            shared.setdefault(find(name), []).extend(values)
        self.filled = {}      # {name: what is put into its object, by any name that may refer to it}
        self.aliases = {}     # {name: the names that may refer to (a part of) its object}
        for name in set(self.bound) | set(self.mutations):
            self.aliases.setdefault(find(name), set()).add(name)
        for name in set(self.bound) | set(self.mutations):
            self.aliases[name] = self.aliases[find(name)]
        for name in set(self.bound) | set(self.mutations):
            self.filled[name] = shared.get(find(name), [])
            self.bound.setdefault(name, []).extend(self.filled[name])

    def bind(self, target, value):
        if isinstance(target, ast.Name):
            self.add(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            pairwise = (isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
                        and not any(isinstance(e, ast.Starred) for e in target.elts + value.elts))
            for i, t in enumerate(target.elts):
                self.bind(t, value.elts[i] if pairwise else (_Each(value) if value is not None else None))
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):   # x[i] = v changes what x holds
            root = _root_name(target)
            if root is not None:
                self.mutate(root, [value] + ([target.slice] if isinstance(target, ast.Subscript) else []))

    def visit_Call(self, node):
        """x.append(v), x.update(d), rng.shuffle(x), np.copyto(x, v): the values go into x. A call
        of nncheck or of the student's code (a test parameter) changes nothing of the test's:
        the sandbox gets copies."""
        effects = self.effects(node) if self.effects else None
        if effects is not None:    # a call of a function of checks.py: what it puts into its arguments
            for arg, what in effects:
                for name in _aliased(arg):
                    self.mutate(name, [_Opaque(what)])
            self.generic_visit(node)
            return
        root = _root_name(node.func)
        if root is not None and root not in self.nncheck and root not in self.top_parameters:
            values = node.args + [k.value for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                owner = _root_name(node.func.value)
                if owner is not None and owner not in self.modules | self.known_modules:
                    self.mutate(owner, values)
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id \
                if isinstance(node.func, ast.Name) else ""
            targets = [k.value for k in node.keywords if k.arg == "out"]
            if name in ARGUMENT_MUTATORS and node.args:
                targets.append(node.args[0])
            for t in targets:
                if _root_name(t) is not None:
                    self.mutate(_root_name(t), [node.func] + [w for w in values if w is not t])
        self.generic_visit(node)

    def visit_Assign(self, node):
        for t in node.targets:
            self.bind(t, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self.bind(node.target, node.value if node.value is not None else _SAFE)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self.bind(node.target, node.value)   # the name's other bindings count too
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self.bind(node.target, node.value)
        self.generic_visit(node)

    def visit_For(self, node):
        self.bind(node.target, _Each(node.iter))
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node):
        self.bind(node.target, _Each(node.iter))
        self.generic_visit(node)

    def visit_withitem(self, node):
        if node.optional_vars is not None:
            self.bind(node.optional_vars, None)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        if node.name:
            self.add(node.name, _SAFE if node.type is not None and _is_check_failure(node.type) else None)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        # a helper stands for what it returns (safe when every `return` is); the test does not
        if id(node) not in self.top:
            self.add(node.name, _Returns(node))
        elif node.name not in self.prebound:   # (a function of checks.py: prebound as such)
            self.add(node.name, None)
        if id(node) in self.top:    # the test function: its parameters are the student's
            args = node.args
            for a in args.posonlyargs + args.args + args.kwonlyargs:
                if a.arg not in self.known_modules:   # np: numpy, from the engine
                    self.add(a.arg, _SAFE if a.arg in self.constant_parameters else None)
            for a in (args.vararg, args.kwarg):
                if a is not None:
                    self.add(a.arg, None)
        self.generic_visit(node)    # a helper's parameters: bound at its calls (below)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        args = node.args
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None:
                self.add(a.arg, None)
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        self.add(node.name, None)
        self.generic_visit(node)

    def visit_Import(self, node):
        for a in node.names:
            name = (a.asname or a.name).split(".")[0]
            (self.nncheck if a.name.split(".")[0] == "nncheck" else self.modules).add(name)

    def visit_ImportFrom(self, node):
        for a in node.names:
            (self.nncheck if (node.module or "").split(".")[0] == "nncheck" else self.modules).add(a.asname or a.name)

    def _bind_helper_parameters(self, tree):
        """A helper function defined inside the test: each parameter is bound to the arguments
        of every call of it (and its default); a helper used other than by calling it by name
        (passed on, called with *args) gets parameters of unknown values."""
        defs, methods = {}, set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(node) not in self.top:
                defs.setdefault(node.name, []).append(node)
            if isinstance(node, ast.ClassDef):   # a method is called through its object
                methods |= {id(n) for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        loads, calls = {}, {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                loads[node.id] = loads.get(node.id, 0) + 1
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in defs:
                calls.setdefault(node.func.id, []).append(node)
        for name, nodes in defs.items():
            sites = calls.get(name, [])
            escapes = len(nodes) > 1 or loads.get(name, 0) != len(sites) \
                or any(fn.decorator_list or id(fn) in methods or id(fn) in self.escaping for fn in nodes)
            for fn in nodes:
                a = fn.args
                positional = a.posonlyargs + a.args
                names = [p.arg for p in positional + a.kwonlyargs]
                defaults = dict(zip([p.arg for p in positional[len(positional) - len(a.defaults):]], a.defaults))
                defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
                for extra in (a.vararg, a.kwarg):
                    if extra is not None:
                        self.add(extra.arg, None)
                if escapes:
                    for p in names:
                        self.add(p, None)
                    continue
                for call in sites:
                    unknown =  any(isinstance(x, ast.Starred) for x in call.args) \
                        or any(k.arg is None for k in call.keywords)
                    given = {} if unknown else dict(zip([p.arg for p in positional], call.args))
                    if not unknown:
                        given.update({k.arg: k.value for k in call.keywords})
                    for p in names:
                        self.add(p, None if unknown else given.get(p, defaults.get(p)))


class _MessageCheck:
    """Which names of an expression could show a value the test did not write itself."""

    def __init__(self, tree, known_modules, safe_returns=(), attribute=None, call=None, **context):
        b = _Bindings(tree, known_modules, **context)
        self.bindings, self.bound = b, b.bound
        self.safe_returns = set(safe_returns)   # the checks.py functions whose results are safe
        self.attribute = attribute   # attribute(node, check): the culprits of checks.X in a test (None: not one)
        self.call = call             # call(node, check): the culprits of a call of a checks.py function (None: not one)
        self.nncheck = b.nncheck - set(b.bound)
        self.modules = (b.modules | known_modules) - set(b.bound) - self.nncheck
        # the greatest fixed point: a name is constant unless one of its bindings is not (sound,
        # since at run time every value a name holds came from one of its bindings, evaluated
        # when the names it uses held constants already)
        self._solve()

    def unknown(self, names):
        """This check with `names` (parameters) holding values of unknown origin too."""
        other = object.__new__(_MessageCheck)
        other.__dict__.update(self.__dict__)
        other.bound = {k: v + [None] if k in names else v for k, v in self.bound.items()}
        other._solve()
        return other

    def _solve(self):
        self.constants = {name for name, values in self.bound.items() if None not in values}
        changed = True
        while changed:
            changed = False
            for name in sorted(self.constants):
                if any(self.culprits(v) for v in self.bound[name]):
                    self.constants.discard(name)
                    changed = True

    def culprits(self, node):
        """The names (or a short description) that make `node` unsafe; [] when it is safe."""
        if node is None or node is _SAFE or isinstance(node, ast.Constant):
            return []
        if isinstance(node, _Each):
            return self.culprits(node.iterable)
        if isinstance(node, _Opaque):
            return [node.what]
        if isinstance(node, _ChecksFunction):
            return [] if node.name in self.safe_returns else [f"{node.name}()"]
        if isinstance(node, ast.Attribute) and self.attribute is not None:
            found = self.attribute(node, self)
            if found is not None:
                return found
        if isinstance(node, _Returns):
            return ["a generator"] if None in node.values else self._all(v for v in node.values if v is not None)
        if isinstance(node, ast.Name):
            if node.id in self.constants or node.id in self.modules or node.id in self.nncheck:
                return []
            if node.id in self.bound:
                return [node.id]
            return self._builtin(node.id)
        if isinstance(node, ast.Call):
            found = self.call(node, self) if self.call is not None else None
            if found is not None:
                return found
            return self._callee(node.func) + self._all(node.args + [k.value for k in node.keywords])
        if isinstance(node, (ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom)):
            return [f"a {type(node).__name__.lower()}"]
        return self._all(n for n in ast.iter_child_nodes(node) if isinstance(n, (ast.expr, ast.keyword,
                                                                                 ast.comprehension)))

    def _builtin(self, name):
        """A name the cell does not bind: a builtin (the test's globals are its cell's only)."""
        return [] if name in PURE_BUILTINS or name[:1].isupper() or name in ("True", "False", "None") else [name]

    def _callee(self, func):
        """Why calling `func` could return a value the test did not write: a call of nncheck (its
        values are the hidden inputs, the reference, grader-only data), of numpy's random
        numbers, of a function the test defines, of a builtin that reads any value."""
        chain, root = [], func
        while isinstance(root, ast.Attribute):
            chain.append(root.attr)
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.nncheck:
            return [f"{ast.unparse(func)}()"]
        if isinstance(root, ast.Name) and root.id in self.modules:
            return [f"{ast.unparse(func)}()"] if "random" in chain else []
        if isinstance(func, ast.Name) and func.id not in self.bound:
            return self._builtin(func.id)
        return self.culprits(func)   # a method of a value: safe when the value is

    def _all(self, nodes):
        return [c for n in nodes for c in self.culprits(n)]


def _shown_by_nncheck(func):
    """assert_close(got, expected, what, ...) and ref.close(key, got, what, ...): their failure
    messages quote `what` and the hint of the alternative that matched."""
    if isinstance(func, ast.Name):
        return func.id == "assert_close"
    return isinstance(func, ast.Attribute) and (func.attr == "assert_close" or (
        func.attr == "close" and ((isinstance(func.value, ast.Name) and func.value.id == "ref")
                                  or (isinstance(func.value, ast.Attribute) and func.value.attr == "ref"))))


def _messages(tree):
    """[(what, line, message expressions)] of a test: assert messages, the arguments of a raised
    exception (or the exception raised, when it was made elsewhere), pytest.fail(...)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            found.append(("assert", node.lineno, [node.msg]))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            if isinstance(node.exc, ast.Call):
                found.append(("raise", node.lineno, node.exc.args + [k.value for k in node.exc.keywords]))
            else:
                found.append(("raise", node.lineno, [node.exc]))
        elif (isinstance(node, ast.Call) and (node.args or node.keywords)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr in MESSAGE_CALLS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "pytest")
                   or (isinstance(node.func, ast.Name) and node.func.id == "fail"))):
            found.append((f"{ast.unparse(node.func)}()", node.lineno, node.args + [k.value for k in node.keywords]))
        elif isinstance(node, ast.Call) and _shown_by_nncheck(node.func):
            # what nncheck's assert_close / ref.close print: `what` and the hints of `alternatives`
            shown = [node.args[2]] if len(node.args) > 2 else []
            for k in node.keywords:
                if k.arg == "what":
                    shown.append(k.value)
                elif k.arg == "alternatives" and isinstance(k.value, ast.Dict):   # (a dict made elsewhere: not checked)
                    shown += [key for key in k.value.keys if key is not None]
            if shown:
                found.append((f"{ast.unparse(node.func)}() description", node.lineno, shown))
    return sorted(found, key=lambda f: f[1])


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_UNSAFE_ADVICE = ("which may hold what the student's code returned or a hidden input; use plain text, or "
                  "only names bound to literals")


def _immutable(node):
    """A literal whose object cannot be changed: a number, a string, a tuple of those."""
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        return True
    if isinstance(node, ast.Tuple):
        return all(_immutable(e) for e in node.elts)
    return isinstance(node, ast.BinOp) and _immutable(node.left) and _immutable(node.right)


def _call_arguments(fn, call):
    """{parameter: (expression, given)} of a call of `fn`: the argument the call passes
    (given=True) or the parameter's default (given=False; None when it has none); None when the
    call's arguments cannot be matched to the parameters (*args or **kwargs at the call)."""
    if any(isinstance(x, ast.Starred) for x in call.args) or any(k.arg is None for k in call.keywords):
        return None
    a = fn.args
    positional = a.posonlyargs + a.args
    given = dict(zip([p.arg for p in positional], call.args))
    given.update({k.arg: k.value for k in call.keywords})
    defaults = dict(zip([p.arg for p in positional[len(positional) - len(a.defaults):]], a.defaults))
    defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    return {p.arg: (given[p.arg], True) if p.arg in given else (defaults.get(p.arg), False)
            for p in positional + a.kwonlyargs}


def _local_names(fn):
    """The names local to a function or lambda: its parameters and what its own body binds
    (not its nested functions'), less those it declares global or nonlocal."""
    a = fn.args
    names = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if p is not None}
    declared, todo = set(), list(fn.body) if isinstance(fn.body, list) else [fn.body]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared |= set(node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        elif isinstance(node, ast.Lambda):
            continue
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(x.asname or x.name).split(".")[0] for x in node.names}
        todo.extend(ast.iter_child_nodes(node))
    return names - declared


def _module_references(tree, names):
    """The ids of the Name nodes of `tree` that refer to the module-level `names` (not to a
    parameter or local variable of the same name in the function around them)."""
    found = set()

    def walk(node, shadowed):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                outer = child.args.defaults + [d for d in child.args.kw_defaults if d is not None]
                outer += getattr(child, "decorator_list", [])
                for n in outer:          # evaluated where the function is defined
                    walk(ast.Expression(body=n), shadowed)
                inner = shadowed | _local_names(child)
                for n in child.body if isinstance(child.body, list) else [child.body]:
                    walk(ast.Module(body=[n], type_ignores=[]) if isinstance(n, ast.stmt) else ast.Expression(body=n),
                         inner)
            elif isinstance(child, ast.Name) and child.id in names and child.id not in shadowed:
                found.add(id(child))
            else:
                walk(child, shadowed)
    walk(tree, set())
    return found


class _ChecksModule:
    """The hidden_messages rule for a master's checks.py, whose code runs in hidden checks only.

    Each function of it (top-level, with the helpers nested in it) is read like a test, except
    that a parameter is a constant when every call of the function passes a constant (or leaves
    its constant default): the calls `checks.F(...)` of the hidden tests, read in the test, and
    the calls `F(...)` in checks.py, read in the calling function. A function used other than
    by calling it by name (passed on, decorated, called with *args) has parameters of unknown
    values. A call of a function of checks.py stands for what it returns; a function that puts
    values it cannot vouch for into an argument makes the caller's object unsafe; a module-level
    name is safe when no function of the module (nor a test, through `checks.X`) makes it
    unsafe. Everything starts safe and what is found unsafe stays so, until nothing changes."""

    def __init__(self, source, tests):
        self.tree = ast.parse(source)
        self.tests = tests   # [(Test, tree)]: the hidden tests that take `checks`
        body = self.tree.body
        self.functions = {}  # {name: [defs]}
        for n in body:
            if isinstance(n, _DEFS):
                self.functions.setdefault(n.name, []).append(n)
        self.defs = [n for n in body if isinstance(n, _DEFS)]
        statements = [n for n in body if not isinstance(n, _DEFS)]
        self.module = ast.Module(body=statements, type_ignores=[])   # module level, classes included
        self.around = [n for n in statements if not isinstance(n, ast.ClassDef)]   # beside each function
        self.classes = {n.name for n in statements if isinstance(n, ast.ClassDef)}
        # functions defined in module-level blocks (if, try): any function may call them
        self.loose = {id(n) for stmt in statements for n in ast.walk(stmt) if isinstance(n, _DEFS)}
        self.references = _module_references(self.tree, set(self.functions))   # F in checks.py meaning the function
        self.escaped = self._escaped()
        self.unknown = {id(fn): (set(self._parameters(fn)) if fn.name in self.escaped else set()) for fn in self.defs}
        self.unsafe_returns, self.module_unsafe = set(), self._touched_by_tests()
        self.tainting = {id(fn): set() for fn in self.defs}
        self.returned = {id(fn): set() for fn in self.defs}   # the parameters what it returns may be (part of)
        self.declared_global = {n for node in ast.walk(self.tree) if isinstance(node, ast.Global) for n in node.names}
        self.depends = {}    # {name: the parameters what it returns depends on}
        self.module_check = None
        while True:
            before = self._state()
            self._round()
            if self._state() == before:
                break

    def _state(self):
        """What a round may change (each part changes one way only: safe to unsafe; so the rounds end)."""
        sets = (self.unsafe_returns, self.module_unsafe, self.module_check.constants if self.module_check else None)
        maps = (self.depends, self.unknown, self.tainting, self.returned)
        return ([None if x is None else sorted(x) for x in sets],
                [{k: sorted(v) for k, v in m.items()} for m in maps])

    @staticmethod
    def _parameters(fn):
        a = fn.args
        return [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]

    def _escaped(self):
        """The functions used other than by calling them by name (in checks.py or as checks.F(...)
        in a test), defined twice or decorated: their parameters are unknown."""
        escaped = {name for name, fns in self.functions.items() if len(fns) > 1 or any(f.decorator_list for f in fns)}
        called = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Name) and id(n) in self.references and id(n) not in called:
                escaped.add(n.id)
        for _, tree in self.tests:
            called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
            owners = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
            for n in ast.walk(tree):
                if isinstance(n, ast.Name) and n.id == "checks" and id(n) not in owners:
                    escaped |= set(self.functions)      # the module itself passed on: anything goes
                if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "checks"
                        and n.attr in self.functions and id(n) not in called):
                    escaped.add(n.attr)
        return escaped

    def _touched_by_tests(self):
        """Module names a test rebinds (checks.X = ...): whatever it puts there."""
        touched = set()
        for _, tree in self.tests:
            for n in ast.walk(tree):
                if (isinstance(n, ast.Attribute) and isinstance(n.ctx, (ast.Store, ast.Del))
                        and isinstance(n.value, ast.Name) and n.value.id == "checks"):
                    touched.add(n.attr)
        self.escaped |= touched & set(self.functions)
        return touched

    def _changed_by_test(self, tree, check):
        """The module names a test may put values it cannot vouch for into (checks.X.append(got),
        a = checks.X; a[0] = got): those it names as checks.X, all when it passes `checks` on."""
        if check.attribute is not None:   # vouched for: it changes nothing of the module
            return set()
        owners = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        if any(isinstance(n, ast.Name) and n.id == "checks" and id(n) not in owners for n in ast.walk(tree)):
            return _top_level_names(self.module)
        return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name) and n.value.id == "checks"}

    def _callee(self, call, in_test):
        """The name of the checks.py function `call` calls directly (None: not one)."""
        f = call.func
        if in_test:
            ok = isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "checks"
            name = f.attr if ok else None
        else:
            name = f.id if isinstance(f, ast.Name) and id(f) in self.references else None
        return name if name in self.functions else None

    def _effects(self, in_test):
        def effects(call):
            name, found = self._callee(call, in_test), []
            if name is None:
                return None
            for fn in self.functions[name]:
                tainted = self.tainting[id(fn)]
                if not tainted:
                    continue
                arguments = _call_arguments(fn, call)
                a = fn.args
                if arguments is None or {x.arg for x in (a.vararg, a.kwarg) if x is not None} & tainted:
                    exprs = call.args + [k.value for k in call.keywords]
                else:
                    exprs = [arguments[p][0] for p in sorted(tainted) if p in arguments and arguments[p][1]]
                found += [(e, f"what {name}() of checks.py puts into it") for e in exprs]
            return found
        return effects

    def _immutable(self, name, check):
        """Whether a module-level name holds a number, a string or a tuple of those, always."""
        return name not in self.declared_global and all(
            not c.bindings.filled.get(name) and all(v is not None and _immutable(v) for v in c.bound.get(name, [None]))
            for c in (check, self.module_check))

    def _results(self, in_test):
        def results(call):
            name = self._callee(call, in_test)
            if name is None:
                return None
            found = []
            for fn in self.functions[name]:
                returned = self.returned[id(fn)]
                arguments = _call_arguments(fn, call)
                a = fn.args
                if arguments is None or {x.arg for x in (a.vararg, a.kwarg) if x is not None} & returned:
                    found += call.args + [k.value for k in call.keywords] if returned else []
                else:
                    found += [arguments[p][0] for p in sorted(returned) if p in arguments and arguments[p][1]]
            return found
        return results

    def _prebound(self):
        bound = {name: [_ChecksFunction(name)] for name in self.functions}
        for name in self.classes:
            bound.setdefault(name, []).append(None)
        for name in self.module_unsafe:
            bound.setdefault(name, []).append(None)
        return bound

    def check(self, fn, constant=None):
        """The _MessageCheck of a function of checks.py (None: of its module-level code), its
        parameters constant as its calls make them (or those of `constant`)."""
        safe = set(self.functions) - self.unsafe_returns
        context = dict(prebound=self._prebound(), effects=self._effects(False), call=self._summary(False),
                       escaping=self.loose, results=self._results(False))
        if fn is None:
            return _MessageCheck(self.module, set(), safe, top=[], **context)
        if constant is None:
            constant = set(self._parameters(fn)) - self.unknown[id(fn)]
        return _MessageCheck(ast.Module(body=self.around + [fn], type_ignores=[]), set(), safe, top=[fn],
                             constant_parameters=constant, tracked=self._parameters(fn), **context)

    def test_check(self, tree):
        """The _MessageCheck of a hidden test that takes `checks`: checks.X is safe where X is a
        constant of the module, checks.F(...) where F returns safe values from safe arguments."""
        context = dict(effects=self._effects(True), tracked=("checks",), call=self._summary(True),
                       results=self._results(True))
        check = _MessageCheck(tree, {"np", "numpy"}, **context)
        if self._vouched(tree, check):
            check = _MessageCheck(tree, {"np", "numpy"}, attribute=self._module_attribute, **context)
        return check

    @staticmethod
    def _vouched(tree, check):
        """Whether a test leaves `checks` the module: it uses it as checks.X only (it does not pass
        it on nor rebind it) and puts into it no value the lint cannot vouch for."""
        owners = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        bare = any(isinstance(n, ast.Name) and n.id == "checks" and id(n) not in owners for n in ast.walk(tree))
        filled = check.bindings.filled.get("checks", [])
        return (not bare and len(check.bound.get("checks", [])) == 1 + len(filled)
                and not any(v is None or check.culprits(v) for v in filled))

    def _module_attribute(self, node, check):
        if not (isinstance(node.value, ast.Name) and node.value.id == "checks"):
            return None
        if node.attr in self.functions:
            return [] if node.attr not in self.unsafe_returns else [f"checks.{node.attr}()"]
        return [] if node.attr in self.module_constants else [f"checks.{node.attr}"]

    def _unsafe_default(self, expr):
        """Whether a default (evaluated at module level) is unsafe (first round: not yet known)."""
        return bool(self.module_check.culprits(expr)) if self.module_check is not None else False

    def _summary(self, in_test):
        """call(node, check): a call of a function of checks.py is safe when the function returns
        safe values from safe arguments and the arguments its results depend on are safe."""
        def call(node, check):
            f = node.func
            if in_test:
                if not (check.attribute is not None and isinstance(f, ast.Attribute)
                        and isinstance(f.value, ast.Name) and f.value.id == "checks"):
                    return None
                name = f.attr
            else:
                if not (isinstance(f, ast.Name) and id(f) in self.references):
                    return None
                name = f.id
                if len(check.bound.get(name, [])) != 1:   # (also a local name of some function here)
                    return None
            fns = self.functions.get(name, [])
            if len(fns) != 1:
                return None
            arguments = _call_arguments(fns[0], node)
            if arguments is None:
                return None
            found = [f"{name}()"] if name in self.unsafe_returns else []
            for p in sorted(self.depends.get(name, ())):
                expr, given = arguments.get(p, (None, False))
                if expr is None or (check.culprits(expr) if given else self._unsafe_default(expr)):
                    found += check.culprits(expr) if given and expr is not None else [f"{name}()"]
            return found
        return call

    def _round(self):
        module_check = self.module_check = self.check(None)
        module_names = _top_level_names(self.module) - set(self.functions)
        self.module_constants = {n for n in module_names if n in module_check.constants}
        units = [(None, self.module, module_check, False)]
        units += [(fn, fn, self.check(fn), False) for fn in self.defs]
        units += [(None, tree, self.test_check(tree), True) for _, tree in self.tests]
        for fn, code, check, in_test in units:
            if in_test:
                self.module_unsafe |= self._changed_by_test(code, check)
            else:
                self.module_unsafe |= {n for n in module_names if n in check.bound and n not in check.constants}
            if fn is not None:
                parameters = self._parameters(fn)
                # what it returns when its arguments are safe, and which arguments that depends on
                returns = _Returns(fn)
                if fn.name not in self.unsafe_returns and any(v is not _SAFE for v in returns.values):
                    safe_arguments = self.check(fn, set(parameters))
                    if safe_arguments.culprits(returns):
                        self.unsafe_returns.add(fn.name)
                    else:
                        self.depends.setdefault(fn.name, set()).update(
                            p for p in parameters if p not in self.depends.get(fn.name, ())
                            and safe_arguments.unknown({p}).culprits(returns))
                extra = [x.arg for x in (fn.args.vararg, fn.args.kwarg) if x is not None]
                # what it returns may be one of its arguments or a module-level object, which its
                # caller may then fill: the argument is the caller's; a mutable module-level
                # object returned is taken as unsafe
                aliases = {a for v in _Returns(fn).values if v is not None
                           for n in _aliased(v) for a in check.bindings.aliases.get(n, {n})}
                self.returned[id(fn)] |= aliases & set(parameters + extra)
                self.module_unsafe |= {n for n in (aliases & module_names) - set(parameters + extra)
                                       if not self._immutable(n, check)}
                self.tainting[id(fn)] |= {p for p, values in check.bindings.filled.items() if p in parameters + extra
                                          and any(v is None or check.culprits(v) for v in values)}
            for call in ast.walk(code):
                if not isinstance(call, ast.Call):
                    continue
                name = self._callee(call, in_test)
                for callee in self.functions.get(name, []) if name else []:
                    arguments = _call_arguments(callee, call)
                    if arguments is None:
                        self.unknown[id(callee)] |= set(self._parameters(callee))
                        continue
                    for p, (expr, given) in arguments.items():
                        if expr is None or (check.culprits(expr) if given else self._unsafe_default(expr)):
                            self.unknown[id(callee)].add(p)

    def problems(self, master, warn):
        found = []
        for fn in [None] + self.defs:
            check = self.check(fn)
            if fn is not None and fn.name in self.escaped and self.tainting[id(fn)]:
                found.append(Problem(master.name, "", f"checks.py: {fn.name}", (
                    f"line {fn.lineno}: puts values the lint cannot vouch for into its parameters "
                    f"{', '.join(f'`{p}`' for p in sorted(self.tainting[id(fn)]))} and is used other than by "
                    "calling it by name, so the lint cannot follow where they go; call it directly"), warning=warn))
            for what, line, exprs in _messages(self.module if fn is None else fn):
                culprits = list(dict.fromkeys(check._all(exprs)))
                if culprits:
                    shown = ", ".join(f"`{c}`" if c.isidentifier() else c for c in culprits)
                    found.append(Problem(master.name, "", f"checks.py: {'module level' if fn is None else fn.name}", (
                        f"line {line}: the {what} message of a hidden "
                        f"check shows {shown}, {_UNSAFE_ADVICE} (a parameter is one when every call of the "
                        "function passes a literal)"), warning=warn))
        return found


def check_hidden_messages(master):
    """A hidden check's messages are shown to the student: they may not carry what the
    student's code returned (its shape, keys, text could spell out the hidden inputs) nor the
    hidden inputs themselves. An assert's message, a raised exception's arguments and
    pytest.fail's message may hold only literals and names the test binds to literals. The
    same holds for every message of checks.py (it runs in hidden checks only)."""
    warn = False   # an error, always: a zip whose hidden messages could leak is not built
    problems, hidden = [], [(q, t, ast.parse(t.source)) for q in master.questions for t in q.tests if t.hidden]
    module = None
    if master.checks_source is not None:
        try:
            module = _ChecksModule(master.checks_source,
                                   [(t, tree) for _, t, tree in hidden if "checks" in t.parameters])
        except SyntaxError as exc:
            problems.append(Problem(master.name, "", "checks.py", f"does not parse: {exc}"))
    for q, t, tree in hidden:
        check = module.test_check(tree) if module and "checks" in t.parameters else _MessageCheck(tree, {"np", "numpy"})
        for what, line, exprs in _messages(tree):
            culprits = list(dict.fromkeys(check._all(exprs)))
            if culprits:
                shown = ", ".join(f"`{c}`" if c.isidentifier() else c for c in culprits)
                problems.append(Problem(
                    master.name, q.name, t.name,
                    f"cell {t.cell}, line {t.first_line + line - 1}: the {what} message of a hidden check "
                    f"shows {shown}, which may hold what the student's code returned or a hidden input; "
                    "use plain text, or only names the test binds to literals", warning=warn))
    if module is not None:
        problems += module.problems(master, warn)
    return problems


RULES = [check_public_and_hidden, check_points, check_unique_keys, check_parameters,
         check_functions_checked, check_hints_reached, check_hidden_messages]


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
