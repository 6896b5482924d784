"""make new ASSIGNMENT=<name>: a new master to start from (docs/authoring.md).

Writes solutions/<name>/<name>.ipynb (the config cell and one question, `square`, with a public
and a hidden check), solutions/<name>/checks.py (one helper the hidden check calls: code that
hidden checks share goes there) and solutions/<name>/mistakes.py (two typical mistakes, four
correct variants), then prints the README table row to add. The scaffold passes the lint, builds with
`make assign ASSIGNMENT=<name>`, and its samples grade as mistakes.py says: replace the question
with yours, keeping that true.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]

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
  instructions: Upload the zip file this cell makes to Gradescope.
variants: 8"""

INTRO = """# {name}

Write each function where it says `...`. Run the `grader.check` cell after each question: it runs
the public checks. Hidden checks (new sizes and values) run when you submit."""

QUESTION = """## Question 1: squares

Write `square(x)`, the elementwise square $y_{ij} = x_{ij}^2$ of an array `x` of any shape.
Return a new array of the same shape; do not change `x`."""

SOLUTION = '''def square(x):
    """Elementwise square.

    Inputs:
    - x: numpy array of any shape.

    Returns:
    - y: numpy array of the same shape as x, y = x ** 2.
    """
    # BEGIN SOLUTION
    return x ** 2
    # END SOLUTION
'''

PUBLIC_TEST = '''""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_square_public(square):
    import numpy as np
    from nncheck import call_unchanged, ref
    x = np.array([[-3.0, 0.0, 0.5], [1.0, 2.0, -4.0]])
    ref.close("square/public", call_unchanged(square, x), "square(x) for x of shape (2, 3)")
'''

HIDDEN_TEST = '''""" # BEGIN TEST CONFIG
points: 3
hidden: true
""" # END TEST CONFIG
def test_square_hidden(square, checks):
    from nncheck import ref, rng
    x = rng(7).normal(size=(5, 4)) * 3  # each student's own x (docs/authoring.md, "Per-student variants")
    checks.same("square/hidden", square, [x], "square(x) for x of shape (5, 4)", alternatives={
        "you returned 2 * x; square each entry instead (x ** 2)": ref.alt("square/hidden/doubled", lambda: 2 * x)})
'''

CHECKS = '''"""What the hidden checks of {name} share: a hidden test that takes a parameter `checks` gets
this module (docs/authoring.md).

It goes into the autograder zip only, never to students, so public checks cannot use it (the
lint refuses that). Put here what hidden checks repeat (input makers, result-form checks, known
mistakes, a whole family of checks), so that each hidden test reads as its spec in a few lines.
Read nncheck.ref when a function runs, as `nncheck.ref.close(...)`; never `from nncheck import
ref` at the top of this file: the build swaps nncheck.ref for the values it records.
"""
import nncheck


def same(key, fn, args, what, **options):
    """fn(*args) compared with the solution's result, recorded under `key` when the zip is built
    (options: batch=, alternatives=, rtol=, atol=; see nncheck.assert_close). The call must leave
    its arguments unchanged."""
    nncheck.ref.close(key, nncheck.call_unchanged(fn, *args), what, **options)
'''

MISTAKES = '''"""Sample submissions for {name}: the reference with one typical mistake each (docs/authoring.md).

Each entry: "replace" [(old, new)] texts of the reference notebook (each old text exactly once),
"loses" the questions that must score below their maximum (all others keep full marks),
"feedback" strings that must appear in the feedback. Samples with an empty "loses" are correct
solutions in other styles.
"""

MISTAKES = {{
    "square_doubled": {{
        "about": "2 * x instead of x ** 2",
        "replace": [("    return x ** 2\\n", "    return 2 * x\\n")],
        "loses": ["q_square"],
        "feedback": ["you returned 2 * x"],
    }},
    "square_in_place": {{
        "about": "squares x in place: the input changes",
        "replace": [("    return x ** 2\\n", "    x **= 2\\n    return x\\n")],
        "loses": ["q_square"],
        "feedback": ["in place"],
    }},
    # correct solutions written differently (tests/test_samples.py asks for at least four)
    "correct_multiply": {{
        "about": "x * x",
        "replace": [("    return x ** 2\\n", "    return x * x\\n")],
        "loses": [],
    }},
    "correct_np_square": {{
        "about": "np.square",
        "replace": [("    return x ** 2\\n", "    return np.square(x)\\n")],
        "loses": [],
    }},
    "correct_loops": {{
        "about": "a loop over the entries of a copy",
        "replace": [("    return x ** 2\\n",
                     "    y = np.array(x, dtype=float)\\n"
                     "    for i in np.ndindex(y.shape):\\n"
                     "        y[i] = y[i] * y[i]\\n"
                     "    return y\\n")],
        "loses": [],
    }},
    "correct_copy_then_in_place": {{
        "about": "np.copy, then squared in place",
        "replace": [("    return x ** 2\\n", "    y = np.copy(x)\\n    y **= 2\\n    return y\\n")],
        "loses": [],
    }},
}}
'''


def _cells(name):
    v4 = nbformat.v4
    return [
        v4.new_raw_cell(CONFIG.format(name=name)),
        v4.new_markdown_cell(INTRO.format(name=name)),
        v4.new_code_cell("import numpy as np"),
        v4.new_raw_cell("# BEGIN QUESTION\nname: q_square"),
        v4.new_markdown_cell(QUESTION),
        v4.new_raw_cell("# BEGIN SOLUTION"),
        v4.new_code_cell(SOLUTION),
        v4.new_raw_cell("# END SOLUTION"),
        v4.new_raw_cell("# BEGIN TESTS"),
        v4.new_code_cell(PUBLIC_TEST),
        v4.new_code_cell(HIDDEN_TEST),
        v4.new_raw_cell("# END TESTS"),
        v4.new_raw_cell("# END QUESTION"),
    ]


def scaffold(name: str, root: Path = ROOT) -> Path:
    """Write the new master, its checks.py and mistakes.py under root/solutions/<name>/; returns the folder.
    Refuses a name that is not a Python-style identifier or that exists already."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name or ""):
        raise SystemExit(f"assignment name {name!r}: use lower-case letters, digits and _ "
                         "(for example hw5_rnn)")
    folder = Path(root) / "solutions" / name
    if folder.exists():
        raise SystemExit(f"{folder} exists already: choose another name")
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    nb.cells = _cells(name)
    nbformat.write(nb, str(folder / f"{name}.ipynb"))
    (folder / "checks.py").write_text(CHECKS.format(name=name))
    (folder / "mistakes.py").write_text(MISTAKES.format(name=name))
    return folder


def readme_row(name):
    return f"| `{name}` | `square` (replace with what students write) | |"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", help="the new assignment's name, e.g. hw5_rnn")
    args = parser.parse_args(argv)
    if not args.name:
        raise SystemExit("usage: make new ASSIGNMENT=<name>")
    folder = scaffold(args.name)
    rel = folder.relative_to(ROOT)
    print(f"wrote {rel}/{args.name}.ipynb, {rel}/checks.py and {rel}/mistakes.py\n"
          f"next: edit the master (docs/authoring.md), then `make assign ASSIGNMENT={args.name}` "
          f"(runs the lint) and `make grade ASSIGNMENT={args.name}` (grades the samples).\n"
          "Add this row to the assignment table of README.md:\n\n"
          f"{readme_row(args.name)}")


if __name__ == "__main__":
    sys.exit(main())
