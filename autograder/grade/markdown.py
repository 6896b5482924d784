"""Check messages as Markdown for Gradescope, with what the student wrote made harmless.

A message is the grader's prose with the student's material inside it: values their code
returned, their exception, the line of their code it came from. That material goes into code
spans and code blocks, which show it verbatim (no HTML, no Markdown is interpreted there); the
prose around it is escaped, so a student's `<b>` or `*` shows as written and `<module>` stays.
"""
from __future__ import annotations

import re

# the shapes of the grader's message lines (see nncheck's messages and describe_exception)
_TRACE = re.compile(r"in (?P<where>.+?), line (?P<line>\d+) of your code: ?(?P<code>.*)$")
_VALUES = re.compile(r"(got|expected)\s+[\[(\-\d]")  # "got      [[0.1 0.2] ...]": an array print
_EXCEPTION = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Warning|Exit|Interrupt|Iteration)\b: ")
# values inside prose: shapes (2, 4), calls f(x, W), subscripts grads['W1'], lists [4, 4, 2]
_CODE_LIKE = re.compile(r"(?<!\w)[A-Za-z_]\w*(?:\[[^\[\]\n]{1,40}\])+"  # only from a word's start:
                        r"|(?<!\w)[A-Za-z_]\w*\([^()\n]{0,60}\)"      # linear in long words
                        r"|\((?:\s*-?[\d.]+(?:e[+-]?\d+)?\s*,)*\s*-?[\d.]*(?:e[+-]?\d+)?\s*\)"
                        r"|\[(?:[^\[\]\n]{0,80})\]")
_LEAD = re.compile(r"(?P<lead>(?:Cell \d+ raised|Calling \w+ failed:|\w+ raised a warning:) )(?P<rest>.+)$")
_SPECIAL = re.compile(r"[\\`*\[\]<>&~|#]|(?<!\w)_|_(?!\w)")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")
CUT_NOTE = "more characters of this message were left out"


def code(text):
    """`text` as an inline code span, verbatim whatever backticks it holds."""
    text = " ".join(str(text).splitlines())
    if not text:
        return ""
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or ticks != "`" else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def code_block(lines):
    """Lines shown verbatim in a fenced block."""
    body = "\n".join(lines)
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    return f"{fence}text\n{body}\n{fence}"


def escape(text):
    """Prose with Markdown's and HTML's special characters shown as written."""
    text = _SPECIAL.sub(lambda m: "\\" + m.group(0), str(text))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def prose(text):
    """Escaped prose, with the values in it (shapes, calls, subscripts) as code spans."""
    parts, last = [], 0
    for m in _CODE_LIKE.finditer(text):
        parts += [escape(text[last:m.start()]), code(m.group(0))]
        last = m.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def message(text):
    """One check message (or notebook error) as Markdown."""
    out, values = [], []

    def flush():
        if values:
            out.append(code_block(values))
            values.clear()

    for raw in str(text).splitlines():
        line = raw.strip()
        if not line:
            continue
        if _VALUES.match(line) or raw.startswith("      "):
            values.append(line)
            continue
        flush()
        trace = _TRACE.match(line)
        if trace:
            out.append(f"- in {code(trace['where'])}, line {trace['line']} of your code: {code(trace['code'])}")
        elif line.startswith("Likely cause:"):
            out.append("**Likely cause:** " + prose(line[len("Likely cause:"):].strip()))
        elif _EXCEPTION.match(line):
            out.append(code(line))
        elif _LEAD.match(line):  # "Cell 3 raised ValueError: ...": the exception is the student's
            lead = _LEAD.match(line)
            out.append(escape(lead["lead"]) + code(lead["rest"]))
        else:
            out.append(prose(line))
    flush()
    # paragraphs, except that the lines of a traceback stay one list
    text = ""
    for i, block in enumerate(out):
        joint = "\n" if i and block.startswith("- ") and out[i - 1].startswith("- ") else "\n\n"
        text += (joint if i else "") + block
    return text


def shortened(text, limit, render=message):
    """render(text) cut to at most `limit` characters of Markdown, saying how much was left out."""
    rendered = render(text)
    if len(rendered) <= limit:
        return rendered
    keep = max(0, min(len(text), limit) - 200)
    while True:
        note = f"\n\n*[... {len(text) - keep:,} {CUT_NOTE}.]*"
        rendered = render(text[:keep]) + note
        if len(rendered) <= limit or keep == 0:
            return rendered
        keep = max(0, keep - max(len(rendered) - limit, 50))
