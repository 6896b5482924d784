"""A class, not a folder (issue 12): rosters as instructors have them, who did not submit, and
the gradebook files for Canvas and Moodle. Fast: results are built by hand, nothing is graded."""
from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from autograder.grade.cli import _write_csv
from autograder.grade.export_index import read_gradescope_metadata as _read_gradescope_metadata
from autograder.grade.engine import CheckResult, SubmissionResult
from autograder.grade.gradebook import CANVAS, MOODLE, write_gradebooks
from autograder.grade.roster import RosterError, match_roster, read_roster, students_from_submitters
from autograder.grade.submissions import Submission
from conftest import ROOT

A = "hw1_forward"


def _write(tmp_path, text, name="roster.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _result(score, max_score=10, fault=False, error=""):
    checks = [CheckResult("q_a", "test_a", score, False, True), CheckResult("q_a", "test_b", max_score - score,
                                                                            True, False, "wrong")]
    if fault:
        return SubmissionResult([CheckResult("q_a", "test_a", max_score, False, False, "not graded")],
                                error=f"not graded: {error}", fault=True)
    return SubmissionResult(checks, error=error)


class FakeBundle:
    def max_points(self):
        return {"q_a": 10}


# ------------------------------------------------------------------ reading rosters

def test_plain_roster_with_the_usual_headers(tmp_path):
    path = _write(tmp_path, "Student ID,Name,Email\n1001,Ada Lovelace,ada@uni.edu\n\n1002,Alan Turing,alan@uni.edu\n")
    roster = read_roster(path)
    assert [(s.id, s.name, s.email, s.line) for s in roster] == [
        ("1001", "Ada Lovelace", "ada@uni.edu", 2), ("1002", "Alan Turing", "alan@uni.edu", 4)]


def test_excel_roster_semicolons_bom_cp1252_first_and_last_name(tmp_path):
    text = "\ufeffMatriculation_Number;First Name;Surname;E-Mail\n77;Jürgen;Müller;jm@uni.de\n78;Zoë;Ng;\n"
    for encoding in ("utf-8", "cp1252"):
        roster = read_roster(_write(tmp_path, text if encoding == "utf-8" else text[1:], encoding=encoding))
        assert [(s.id, s.name, s.email) for s in roster] == [("77", "Jürgen Müller", "jm@uni.de"), ("78", "Zoë Ng", "")]


def test_canvas_gradebook_export_is_a_roster(tmp_path):
    text = ('Student,ID,SIS User ID,SIS Login ID,Section,hw1_forward (4242),Current Score\n'
            '    Points Possible,,,,,28,(read only)\n'
            '"Lovelace, Ada",311,S1001,ada,Sec 1,,\n'
            '"Student, Test",999,,,Sec 1,,\n'
            '"Turing, Alan",312,,alan,Sec 2,,\n')
    roster = read_roster(_write(tmp_path, text))
    assert [(s.id, s.name, s.section) for s in roster] == [("S1001", "Lovelace, Ada", "Sec 1"),
                                                           ("alan", "Turing, Alan", "Sec 2")]
    assert roster[0].lms == {"Student": "Lovelace, Ada", "ID": "311", "SIS User ID": "S1001",
                             "SIS Login ID": "ada", "Section": "Sec 1"}
    assert "canvas:311" in roster[0].keys() and {"s1001", "ada"} <= roster[0].keys()


def test_moodle_export_and_gradescope_roster(tmp_path):
    moodle = read_roster(_write(tmp_path, "First name,Last name,ID number,Institution,Department,Email address\n"
                                          "Ada,Lovelace,,UoL,CS,ada@uni.edu\nAlan,Turing,T7,UoL,CS,alan@uni.edu\n"))
    assert [(s.id, s.name, s.lms["ID number"]) for s in moodle] == [("ada@uni.edu", "Ada Lovelace", ""),
                                                                   ("T7", "Alan Turing", "T7")]
    gradescope = read_roster(_write(tmp_path, "First Name,Last Name,SID,Email,Role\nAda,L,1,a@x,Student\n"
                                              "Tom,TA,,tom@x,TA\nBo,B,2,b@x,Student\n", "gs.csv"))
    assert [s.id for s in gradescope] == ["1", "2"]  # the TA is not a student


@pytest.mark.parametrize("text, says", [
    ("", "the file is empty"),
    ("Name,Grade\nAda,3\n", "no column for the student id or the email"),
    ("sid,name\n1,Ada\n2,Alan\n1,Grace\n", "lines 2 and 4 have the same student id '1'"),
    ("sid,name,email\n1,Ada,\n,Alan,\n", "line 3: no student id and no email (Alan)"),
    ("sid,name\n", "no students in the file"),
])
def test_a_bad_roster_says_what_is_wrong(tmp_path, text, says):
    with pytest.raises(RosterError) as err:
        read_roster(_write(tmp_path, text))
    assert says in str(err.value)
    if "no column" in says:  # and which header names would do
        assert "'student id'" in str(err.value) and "'email'" in str(err.value) and "'Name', 'Grade'" in str(err.value)


def test_no_such_roster_and_a_metadata_file_given_as_roster(tmp_path):
    with pytest.raises(RosterError, match="cannot read the roster"):
        read_roster(tmp_path / "nope.csv")
    with pytest.raises(RosterError, match="lists only who submitted"):
        read_roster(_write(tmp_path, "submission_1:\n", "submission_metadata.yml"))


def test_make_grade_stops_at_a_bad_roster_before_grading(tmp_path):
    bad = _write(tmp_path, "Name,Grade\nAda,3\n")
    proc = subprocess.run([sys.executable, "-m", "autograder.grade.cli", "--assignment", A, "--roster", str(bad),
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"roster: {bad}: no column for the student id") and not (tmp_path / "out").exists()


# ------------------------------------------------------------------ matching and the files

def _class(tmp_path):
    roster = read_roster(_write(tmp_path, "sid,name,email\nalice,Alice A,alice@uni.edu\n2002,Bob B,bob@uni.edu\n"
                                          "3003,Carol C,carol@uni.edu\n4004,Dan D,dan@uni.edu\n5005,Eve E,\n"))
    rows = [(Submission("alice/hw1_forward.ipynb", tmp_path), _result(7)),        # a folder per student: the id
            (Submission("bob.ipynb", tmp_path), _result(10)),                    # the email's local part
            (Submission("carol.ipynb", tmp_path), _result(0, fault=True, error="sandbox died")),
            (Submission("dan.ipynb", tmp_path), _result(4)),
            (Submission("dan_v2.ipynb", tmp_path, people={"email": "dan@uni.edu"}), _result(6)),  # two files
            (Submission("mallory.ipynb", tmp_path), _result(9))]                 # not on the roster
    return roster, rows


def test_grades_csv_has_a_missing_row_with_no_score(tmp_path):
    roster, rows = _class(tmp_path)
    m = match_roster(rows, roster)
    assert [s.id for s in m.missing] == ["5005"]
    assert m.unmatched == ["mallory.ipynb"]
    _write_csv(tmp_path / "grades.csv", FakeBundle(), rows, m.missing)
    header = open(tmp_path / "grades.csv").readline().strip().split(",")
    assert header[:2] == ["submission", "student"] and header[-2:] == ["status", "error"]
    got = {(r["submission"], r["student_id"]): r for r in csv.DictReader(open(tmp_path / "grades.csv"))}
    assert got[("alice/hw1_forward.ipynb", "alice")]["score"] == "7"
    assert got[("bob.ipynb", "2002")]["name"] == "Bob B"
    carol = got[("carol.ipynb", "3003")]
    assert (carol["score"], carol["max_score"], carol["status"]) == ("", "", "not graded")
    eve = got[("", "5005")]
    assert (eve["name"], eve["score"], eve["max_score"], eve["q_a"], eve["status"], eve["error"]) == (
        "Eve E", "", "", "", "missing", "")
    assert got[("mallory.ipynb", "")]["status"] == "graded"
    assert any("match no student of the roster" in n and "mallory.ipynb" in n for n in m.notes)
    assert any("student 4004 has 2 submissions" in n for n in m.notes)


def test_gradebooks_hold_one_grade_per_student_and_leave_the_rest_alone(tmp_path):
    roster, rows = _class(tmp_path)
    m = match_roster(rows, roster)
    lines = write_gradebooks(tmp_path, A, m, 10)
    canvas = list(csv.reader(open(tmp_path / CANVAS)))
    assert canvas == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A],
                      ["Points Possible", "", "", "", "", "10"],
                      ["Alice A", "", "alice", "", "", "7"],
                      ["Bob B", "", "2002", "", "", "10"]]
    moodle = list(csv.reader(open(tmp_path / MOODLE)))
    assert moodle == [["ID number", "Email address", "Full name", A],
                      ["alice", "alice@uni.edu", "Alice A", "7"], ["2002", "bob@uni.edu", "Bob B", "10"]]
    (left,) = lines
    for why in ("3003 (Carol C): not graded (not graded: sandbox died)", "4004 (Dan D): 2 submissions",
                "5005 (Eve E): no submission"):
        assert why in left


def test_canvas_export_as_roster_sends_grades_to_its_assignment(tmp_path):
    roster = read_roster(_write(tmp_path, 'Student,ID,SIS User ID,SIS Login ID,Section,hw1_forward (4242)\n'
                                          '"Lovelace, Ada",311,S1001,ada,Sec 1,\n"Turing, Alan",312,,alan,Sec 2,\n'))
    rows = [(Submission("lovelaceada_311_9001_hw1_forward.ipynb", tmp_path), _result(8)),  # Canvas's download name
            (Submission("alan/hw1_forward.ipynb", tmp_path), _result(3))]
    write_gradebooks(tmp_path, A, match_roster(rows, roster), 10)
    assert list(csv.reader(open(tmp_path / CANVAS))) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw1_forward (4242)"],
        ["Points Possible", "", "", "", "", "10"],
        ["Lovelace, Ada", "311", "S1001", "ada", "Sec 1", "8"], ["Turing, Alan", "312", "", "alan", "Sec 2", "3"]]
    # Moodle finds users by id number or email: Canvas's login "alan" is neither, so the id is all there is
    assert list(csv.reader(open(tmp_path / MOODLE)))[1:] == [["S1001", "", "Lovelace, Ada", "8"],
                                                             ["alan", "", "Turing, Alan", "3"]]


METADATA = """submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1001'
    :email: ada@uni.edu
  :created_at: 2026-11-20 10:00:00.000000000 -08:00
  :score: 28.0
  :results:
    tests:
    - name: 'test_dense_public'
      score: 1.0
    - name: 'q_mse: test_mse_hidden'
  :history: []
submission_102:
  :submitters:
  - :name: Alan Turing
    :sid: '1002'
    :email: alan@uni.edu
  - :name: "Grace Hopper"
    :email: grace@uni.edu
  :score: 10.0
"""


def test_gradescope_metadata_names_every_submitter(tmp_path):
    people = _read_gradescope_metadata(_write(tmp_path, METADATA, "submission_metadata.yml"))
    assert people["submission_101"]["submitters"] == [{"name": "Ada Lovelace", "sid": "1001", "email": "ada@uni.edu"}]
    assert people["submission_102"]["submitters"] == [{"name": "Alan Turing", "sid": "1002", "email": "alan@uni.edu"},
                                                      {"name": "Grace Hopper", "email": "grace@uni.edu"}]
    assert people["submission_102"]["name"] == "Alan Turing"  # the first submitter, as before


def test_a_group_submission_grades_each_member(tmp_path):
    people = _read_gradescope_metadata(_write(tmp_path, METADATA, "submission_metadata.yml"))
    rows = [(Submission(k, tmp_path, people=v), _result(s)) for (k, v), s in zip(people.items(), (9, 5))]
    # without a roster, the class is the submitters: nobody is "missing" then
    students = students_from_submitters(rows)
    m = match_roster(rows, students, from_roster=False)
    assert [s.id for s in students] == ["1001", "1002", "grace@uni.edu"] and m.missing == []
    assert any("not known without a roster" in n for n in m.notes)
    write_gradebooks(tmp_path, A, m, 10)
    assert list(csv.reader(open(tmp_path / MOODLE)))[1:] == [["1001", "ada@uni.edu", "Ada Lovelace", "9"],
                                                             ["1002", "alan@uni.edu", "Alan Turing", "5"],
                                                             ["", "grace@uni.edu", "Grace Hopper", "5"]]
    # with a roster, matched by sid or email; a roster student who is in no submission is missing
    roster = read_roster(_write(tmp_path, "sid,name,email\n1001,Ada,ada@uni.edu\n1002,Alan,\n1003,Grace,grace@uni.edu\n"
                                          "1004,Kat,kat@uni.edu\n"))
    m = match_roster(rows, roster)
    assert [s.id for s in m.missing] == ["1004"] and rows[1][0].people["id"] == "1002 1003"
