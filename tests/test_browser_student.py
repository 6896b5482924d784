"""A student's notebook in JupyterLab, driven by headless Chromium (Debian's, through
Playwright's Python package): the README's student steps (a fresh venv from the assignment
folder's requirements.txt, `jupyter lab <name>.ipynb` in that folder, nothing else of the
course), then Run > Run All Cells and what is on screen. Screenshots go to grades/browser/.

Skips with the reason when Chromium, Playwright or the student venv cannot be had.
"""
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
import zipfile

import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser

SHOTS = ROOT / "grades" / "browser"
INTERNALS = ("Error at line", "ref.close(", "alternatives=", "Traceback", "CheckFailure",
             "RuntimeWarning", "without encryption")
# (assignment, sample or None for the blank notebook, seconds for Run All); the normal run
# opens hw1 blank and filled in; the other assignments run when asked for with -m (e.g.
# `pytest -m "browser and slow" tests/test_browser_student.py`): they train networks in the
# browser's kernel, minutes each
CASES = [("hw1_forward", None, 180), ("hw1_forward", "reference", 180)] + [
    pytest.param(a, s, t, marks=pytest.mark.slow)
    for a, t in (("hw2_backprop", 300), ("hw3_sgd", 600), ("hw4_cnn", 600)) for s in (None, "reference")]


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("no Chromium (as root: apt-get install -y chromium; .ci/run does it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"Playwright's Python package is missing: {exc}")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """`jupyter lab <notebook>` from the student venv, in the assignment folder."""

    def __init__(self, python, folder, notebook, home):
        self.port, self.token = free_port(), secrets.token_hex(16)
        flags = [f"--port={self.port}", "--ip=127.0.0.1", "--no-browser",
                 f"--IdentityProvider.token={self.token}"]
        if os.geteuid() == 0:  # CI runs as root; a student does not
            flags.append("--allow-root")
        env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
        self.log = open(home / "jupyter-lab.log", "w")
        self.proc = subprocess.Popen([str(python.parent / "jupyter"), "lab", notebook, *flags], cwd=folder,
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}/lab/tree/{notebook}?token={self.token}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise AssertionError(f"jupyter lab did not start:\n{(home / 'jupyter-lab.log').read_text()[-2000:]}")
                time.sleep(0.5)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True)
        yield b
        b.close()


def run_all_cells(page, seconds):
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item:has-text('Run All Cells')")
    last = page.locator(".jp-Notebook .jp-CodeCell").last
    last.locator("a[download]").wait_for(timeout=seconds * 1000)
    page.wait_for_function("() => ![...document.querySelectorAll('.jp-InputPrompt')]"
                           ".some(p => p.textContent.includes('*'))", timeout=60_000)
    for button in page.locator(".jp-toast-button:has-text('No')").all():  # "Jupyter news?"
        button.click()


@pytest.mark.parametrize("assignment,sample,seconds", CASES)
def test_student_notebook_in_jupyterlab(assignment, sample, seconds, request, browser, student_python, tmp_path):
    if request.node.get_closest_marker("slow") and "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("every assignment in the browser: ask for it with -m 'browser and slow'")
    folder = tmp_path / assignment  # only the assignment folder
    shutil.copytree(ROOT / "assignments" / assignment, folder)
    if sample:
        shutil.copy(ROOT / "solutions" / assignment / "samples" / f"{sample}.ipynb", folder / f"{assignment}.ipynb")
    home = tmp_path / "home"
    home.mkdir()
    notebook = f"{assignment}.ipynb"
    lab = Lab(student_python, folder, notebook, home)
    name = f"{assignment}-{sample or 'blank'}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(lab.url)
        run_all_cells(page, seconds)
        cells = page.locator(".jp-Notebook .jp-CodeCell")
        # textContent, not innerText: JupyterLab skips rendering the cells out of view
        # (content-visibility), and innerText of those is empty
        sources = [c.locator(".jp-InputArea-editor").text_content() for c in cells.all()]
        outputs = [c.locator(".jp-OutputArea").text_content() if c.locator(".jp-OutputArea").count() else ""
                   for c in cells.all()]
        checks = [i for i, s in enumerate(sources) if "grader.check(" in s]
        export = next(i for i, s in enumerate(sources) if "grader.export(" in s)
        for i, what in ((checks[0], "check"), (export, "export")):
            cells.nth(i).scroll_into_view_if_needed()
            page.wait_for_timeout(500)  # cells scrolled into view are painted a moment later
            cells.nth(i).screenshot(path=str(SHOTS / f"{name}-{what}.png"))

        for i, out in enumerate(outputs):
            assert not any(bad in out for bad in INTERNALS), f"cell {i}:\n{out[:2000]}"
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0, \
            "a pink box (stderr or a traceback) in the notebook"
        for i in checks:
            assert ("passed!" in outputs[i]) if sample else ("did not pass" in outputs[i] and "not filled in yet" in outputs[i]), \
                f"{sources[i]}:\n{outputs[i][:1000]}"
        if not sample:  # the messages wrap between words (JupyterLab's <pre> breaks anywhere by default)
            styles = page.eval_on_selector_all(".nngrader-check pre", "els => els.map(e => getComputedStyle(e).wordBreak)")
            assert styles and set(styles) == {"normal"}, styles
            said_first = [i for i, out in enumerate(outputs) if " first" in out and ("Fill in" in out or "Train" in out)]
            assert all(cells.nth(i).locator(".jp-OutputArea img").count() == 0 for i in said_first)

        exported = cells.nth(export)
        assert exported.locator(".nngrader-warning").count() == 0, outputs[export]
        assert "no re-run needed" in outputs[export], outputs[export]
        link = exported.locator("a[download]")
        href = link.get_attribute("href")
        assert href and href.split("?")[0].endswith(".zip"), href
        # the link downloads the zip, and the zip holds the notebook as it was after Run All
        # (nobody pressed Save: the export did)
        reply = page.request.get(href if href.startswith("http") else f"http://127.0.0.1:{lab.port}{href}")
        assert reply.ok, (href, reply.status)
        with zipfile.ZipFile(io.BytesIO(reply.body())) as zf:
            handed_in = json.loads(zf.read(notebook))
        ran = [c for c in handed_in["cells"] if c["cell_type"] == "code" and "grader.check(" in "".join(c["source"])]
        assert ran and all(c["outputs"] for c in ran), "the zip holds a notebook saved before Run All"
        page.screenshot(path=str(SHOTS / f"{name}-page.png"))
    finally:
        page.close()
        lab.close()
