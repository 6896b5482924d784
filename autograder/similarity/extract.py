"""The code a student wrote in a notebook, one entry per function, without the handout.

What counts: every top-level function the notebook defines, with its docstring left out and
the statements the handout already had in that function (for example a given dictionary of
activation functions) removed. A function the handout gives whole and the student left as it
was is dropped; one the student changed counts. The student's own helper functions are put
together under OTHER, sorted by the shape of their syntax tree so that their order and names
do not matter. Code outside functions (plots, experiments, printed tables) is not compared.
"""
from __future__ import annotations

import ast
import json

OTHER = "(other functions)"


def code_cells_of(notebook_bytes: bytes) -> list[str]:
    """The code cells of a notebook file's bytes ([] when it is not a readable notebook)."""
    try:
        nb = json.loads(notebook_bytes.decode("utf-8"))
        cells = nb["cells"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return []
    out = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            src = cell.get("source", "")
            out.append("".join(src) if isinstance(src, list) else str(src))
    return out


def _functions(cells):
    """[(FunctionDef node, its cell's lines)] of every top-level function, in notebook order;
    a later definition of a name replaces an earlier one (as when the cells run in order)."""
    found = {}
    for source in cells:
        # IPython magics and shell lines are blanked (same line numbers), not parsed
        lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.pop(node.name, None)
                found[node.name] = (node, lines)
    return list(found.values())


def _is_docstring(stmt):
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _dump(node):
    return ast.dump(node, annotate_fields=False)


def handout_of(cells):
    """{function name: (dump of the whole function, {dumps of its given statements})} of the
    handed-out notebook."""
    given = {}
    for node, _ in _functions(cells):
        body = [s for s in node.body if not _is_docstring(s)]
        given[node.name] = (_dump(node), {_dump(s) for s in body})
    return given


def student_code(cells, handout) -> dict[str, str]:
    """{function name or OTHER: the student's text} for a notebook's code cells.

    handout: handout_of(the blank notebook's code cells). Each text is the `def` line and the
    body's own statements (comments inside them included), as written."""
    out, other = {}, []
    for node, lines in _functions(cells):
        given_whole, given_statements = handout.get(node.name, (None, set()))
        if given_whole is not None and _dump(node) == given_whole:
            continue  # handed out and left alone
        body = [s for s in node.body if not _is_docstring(s) and _dump(s) not in given_statements]
        if not body:
            continue
        first_body_line = node.body[0].lineno
        head = lines[(node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1:
                     max(node.lineno, first_body_line - 1)]
        if _is_docstring(node.body[0]):  # a one-line `def f(x): "doc"; ...` keeps just the def
            head = lines[node.lineno - 1:node.body[0].lineno - 1] or [lines[node.lineno - 1]]
        parts = head + [l for s in body for l in lines[s.lineno - 1:s.end_lineno]]
        text = "\n".join(parts).rstrip() + "\n"
        if node.name in handout:
            out[node.name] = text
        else:
            other.append((_shape(node), text))
    if other:
        out[OTHER] = "\n".join(text for _, text in sorted(other))
    return out


def _shape(node):
    """A sort key that does not see names, comments or layout: the function's node types."""
    return " ".join(type(n).__name__ for n in ast.walk(node))
