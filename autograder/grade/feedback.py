"""What a student sees: Gradescope's results.json and the same feedback as text."""
from __future__ import annotations

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


def to_gradescope(result):
    """results.json: one test per check; public checks visible now, hidden ones once grades
    are published."""
    tests = []
    for i, c in enumerate(result.checks, 1):
        kind = "hidden check" if c.hidden else "public check"
        output = "Passed." if c.passed else _clip(c.message)
        tests.append({"name": f"{c.question}: {c.name} ({kind})", "number": str(i),
                      "score": c.score, "max_score": c.points,
                      "status": "passed" if c.passed else "failed",
                      "visibility": "after_published" if c.hidden else "visible",
                      "output": output})
    out = {"score": result.score, "execution_time": round(result.seconds, 2),
           "output": header_text(result) or "Graded. Hidden checks appear when grades are published.",
           "visibility": "visible", "tests": tests,
           "extra_data": {"confinement": result.confinement}}  # how the student's code ran
    return out


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
