"""`make assign` says which earlier solutions a handout gives away (autograder/assign/given.py)."""
import json
import subprocess
import sys
from pathlib import Path

from autograder.assign.given import all_masters, describe, solutions_given

ROOT = Path(__file__).resolve().parents[1]


def _master(path: Path, given_code: str, question_code: str):
    def cell(kind, text):
        c = {"cell_type": kind, "metadata": {}, "source": text}
        if kind == "code":
            c.update(outputs=[], execution_count=None)
        return c
    cells = [cell("raw", "# ASSIGNMENT CONFIG\nname: x"),
             cell("code", given_code),
             cell("raw", "# BEGIN QUESTION\nname: q_one"),
             cell("code", question_code),
             cell("raw", "# END QUESTION")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_a_handout_that_gives_an_earlier_solution_names_it(tmp_path):
    first = _master(tmp_path / "a1" / "a1.ipynb", "import numpy as np",
                    "def relu(z):\n    return np.maximum(z, 0)\n\ndef _helper():\n    pass")
    second = _master(tmp_path / "a2" / "a2.ipynb",
                     "def relu(z):\n    return np.maximum(z, 0)\n\ndef plot(x):\n    pass",
                     "def relu_grad(z):\n    ...")
    masters = [first, second]
    assert solutions_given(second, masters) == {"a1": ["relu"]}
    assert solutions_given(first, masters) == {}
    line = describe("a2", solutions_given(second, masters))
    assert "a1 (relu)" in line and "release it only after that due date" in line
    assert "no solution" in describe("a1", {})


def test_the_bundled_handouts_and_the_readme_agree():
    masters = all_masters()
    given = {m.stem: solutions_given(m, masters) for m in masters}
    assert given["hw1_forward"] == {}
    assert "dense_forward" in given["hw2_backprop"]["hw1_forward"]
    assert set(given["hw3_sgd"]) == {"hw1_forward", "hw2_backprop"}
    assert set(given["hw4_cnn"]) == {"hw1_forward", "hw2_backprop", "hw3_sgd"}
    readme = (ROOT / "README.md").read_text()
    for name, earlier in given.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` |"))
        for other in earlier:
            assert other.split("_")[0] in row, f"README's row of {name} does not say it gives {other}'s solutions"
