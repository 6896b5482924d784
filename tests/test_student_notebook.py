"""What a student reads in the notebook: check messages without otter's internals, and an
export that hands in the code that ran (autograder/nngrader.py), in a real kernel."""
import re
import time
import zipfile

import pytest

from conftest import ASSIGNMENTS
from student_kernel import Kernel, code_cells, student_folder, text_of

INTERNALS = re.compile(r"Error at line \d+ in test|ref\.close\(|alternatives=|Traceback|CheckFailure|"
                       r"RuntimeWarning|IPKernelApp|without encryption")


@pytest.fixture
def kernels():
    started = []

    def start(folder):
        started.append(Kernel(folder))
        return started[-1]
    yield start
    for k in started:
        k.close()


def run_all(kernel, folder, assignment, with_ids=False):
    """Run every code cell in order; {source: outputs}; the export cell's wall time."""
    outs, seconds = {}, None
    for cell_id, source in code_cells(folder / f"{assignment}.ipynb"):
        t0 = time.monotonic()
        outs[source] = kernel.run(source, cell_id if with_ids else None)
        if "grader.export(" in source:
            seconds = time.monotonic() - t0
    return outs, seconds


def check_texts(outs):
    return {s: text_of(o) for s, o in outs.items() if "grader.check" in s}


def test_otters_own_failure_text_has_the_internals_nngrader_drops():
    """The before: otter 7 puts the test's line (with the known mistakes) in every failure."""
    from otter.test_files.exception_test import ExceptionTestFile
    from nngrader import failure_message
    source = ('from otter.test_files import test_case\nname = "q"\n@test_case(points=1)\n'
              'def test_q():\n    from nncheck import assert_close\n'
              '    assert_close(4.0, 1.0, "J for N = 4", batch=4, alternatives={"you summed": 3.0})\n')
    test = ExceptionTestFile.from_string(source, path="q")
    test.run({})
    raw = test.test_case_results[0].message
    assert "Error at line 6 in test q" in raw and "alternatives={" in raw
    shown = failure_message(raw)
    assert shown.startswith("J for N = 4: got 4, expected 1") and "batch size" in shown, shown
    assert not INTERNALS.search(shown), shown


@pytest.mark.parametrize("sample,expect", [(None, "the stub is not filled in yet"),
                                           ("bce_mean_over_n", "Likely cause: you divided the sum by N")])
def test_failed_checks_show_the_message_only(tmp_path, kernels, sample, expect):
    folder = student_folder(tmp_path, "hw1_forward", sample)
    outs, _ = run_all(kernels(folder), folder, "hw1_forward")
    texts = check_texts(outs)
    assert texts and any(expect in t for t in texts.values()), texts
    for source, text in texts.items():
        assert not INTERNALS.search(text), f"{source}:\n{text}"
    # a message keeps its words whole where the output area wraps lines (JupyterLab breaks
    # <pre> text anywhere unless told otherwise)
    failed = [t for t in texts.values() if "did not pass" in t]
    assert failed and all("word-break: normal" in t for t in failed)
    every = texts["grader.check_all()"]  # in the notebook's order, not otter's alphabetical one
    order = ["q_activations", "q_dense", "q_forward", "q_mse", "q_bce", "q_softmax", "q_softmax_ce"]
    assert [every.index(q + " ") for q in order] == sorted(every.index(q + " ") for q in order), every


def test_export_after_a_top_to_bottom_run_needs_no_rerun(tmp_path, kernels):
    folder = student_folder(tmp_path, "hw1_forward", "reference")
    outs, seconds = run_all(kernels(folder), folder, "hw1_forward")
    export = next(text_of(o) for s, o in outs.items() if "grader.export(" in s)
    assert "no re-run needed" in export and "7 of 7 questions pass" in export, export
    assert "nngrader-warning" not in export and not INTERNALS.search(export), export
    assert seconds < 5, f"export took {seconds:.1f} s"
    zips = list(folder.glob("hw1_forward_*.zip"))
    assert len(zips) == 1 and f"href='{zips[0].name}'" in export
    with zipfile.ZipFile(zips[0]) as zf:
        assert "hw1_forward.ipynb" in zf.namelist()


def test_export_reruns_the_saved_file_when_cells_ran_out_of_order(tmp_path, kernels):
    folder = student_folder(tmp_path, "hw1_forward", "reference")
    kernel = kernels(folder)
    cells = code_cells(folder / "hw1_forward.ipynb")
    for _, source in cells[:-1]:
        kernel.run(source)
    kernel.run('grader.check("q_dense")')  # once more: the kernel's history is not the file's
    export = text_of(kernel.run(cells[-1][1]))
    assert "fresh kernel" in export and "7 of 7 questions pass" in export, export
    # the fresh kernel's log ("running over TCP without encryption") is not shown; a front end
    # without cell ids could not be asked to save, and the student is told so
    assert not INTERNALS.search(export), export
    assert "This editor cannot be asked to save the notebook" in export, export


def test_export_warns_when_the_saved_file_is_not_the_code_that_ran(tmp_path, kernels):
    """A front end that sends cell ids (JupyterLab) but could not save: the student edited the
    sigmoid cell and ran it, the file on disk still has the stub."""
    folder = student_folder(tmp_path, "hw1_forward")
    kernel = kernels(folder)
    cells = code_cells(folder / "hw1_forward.ipynb")
    edited = next(i for i, (_, s) in enumerate(cells) if s.startswith("def sigmoid"))
    for i, (cell_id, source) in enumerate(cells[:-1]):
        kernel.run(source.replace("    ...", "    return 0.5 * (1 + np.tanh(0.5 * z))", 1)
                   if i == edited else source, cell_id)
    t0 = time.monotonic()
    export = text_of(kernel.run(cells[-1][1], cells[-1][0]))
    assert "nngrader-warning" in export and "NOT the code that ran" in export, export
    assert f"code cell(s) {edited + 1} (&#x27;def sigmoid(z):&#x27;)" in export, export
    assert time.monotonic() - t0 < 60


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_notebook_draws_no_empty_axes(tmp_path, kernels, assignment):
    """Before the stubs are filled in, a plot cell says what to fill in, and draws nothing."""
    folder = student_folder(tmp_path, assignment)
    outs, _ = run_all(kernels(folder), folder, assignment)
    told = {s: o for s, o in outs.items() if re.search(r"(Fill in|Train) .* first|Fill in .* to see", text_of(o))}
    assert told, "no plot cell says what to fill in first"
    for source, outputs in told.items():
        assert not any("image/png" in o.get("data", {}) for o in outputs), source


def test_what_ran_against_what_is_saved():
    from nngrader import ran_top_to_bottom, stale_cells
    saved = [("a", "import x"), ("b", "def f(): return 1"), ("c", "grader.export()")]
    assert ran_top_to_bottom(saved, list(saved), from_start=True)
    assert not ran_top_to_bottom(saved, list(saved), from_start=False)  # cells ran before the grader
    assert not ran_top_to_bottom(saved, [saved[0], saved[1], saved[1], saved[2]], True)  # b twice
    assert not ran_top_to_bottom(saved, [saved[0], ("b", "def f(): return 2"), saved[2]], True)
    # a front end without cell ids: the sources decide
    assert ran_top_to_bottom(saved, [(None, s) for _, s in saved], True)
    # cell b ran as `return 2`, the file says `return 1`; cell c never ran
    assert stale_cells(saved, [saved[0], ("b", "def f(): return 2"), ("b", "def f(): return 2")]) == [2]
    assert stale_cells(saved, [saved[0], ("b", "def f(): return 2"), saved[1]]) == []  # ran last as saved
    assert stale_cells(saved, [(None, "def f(): return 2")]) == []  # no ids: cannot tell
