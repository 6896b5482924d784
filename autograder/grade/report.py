"""grades/<assignment>/report.html: the instructor's overview of a graded folder.

One self-contained HTML file (inline CSS, plots as inline base64 PNGs drawn with matplotlib's
Agg canvas, no scripts, no external links): the score histogram, per-question mean score and
pass rate, the most frequent failure messages, the slowest submissions and the submissions
that could not be graded fully.

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
from collections import Counter, defaultdict
from pathlib import Path

TOP_FAILURES = 15
TOP_SLOWEST = 10
MESSAGE_CHARS = 300

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
     color:#1f2328;max-width:1100px;margin:2em auto;padding:0 1.2em;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #d0d7de;
padding-bottom:.2em} .sub{color:#59636e;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1.2em 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6em 1em;min-width:8em}
.card b{display:block;font-size:1.4em} .card span{color:#59636e;font-size:.85em}
table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.92em}
th,td{border-bottom:1px solid #e5e8eb;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.msg{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
.msg{white-space:pre-wrap;word-break:break-word} .muted{color:#59636e} .bad{color:#b42318}
img{max-width:100%;height:auto;display:block;margin:.6em 0}
.bar{background:#e5e8eb;border-radius:3px;height:.7em;width:7em;display:inline-block;vertical-align:middle;margin-right:.4em}
.bar i{display:block;height:100%;border-radius:3px;background:#2f6fb3}
details{margin:.6em 0} summary{cursor:pointer;color:#2f6fb3}
"""


def write_report(path, assignment: str, rows) -> Path:
    """Write the report for `rows` (what grade_folder returns: [(Submission, SubmissionResult)])
    to `path` (a .html file, or a folder that gets report.html). Returns the file's path."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_report(assignment, rows)
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


def summarize(rows):
    """The numbers the report shows, as plain Python data (also handy for tests)."""
    rows = list(rows)
    questions: dict[str, float] = {}
    for _, result in rows:
        for q, (_, total) in result.question_scores().items():
            questions[q] = max(questions.get(q, 0.0), total)
    per_q = {q: {"max": m, "scores": [], "full": 0} for q, m in questions.items()}
    failures = Counter()
    failure_info = {}
    failure_subs = defaultdict(list)
    for sub, result in rows:
        qs = result.question_scores()
        for q in questions:
            got, total = qs.get(q, (0.0, questions[q]))
            per_q[q]["scores"].append(got)
            if total > 0 and got >= total - 1e-9:
                per_q[q]["full"] += 1
        if result.error:  # its checks all say "not graded": listed with the errors instead
            continue
        for c in result.checks:
            if c.passed:
                continue
            key = (c.name, headline(c.message))
            failures[key] += 1
            failure_info[key] = (c.question, c.hidden)
            if len(failure_subs[key]) < 3:
                failure_subs[key].append(sub.name)
    n = len(rows)
    question_stats = []
    for q, d in per_q.items():
        mean = sum(d["scores"]) / n if n else 0.0
        question_stats.append({"question": q, "max": d["max"], "mean": mean,
                               "mean_pct": 100 * mean / d["max"] if d["max"] else 0.0,
                               "pass_rate": 100 * d["full"] / n if n else 0.0})
    top = sorted(failures.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FAILURES]
    failure_stats = [{"check": k[0], "message": k[1], "count": v, "question": failure_info[k][0],
                      "hidden": failure_info[k][1], "examples": failure_subs[k]} for k, v in top]
    scores = [r.score for _, r in rows]
    max_score = max((r.max_score for _, r in rows), default=0.0)
    return {"n": n, "scores": scores, "max_score": max_score, "questions": question_stats,
            "failures": failure_stats, "distinct_failures": len(failures)}


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


def render_report(assignment: str, rows) -> str:
    rows = list(rows)
    s = summarize(rows)
    n, scores, max_score = s["n"], s["scores"], s["max_score"]
    errors = [(sub, r) for sub, r in rows if r.error]
    full = sum(1 for x in scores if max_score and x >= max_score - 1e-9)
    total_seconds = sum(r.seconds for _, r in rows)
    mean = sum(scores) / n if n else 0.0
    sd = math.sqrt(sum((x - mean) ** 2 for x in scores) / n) if n else 0.0
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    out = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           f"<title>{_e(assignment)}: grading report</title><style>{CSS}</style></head><body>",
           f"<h1>{_e(assignment)}: grading report</h1>",
           f'<p class="sub">{n} submission{"s" if n != 1 else ""} graded; report written {now}. '
           '<a href="similarity.html">Similarity of the submitted code</a>.</p>']
    if not n:
        out.append("<p>No submissions.</p></body></html>")
        return "\n".join(out)

    cards = [(f"{mean:.1f} / {max_score:g}", "mean score"), (f"{_median(scores):g}", "median"),
             (f"{sd:.1f}", "standard deviation"), (f"{full}", "full marks"),
             (f"{len(errors)}", "with errors"), (f"{total_seconds:.0f} s", "grading time (sum)")]
    out.append('<div class="cards">' + "".join(f"<div class=\"card\"><b>{_e(v)}</b><span>{_e(k)}</span></div>"
                                               for v, k in cards) + "</div>")

    out.append('<h2 id="histogram">Score histogram</h2>')
    out.append(_histogram(scores, max_score))

    out.append('<h2 id="questions">Questions</h2>')
    out.append('<p class="muted">Mean score per question, and the share of submissions with full marks on it.</p>')
    out.append(_question_chart(s["questions"]))
    out.append('<table><tr><th>question</th><th class="n">points</th><th class="n">mean</th>'
               '<th>mean % of points</th><th>full marks</th></tr>')
    for q in s["questions"]:
        out.append(f"<tr><td><code>{_e(q['question'])}</code></td><td class=\"n\">{q['max']:g}</td>"
                   f"<td class=\"n\">{q['mean']:.2f}</td><td>{_bar(q['mean_pct'])}{q['mean_pct']:.0f}%</td>"
                   f"<td>{_bar(q['pass_rate'])}{q['pass_rate']:.0f}%</td></tr>")
    out.append("</table>")

    out.append('<h2 id="failures">Most frequent failure messages</h2>')
    if s["failures"]:
        out.append(f'<p class="muted">The first line of each failed check\'s message, counted per check '
                   f'({s["distinct_failures"]} distinct; submissions that could not be graded are '
                   f'listed under errors instead).</p>')
        out.append('<table><tr><th class="n">count</th><th>check</th><th>message</th><th>e.g.</th></tr>')
        for f in s["failures"]:
            kind = "hidden" if f["hidden"] else "public"
            out.append(f"<tr><td class=\"n\">{f['count']}</td><td><code>{_e(f['check'])}</code><br>"
                       f"<span class=\"muted\">{_e(f['question'])}, {kind}</span></td>"
                       f"<td class=\"msg\">{_e(_clip(f['message']))}</td>"
                       f"<td>{'<br>'.join(_e(x) for x in f['examples'])}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No check failed.</p>")

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
            out.append(f"<tr><td>{_who(sub)}</td><td class=\"n\">{r.score:g} / {r.max_score:g}</td>"
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

    out.append(f"<details><summary>All {n} submissions</summary>")
    questions = [q["question"] for q in s["questions"]]
    out.append("<table><tr><th>submission</th><th class=\"n\">score</th>" +
               "".join(f"<th class=\"n\"><code>{_e(q)}</code></th>" for q in questions) +
               "<th class=\"n\">seconds</th></tr>")
    for sub, r in rows:
        qs = r.question_scores()
        out.append(f"<tr><td>{_who(sub)}</td><td class=\"n\">{r.score:g} / {r.max_score:g}</td>" +
                   "".join(f"<td class=\"n\">{qs.get(q, (0, 0))[0]:g}</td>" for q in questions) +
                   f"<td class=\"n\">{r.seconds:.2f}</td></tr>")
    out.append("</table></details>")
    out.append("</body></html>")
    return "\n".join(out)
