"""The notebook's `grader`: otter's Notebook, with this course's check display and export.

This file ships next to every student notebook, whose first cell makes the grader:

    from nngrader import Notebook
    grader = Notebook("hw1_forward.ipynb")

    grader.check("q")    otter runs the question's public checks; a failure shows the check's
                         message only (what was checked, got against expected, the likely cause),
                         never otter's "Error at line N in test ..." nor the test's source
    grader.check_all()   the same for every question
    grader.export()      saves the notebook (JupyterLab), says whether the saved file holds the
                         code that ran, zips it for upload, and shows the public checks of what
                         is handed in: from this kernel when it ran the saved notebook top to
                         bottom, otherwise from a fresh run of the saved file

In the autograder none of this runs: the grader's sandbox replaces this module (and otter) by
stand-ins that do nothing (autograder/run/worker.py), and grades with its own checks.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import otter

SAVE_SECONDS = 5  # how long to wait for the front end to write the notebook after asking it to

# What ran in this kernel since the grader was made: [(cell id or None, source)], and whether
# that was from the kernel's start (nothing ran before the first cell).
_runs: list = []
_from_start = False
_hook_installed = False


# ---------------------------------------------------------------- what ran in this kernel

def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _current_cell(ip):
    """(cell id, source) of the request the kernel is executing now."""
    try:
        parent = ip.kernel.get_parent()
        return parent.get("metadata", {}).get("cellId"), parent["content"]["code"]
    except Exception:
        return None, None


def _record(info):
    if not info.silent:
        _runs.append((getattr(info, "cell_id", None), info.raw_cell))


def _start_recording():
    """Record every cell this kernel runs from now on (once per kernel), this one included."""
    global _hook_installed, _from_start
    ip = _ipython()
    if ip is None or _hook_installed or not hasattr(ip, "kernel"):
        return
    cell_id, source = _current_cell(ip)
    if source is None:
        return
    _runs.append((cell_id, source))
    ran = ip.history_manager.input_hist_raw[1:]  # this kernel's cells so far, this one included
    _from_start = len(ran) == 1
    ip.events.register("pre_run_cell", _record)
    _hook_installed = True


def _code_cells(nb_path):
    """[(cell id or None, source)] of the saved notebook's non-empty code cells, in order."""
    with open(nb_path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") == "code" and source.strip():
            cells.append((cell.get("id"), source))
    return cells


def _same_cell(a, b):
    """Two (id, source) pairs are the same cell: equal sources, and equal ids where both have one."""
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


def stale_cells(saved, runs):
    """1-based positions of saved code cells whose saved code is not what last ran under their id.

    Only cells the front end identified (cell ids) are compared; a cell that was never run is
    not stale, it is unrun.
    """
    last = {cell_id: source for cell_id, source in runs if cell_id is not None}
    return [i + 1 for i, (cell_id, source) in enumerate(saved)
            if cell_id in last and last[cell_id] != source]


def ran_top_to_bottom(saved, runs, from_start):
    """Whether the kernel ran exactly the saved code cells, in order, from its start, and nothing
    else: then its state is what a fresh run of the saved file gives, and no re-run is needed."""
    return (from_start and len(runs) == len(saved)
            and all(_same_cell(r, s) for r, s in zip(runs, saved)))


# ---------------------------------------------------------------- check results, as students see them

def failure_message(message: str) -> str:
    """The check's own message from otter's failure text.

    otter 7 writes "❌ Test case failed", "Error at line N in test NAME:", the test's source line,
    then "ExceptionType: message" (otter/test_files/exception_test.py). The first three lines
    are otter's and the test's internals; the type name of the checks' own failures
    (CheckFailure, AssertionError) says nothing to a student.
    """
    lines = (message or "").split("\n")
    if len(lines) >= 4 and lines[1].startswith("Error at line ") and " in test " in lines[1]:
        rest = "\n".join(lines[3:])
        for prefix in ("CheckFailure: ", "AssertionError: "):
            if rest.startswith(prefix):
                return rest[len(prefix):].strip()
        if rest.strip() == "AssertionError:":
            return "A check failed (it gave no message)."
        return rest.strip()
    return (message or "").replace("❌ Test case failed", "").strip()


_PRE = ("white-space: pre-wrap; word-break: normal; overflow-wrap: break-word; "
        "margin: 0.3em 0 0.6em 1.2em; font-size: 0.95em")


class CheckResult:
    """One question's public checks: passed or the failures' messages. Attributes of otter's
    TestFile (`passed_all`, `grade`, `score`, ...) are available on it."""

    def __init__(self, test_file):
        self.test_file = test_file

    def __getattr__(self, name):
        return getattr(self.test_file, name)

    @property
    def failures(self):
        return [failure_message(r.message) for r in self.test_file.test_case_results if not r.passed]

    def _lines(self):
        name, results = self.test_file.name, self.test_file.test_case_results
        if not self.failures:
            return f"{name} passed!", []
        if len(results) == 1:
            return f"{name} did not pass:", self.failures
        return f"{name}: {len(self.failures)} of {len(results)} checks did not pass:", self.failures

    def __repr__(self):
        head, failures = self._lines()
        return "\n".join([head] + ["    " + f.replace("\n", "\n    ") for f in failures])

    def _repr_html_(self):
        head, failures = self._lines()
        color = "green" if not failures else "#b00"
        out = [f"<p style='margin: 0.2em 0'><strong style='color: {color}'>{html.escape(head)}</strong></p>"]
        out += [f"<pre style='{_PRE}'>{html.escape(f)}</pre>" for f in failures]
        return "<div class='nngrader-check'>" + "".join(out) + "</div>"


class CheckAll:
    """Every question's public checks; `brief`: one line per question that did not pass."""

    def __init__(self, results, brief=False):
        self.results, self.brief = results, brief

    def __iter__(self):
        return iter(self.results)

    def _head(self):
        passed = sum(1 for r in self.results if not r.failures)
        return f"{passed} of {len(self.results)} questions pass their public checks."

    def _brief_lines(self):
        return [f"{r.test_file.name}: {r.failures[0].splitlines()[0]}" for r in self.results if r.failures]

    def __repr__(self):
        if self.brief:
            return "\n".join([self._head()] + ["    " + line for line in self._brief_lines()])
        return "\n".join([self._head()] + [repr(r) for r in self.results])

    def _repr_html_(self):
        head = f"<p style='margin: 0.3em 0'><strong>{html.escape(self._head())}</strong></p>"
        if self.brief:
            rows = "".join(f"<li>{html.escape(line)}</li>" for line in self._brief_lines())
            return head + (f"<ul style='margin: 0 0 0.5em 0'>{rows}</ul>" if rows else "")
        return head + "".join(r._repr_html_() for r in self.results)


def _show(*objs):
    try:
        from IPython.display import display
    except ImportError:
        for o in objs:
            print(o)
        return
    display(*objs)


class _Note:
    """A short message in the export's output: info, or a warning box that stands out."""

    def __init__(self, text, warning=False):
        self.text, self.warning = text, warning

    def __repr__(self):
        return ("WARNING: " if self.warning else "") + self.text

    def _repr_html_(self):
        body = html.escape(self.text).replace("\n", "<br>")
        if not self.warning:
            return f"<p style='margin: 0.2em 0'>{body}</p>"
        return ("<div class='nngrader-warning' style='border: 2px solid #c60; background: #fff4e0; "
                f"color: #000; padding: 0.5em 0.8em; margin: 0.4em 0'><strong>⚠ {body}</strong></div>")


def _step(text):
    """Say what the export is doing now (shown while it runs)."""
    _show(_Note(text))


# ---------------------------------------------------------------- the grader

class Notebook(otter.Notebook):
    """otter.Notebook with the course's check display and a safer, faster export."""

    def __init__(self, nb_path=None, tests_dir="./tests", **kwargs):
        super().__init__(nb_path, tests_dir, **kwargs)
        _start_recording()

    def check(self, question, global_env=None):
        if global_env is None:
            global_env = sys._getframe(1).f_globals
        return CheckResult(super().check(question, global_env))

    def check_all(self):
        return self._check_all(sys._getframe(1).f_globals)

    def _check_all(self, global_env):
        return CheckAll([self.check(name, global_env) for name in self._questions()])

    def _questions(self):
        """Every question otter knows, in the order of the notebook's check cells."""
        from otter.check.utils import list_available_tests
        names = list_available_tests(self._tests_dir, self._nbmeta_config)
        try:
            cells = _code_cells(self._notebook)
        except (OSError, TypeError, ValueError):
            return names
        order = [q for _, source in cells for q in re.findall(r"grader\.check\([\"']([^\"']+)", source)]
        return sorted(names, key=lambda n: order.index(n) if n in order else len(order))

    def export(self, nb_path=None, export_path=None, pdf=False, files=None, display_link=True,
               force_save=True, run_tests=True, **kwargs):
        """Save (where the front end can be asked to), zip the saved notebook, and show the public
        checks of what is handed in. The zip holds the notebook *as saved*."""
        t0 = time.monotonic()
        global_env = sys._getframe(1).f_globals
        nb_path = self._resolve_nb_path(nb_path)
        saved = self._save(nb_path) if force_save else None
        in_file = _code_cells(nb_path)
        as_ran = ran_top_to_bottom(in_file, _runs, _from_start)
        stale = stale_cells(in_file, _runs)
        if stale:
            which = ", ".join(f"{i} ({in_file[i - 1][1].strip().splitlines()[0][:40]!r})" for i in stale)
            if saved is True:  # the file is what the editor shows: edited since it ran
                text = (f"Code cell(s) {which} changed since they last ran: the zip holds the changed "
                        "code, which has not run or been checked. Run all cells again (Kernel > "
                        "Restart Kernel and Run All Cells), then this cell.")
            else:
                text = (f"The saved file is NOT the code that ran in code cell(s) {which}: the zip "
                        "holds the saved file, so that older code would be handed in. Save the "
                        "notebook (File > Save Notebook, Ctrl+S) and run this cell again.")
            _show(_Note(text, warning=True))
        elif saved is not True and not as_ran:
            when = time.strftime("%H:%M:%S", time.localtime(os.path.getmtime(nb_path)))
            why = ("Could not save the notebook automatically" if saved is False else
                   "This editor cannot be asked to save the notebook")
            _show(_Note(
                f"{why}: the zip holds it as last saved (at {when}). If you changed anything since, "
                "save it (File > Save Notebook, Ctrl+S) and run this cell again.", warning=True))

        _step("Making the zip...")
        if export_path is None:
            stamp = time.strftime("%Y_%m_%dT%H_%M_%S")
            export_path = f"{os.path.splitext(nb_path)[0]}_{stamp}.zip"
        super().export(nb_path, export_path=export_path, pdf=pdf, files=files, display_link=False,
                       force_save=False, run_tests=False, **kwargs)

        if run_tests:
            if as_ran:
                _step("This kernel ran the saved notebook from the top, cell by cell: its public "
                      "checks are those of the file you hand in (no re-run needed).")
                results = self._check_all(global_env)
                results.brief = True
            else:
                _step("Running the saved notebook from the top in a fresh kernel, to check what you "
                      "hand in (cells were run out of order, edited, or before a restart; this takes "
                      "as long as running all cells). Kernel > Restart Kernel and Run All Cells "
                      "makes this step unnecessary.")
                results = self._run_saved(export_path, nb_path)
            if results is not None:
                _show(results)

        if display_link:
            from IPython.display import HTML
            name = html.escape(export_path)
            _show(HTML(f"<p>Your submission is in <a href='{name}' download='{os.path.basename(name)}' "
                       f"target='_blank'>{name}</a>: click to download it, then upload it to "
                       "Gradescope.</p>"))
        _step(f"Export done in {time.monotonic() - t0:.1f} s.")

    def _save(self, nb_path):
        """Ask the front end to save; True once the file on disk is newer, False if it is not
        after SAVE_SECONDS, None where no front end can be asked (the file is what ran)."""
        ip = _ipython()
        cell_id, _ = _current_cell(ip) if ip is not None else (None, None)
        if cell_id is None:  # not JupyterLab: nbconvert, or a front end that sends no cell ids
            return None
        _step("Saving the notebook...")
        before = os.path.getmtime(nb_path)
        try:
            import ipylab
            ipylab.JupyterFrontEnd().commands.execute("docmanager:save")
        except Exception:
            return False
        deadline = time.monotonic() + SAVE_SECONDS
        while time.monotonic() < deadline:
            if os.path.getmtime(nb_path) > before and os.path.getsize(nb_path) > 0:
                time.sleep(0.2)  # let the write finish
                return True
            time.sleep(0.1)
        return False

    def _run_saved(self, zip_path, nb_path):
        """The saved notebook's public checks from a fresh kernel (otter's validate_export)."""
        import dill
        handle, results_path = tempfile.mkstemp(suffix=".pkl")
        os.close(handle)
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "otter.check.validate_export", "--zip-path", zip_path,
                 "--nb-arcname", nb_path, "--tests-dir", self._tests_dir, "--results-path", results_path],
                capture_output=True, text=True, env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
            # its stderr is the fresh kernel's log (e.g. "running over TCP without encryption"):
            # not the student's business unless the run failed
            if proc.returncode != 0 or os.path.getsize(results_path) == 0:
                tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
                _show(_Note(f"Could not run the saved notebook to check it (the zip is made):\n{tail}",
                            warning=True))
                return None
            with open(results_path, "rb") as f:
                results = dill.load(f)
        finally:
            os.remove(results_path)
        order = self._questions()
        files = sorted(results.results.values(), key=lambda tf: order.index(tf.name) if tf.name in order else len(order))
        return CheckAll([CheckResult(tf) for tf in files], brief=True)
