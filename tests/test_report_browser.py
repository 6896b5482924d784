"""report.html as an instructor meets it (issue 12): opened from disk in headless Chromium
(Debian's /usr/bin/chromium, driven by Playwright's Python package), after a real grading run
of every assignment's bundled samples, and for hw1 a `make grade ... ROSTER=` run with a roster.

- nothing is wider than the viewport (the all-submissions table scrolls in its own box);
- clicking a column header sorts the table (again: reversed; missing students stay last);
- the name filter hides the other rows;
- every link of the page resolves to a file next to the report (feedback, grades.csv, gradebooks);
- the failure groups name the mistakes of the bundled samples (their hints in mistakes.py).

Screenshots for a person to look at go to grades/screenshots/ (ignored by git).
Skips with the reason when Chromium is not installed (as root: apt-get install chromium;
.ci/run does it) or cannot start.
"""
from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from autograder.assign.lint import load_mistakes
from conftest import ASSIGNMENTS, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# skipped before the session's build and grading, not after them (fixtures of wider scope come first)
pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium is not installed (as root: apt-get install chromium; .ci/run installs it)")]
SHOTS = ROOT / "grades" / "screenshots"
A = "hw1_forward"
WIDE = "hw2_backprop"  # the most questions: its table was 2013 px wide in an 1100 px column


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (as root: apt-get install chromium; .ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright's Python package is not importable: {exc}")
    with sync_playwright() as p:
        try:  # as root Chromium runs only without its own sandbox
            b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"] if os.geteuid() == 0 else [])
        except Exception as exc:
            pytest.skip(f"Chromium does not start here: {type(exc).__name__}: {str(exc)[:300]}")
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(graded_samples, built, tmp_path_factory):
    """{name: report.html}: each assignment's samples as make grade grades them, and
    "roster" (hw1 graded again by `python -m autograder.grade.cli --roster`, as `make grade
    ASSIGNMENT=hw1_forward ROSTER=roster.csv` runs it; the grades are cached, so it is quick)."""
    out = {a: graded_samples[a]["__out__"] / "report.html" for a in ASSIGNMENTS}
    if A in ASSIGNMENTS:
        folder = tmp_path_factory.mktemp("roster-report")
        shutil.copytree(graded_samples[A]["__out__"], folder, dirs_exist_ok=True)  # the cached grades
        roster = folder.parent / "roster.csv"
        roster.write_text("Student ID,Name,Email\nreference,Ada Lovelace,ada@uni.edu\n"
                          "mse_no_half,Grace Hopper,grace@uni.edu\nblank,Alan Turing,alan@uni.edu\n"
                          "s999,Edsger Dijkstra,edsger@uni.edu\n")
        proc = subprocess.run([sys.executable, "-m", "autograder.grade.cli", "--assignment", A, "--submissions",
                               str(built / "solutions" / A / "samples"), "--out", str(folder),
                               "--zip", str(built / "dist" / A / "autograder.zip"), "--roster", str(roster)],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "missing (1): s999 (Edsger Dijkstra)" in proc.stderr
        out["roster"] = folder / "report.html"
    return out


def _open(browser, path, width=1280, height=900):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(path.as_uri())
    return page


def _shot(page, name, full_page=True):
    name = name.replace("report-roster", f"report-{A}-roster")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


def _column(page, header):
    """The sort keys of a column of the all-submissions table, top to bottom (visible rows)."""
    return page.evaluate("""(header) => {
        const table = document.getElementById("all-table");
        const i = Array.from(table.tHead.rows[0].cells).findIndex(th => th.title === header);
        return Array.from(table.tBodies[0].rows).filter(r => !r.hidden).map(r => r.cells[i].dataset.sort);
    }""", header)


@pytest.mark.parametrize("name", [*ASSIGNMENTS, "roster"])
def test_nothing_is_wider_than_the_viewport(browser, reports, name):
    if name not in reports:
        pytest.skip(f"{A} is not among the assignments of this run")
    for width in (1280, 800):
        page = _open(browser, reports[name], width)
        sizes = page.evaluate("""() => ({scroll: document.scrollingElement.scrollWidth, inner: innerWidth,
            widest: Math.max(...Array.from(document.body.querySelectorAll("*"), e => e.getBoundingClientRect().right)),
            box: document.querySelector(".scroll").getBoundingClientRect().right,
            table: document.getElementById("all-table").scrollWidth,
            boxInner: document.querySelector(".scroll").clientWidth})""")
        assert sizes["scroll"] <= sizes["inner"], (name, width, sizes)
        assert sizes["box"] <= sizes["inner"], (name, width, sizes)
        if width == 1280:
            _shot(page, f"report-{name}.png")
        if name == WIDE and width == 800:  # the table is wider than its box, which scrolls on its own
            assert sizes["table"] > sizes["boxInner"], sizes
            page.locator("#all").scroll_into_view_if_needed()
            _shot(page, f"report-{name}-800px-table.png", full_page=False)
        page.close()


def test_sorting_by_a_column(browser, reports):
    name = WIDE if WIDE in reports else ASSIGNMENTS[0]
    page = _open(browser, reports[name])
    score = page.locator("#all-table th[title=score]")
    score.click()
    up = [float(x) for x in _column(page, "score")]
    assert up == sorted(up) and up[0] < up[-1], up
    assert score.get_attribute("aria-sort") == "ascending"
    score.click()
    down = [float(x) for x in _column(page, "score")]
    assert down == sorted(up, reverse=True)
    page.locator("#all").scroll_into_view_if_needed()
    _shot(page, f"report-{name}-sorted-by-score.png", full_page=False)
    question = page.locator("#all-table thead th[data-type=num]").nth(1)  # the first question's column
    title = question.get_attribute("title")
    question.click()
    values = [float(x) for x in _column(page, title)]
    assert values == sorted(values)
    sub = page.locator("#all-table th[title=submission]")
    sub.click()
    names = _column(page, "submission")
    sub.click()
    assert _column(page, "submission") == names[::-1] and names != sorted(names, reverse=True)
    page.close()


def test_missing_students_stay_last_and_filter_by_name(browser, reports):
    if "roster" not in reports:
        pytest.skip(f"{A} is not among the assignments of this run")
    page = _open(browser, reports["roster"])
    rows = list(csv.DictReader(open(reports["roster"].parent / "grades.csv")))
    (missing,) = [r for r in rows if r["status"] == "missing"]
    assert missing["student_id"] == "s999" and missing["score"] == "" and missing["submission"] == ""
    score = page.locator("#all-table th[title=score]")
    for _ in range(2):  # both directions: the row with no score is last, never sorted as a 0
        score.click()
        assert _column(page, "score")[-1] == "" and _column(page, "status")[-1] == "missing"
    missing_row = page.locator("#all-table tr.missing")
    assert missing_row.count() == 1 and "Edsger Dijkstra" in missing_row.inner_text()
    box = page.locator("input#filter")
    box.fill("mse")
    shown = _column(page, "submission")
    assert shown and all("mse" in s for s in shown)
    assert len(shown) == sum("mse" in r["submission"] for r in rows)
    assert page.locator("#all-count").inner_text() == f"{len(shown)} shown"
    box.fill("grace")  # a student's name, from the roster
    assert _column(page, "submission") == ["mse_no_half.ipynb"]
    box.fill("")
    page.locator("#all").scroll_into_view_if_needed()
    _shot(page, "report-roster-table.png", full_page=False)
    page.close()


@pytest.mark.parametrize("name", [*ASSIGNMENTS, "roster"])
def test_every_link_resolves_to_a_file(browser, reports, name):
    if name not in reports:
        pytest.skip(f"{A} is not among the assignments of this run")
    page = _open(browser, reports[name])
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'), a => a.href)")
    assert hrefs
    for href in hrefs:
        url = urlparse(href)
        assert url.scheme == "file", href
        assert Path(unquote(url.path)).is_file(), href
    per_row = page.evaluate("""() => Array.from(document.querySelectorAll("#all-table tbody tr:not(.missing)"),
                                    r => Array.from(r.querySelectorAll("a"), a => a.textContent))""")
    assert per_row and all(links == ["feedback", "results.json", "grade.json"] for links in per_row)
    nav = page.evaluate("() => Array.from(document.querySelectorAll('nav.links a'), a => a.getAttribute('href'))")
    assert "grades.csv" in nav
    if name == "roster":
        assert {"gradebook-canvas.csv", "gradebook-moodle.csv"} <= set(nav)
    # a student's feedback opens: the text the student gets, with the score
    first = page.locator("#all-table tbody tr:not(.missing)").first
    sub = first.locator("td").first.inner_text()
    with page.expect_navigation():
        first.locator("a", has_text="feedback").click()
    assert page.locator("body").inner_text().startswith(f"{sub}: ")
    page.close()


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_failure_groups_name_the_mistakes_of_the_samples(browser, reports, name):
    """Each sample with a mistake is named in a failure group that quotes one of the hints its
    mistake is known by (mistakes.py's `feedback`; for hw1 every one of them); the blank
    sample's stubs are counted apart, never a failure group."""
    page = _open(browser, reports[name])
    groups = page.evaluate("""() => Array.from(document.querySelectorAll("table.groups tbody tr"),
                                   r => ({text: r.innerText, who: Array.from(r.cells[3].querySelectorAll("a"),
                                                                            a => a.textContent)}))""")
    mistakes = load_mistakes(ROOT / "solutions" / name / "mistakes.py")
    assert groups
    for sample, spec in mistakes.items():
        if not spec.get("loses"):
            continue
        text = "\n".join(g["text"] for g in groups if f"{sample}.ipynb" in g["who"]).lower()
        assert text, f"{sample} is in no failure group"
        phrases = [p for p in spec.get("feedback", []) if p.lower() in text]
        if name == A:
            assert phrases == spec.get("feedback", []), (sample, spec.get("feedback"), text)
        elif spec.get("feedback"):
            assert phrases, (sample, spec["feedback"], text)
    assert not any("blank.ipynb" in g["who"] for g in groups)
    stubs = page.locator("p.stubs").all_inner_texts()
    assert stubs and all("blank.ipynb" in s for s in stubs)
    page.locator("#failures").scroll_into_view_if_needed()
    _shot(page, f"report-{name}-failures.png", full_page=False)
    page.close()
