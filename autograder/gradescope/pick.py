"""Which of the uploaded files is the assignment's notebook.

Students upload what is in their folder: the assignment, an Untitled.ipynb, a scratch copy, the
zip that grader.export() made. Every notebook, loose or inside a zip, is a candidate; the one
graded is, in order of preference: one whose metadata names this assignment (otter writes it
into the student notebook), one with at least one stub filled in, one named <assignment>.ipynb,
the one with the most stubs filled in. The others are listed, with the reason, for the student.
"""
from __future__ import annotations

import ast
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.grade.submissions import MAX_NOTEBOOK_BYTES, UNREADABLE_ZIP, NoNotebook, Submission

GIVEN = {"env", "np", "numpy"}  # test parameters that are not the student's


@dataclass
class Candidate:
    submission: Submission
    shown: str                 # the name the student knows it by
    metadata_names: str | None  # the assignment its otter metadata names, if any
    filled: int                # stubs filled in
    readable: bool = True

    def metadata_matches(self, assignment):
        # a notebook without otter's metadata (a new one, a copy saved elsewhere) may still be it
        return self.metadata_names in (None, assignment)

    def rank(self, assignment):
        named = PurePosixPath(self.submission.member or self.submission.source.name).name == f"{assignment}.ipynb"
        return (self.readable, self.metadata_matches(assignment), self.filled > 0, named, self.filled,
                -self.shown.count("/"), _reverse(self.shown))

    def why_not(self, assignment, total):
        if not self.readable:
            return "not a readable notebook"
        if not self.metadata_matches(assignment):
            return f"the notebook of {self.metadata_names}, not of {assignment}"
        if self.filled == 0:
            return "nothing filled in"
        return f"{self.filled} of {total} answers filled in"


def _reverse(name):  # among equals, the alphabetically first name wins under max()
    return tuple(-ord(c) for c in name)


def student_names(tests):
    """The names the tests look up in the student's notebook: functions and answers."""
    names = set()
    for test in tests:
        try:
            tree = ast.parse(test["source"])
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                names.update(a.arg for a in node.args.args)
    return names - GIVEN


def _is_stub(body):
    """A body that is only a docstring and `...`, `pass` or `raise NotImplementedError`."""
    statements = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                          and isinstance(s.value.value, str))]
    if not statements:
        return True
    if len(statements) != 1:
        return False
    s = statements[0]
    return (isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                        and s.value.value is Ellipsis)
            or (isinstance(s, ast.Raise) and "NotImplementedError" in ast.dump(s)))


def filled_names(cells, names):
    """Which of `names` a notebook's code cells define with something other than a stub."""
    filled = set()
    for source in cells:
        try:
            tree = ast.parse("\n".join(l for l in source.splitlines()
                                       if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in names and not _is_stub(node.body):
                filled.add(node.name)
            elif isinstance(node, ast.Assign):
                stub = isinstance(node.value, ast.Constant) and node.value.value is Ellipsis
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in names and not stub:
                        filled.add(target.id)
    return filled


def _candidate(submission, shown, assignment, names):
    try:
        nb = json.loads(submission.read_bytes().decode("utf-8"))
        cells = ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                 for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
        meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
        otter = meta.get("otter") if isinstance(meta.get("otter"), dict) else {}
        named = otter.get("assignment_name")
    except (NoNotebook, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, OSError,
            RecursionError) + UNREADABLE_ZIP:
        return Candidate(submission, shown, None, 0, readable=False)
    return Candidate(submission, shown, named if isinstance(named, str) else None,
                     len(filled_names(cells, names)))


def _notebook_members(path: Path):
    with zipfile.ZipFile(path) as zf:
        return [i.filename for i in zf.infolist() if i.filename.endswith(".ipynb")
                and "__MACOSX" not in i.filename and ".ipynb_checkpoints" not in i.filename
                and i.file_size <= MAX_NOTEBOOK_BYTES]


def choose(folder: Path, assignment: str, tests):
    """(the chosen Candidate, the number of answers, [(ignored name, reason)]).

    Raises NoNotebook when there is no notebook at all."""
    names = student_names(tests)
    candidates, broken_zips = [], []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if ".ipynb_checkpoints" in path.parts or "__MACOSX" in path.parts:
            continue
        if path.suffix == ".ipynb":
            candidates.append(_candidate(Submission(path.name, path), rel, assignment, names))
        elif path.suffix == ".zip":
            try:
                members = _notebook_members(path)
            except (zipfile.BadZipFile, OSError):
                broken_zips.append((rel, "not a valid zip archive"))
                continue
            for member in members:
                candidates.append(_candidate(Submission(path.name, path, member), f"{rel}: {member}",
                                             assignment, names))
    if not candidates:
        reason = "no .ipynb notebook (or zip from grader.export()) was submitted"
        if broken_zips:
            reason += f" ({broken_zips[0][0]} is {broken_zips[0][1]})"
        raise NoNotebook(reason)
    best = max(candidates, key=lambda c: c.rank(assignment))
    ignored = [(c.shown, c.why_not(assignment, len(names))) for c in candidates if c is not best] + broken_zips
    return best, len(names), ignored
