"""grades/<assignment>/report.html from real graded rows: the hw1 samples, two more copies of
one mistake, and one file that cannot be graded."""
import html
import re
import shutil

import pytest

from autograder.grade.cli import grade_folder
from autograder.grade.report import headline, write_report

A = "hw1_forward"


@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    subs = tmp_path_factory.mktemp("report-subs")
    for nb in sorted((built / "solutions" / A / "samples").glob("*.ipynb")):
        shutil.copy(nb, subs / nb.name)
    for i in (2, 3):  # a class where three students make the same mistake
        shutil.copy(subs / "mse_no_half.ipynb", subs / f"mse_no_half_{i}.ipynb")
    (subs / "not_a_notebook.ipynb").write_text("this is not JSON")
    out = tmp_path_factory.mktemp("report-out")
    rows = grade_folder(A, subs, out, zip_path=built / "dist" / A / "autograder.zip", quiet=True)
    path = write_report(out / "report.html", A, rows)
    return path, path.read_text(encoding="utf-8"), {sub.name.removesuffix(".ipynb"): (sub, r) for sub, r in rows}


def section(text, start_id, end_id):
    return text[text.index(f'id="{start_id}"'):text.index(f'id="{end_id}"')]


def test_report_is_one_self_contained_file(report):
    path, text, _ = report
    assert path.name == "report.html" and path.exists()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert "<script" not in text.lower() and "<link" not in text.lower()
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
        assert row.rstrip("</td></tr>").endswith(f"{100 * full / n:.0f}%")


def test_most_frequent_failure_message_of_a_known_mistake(report):
    _, text, rows = report
    failures = section(text, "failures", "slowest")
    table_rows = failures.split("<tr>")[2:]  # [0] preamble, [1] header
    # the three copies of mse_no_half fail the same checks with the same messages: the top rows
    failed = [c for c in rows["mse_no_half"][1].checks if not c.passed]
    assert failed and all(c.question == "q_mse" for c in failed)
    top = table_rows[:len(failed)]
    for check in failed:
        first_line = check.message.splitlines()[0].strip()
        (row,) = [r for r in top if f"<code>{check.name}</code>" in r]
        assert first_line.replace("`", "") in html.unescape(row).replace("`", "")
        assert row.startswith('<td class="n">3</td>')
        assert "mse_no_half.ipynb" in row
    # a message that only introduces the next line is shown with it
    (dense,) = [c for c in rows["dense_bias_wrong_axis"][1].checks if c.name == "test_dense_public"]
    assert headline(dense.message).startswith("Calling dense_forward failed: ValueError")
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
    errors = text[text.index('id="errors"'):]
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
    assert "<script>" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; friends" in text
