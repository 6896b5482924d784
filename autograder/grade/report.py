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
import functools
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

TEMPLATES = Path(__file__).with_name("templates")   # report.html, report.css, report.js

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

# The page's style (templates/report.css) and its script (templates/report.js: sorting by a
# column, again to reverse, and filtering by name; no library, works from file://) are inline in
# the page. Jinja2 is imported when a page is rendered: the zip holds this module, not Jinja2.


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


def _png(fig):
    """The figure as base64 PNG data, for an inline <img>."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


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
    return _png(fig)


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
    return _png(fig)


# ------------------------------------------------------------------ HTML (templates/report.html)

def _escaped(value):
    """What a template prints: escaped as html.escape(quote=True) does (&quot; and &#x27;, the
    form this page has always had), unless it is markup already (a macro's output, the CSS)."""
    from markupsafe import Markup
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


def _asset(name):
    """A file of templates/ inserted as it is (the CSS, the script): trusted markup."""
    from markupsafe import Markup
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=_escaped,
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    env.filters["fmt"] = format   # {{ x|fmt(".2f") }}: Python's format(x, ".2f")
    env.filters["clamp"] = lambda x, low, high: max(low, min(high, x))
    return env


def _clip(text, limit=MESSAGE_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _who(sub, **extra):
    """A submission as the tables name it: its name, and the student's name and email."""
    people = getattr(sub, "people", None) or {}
    return {"name": sub.name, "extra": ", ".join(v for v in (people.get("name"), people.get("email")) if v),
            **extra}


def _median(values):
    v = sorted(values)
    if not v:
        return 0.0
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2


def _distribution(scores, top, width=150, height=34):
    """A small histogram of one question's scores (0 .. top), drawn as inline SVG by the
    template: one bar per whole point when top <= 20, else 10 bins; each bar's tooltip says
    how many. None when the question has no points."""
    if top <= 0:
        return None
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
        bars.append({"x": i * w + 1, "y": height - 12 - h, "w": max(w - 2, 1), "h": h,
                     "label": label, "count": count})
    return {"width": width, "height": height, "top": top, "bars": bars}


def _feedback_href(name, suffix, folder):
    """feedback/<file> (relative to the report) of a submission, or None when it does not exist."""
    file = feedback_file(name, suffix)
    if folder is None or (folder / "feedback" / file).exists():
        return f"feedback/{quote(file)}"
    return None


def _feedback_links(sub, folder):
    """[(href, text)] of the submission's files in feedback/ that exist."""
    return [(href, text) for text, suffix in FEEDBACK_LINKS
            if (href := _feedback_href(sub.name, suffix, folder)) is not None]


def _score_class(got, total):
    if total <= 0:
        return ""
    if got <= 1e-9:
        return "zero"
    return "partial" if got < total - 1e-9 else ""


def _student_cells(sub):
    people = getattr(sub, "people", None) or {}
    return people.get("id", ""), people.get("name", ""), people.get("email", "")


def _cell(text="", key="", css="", tag=None, links=None):
    """One cell of the table of all submissions: its text, sort key, CSS class, and either a
    tag (a badge: `tag` is its class) or links [(href, text)]."""
    return {"text": text, "key": key, "css": css, "tag": tag, "links": links}


def _all_submissions(rows, missing, questions, folder):
    """The table of every submission (and of the roster's students who did not submit):
    one column per question, sortable, filterable. Its columns are (header, numeric?, cell for
    a row); the template writes {"headers", "rows", "missing"}."""
    with_people = any(getattr(sub, "people", None) for sub, _ in rows) or bool(missing)

    def status(r):
        return "not graded" if r.fault else ("graded" if not r.error else "graded, with an error")

    columns = [("submission", False, lambda sub, r: _cell(sub.name, sub.name, "who"))]
    if with_people:
        columns += [("student id", False, lambda sub, r: _cell(_student_cells(sub)[0], _student_cells(sub)[0])),
                    ("name", False, lambda sub, r: _cell(_student_cells(sub)[1], _student_cells(sub)[1], "who"))]
    columns += [("score", True, lambda sub, r: _cell("" if r.fault else f"{r.score:g} / {r.max_score:g}",
                                                     "" if r.fault else f"{r.score:g}", "score n")),
                ("status", False, lambda sub, r: _cell(status(r), status(r), tag="ng" if r.fault else None))]
    for q in questions:
        def cell(sub, r, q=q):
            if r.fault:
                return _cell(css="n")
            got, total = r.question_scores().get(q, (0.0, 0.0))
            return _cell(f"{got:g}", f"{got:g}", f"n {_score_class(got, total)}")
        columns.append((q, True, cell))
    columns += [("seconds", True, lambda sub, r: _cell(f"{r.seconds:.2f}", f"{r.seconds:.3f}", "n")),
                ("files", False, lambda sub, r: _cell(links=_feedback_links(sub, folder)))]

    table = {"headers": [(header, numeric, header in questions) for header, numeric, _ in columns],
             "rows": [], "missing": []}
    for sub, r in rows:
        sid, name, email = _student_cells(sub)
        table["rows"].append({"css": "" if r.fault else _score_class(r.score, r.max_score),
                              "search": " ".join((sub.name, sid, name, email)).lower(),
                              "cells": [fn(sub, r) for _, _, fn in columns]})
    for student in missing:
        known = {"submission": _cell("(no submission)"), "student id": _cell(student.id, student.id),
                 "name": _cell(student.name, student.name), "status": _cell("missing", "missing", tag="missing")}
        table["missing"].append({"search": " ".join((student.id, student.name, student.email)).lower(),
                                 "cells": [known.get(header, _cell()) for header, _, _ in columns]})
    return table


def _failures(s, folder):
    """Per question that has any: its failure groups (cause, how many submissions, which checks,
    who) and the submissions that left a stub unfilled (counted apart, not listed as failures)."""
    out = []
    for q in [q["question"] for q in s["questions"]]:
        entry = s["failures"].get(q)
        if not entry or not (entry["groups"] or entry["stubs"]):
            continue
        stubs = entry["stubs"]
        groups = []
        for g in entry["groups"]:
            groups.append({
                "count": len(g["submissions"]), "known": g["known"],
                "cause": _clip(g["cause"]) if g["known"] else g["cause"],
                "details": [_clip(d) for d in g["details"][:DETAILS]],
                "more_details": len(g["details"]) - DETAILS,
                "checks": list(g["checks"].items()),
                "who": [(sub.name, _feedback_href(sub.name, ".txt", folder)) for sub in g["rows"][:GROUP_EXAMPLES]],
                "more": len(g["rows"]) - GROUP_EXAMPLES})
        out.append({"question": q, "stubs": len(stubs), "stub_names": ", ".join(stubs[:GROUP_EXAMPLES]),
                    "stubs_more": len(stubs) - GROUP_EXAMPLES, "groups": groups})
    return out


def render_report(assignment: str, rows, missing=(), notes=(), folder=None) -> str:
    """The page as a string; `folder` (the report's folder) decides which links exist."""
    rows, missing = list(rows), list(missing)
    folder = Path(folder) if folder is not None else None
    s = summarize(rows)
    n, scores, max_score = s["n"], s["scores"], s["max_score"]
    page = {"assignment": assignment, "n": n, "missing": missing, "notes": list(notes),
            "now": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "page_links": [(quote(name), label) for name, label in PAGE_LINKS
                           if folder is None or (folder / name).exists()],
            "css": _asset("report.css"), "script": _asset("report.js")}
    template = _environment().get_template("report.html")
    if not n and not missing:
        return template.render(page)

    errors = [(sub, r) for sub, r in rows if r.error]
    count = len(scores)
    mean = sum(scores) / count if count else 0.0
    sd = math.sqrt(sum((x - mean) ** 2 for x in scores) / count) if count else 0.0
    cards = [(f"{mean:.1f} / {max_score:g}", "mean score"), (f"{_median(scores):g}", "median"),
             (f"{sd:.1f}", "standard deviation"),
             (f"{sum(1 for x in scores if max_score and x >= max_score - 1e-9)}", "full marks"),
             (f"{sum(1 for x in scores if x <= 1e-9)}", "zero"), (f"{len(errors)}", "with errors")]
    if missing:
        cards.append((f"{len(missing)}", "missing (on the roster, no submission)"))
    cards.append((f"{sum(r.seconds for _, r in rows):.0f} s", "grading time (sum)"))
    questions = [dict(q, distribution=_distribution(q["scores"], q["max"])) for q in s["questions"]]
    slowest = [_who(sub, seconds=r.seconds, score=r.score, max_score=r.max_score, error=_clip(r.error))
               for sub, r in sorted(rows, key=lambda sr: -sr[1].seconds)[:TOP_SLOWEST]]
    return template.render(
        page, cards=cards, histogram=_histogram(scores, max_score),
        question_chart=_question_chart(s["questions"]), questions=questions,
        failures=_failures(s, folder), slowest=slowest,
        errors=[_who(sub, fault=r.fault, score=r.score, max_score=r.max_score, error=_clip(r.error, 1000))
                for sub, r in errors],
        cell_trouble=[_who(sub, cells=len(r.notebook_errors), first=_clip(headline(r.notebook_errors[0])))
                      for sub, r in rows if r.notebook_errors and not r.error],
        table=_all_submissions(rows, missing, [q["question"] for q in s["questions"]], folder))
