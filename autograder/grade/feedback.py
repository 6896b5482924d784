"""What a student sees: Gradescope's results.json and the same feedback as text."""
from __future__ import annotations

import json

from autograder.grade import markdown

OUTPUT_LIMIT = 4000  # characters per check message shown to students


def _clip(text, limit=OUTPUT_LIMIT):
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters]"


def header_text(result):
    lines = []
    if result.error:
        lines.append(f"This submission could not be graded fully: {result.error}")
    for message in result.notebook_errors[:10]:
        lines.append(_clip(message, 800))
    if len(result.notebook_errors) > 10:
        lines.append(f"... and {len(result.notebook_errors) - 10} more cells with errors")
    return "\n".join(lines)


RESULTS_LIMIT = 95_000  # characters of results.json as written: Gradescope cuts at about 100,000
MIN_CAP = 300           # no message is cut shorter than this


def to_gradescope(result, graded=None, ignored=(), notes=()):
    """results.json (Gradescope's format) for one graded submission, as a dict.

    One test per check: public checks visible now, hidden ones once grades are published. All
    text is Markdown (`output_format` "md"), with what the student wrote shown verbatim in code
    spans and blocks or escaped; names are plain text. The top-level output says which file was
    graded and which were not, the notebook's errors, and one heading per question with its
    public checks. The whole file stays under RESULTS_LIMIT characters: the longest messages
    are cut first, each saying so, and the top-level output lists them.

    Inputs:
    - result: SubmissionResult.
    - graded: the submitted file that was graded, as the student named it (None: unknown).
    - ignored: [(name, reason)] of the other files submitted.
    - notes: lines for the student, e.g. what their code was allowed (memory, seconds).
    """
    messages = [c.message for c in result.checks if not c.passed] + result.notebook_errors[:10]
    lengths = [len(markdown.message(m)) for m in messages]
    cap = OUTPUT_LIMIT
    for _ in range(8):
        out = _results(result, graded, ignored, notes, cap)
        over = len(json.dumps(out, indent=1)) - RESULTS_LIMIT
        if over <= 0 or cap == MIN_CAP:
            return out
        # cut the longest first; JSON's escapes make the file longer than the text, so repeat
        shown = sum(min(n, cap) for n in lengths)
        cap = max(MIN_CAP, min(int(cap * 0.9), _fair_cap(lengths, shown - over)))
    return out


def _results(result, graded, ignored, notes, cap):
    """results.json with every failure message cut to `cap` characters of Markdown (a notebook
    error to 800)."""
    tests, cut = [], []
    for i, c in enumerate(result.checks, 1):
        kind = "hidden check" if c.hidden else "public check"
        name = f"{c.question}: {c.name} ({kind})"
        output = "Passed." if c.passed else markdown.shortened(c.message, cap)
        if markdown.CUT_NOTE in output:
            cut.append(name)
        tests.append({"name": name, "name_format": "text",
                      "number": str(i), "score": c.score, "max_score": c.points,
                      "status": "passed" if c.passed else "failed",
                      "visibility": "after_published" if c.hidden else "visible",
                      "output": output, "output_format": "md", "tags": [c.question]})
    errors = [markdown.shortened(e, min(cap, 800)) for e in result.notebook_errors[:10]]
    cut += [f"the error of cell {e.split()[1]}" for e in errors if markdown.CUT_NOTE in e and e.startswith("Cell ")]
    return {"score": result.score, "execution_time": round(result.seconds, 2),
            "output": _header_md(result, graded, ignored, notes, errors, cut), "output_format": "md",
            "test_output_format": "md", "test_name_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"confinement": result.confinement,  # how the student's code ran
                           "graded": graded, "ignored": [name for name, _ in ignored],
                           "variant": result.variant}}  # of the hidden checks' inputs


def _fair_cap(lengths, budget):
    """The largest cap with sum(min(length, cap)) <= budget: the longest are cut first."""
    if sum(lengths) <= budget:
        return max(lengths, default=0) + 1
    cap, remaining = 0, budget
    for i, n in enumerate(sorted(lengths)):
        share = remaining // (len(lengths) - i)
        if n > share:
            return max(share, MIN_CAP)
        remaining -= n
        cap = n
    return max(cap, MIN_CAP)


def _header_md(result, graded, ignored, notes, errors, cut=()):
    """The top-level output: what was graded, the notebook's errors, public checks per question."""
    md = markdown
    parts = []
    if graded:
        parts.append(f"**Graded:** {md.code(graded)}")
    if ignored:
        parts.append("**Not graded** (only one notebook is): " + "; ".join(
            f"{md.code(name)} ({md.escape(reason)})" for name, reason in ignored))
    if result.error:
        parts.append("**This submission could not be graded fully:** " + md.prose(result.error))
    hidden = sum(c.hidden for c in result.checks)
    if hidden:
        parts.append(f"{hidden} hidden checks were graded too; their results appear when grades "
                     "are published.")
    parts += [md.escape(note) for note in notes]
    if errors:
        parts.append("### Problems while running your notebook")
        parts += errors
        more = len(result.notebook_errors) - len(errors)
        if more > 0:
            parts.append(f"... and {more} more cells with errors.")
    if cut:
        parts.append(f"*Some long messages were shortened (to {OUTPUT_LIMIT:,} characters each at most, "
                     "and the page to Gradescope's size limit): " + "; ".join(md.escape(c) for c in cut) + ".*")
    public = {}
    for c in result.checks:
        if not c.hidden:
            public.setdefault(c.question, []).append(c)
    for question, checks in public.items():
        passed = sum(c.passed for c in checks)
        parts.append(f"### {md.escape(question)}\n\nPublic checks passed: {passed} of {len(checks)}"
                     + ("" if passed == len(checks) else " (the messages are in the checks below)."))
    return "\n\n".join(parts) or "Graded."


def to_text(result, name=""):
    lines = [f"{name}: {result.score:g} / {result.max_score:g}" if name else
             f"Score: {result.score:g} / {result.max_score:g}"]
    head = header_text(result)
    if head:
        lines += ["", head]
    for question, (got, total) in result.question_scores().items():
        lines += ["", f"{question}: {got:g} / {total:g}"]
        for c in result.checks:
            if c.question != question:
                continue
            mark = "ok  " if c.passed else "FAIL"
            kind = "hidden" if c.hidden else "public"
            lines.append(f"  {mark} {c.name} ({kind}, {c.score:g}/{c.points:g})")
            if not c.passed:
                lines += ["       " + l for l in _clip(c.message).splitlines()]
    return "\n".join(lines) + "\n"
