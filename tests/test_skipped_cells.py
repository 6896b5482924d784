"""A cell that is left out stays left out only where that is right (issue 11, item 6: "a skipped
cell stays skipped for good", checked).

The grader (autograder/run/sandbox.py) leaves out a cell that hung or killed the notebook's
process, and keeps leaving it out when a later restart (a function call that hung) runs the
notebook again: the same code on the same inputs would hang again and spend the submission's
time. That memory belongs to one grading of one file: the fixed notebook is graded by a sandbox
of its own, and runs every cell. On the student's side (autograder/nngrader.py) nothing is
remembered per cell: each export compares what ran with what is saved, and a cell that failed
and was then fixed and run again makes the export check the saved file afresh.
"""
import autograder  # noqa: F401  (puts autograder/, where nngrader.py is, on the path)

HANG = "import time\nwhile True:\n    time.sleep(0.01)"


def test_a_hung_cell_is_left_out_of_its_grading_and_run_once_fixed():
    from autograder.run.sandbox import Limits, Sandbox, StudentError
    limits = Limits(cell_seconds=1, call_seconds=1, total_seconds=60)
    cells = ["x = 1", HANG, "def f():\n    return x + 1", "def g():\n    while True:\n        pass", "y = 2"]
    with Sandbox(cells, None, limits) as sandbox:
        sandbox.start()
        assert list(sandbox.skip) == [1] and "did not finish within 1 s" in sandbox.skip[1]
        assert sorted(sandbox.cell_reports) == [0, 2, 3, 4] and sandbox.lookup("y") == ("value", 2)
        try:  # a call that hangs: the process is killed, the next call starts the notebook again
            sandbox.call("g", [], {})
            raise AssertionError("g() returned")
        except StudentError as exc:
            assert "did not finish within 1 s" in exc.student_message
        assert sandbox.call("f", [], {})[0] == 2
        # the restart ran every cell but the one that hung (once more would cost another second)
        assert sorted(sandbox.cell_reports) == [0, 2, 3, 4] and sandbox.restarts == 2
    fixed = cells[:1] + ["z = 3"] + cells[2:]
    with Sandbox(fixed, None, limits) as sandbox:
        sandbox.start()
        assert sandbox.skip == {} and sorted(sandbox.cell_reports) == [0, 1, 2, 3, 4]
        assert sandbox.lookup("z") == ("value", 3)


def test_a_cell_fixed_after_an_error_makes_the_export_check_afresh():
    """Run All stops at the cell that raised (Jupyter aborts the cells queued after it); the
    student fixes it and runs it and the rest: the kernel did not run the saved file top to
    bottom, so the export runs it afresh, and no cell is stale."""
    from nngrader import ran_top_to_bottom, stale_cells
    grader, broken, rest, export = ("a", "grader = 1"), ("b", "def f(): return 1/0"), ("c", "f()"), ("d", "export")
    fixed = ("b", "def f(): return 1")
    saved = [grader, fixed, rest, export]
    runs = [grader, broken, rest, fixed, rest, export]
    assert not ran_top_to_bottom(saved, runs, from_start=True)
    assert stale_cells(saved, runs) == []
    # fixed in the editor and saved, but not run again: stale, and checked afresh
    runs = [grader, broken, rest, export]
    assert stale_cells(saved, runs) == [2] and not ran_top_to_bottom(saved, runs, True)
    # after Restart Kernel and Run All Cells the kernel's record starts again: no re-run needed
    assert ran_top_to_bottom(saved, list(saved), from_start=True)
