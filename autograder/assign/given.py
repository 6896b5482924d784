"""Which earlier assignments' solutions a handout gives away.

A handout may hand out working code of functions that students write in an earlier assignment
(hw3 gives a working `dense_backward` so that students can train a network). That is fair, but
only once the earlier assignment is due: `make assign` prints what each handout gives, so the
instructor knows which release must wait for which due date.
"""
from __future__ import annotations

from pathlib import Path

from .lint import read_master

ROOT = Path(__file__).resolve().parents[2]


def graded_functions(master) -> set[str]:
    """The functions students write in this master (defined in its questions' cells)."""
    return {f for q in master.questions for f in q.defines if not f.startswith("_")}


def solutions_given(master_path: Path, other_masters: list[Path]) -> dict[str, list[str]]:
    """{other assignment: [its graded functions that this master hands out working]}."""
    given = set(read_master(master_path).given)
    found = {}
    for other in sorted(other_masters):
        if Path(other).resolve() == Path(master_path).resolve():
            continue
        shared = sorted(given & graded_functions(read_master(other)))
        if shared:
            found[Path(other).stem] = shared
    return found


def describe(assignment: str, given: dict[str, list[str]]) -> str:
    if not given:
        return f"[{assignment}] the handout gives no solution of another assignment"
    parts = ", ".join(f"{other} ({', '.join(funcs)})" for other, funcs in given.items())
    return (f"[{assignment}] the handout gives working solutions of {parts}: release it only after "
            f"{'their due dates' if len(given) > 1 else 'that due date'}")


def all_masters(root: Path = ROOT) -> list[Path]:
    return sorted(p / f"{p.name}.ipynb" for p in (root / "solutions").iterdir()
                  if (p / f"{p.name}.ipynb").exists())
