"""The class behind a folder of submissions: a roster, matched to the graded submissions.

    students = read_roster(Path("roster.csv"))        # [Student], or RosterError saying what is wrong
    match = match_roster(rows, students)              # rows: [(Submission, SubmissionResult)]
    match.missing                                     # students with no submission
    match.notes                                       # lines for the instructor (unmatched, ambiguous)

A roster is a CSV file (comma, semicolon or tab separated; UTF-8, or Windows-1252 as Excel
writes it) with a header row. Header names are matched without regard to case, spaces,
underscores or dashes:
- the student id: the first of "student id", "sid", "student number", "id number",
  "sis user id", "matriculation number", "id", "username", "login id", "sis login id"
  (a row with an empty id falls back to the email);
- the name: "name", "student name", "full name", "student", or "first name" with "last name"
  ("surname", "family name");
- the email: "email", "e-mail", "email address", "mail";
- optional: "section" ("sections"), "role" (rows whose role is not "student" are skipped).
Canvas's gradebook export (Student, ID, SIS User ID, SIS Login ID, Section, ...) and Moodle's
(First name, Last name, ID number, ..., Email address) are rosters as they are: their own
columns are kept for the gradebook files (see gradebook.py). Without a roster, a Gradescope
export's submission_metadata.yml names the submitters (name, sid, email) of each submission:
students_from_submitters() makes the class from them (who did not submit cannot be known then).

A submission belongs to a student when one of its identities is one of the student's keys
(case-insensitive): its Gradescope submitters' sid or email, else the folder (a folder per
student) or the file name without suffix; the key of a student is the id, the email, the
part of the email before the @, Canvas's SIS User ID and SIS Login ID, and Canvas's user ID
for a file named as Canvas's "Download Submissions" names it (name_<user id>_<submission id>_...).
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


class RosterError(Exception):
    """The roster cannot be read: the message says what is wrong and what is accepted."""


class Roster(list):
    """[Student], with the header of the file they came from (`headers`)."""
    headers: list = []


ID_HEADERS = ["student id", "sid", "student number", "id number", "sis user id", "matriculation number", "id",
              "username", "login id", "sis login id"]
NAME_HEADERS = ["name", "student name", "full name", "student"]
FIRST_HEADERS = ["first name", "given name", "firstname"]
LAST_HEADERS = ["last name", "surname", "family name", "lastname"]
EMAIL_HEADERS = ["email", "e mail", "email address", "mail"]
SECTION_HEADERS = ["section", "sections"]
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["ID number", "Email address"]


@dataclass
class Student:
    id: str
    name: str = ""
    email: str = ""
    section: str = ""
    line: int = 0                            # of the roster file (0: not from a file)
    lms: dict = field(default_factory=dict)  # the roster's own Canvas / Moodle columns, as written there

    def keys(self):
        """What identifies the student in a submission's name or metadata (lowercase)."""
        keys = {self.id, self.email, self.email.split("@")[0] if "@" in self.email else ""}
        keys |= {self.lms.get("SIS User ID", ""), self.lms.get("SIS Login ID", ""), self.lms.get("ID number", "")}
        if self.lms.get("ID"):
            keys.add(f"canvas:{self.lms['ID']}")
        return {k.strip().lower() for k in keys if k and k.strip()}


def _norm(header):
    return re.sub(r"[\s_\-]+", " ", (header or "").replace("\ufeff", "")).strip().lower()


def _decode(path: Path):
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(f"{path}: not a text file (UTF-8 or Windows-1252 CSV expected)")


def _dialect(text):
    first = text.splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _column(headers, names):
    norm = [_norm(h) for h in headers]
    for name in names:
        if name in norm:
            return headers[norm.index(name)]
    return None


def read_roster(path) -> Roster:
    """The students of a roster CSV (see the module's docstring for the accepted headers).
    Raises RosterError naming the problem: no such file, no header, no id or email column,
    a row with neither, two rows with one id."""
    path = Path(path)
    if path.suffix.lower() in (".yml", ".yaml"):
        raise RosterError(f"{path}: a Gradescope submission_metadata.yml lists only who submitted, so it cannot "
                          "say who did not: grade the export folder (its metadata is read by itself) and give "
                          "a roster CSV (e.g. Gradescope's Roster > Download, or Canvas's gradebook export) here")
    text = _decode(path)
    if not text.strip():
        raise RosterError(f"{path}: the file is empty (expected a CSV with a header row)")
    reader = csv.DictReader(io.StringIO(text), delimiter=_dialect(text))
    headers = [h for h in (reader.fieldnames or []) if h is not None]
    id_col, email_col = _column(headers, ID_HEADERS), _column(headers, EMAIL_HEADERS)
    if id_col is None and email_col is None:
        raise RosterError(f"{path}: no column for the student id or the email in the header "
                          f"({', '.join(repr(h) for h in headers)}). Accepted for the id: "
                          f"{', '.join(repr(h) for h in ID_HEADERS)}; for the email: "
                          f"{', '.join(repr(h) for h in EMAIL_HEADERS)} (case, spaces and underscores do not matter)")
    canvas = all(c in headers for c in ("Student", "ID", "SIS User ID"))
    if canvas:  # the student number is the SIS User ID; Canvas's own "ID" is its internal user id
        id_col = "SIS User ID"
    name_col, section_col = _column(headers, NAME_HEADERS), _column(headers, SECTION_HEADERS)
    first_col, last_col = _column(headers, FIRST_HEADERS), _column(headers, LAST_HEADERS)
    role_col = _column(headers, ["role"])
    students, seen = [], {}
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k is not None and isinstance(v, (str, type(None)))}
        if not any(values.values()):
            continue
        name = values.get(name_col, "") if name_col else ""
        if not name and (first_col or last_col):
            name = " ".join(v for v in (values.get(first_col, ""), values.get(last_col, "")) if v)
        if canvas and (name.startswith("Points Possible") or name in ("Student, Test", "Test Student")):
            continue  # Canvas's points row and its "student view" user
        if role_col and values.get(role_col, "").lower() not in ("", "student", "students"):
            continue
        email = values.get(email_col, "") if email_col else ""
        sid = values.get(id_col, "") if id_col else ""
        lms = {c: values.get(c, "") for c in CANVAS_COLUMNS if canvas}
        lms.update({c: values.get(c, "") for c in MOODLE_COLUMNS if c in headers})
        if canvas and not sid:
            sid = values.get("SIS Login ID", "") or values.get("ID", "")
        sid = sid or email
        if not sid:
            raise RosterError(f"{path}, line {line}: no student id and no email ({name or 'no name either'})")
        if sid.lower() in seen:
            raise RosterError(f"{path}: lines {seen[sid.lower()]} and {line} have the same student id {sid!r}")
        seen[sid.lower()] = line
        students.append(Student(sid, name, email, values.get(section_col, "") if section_col else "", line, lms))
    if not students:
        raise RosterError(f"{path}: no students in the file (only a header?)")
    roster = Roster(students)
    roster.headers = headers
    return roster


def students_from_submitters(rows) -> list[Student]:
    """The class as a Gradescope export names it: one Student per submitter with a sid or an
    email (group members each), in the order of the rows."""
    students, seen = [], set()
    for sub, _ in rows:
        for person in (getattr(sub, "people", None) or {}).get("submitters", []):
            sid = person.get("sid") or person.get("email")
            if sid and sid.lower() not in seen:
                seen.add(sid.lower())
                students.append(Student(sid, person.get("name", ""), person.get("email", "")))
    return students


_CANVAS_FILE = re.compile(r"^[^_/]+_(?:late_)?(\d+)_\d+_", re.I)


def identities(sub) -> list[set]:
    """The key sets of the people a submission belongs to: one per Gradescope submitter, else
    one from its folder or file name."""
    people = getattr(sub, "people", None) or {}
    if people.get("submitters"):
        out = []
        for p in people["submitters"]:
            keys = {p.get("sid", ""), p.get("email", "")}
            out.append({k.strip().lower() for k in keys if k and k.strip()})
        return [k for k in out if k]
    keys = {sub.student, people.get("email", "")}
    m = _CANVAS_FILE.match(PurePosixPath(sub.name).name)
    if m:
        keys.add(f"canvas:{m.group(1)}")
    return [{k.strip().lower() for k in keys if k and k.strip()}]


@dataclass
class Matching:
    students: list                                   # [Student], the class
    by_student: dict = field(default_factory=dict)   # student id -> [(Submission, SubmissionResult)]
    missing: list = field(default_factory=list)      # [Student] with no submission
    unmatched: list = field(default_factory=list)    # [submission name] that belong to no student
    ambiguous: list = field(default_factory=list)    # [(submission name, [student ids])]
    from_roster: bool = True

    @property
    def notes(self):
        """Lines for the instructor: what could not be matched, and who handed in several files."""
        lines = []
        if self.unmatched:
            lines.append(f"{len(self.unmatched)} submission(s) match no student of the roster (name the file or "
                         f"folder by the student id, login or email): {', '.join(self.unmatched[:10])}"
                         + (" ..." if len(self.unmatched) > 10 else ""))
        for name, ids in self.ambiguous:
            lines.append(f"{name} matches several students of the roster ({', '.join(ids)}): assigned to none")
        several = {sid: subs for sid, subs in self.by_student.items() if len(subs) > 1}
        for sid, subs in several.items():
            lines.append(f"student {sid} has {len(subs)} submissions ({', '.join(s.name for s, _ in subs)}): "
                         "left out of the gradebook files; choose one by hand")
        if not self.from_roster:
            lines.append("The class is taken from the Gradescope export's submitters: who did not submit is not "
                         "known without a roster (ROSTER=roster.csv).")
        return lines


def match_roster(rows, students, from_roster=True) -> Matching:
    """Match each submission to the students it belongs to, and set its people["id"] (and the
    name and email when the submission did not say them) from the roster."""
    by_key = defaultdict(list)
    for st in students:
        for key in st.keys():
            by_key[key].append(st)
    m = Matching(list(students), from_roster=from_roster)
    m.roster_headers = list(getattr(students, "headers", []))
    for sub, result in rows:
        owners = []
        for keys in identities(sub):
            found = {id(st): st for k in keys for st in by_key.get(k, [])}
            if len(found) == 1:
                owners += found.values()
            elif len(found) > 1:
                m.ambiguous.append((sub.name, sorted(st.id for st in found.values())))
        owners = list({id(st): st for st in owners}.values())
        if not owners:
            if not any(name == sub.name for name, _ in m.ambiguous):
                m.unmatched.append(sub.name)
            continue
        for st in owners:
            m.by_student.setdefault(st.id, []).append((sub, result))
        people = dict(getattr(sub, "people", None) or {})
        people["id"] = " ".join(st.id for st in owners)
        if not people.get("name"):
            people["name"] = ", ".join(st.name for st in owners if st.name)
        if not people.get("email"):
            people["email"] = ", ".join(st.email for st in owners if st.email)
        sub.people = people
    m.missing = [st for st in students if st.id not in m.by_student] if from_roster else []
    return m
