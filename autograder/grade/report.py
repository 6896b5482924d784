"""grades/<assignment>/report.html: the instructor's overview of a graded folder.

One self-contained HTML file that works offline, opened from disk (inline CSS, a small inline
script for sorting and filtering, plots as inline base64 PNGs drawn with matplotlib's Agg canvas
and inline SVG; no external resources): the score histogram, per question the mean, the pass
rate and the distribution of scores, the failures grouped by question and by cause (unfilled
stubs counted apart), the slowest submissions, the submissions that could not be graded fully,
and a table of all submissions (and of the roster's students who did not submit) that sorts by
any column, filters by name and links each submission's feedback files. Links are relative to
the report's folder: grades.csv, the gradebook files and feedback/<submission>.* next to it.

    from autograder.grade.report import write_report
    write_report(out_dir / "report.html", assignment, rows)   # rows: [(Submission, SubmissionResult)]
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import math
import os
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import autograder  # noqa: F401  (puts nncheck on the path)
from nncheck import STUB_MARK

from autograder.grade.submissions import feedback_file

TOP_SLOWEST = 10
MESSAGE_CHARS = 400
GROUP_EXAMPLES = 8   # submissions named in a failure group before "and N more"
DETAILS = 3          # messages shown under a failure group's cause

# Files of the report's folder linked at the top of the page, when they exist when the report
# is written: (file name, what it is). Write a file before the report to have it linked.
PAGE_LINKS = [
    ("grades.csv", "grades.csv: one row per submission"),
    ("gradebook-canvas.csv", "Canvas gradebook import"),
    ("gradebook-moodle.csv", "Moodle grade import"),
    ("similarity.html", "similarity of the submitted code"),
]

# Per submission: (link text, file suffix in feedback/), shown when the file exists.
FEEDBACK_LINKS = [("feedback", ".txt"), ("results.json", ".results.json"), ("grade.json", ".grade.json")]

CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
     color:#1f2328;max-width:1100px;margin:2em auto;padding:0 1.2em;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #d0d7de;
padding-bottom:.2em} h3{font-size:1.05em;margin:1.4em 0 .3em} .sub{color:#59636e;margin-top:0}
nav.links a{margin-right:1.2em} a{color:#2f6fb3}
.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.4em .8em;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1.2em 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6em 1em;min-width:8em}
.card b{display:block;font-size:1.4em} .card span{color:#59636e;font-size:.85em}
table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.92em}
th,td{border-bottom:1px solid #e5e8eb;padding:.35em .6em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.msg{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
.msg{white-space:pre-wrap;word-break:break-word} .muted{color:#59636e} .bad{color:#b42318}
img{max-width:100%;height:auto;display:block;margin:.6em 0}
.bar{background:#e5e8eb;border-radius:3px;height:.7em;width:5em;display:inline-block;vertical-align:middle;margin-right:.4em}
.bar i{display:block;height:100%;border-radius:3px;background:#2f6fb3}
svg.dist{display:block}
details{margin:.6em 0} summary{cursor:pointer;color:#2f6fb3}
.scroll{overflow:auto;max-height:75vh;border:1px solid #d0d7de;border-radius:6px;margin:.6em 0}
.scroll table{margin:0;width:max-content;min-width:100%}
.scroll th{position:sticky;top:0;z-index:1}
table.sortable th{cursor:pointer;user-select:none;white-space:nowrap}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2";font-size:.7em}
table.sortable th[aria-sort=descending]::after{content:" \\25BC";font-size:.7em}
td.who{max-width:22em}
tr.zero td.score,td.zero{background:#fde8e7;color:#b42318}
tr.partial td.score,td.partial{background:#fff4d6}
tr.missing td{color:#59636e;font-style:italic}
.tag{display:inline-block;border-radius:4px;padding:0 .35em;font-size:.8em;border:1px solid #d0d7de;font-style:normal}
.tag.missing{background:#f6f8fa} .tag.ng{background:#fde8e7;color:#b42318}
.filter{margin:.6em 0} .filter input{font:inherit;padding:.25em .5em;width:24em;max-width:100%}
.legend span{display:inline-block;margin-right:1em}
table.groups th:nth-child(2){width:46%} table.groups td:nth-child(4){min-width:11em;overflow-wrap:normal;word-break:break-word}
.legend i{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:.3em;border:1px solid #d0d7de}
"""

# Sorting (click a header; again to reverse) and filtering by name; no library, works from file://.
SCRIPT = """
(function () {
  function key(cell) { return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim(); }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.tabIndex = 0;
      function sort() {
        var up = th.getAttribute("aria-sort") !== "ascending", num = th.dataset.type === "num";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[i]), y = key(b.cells[i]);
          if (num) {  // empty cells (missing, not graded) stay last either way
            x = x === "" ? NaN : +x; y = y === "" ? NaN : +y;
            if (isNaN(x) || isNaN(y)) { return isNaN(x) - isNaN(y); }
            return up ? x - y : y - x;
          }
          var c = x.localeCompare(y, undefined, {numeric: true, sensitivity: "base"});
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  });
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.dataset.filter), count = document.getElementById(input.dataset.count);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase(), shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var hit = !q || r.dataset.name.indexOf(q) >= 0;
        r.hidden = !hit; shown += hit;
      });
      if (count) { count.textContent = shown + " shown"; }
    });
  });
})();
"""


def write_report(path, assignment: str, rows, missing=(), notes=()) -> Path:
    """Write the report for `rows` (what grade_folder returns: [(Submission, SubmissionResult)])
    to `path` (a .html file, or a folder that gets report.html). `missing`: the roster's students
    with no submission (objects with .id, .name, .email); `notes`: lines for the instructor
    (e.g. roster matching). Links to feedback/ and grades.csv are made for the files that exist
    next to the report. Returns the file's path."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_report(assignment, rows, missing=missing, notes=notes, folder=path.parent)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


# ------------------------------------------------------------------ statistics

def headline(message: str) -> str:
    """The first non-empty line of a check's message; when it only introduces what follows
    ("Calling dense_forward failed:"), the next line is joined to it."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if not lines:
        return "(no message)"
    first = lines[0]
    if first.endswith(":") and len(lines) > 1:
        first = f"{first} {lines[1]}"
    return first


_UPSTREAM = re.compile(r"^\S+ uses your .+: fix (that|those) first\.?$")
_GENERIC = re.compile(r": (values differ in|wrong value|got \S+, expected \S+ \(relative error|wrong shape: got|"
                      r"wrong dtype: got|contains \d+ non-finite|expected numbers, got)")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


def is_stub(message: str) -> bool:
    """The check failed because the student's function still returns the stub's placeholder."""
    return STUB_MARK in (message or "")


_HINT = re.compile(r"^Likely cause\b[^:]*:\s*")
_VALUES = re.compile(r"^(got|expected)\s")


def cause(message: str) -> tuple[str, bool, str]:
    """(the cause a failed check's message names, whether it is a known one, a detail to show
    with it: the message's first line, or the hint when the cause is the first line).

    In order: an earlier question's function that fails ("q_forward uses your dense_forward,
    which fails q_dense: fix that first"), a warning or an exception of the student's code
    (its first line), the "Likely cause:" hint that fired, a comparison's explanation on a
    line of its own, a message of the test's own (its first line). A plain comparison with no
    hint ("values differ in 3 of 20 entries") is not a known cause: it is named by its kind
    (wrong values, wrong shape)."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if not lines:
        return "(no message)", False, ""
    if _UPSTREAM.match(lines[0]):
        rest = "\n".join(lines[1:])
        return lines[0].rstrip("."), True, headline(rest) if rest else ""
    first = headline(message)
    hints = [_HINT.sub("", line) for line in lines if _HINT.match(line)]
    if " raised a warning: " in first or first.startswith("Calling "):
        return first, True, hints[0] if hints else ""
    if hints:
        return hints[0], True, first
    m = _GENERIC.search(first)
    if m:
        extra = [line for line in lines[1:] if not _VALUES.match(line) and not _HINT.match(line)
                 and not line.startswith("[...")]
        if extra:
            return extra[0], True, first
        kind = m.group(1)
        if kind.startswith("wrong shape"):
            return "wrong shape (no known mistake recognised)", False, first
        if kind.startswith("wrong dtype") or kind.startswith("expected numbers"):
            return "wrong type of result (no known mistake recognised)", False, first
        if kind.startswith("contains"):
            return "non-finite values (no known mistake recognised)", False, first
        return "wrong values (no known mistake recognised)", False, first
    return first, True, ""


def _cause_key(text):
    """Causes that differ only in numbers (a batch size, a shape) are one cause; a test's own
    message ("train on 300 digits ...: the loss did not go down ...") is keyed by what follows
    its subject, so that one finding on several inputs is one cause."""
    text = _NUMBER.sub("#", text)
    subject, sep, finding = text.partition(": ")
    if sep and not _UPSTREAM.match(text) and " raised a warning" not in subject and not subject.startswith("Calling ") \
            and len(finding) > 40:
        return finding
    return text


def failure_groups(rows):
    """The failed checks of the graded submissions, per question and cause.

    Returns {question: {"stubs": [submission names with an unfilled stub in the question],
    "groups": [{"cause", "known", "details": [what the messages add to the cause, each once],
    "submissions": [names], "rows": [Submission], "checks": {check: hidden}}]}},
    groups by number of submissions, most first. A submission counts once per cause of a
    question; when one of its failed checks names a known cause, its checks of that question
    with no known cause are left out (they are the same mistake seen from another input).
    Submissions that could not be graded (result.error) are left out: they are listed apart."""
    out = {}
    for sub, result in rows:
        if result.error:
            continue
        per_q = defaultdict(list)
        for c in result.checks:
            if not c.passed:
                per_q[c.question].append(c)
        for q, failed in per_q.items():
            entry = out.setdefault(q, {"stubs": [], "groups": {}})
            if any(is_stub(c.message) for c in failed):
                entry["stubs"].append(sub.name)
                failed = [c for c in failed if not is_stub(c.message)]
            named = [(c, *cause(c.message)) for c in failed]
            if any(known for _, _, known, _ in named):
                named = [n for n in named if n[2]]
            for c, text, known, detail in named:
                g = entry["groups"].setdefault(_cause_key(text), {
                    "cause": text, "known": known, "details": [], "submissions": [], "checks": {}, "rows": []})
                if detail and _cause_key(detail) not in {_cause_key(d) for d in g["details"]}:
                    g["details"].append(detail)
                if sub.name not in g["submissions"]:
                    g["submissions"].append(sub.name)
                    g["rows"].append(sub)
                g["checks"][c.name] = c.hidden
    for entry in out.values():
        entry["groups"] = sorted(entry["groups"].values(), key=lambda g: (-len(g["submissions"]), not g["known"], g["cause"]))
    return out


def summarize(rows):
    """The numbers the report shows, as plain Python data (also handy for tests).
    Submissions the machinery could not grade (result.fault) have no score: they are left out
    of the means, pass rates and distributions."""
    rows = list(rows)
    scored = [(sub, r) for sub, r in rows if not r.fault]
    questions: dict[str, float] = {}
    for _, result in rows:
        for q, (_, total) in result.question_scores().items():
            questions[q] = max(questions.get(q, 0.0), total)
    per_q = {q: {"max": m, "scores": [], "full": 0} for q, m in questions.items()}
    for sub, result in scored:
        qs = result.question_scores()
        for q in questions:
            got, total = qs.get(q, (0.0, questions[q]))
            per_q[q]["scores"].append(got)
            if total > 0 and got >= total - 1e-9:
                per_q[q]["full"] += 1
    n = len(scored)
    question_stats = []
    for q, d in per_q.items():
        mean = sum(d["scores"]) / n if n else 0.0
        question_stats.append({"question": q, "max": d["max"], "mean": mean, "scores": d["scores"],
                               "mean_pct": 100 * mean / d["max"] if d["max"] else 0.0,
                               "pass_rate": 100 * d["full"] / n if n else 0.0})
    scores = [r.score for _, r in scored]
    max_score = max((r.max_score for _, r in rows), default=0.0)
    return {"n": len(rows), "scored": n, "scores": scores, "max_score": max_score,
            "questions": question_stats, "failures": failure_groups(rows)}


# ------------------------------------------------------------------ plots

def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig, alt):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _histogram(scores, max_score):
    fig = _figure(8, 3.2)
    ax = fig.add_subplot()
    top = max(max_score, max(scores, default=0.0), 1.0)
    if top <= 40 and float(top).is_integer():
        edges = [i - 0.5 for i in range(int(top) + 2)]
    else:
        edges = [top * i / 20 for i in range(21)]
    ax.hist(scores, bins=edges, color="#2f6fb3", edgecolor="white")
    if scores:
        mean = sum(scores) / len(scores)
        ax.axvline(mean, color="#b42318", linestyle="--", linewidth=1.2, label=f"mean {mean:.1f}")
        ax.legend(frameon=False, loc="upper left")
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.set_xlim(edges[0], edges[-1])
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _png(fig, "score histogram")


def _question_chart(question_stats):
    names = [q["question"] for q in question_stats]
    fig = _figure(8, 0.45 * len(names) + 1.1)
    ax = fig.add_subplot()
    ys = list(range(len(names)))
    h = 0.38
    ax.barh([y - h / 2 for y in ys], [q["mean_pct"] for q in question_stats], height=h,
            color="#2f6fb3", label="mean score (% of points)")
    ax.barh([y + h / 2 for y in ys], [q["pass_rate"] for q in question_stats], height=h,
            color="#8fb8e0", label="full marks (% of submissions)")
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("%")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=9)
    fig.tight_layout()
    return _png(fig, "per-question mean score and pass rate")


# ------------------------------------------------------------------ HTML

def _e(text):
    return html.escape(str(text), quote=True)


def _clip(text, limit=MESSAGE_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _who(sub):
    people = getattr(sub, "people", None) or {}
    extra = ", ".join(v for v in (people.get("name"), people.get("email")) if v)
    return _e(sub.name) + (f' <span class="muted">({_e(extra)})</span>' if extra else "")


def _bar(pct):
    pct = max(0.0, min(100.0, pct))
    return f'<span class="bar"><i style="width:{pct:.0f}%"></i></span>'


def _median(values):
    v = sorted(values)
    if not v:
        return 0.0
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2


def _distribution_svg(scores, top, width=150, height=34):
    """A small inline SVG histogram of one question's scores (0 .. top): one bar per whole
    point when top <= 20, else 10 bins; each bar's tooltip says how many."""
    if top <= 0:
        return ""
    if top <= 20 and float(top).is_integer():
        edges = [i - 0.5 for i in range(int(top) + 2)]
        labels = [f"{i}" for i in range(int(top) + 1)]
    else:
        edges = [top * i / 10 for i in range(11)]
        labels = [f"{edges[i]:g}-{edges[i + 1]:g}" for i in range(10)]
    counts = [0] * (len(edges) - 1)
    for s in scores:
        i = next((k for k in range(len(counts)) if s < edges[k + 1] or k == len(counts) - 1), 0)
        counts[i] += 1
    peak = max(counts) or 1
    w = width / len(counts)
    bars = []
    for i, (count, label) in enumerate(zip(counts, labels)):
        h = (height - 12) * count / peak
        bars.append(f'<rect x="{i * w + 1:.1f}" y="{height - 12 - h:.1f}" width="{max(w - 2, 1):.1f}" '
                    f'height="{h:.1f}" fill="#2f6fb3"><title>{_e(label)} points: {count} '
                    f'submission{"s" if count != 1 else ""}</title></rect>')
    axis = (f'<line x1="0" y1="{height - 11.5}" x2="{width}" y2="{height - 11.5}" stroke="#8c959f"/>'
            f'<text x="0" y="{height - 1}" font-size="9" fill="#59636e">0</text>'
            f'<text x="{width}" y="{height - 1}" font-size="9" fill="#59636e" text-anchor="end">{top:g}</text>')
    return (f'<svg class="dist" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="distribution of scores">{"".join(bars)}{axis}</svg>')


def _feedback_links(sub, folder):
    """Links to the submission's files in feedback/ (relative to the report), those that exist."""
    links = []
    for text, suffix in FEEDBACK_LINKS:
        name = feedback_file(sub.name, suffix)
        if folder is None or (folder / "feedback" / name).exists():
            links.append(f'<a href="feedback/{quote(name)}">{_e(text)}</a>')
    return " ".join(links)


def _score_class(got, total):
    if total <= 0:
        return ""
    if got <= 1e-9:
        return "zero"
    return "partial" if got < total - 1e-9 else ""


def _student_cells(sub):
    people = getattr(sub, "people", None) or {}
    return people.get("id", ""), people.get("name", ""), people.get("email", "")


def _all_submissions(rows, missing, questions, folder):
    """The table of every submission (and of the roster's students who did not submit):
    one column per question, sortable, filterable. Its columns are COLUMNS-like: (header,
    numeric?, cell for a row); a cell is (HTML, sort key, CSS class)."""
    with_people = any(getattr(sub, "people", None) for sub, _ in rows) or bool(missing)

    def status(r):
        return "not graded" if r.fault else ("graded" if not r.error else "graded, with an error")

    columns = [("submission", False, lambda sub, r: (_e(sub.name), sub.name, "who"))]
    if with_people:
        columns += [("student id", False, lambda sub, r: (_e(_student_cells(sub)[0]), _student_cells(sub)[0], "")),
                    ("name", False, lambda sub, r: (_e(_student_cells(sub)[1]), _student_cells(sub)[1], "who"))]
    columns += [("score", True, lambda sub, r: ("" if r.fault else f"{r.score:g} / {r.max_score:g}",
                                                "" if r.fault else f"{r.score:g}", "score n")),
                ("status", False, lambda sub, r: (
                    f'<span class="tag ng">not graded</span>' if r.fault else _e(status(r)), status(r), ""))]
    for q in questions:
        def cell(sub, r, q=q):
            if r.fault:
                return "", "", "n"
            got, total = r.question_scores().get(q, (0.0, 0.0))
            return f"{got:g}", f"{got:g}", f"n {_score_class(got, total)}"
        columns.append((q, True, cell))
    columns += [("seconds", True, lambda sub, r: (f"{r.seconds:.2f}", f"{r.seconds:.3f}", "n")),
                ("files", False, lambda sub, r: (_feedback_links(sub, folder), "", ""))]

    out = ['<div class="filter"><label>Filter by name: <input type="search" id="filter" data-filter="all-table" '
           'data-count="all-count" placeholder="submission, student, id or email"></label> '
           f'<span class="muted" id="all-count">{len(rows) + len(missing)} shown</span></div>',
           '<p class="legend muted"><span><i style="background:#fde8e7"></i>zero</span>'
           '<span><i style="background:#fff4d6"></i>partial</span>'
           '<span><i style="background:#fff"></i>full marks</span>'
           '<span>click a column to sort; again to reverse</span></p>',
           '<div class="scroll"><table class="sortable" id="all-table"><thead><tr>']
    for header, numeric, _ in columns:
        label = f"<code>{_e(header)}</code>" if header in questions else _e(header)
        attrs = ' class="n" data-type="num"' if numeric else ""
        out.append(f'<th{attrs} title="{_e(header)}">{label}</th>')
    out.append("</tr></thead><tbody>")
    for sub, r in rows:
        sid, name, email = _student_cells(sub)
        klass = "" if r.fault else _score_class(r.score, r.max_score)
        search = " ".join((sub.name, sid, name, email)).lower()
        out.append(f'<tr class="{klass}" data-name="{_e(search)}">')
        for _, _, fn in columns:
            text, key, css = fn(sub, r)
            out.append(f'<td class="{css}" data-sort="{_e(key)}">{text}</td>')
        out.append("</tr>")
    for student in missing:
        search = " ".join((student.id, student.name, student.email)).lower()
        out.append(f'<tr class="missing" data-name="{_e(search)}">')
        for header, _, _ in columns:
            text, key = {"submission": ("(no submission)", ""), "student id": (_e(student.id), student.id),
                         "name": (_e(student.name), student.name),
                         "status": ('<span class="tag missing">missing</span>', "missing")}.get(header, ("", ""))
            out.append(f'<td data-sort="{_e(key)}">{text}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return out


def _failures(s, folder):
    """Per question: its failure groups (cause, how many submissions, which checks, who) and
    how many submissions left a stub unfilled (counted apart, not listed as failures)."""
    out = []
    groups = s["failures"]
    if not any(entry["groups"] or entry["stubs"] for entry in groups.values()):
        return ["<p>No check failed.</p>"]
    out.append('<p class="muted">Failed checks grouped by question and by the cause their message names '
               '(the hint that fired, an earlier function that fails, the student\'s exception). A submission '
               'counts once per cause. Unfilled stubs are counted apart; submissions that could not be graded '
               'are listed under errors.</p>')
    for q in [q["question"] for q in s["questions"]]:
        entry = groups.get(q)
        if not entry or not (entry["groups"] or entry["stubs"]):
            continue
        out.append(f'<h3 id="fail-{_e(q)}"><code>{_e(q)}</code></h3>')
        if entry["stubs"]:
            k = len(entry["stubs"])
            out.append(f'<p class="muted stubs">{k} submission{"s" if k != 1 else ""} left a stub of this '
                       f'question unfilled: {_e(", ".join(entry["stubs"][:GROUP_EXAMPLES]))}'
                       f'{f" and {k - GROUP_EXAMPLES} more" if k > GROUP_EXAMPLES else ""}.</p>')
        if not entry["groups"]:
            continue
        out.append('<table class="groups"><thead><tr><th class="n">submissions</th><th>cause</th><th>checks</th>'
                   '<th>who</th></tr></thead><tbody>')
        for g in entry["groups"]:
            checks = ", ".join(f"<code>{_e(c)}</code> <span class=\"muted\">({'hidden' if h else 'public'})</span>"
                               for c, h in g["checks"].items())
            who = ", ".join(f'<a href="feedback/{quote(feedback_file(sub.name, ".txt"))}">{_e(sub.name)}</a>'
                            if folder is None or (folder / "feedback" / feedback_file(sub.name, ".txt")).exists()
                            else _e(sub.name) for sub in g["rows"][:GROUP_EXAMPLES])
            more = len(g["rows"]) - GROUP_EXAMPLES
            cause_html = (f"<b>{_e(_clip(g['cause']))}</b>" if g["known"] else f"<span>{_e(g['cause'])}</span>")
            shown = g["details"][:DETAILS]
            example = "".join(f'<br><span class="msg muted">{_e(_clip(d))}</span>' for d in shown)
            if len(g["details"]) > DETAILS:
                example += f'<br><span class="muted">({len(g["details"]) - DETAILS} more messages)</span>'
            out.append(f'<tr><td class="n">{len(g["submissions"])}</td><td>{cause_html}{example}</td>'
                       f'<td>{checks}</td><td>{who}{f" and {more} more" if more > 0 else ""}</td></tr>')
        out.append("</tbody></table>")
    return out


def render_report(assignment: str, rows, missing=(), notes=(), folder=None) -> str:
    """The page as a string; `folder` (the report's folder) decides which links exist."""
    rows, missing = list(rows), list(missing)
    folder = Path(folder) if folder is not None else None
    s = summarize(rows)
    n, scores, max_score = s["n"], s["scores"], s["max_score"]
    errors = [(sub, r) for sub, r in rows if r.error]
    full = sum(1 for x in scores if max_score and x >= max_score - 1e-9)
    zero = sum(1 for x in scores if x <= 1e-9)
    total_seconds = sum(r.seconds for _, r in rows)
    count = len(scores)
    mean = sum(scores) / count if count else 0.0
    sd = math.sqrt(sum((x - mean) ** 2 for x in scores) / count) if count else 0.0
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    out = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           f"<title>{_e(assignment)}: grading report</title><style>{CSS}</style></head><body>",
           f"<h1>{_e(assignment)}: grading report</h1>",
           f'<p class="sub">{n} submission{"s" if n != 1 else ""} graded'
           + (f"; {len(missing)} student{'s' if len(missing) != 1 else ''} of the roster did not submit"
              if missing else "") + f"; report written {now}.</p>"]
    links = [(name, label) for name, label in PAGE_LINKS if folder is None or (folder / name).exists()]
    if links:
        out.append('<nav class="links">' + "".join(f'<a href="{quote(name)}">{_e(label)}</a>'
                                                   for name, label in links) + "</nav>")
    for note in notes:
        out.append(f'<p class="note">{_e(note)}</p>')
    if not n and not missing:
        out.append("<p>No submissions.</p></body></html>")
        return "\n".join(out)

    cards = [(f"{mean:.1f} / {max_score:g}", "mean score"), (f"{_median(scores):g}", "median"),
             (f"{sd:.1f}", "standard deviation"), (f"{full}", "full marks"), (f"{zero}", "zero"),
             (f"{len(errors)}", "with errors")]
    if missing:
        cards.append((f"{len(missing)}", "missing (on the roster, no submission)"))
    cards.append((f"{total_seconds:.0f} s", "grading time (sum)"))
    out.append('<div class="cards">' + "".join(f"<div class=\"card\"><b>{_e(v)}</b><span>{_e(k)}</span></div>"
                                               for v, k in cards) + "</div>")

    out.append('<h2 id="histogram">Score histogram</h2>')
    out.append(_histogram(scores, max_score))

    out.append('<h2 id="questions">Questions</h2>')
    out.append('<p class="muted">Mean score per question, the share of submissions with full marks on it, '
               'and how the scores spread (hover a bar for its count).</p>')
    out.append(_question_chart(s["questions"]))
    out.append('<table><tr><th>question</th><th class="n">points</th><th class="n">mean</th>'
               '<th>mean % of points</th><th>full marks</th><th>distribution</th></tr>')
    for q in s["questions"]:
        out.append(f"<tr><td><code>{_e(q['question'])}</code></td><td class=\"n\">{q['max']:g}</td>"
                   f"<td class=\"n\">{q['mean']:.2f}</td><td>{_bar(q['mean_pct'])}{q['mean_pct']:.0f}%</td>"
                   f"<td>{_bar(q['pass_rate'])}{q['pass_rate']:.0f}%</td>"
                   f"<td>{_distribution_svg(q['scores'], q['max'])}</td></tr>")
    out.append("</table>")

    out.append('<h2 id="failures">Failures by question and cause</h2>')
    out += _failures(s, folder)

    out.append('<h2 id="slowest">Slowest submissions</h2>')
    slow = sorted(rows, key=lambda sr: -sr[1].seconds)[:TOP_SLOWEST]
    out.append('<table><tr><th>submission</th><th class="n">seconds</th><th class="n">score</th><th>error</th></tr>')
    for sub, r in slow:
        out.append(f"<tr><td>{_who(sub)}</td><td class=\"n\">{r.seconds:.2f}</td>"
                   f"<td class=\"n\">{r.score:g} / {r.max_score:g}</td>"
                   f"<td class=\"msg bad\">{_e(_clip(r.error))}</td></tr>")
    out.append("</table>")

    out.append('<h2 id="errors">Submissions with errors</h2>')
    if errors:
        out.append('<table><tr><th>submission</th><th class="n">score</th><th>error</th></tr>')
        for sub, r in errors:
            score = "not graded" if r.fault else f"{r.score:g} / {r.max_score:g}"
            out.append(f"<tr><td>{_who(sub)}</td><td class=\"n\">{score}</td>"
                       f"<td class=\"msg bad\">{_e(_clip(r.error, 1000))}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>None: every submission was graded.</p>")
    cell_trouble = [(sub, r) for sub, r in rows if r.notebook_errors and not r.error]
    if cell_trouble:
        out.append(f"<details><summary>{len(cell_trouble)} graded submission(s) had notebook cells that "
                   "raised or were left out</summary><table><tr><th>submission</th><th class=\"n\">cells"
                   "</th><th>first</th></tr>")
        for sub, r in cell_trouble:
            out.append(f"<tr><td>{_who(sub)}</td><td class=\"n\">{len(r.notebook_errors)}</td>"
                       f"<td class=\"msg\">{_e(_clip(headline(r.notebook_errors[0])))}</td></tr>")
        out.append("</table></details>")

    out.append(f'<h2 id="all">All {n} submissions' + (f" and {len(missing)} missing" if missing else "") + "</h2>")
    if missing:
        out.append('<p class="muted">A roster student with no submission has a row with status '
                   '<span class="tag missing">missing</span> and no score: not a zero.</p>')
    out += _all_submissions(rows, missing, [q["question"] for q in s["questions"]], folder)
    out.append(f"<script>{SCRIPT}</script>")
    out.append("</body></html>")
    return "\n".join(out)
