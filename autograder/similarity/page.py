"""similarity.html: the pairs of a class ranked by similarity, each flagged pair side by side."""
from __future__ import annotations

import os
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup

from autograder.similarity import compare, extract

SHOWN = 50        # pairs listed in the ranking
SIDE_BY_SIDE = 30  # flagged pairs shown in full

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Similarity: {{ assignment }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; max-width: 110em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
tr.flag td { background: #fff1f0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f7f7f7; padding: .5em; overflow-x: auto; font-size: 90%; margin: 0; }
mark { background: #ffd36b; }
h3 { margin-bottom: .3em; } .note { color: #555; }
</style></head><body>
<h1>Similarity of the submitted code: {{ assignment }}</h1>
<p class="note">{{ compared }} submissions with code of their own were compared ({{ skipped }} without any:
blank, unreadable, or only the handout). Only code the student wrote is compared: the functions of the notebook,
without docstrings and without what the handout already held; names, comments, whitespace, strings and the
order of the functions do not matter. Each function is fingerprinted on its own with copydetect (winnowing);
code that {{ common }} or more submissions share in the same function is treated as common and ignored. The
score of a pair is the larger share of one submission's code found in the other. Pairs at or above
{{ "%.0f%%"|format(100 * flag) }} whose matches hold at least {{ min_match }} characters of normalised code (about four
lines) are flagged. A high score is a reason to read the two side by side, not proof of copying.</p>
{% if not pairs %}<p>No two submissions share any code beyond what is common.</p>{% else %}
<p>{{ flagged|length }} pair{{ "" if flagged|length == 1 else "s" }} flagged; the {{ pairs|length }} most similar
pairs of {{ total_pairs }} with any match:</p>
<table><tr><th>#</th><th>submission A</th><th>submission B</th><th>score</th><th>of A in B</th><th>of B in A</th>
<th>functions with matches</th></tr>
{% for p in pairs %}<tr{% if p.flagged %} class="flag"{% endif %}><td>{{ loop.index }}</td>
<td>{% if loop.index0 < shown_in_full and p.flagged %}<a href="#pair-{{ loop.index }}">{{ p.a.name }}</a>{% else %}{{ p.a.name }}{% endif %}</td>
<td>{{ p.b.name }}</td><td>{{ "%.0f%%"|format(100 * p.score) }}</td>
<td>{{ "%.0f%%"|format(100 * p.similarity_a) }}</td><td>{{ "%.0f%%"|format(100 * p.similarity_b) }}</td>
<td>{{ p.matches|map(attribute="function")|sort|join(", ") }}</td></tr>
{% endfor %}</table>{% endif %}
{% for p in flagged[:shown_in_full] %}
<h2 id="pair-{{ loop.index }}">{{ loop.index }}. {{ p.a.name }} and {{ p.b.name }}: {{ "%.0f%%"|format(100 * p.score) }}</h2>
{% for f in sides(p) %}<h3>{{ f.function }}</h3>
<div class="pair"><div><pre>{{ f.left }}</pre></div><div><pre>{{ f.right }}</pre></div></div>
{% endfor %}{% endfor %}
</body></html>
"""


def _marked(text, slices):
    from copydetect.utils import highlight_overlap
    if slices.size == 0:
        return Markup.escape(text)
    return Markup(highlight_overlap(text, slices, "<mark>", "</mark>", escape_html=True)[0])


def _sides(pair):
    """The functions of a pair with matches, each as the two texts with the matches marked."""
    out = []
    for m in sorted(pair.matches, key=lambda m: -(m.overlap_a + m.overlap_b)):
        out.append({"function": m.function, "left": _marked(pair.a.code[m.function], m.slices_a),
                     "right": _marked(pair.b.code[m.function], m.slices_b)})
    return out


def analyse(submissions, handout_cells, common=compare.COMMON):
    """(pairs ranked, students compared, number skipped) for [(name, code cells)]."""
    handout = extract.handout_of(handout_cells)
    students, skipped = [], 0
    for name, cells in submissions:
        student = compare.fingerprint(name, extract.student_code(cells, handout))
        if student.prints:
            students.append(student)
        else:
            skipped += 1
    return compare.rank(students, common), students, skipped


def render(assignment, pairs, compared, skipped, common=compare.COMMON):
    env = Environment(autoescape=True)
    flagged = [p for p in pairs if p.flagged]
    return env.from_string(PAGE).render(
        assignment=assignment, pairs=pairs[:SHOWN], flagged=flagged, total_pairs=len(pairs),
        compared=compared, skipped=skipped, common=common, flag=compare.FLAG, min_match=compare.MIN_MATCH,
        shown_in_full=SIDE_BY_SIDE, sides=_sides)


def write_similarity(path, assignment, submissions, handout_cells):
    """Write similarity.html for [(name, code cells)]; returns the ranked pairs."""
    pairs, students, skipped = analyse(submissions, handout_cells)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(assignment, pairs, len(students), skipped), encoding="utf-8")
    os.replace(tmp, path)
    return pairs
