"""grades/<assignment>/report.html from real graded rows: the hw1 samples, two more copies of
one mistake, and one file that cannot be graded."""
import html
import re
import shutil
from urllib.parse import unquote

import pytest

from autograder.grade.cli import grade_folder
from autograder.grade.report import headline, write_report

A = "hw1_forward"


@pytest.fixture(scope="module")
def report(built, graded_samples, tmp_path_factory):
    subs = tmp_path_factory.mktemp("report-subs")
    for nb in sorted((built / "solutions" / A / "samples").glob("*.ipynb")):
        shutil.copy(nb, subs / nb.name)
    for i in (2, 3):  # a class where three students make the same mistake
        shutil.copy(subs / "mse_no_half.ipynb", subs / f"mse_no_half_{i}.ipynb")
    (subs / "not_a_notebook.ipynb").write_text("this is not JSON")
    out = tmp_path_factory.mktemp("report-out")
    shutil.copytree(graded_samples[A]["__out__"] / "feedback", out / "feedback")  # the samples' cached grades
    rows = grade_folder(A, subs, out, zip_path=built / "dist" / A / "autograder.zip", quiet=True)
    path = write_report(out / "report.html", A, rows)
    return path, path.read_text(encoding="utf-8"), {sub.name.removesuffix(".ipynb"): (sub, r) for sub, r in rows}


def section(text, start_id, end_id):
    return text[text.index(f'id="{start_id}"'):text.index(f'id="{end_id}"')]


def test_report_is_one_self_contained_file(report):
    """It works offline from disk: no external resource, the script inline, links relative."""
    path, text, _ = report
    assert path.name == "report.html" and path.exists()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|file:)?//""", text, re.I)
    assert not re.search(r"<script[^>]*\bsrc", text, re.I) and "<link" not in text.lower()
    assert not list(path.parent.glob("*.png"))  # no side files


def test_histogram_and_question_chart_are_inline_pngs(report):
    _, text, _ = report
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    alts = [alt for alt, _ in images]
    assert "score histogram" in alts
    assert "per-question mean score and pass rate" in alts
    assert all(len(data) > 1000 for _, data in images)
    assert 'id="histogram"' in text


def test_every_question_with_its_mean_and_pass_rate(report):
    _, text, rows = report
    table = section(text, "questions", "failures")
    _, reference = rows["reference"]
    n = len(rows)
    for q, (_, total) in reference.question_scores().items():
        row = re.search(rf"<tr><td><code>{q}</code></td>.*?</tr>", table).group(0)
        mean = sum(r.question_scores()[q][0] for _, r in rows.values()) / n
        full = sum(r.question_scores()[q][0] >= total for _, r in rows.values())
        assert f'<td class="n">{total:g}</td><td class="n">{mean:.2f}</td>' in row
        assert f"{100 * full / n:.0f}%</td><td><svg" in row
        # the distribution: one bar per possible score, its tooltip the number of submissions
        counts = re.findall(r"<title>(\d+) points: (\d+) submissions?</title>", row)
        assert len(counts) == int(total) + 1
        assert {int(p): int(k) for p, k in counts} == {
            p: sum(r.question_scores()[q][0] == p for _, r in rows.values()) for p in range(int(total) + 1)}


def _group_rows(failures, question):
    """The rows of one question's failure table: [(count, row html)]."""
    part = failures[failures.index(f'id="fail-{question}"'):]
    part = part[:part.index("</table>")] if "</table>" in part else ""
    return [(int(re.match(r'<td class="n">(\d+)</td>', r).group(1)), r) for r in part.split("<tr>")[2:]]


def test_failures_grouped_by_question_and_cause(report):
    _, text, rows = report
    failures = section(text, "failures", "slowest")
    # three students make the same mistake: one row of the q_mse table, with the hint that fired
    failed = [c for c in rows["mse_no_half"][1].checks if not c.passed]
    assert failed and all(c.question == "q_mse" for c in failed)
    hint = [line for line in failed[0].message.splitlines() if "Likely cause:" in line][0]
    hint = hint.split("Likely cause:")[1].strip()
    (count, row), = [(k, r) for k, r in _group_rows(failures, "q_mse") if html.escape(hint, quote=True) in r]
    assert count == 3
    assert all(f"mse_no_half{s}.ipynb" in row for s in ("", "_2", "_3"))
    assert all(f"<code>{c.name}</code>" in row for c in failed)
    # the functions of q_dense that fail are the cause named in q_forward, once per submission
    (count, row), = [(k, r) for k, r in _group_rows(failures, "q_forward")
                     if "q_forward uses your dense_forward, which fails q_dense: fix that first" in r]
    assert count == 2 and "dense_no_bias.ipynb" in row and "dense_bias_wrong_axis.ipynb" in row
    # a student's exception is its own cause, its first line joined to the one it introduces
    (dense,) = [c for c in rows["dense_bias_wrong_axis"][1].checks if c.name == "test_dense_public"]
    assert headline(dense.message).startswith("Calling dense_forward failed: ValueError")
    assert any("Calling dense_forward failed: ValueError" in r and "dense_bias_wrong_axis.ipynb" in r
               for _, r in _group_rows(failures, "q_dense"))
    # unfilled stubs are counted apart, never a failure row
    assert "blank.ipynb" not in "".join(r for q in rows["reference"][1].question_scores()
                                        for _, r in _group_rows(failures, q))
    stubs = re.findall(r'<p class="muted stubs">(\d+) submissions? left a stub of this question unfilled: ([^<]*)</p>', failures)
    assert stubs and all(k == "1" and "blank.ipynb" in who for k, who in stubs)
    # the submission that could not be graded does not flood the table with "not graded"
    assert "not graded" not in failures


def test_slowest_submissions_are_listed(report):
    _, text, rows = report
    slowest = section(text, "slowest", "errors")
    ranked = sorted(rows.values(), key=lambda sr: -sr[1].seconds)
    for sub, r in ranked[:3]:
        assert sub.name in slowest
        assert f"{r.seconds:.2f}" in slowest
    listed = re.findall(r"<tr><td>([^<]+)</td>", slowest)
    assert listed[0] == ranked[0][0].name


def test_submissions_with_errors_are_listed(report):
    _, text, rows = report
    _, broken = rows["not_a_notebook"]
    assert broken.error
    errors = section(text, "errors", "all")
    assert "not_a_notebook.ipynb" in errors
    assert "not valid JSON" in broken.error and "not valid JSON" in errors
    assert "reference.ipynb" not in errors.split("<details>")[0]


def test_empty_folder_and_html_escaping(tmp_path, report):
    import copy
    path = write_report(tmp_path, A, [])
    assert path == tmp_path / "report.html" and "No submissions" in path.read_text()
    _, _, rows = report
    sub, result = copy.deepcopy(rows["mse_no_half"])
    sub.name = "<img src=x onerror=alert(1)>.ipynb"
    for c in result.checks:
        if not c.passed:
            c.message = "<script>alert('x')</script> & friends"
    text = write_report(tmp_path / "r.html", A, [(sub, result)]).read_text()
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; friends" in text


def test_every_row_links_its_feedback_and_the_page_links_grades_csv(report):
    path, text, rows = report
    table = text[text.index('id="all-table"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    trs = body.split("<tr ")[1:]
    assert len(trs) == len(rows)
    for tr in trs:
        hrefs = re.findall(r'href="([^"]+)"', tr)
        assert [h[h.index(".ipynb") + 6:] for h in hrefs] == [".txt", ".results.json", ".grade.json"], tr
        for href in hrefs:
            assert href.startswith("feedback/") and (path.parent / unquote(href)).is_file(), href
    assert '<a href="grades.csv">' in text and (path.parent / "grades.csv").is_file()


def test_zero_and_partial_scores_are_marked(report):
    _, text, rows = report
    table = text[text.index('id="all-table"'):]
    for name, (sub, r) in rows.items():
        tr = re.search(rf'<tr class="([^"]*)" data-name="{re.escape(sub.name.lower())}', table).group(1)
        assert tr == ("zero" if r.score == 0 else "partial" if r.score < r.max_score else ""), name


# a value a student (a file name, a roster, an exception's message) can choose, in every HTML context
HOSTILE = "\"onmouseover=alert(1) x='<script>alert(\"x\")</script><img src=x onerror=alert(2)>&amp;"


class _Tags(__import__("html.parser").parser.HTMLParser):
    """Every start tag of a page with its attributes, and the text of its <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def test_every_value_a_student_chooses_is_escaped(tmp_path):
    """Names, messages, errors, cell errors, roster entries and notes carry markup and attribute
    breakers: the page has no element or attribute they made, and shows each as text."""
    from types import SimpleNamespace

    from autograder.grade.engine import CheckResult, SubmissionResult
    from autograder.grade.report import TEMPLATES, render_report
    from autograder.grade.submissions import Submission

    def result(passed, **kw):
        checks = [CheckResult("q_one", "test_one", 2.0, False, passed, "" if passed else f"{HOSTILE}\nmore"),
                  CheckResult("q_one", "test_two", 2.0, True, False, f"Calling f failed: {HOSTILE}"),
                  CheckResult("q_two", "test_three", 2.0, True, False, f"q_two: values differ\nLikely cause: {HOSTILE}")]
        return SubmissionResult(checks=checks, seconds=1.5, **kw)

    people = {"id": HOSTILE, "name": HOSTILE, "email": HOSTILE}
    rows = [(Submission(f"{HOSTILE}.ipynb", tmp_path / "a", people=people),
             result(True, notebook_errors=[f"Cell 2 raised {HOSTILE}"])),
            (Submission(f"b/{HOSTILE}.ipynb", tmp_path / "b", people=people), result(False, error=HOSTILE)),
            (Submission(f"c{HOSTILE}.ipynb", tmp_path / "c"), result(False, error=HOSTILE, fault=True))]
    missing = [SimpleNamespace(id=HOSTILE, name=HOSTILE, email=HOSTILE)]
    for folder in (None, tmp_path):
        text = render_report(HOSTILE, rows, missing=missing, notes=[HOSTILE], folder=folder)
        page = _Tags()
        page.feed(text)
        page.close()
        assert [tag for tag, _ in page.tags if tag in ("script", "img")] == ["img", "img", "script"]
        assert [s.strip() for s in page.scripts] == [(TEMPLATES / "report.js").read_text().strip()]
        for tag, attrs in page.tags:
            assert not any(a.startswith("on") for a in attrs), (tag, attrs)
            assert all(HOSTILE not in (v or "") or a in ("data-sort", "data-name") for a, v in attrs.items()), \
                (tag, attrs)
            if tag == "img":
                assert set(attrs) == {"alt", "src"} and attrs["src"].startswith("data:image/png;base64,")
        # shown as text: in the title, the notes, the tables, the failure groups, the errors
        escaped = html.escape(HOSTILE, quote=True)
        assert text.count(escaped) >= 20
        assert "<script>alert" not in text and "<img src=x" not in text and "\"onmouseover" not in text
