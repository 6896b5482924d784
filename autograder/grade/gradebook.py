"""Gradebook files for the two most used LMSs, from a roster matched to the grades.

    write_gradebooks(out_dir, assignment, matching, max_score)
    # -> out_dir/gradebook-canvas.csv, out_dir/gradebook-moodle.csv, and lines saying who is left out

Only students with exactly one graded submission get a row: a student who did not submit,
whose submission the machinery could not grade, or who handed in several files is left out,
so that the import leaves their grade in the LMS as it is (a missing-work policy, an extension,
a choice between two files stay the instructor's). The lines returned say who and why.

Canvas (Grades > Import): the columns of Canvas's own gradebook export, "Student", "ID",
"SIS User ID", "SIS Login ID", "Section", then one column for the assignment; a "Points
Possible" row first. Canvas finds each student by ID, SIS User ID or SIS Login ID. From a
Canvas export as roster all five columns are copied, and the assignment's own column header
("hw1_forward (12345)") when the export has one, so the grades go to that assignment; else the
column is named after the assignment and Canvas offers to create it.

Moodle (Grades > Import > CSV file): "ID number", "Email address", "Full name", then one column
for the assignment. In the import's "Identify user by", map from "ID number" to "ID number"
(or from "Email address" to "Email address"); map the assignment's column to its grade item.
Moodle stops the whole import at a row whose user it cannot find, so a student with neither an
id number nor an email is left out.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from autograder.grade.submissions import spreadsheet_safe

CANVAS = "gradebook-canvas.csv"
MOODLE = "gradebook-moodle.csv"


def gradebook_rows(matching):
    """[(Student, score)] for the students with exactly one graded submission, and the lines
    naming the others."""
    rows, left_out = [], []
    for st in matching.students:
        subs = matching.by_student.get(st.id, [])
        if not subs:
            if matching.from_roster:
                left_out.append(f"{st.id} ({st.name or 'no name'}): no submission")
        elif len(subs) > 1:
            left_out.append(f"{st.id} ({st.name or 'no name'}): {len(subs)} submissions")
        elif subs[0][1].fault:
            left_out.append(f"{st.id} ({st.name or 'no name'}): not graded ({subs[0][1].error})")
        else:
            rows.append((st, subs[0][1].score))
    return rows, left_out


def _canvas_column(matching, assignment):
    """The assignment's column header in a Canvas export used as roster ("hw1_forward (12345)"),
    else the assignment's name."""
    for header in getattr(matching, "roster_headers", []) or []:
        if re.fullmatch(rf"{re.escape(assignment)}\s*\(\d+\)", header.strip()):
            return header.strip()
    return assignment


def _write(path: Path, rows):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    tmp.replace(path)


def write_gradebooks(out_dir, assignment, matching, max_score):
    """Write gradebook-canvas.csv and gradebook-moodle.csv into `out_dir`. Returns lines for
    the instructor: who is left out of them and why."""
    out_dir = Path(out_dir)
    graded, left_out = gradebook_rows(matching)
    column = _canvas_column(matching, assignment)
    canvas = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
              ["Points Possible", "", "", "", "", f"{max_score:g}"]]
    moodle = [["ID number", "Email address", "Full name", assignment]]
    no_moodle_id = []
    for st, score in graded:
        lms = st.lms
        if "SIS User ID" in lms:  # a Canvas export: its own columns
            canvas.append([lms.get("Student", st.name), lms.get("ID", ""), lms.get("SIS User ID", ""),
                           lms.get("SIS Login ID", ""), lms.get("Section", st.section), f"{score:g}"])
        else:
            canvas.append([st.name, "", st.id, "", st.section, f"{score:g}"])
        id_number = lms.get("ID number", st.id if st.id != st.email else "")
        if id_number or st.email:
            moodle.append([id_number, st.email, st.name, f"{score:g}"])
        else:
            no_moodle_id.append(st.id)
    _write(out_dir / CANVAS, canvas)
    _write(out_dir / MOODLE, moodle)
    lines = []
    if left_out:
        lines.append(f"left out of the gradebook files ({len(left_out)}): " + "; ".join(left_out[:20])
                     + (" ..." if len(left_out) > 20 else ""))
    if no_moodle_id:
        lines.append(f"left out of {MOODLE} (no id number or email): {', '.join(no_moodle_id)}")
    return lines


def remove_gradebooks(out_dir):
    """Remove gradebook files of an earlier run (a run without a class must not leave stale ones)."""
    for name in (CANVAS, MOODLE):
        (Path(out_dir) / name).unlink(missing_ok=True)
