"""Find the notebooks in what instructors and students hand in.

A submission is an .ipynb, the .zip that `grader.export()` makes (a notebook, maybe a
.OTTER_LOG, which is never unpickled: only the notebook is read), or a folder of a Gradescope
"Export Submissions" zip (one folder per submission, with submission_metadata.yml at the top).

What `make grade` is given (SUBMISSIONS=) is the instructor's: a folder, or a zip of the class
(flat, a folder per student, or a Gradescope export), which is unpacked within a budget. Inside
it, every file is one student's submission and gets a row of its own, named by its path below
the root: a zip there is a student's export zip, never unpacked as a class, so nothing a student
hands in can add, merge or replace another row.
"""
from __future__ import annotations

import hashlib
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple


MAX_NOTEBOOK_BYTES = 50 * 2**20
# what reading a damaged, encrypted or exotic zip member raises (a student's file, never a fault)
UNREADABLE_ZIP = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError,
                  ValueError, LookupError)


class NoNotebook(Exception):
    pass


@dataclass
class Submission:
    name: str                  # the row's key in grades.csv: its path below the submissions root
    source: Path               # the file it came from
    member: str | None = None  # the notebook's path inside a zip
    people: dict = field(default_factory=dict)  # name / email when an export says so
    fingerprint: str = ""      # sha256 of the file (and member): equal files are reported
    problem: str = ""          # why it cannot be graded, found while unpacking (a row says so)
    fault: str = ""            # why it was not graded though it may be fine (the class zip is over
                               # its budget): a "not graded" row, never a score
    variant: int = 0           # the variant of the hidden checks it gets (grade/variants.py)

    @property
    def student(self):
        """Who handed it in, as far as the layout says: the top folder (a folder per student)
        or the file name without its suffix."""
        first = PurePosixPath(self.name).parts[0]
        return first if "/" in self.name else PurePosixPath(first).stem

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.source.read_bytes()
        try:
            with zipfile.ZipFile(self.source) as zf:
                info = zf.getinfo(self.member)
                if info.file_size > MAX_NOTEBOOK_BYTES:
                    raise NoNotebook(f"{self.member} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
                with zf.open(info) as f:
                    data = f.read(MAX_NOTEBOOK_BYTES + 1)   # a size field can lie
                if len(data) > MAX_NOTEBOOK_BYTES:
                    raise NoNotebook(f"{self.member} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
                return data
        except UNREADABLE_ZIP as exc:
            raise NoNotebook(f"the zip is damaged: {self.member} cannot be read ({type(exc).__name__})") from None


def notebooks_in_zip(path: Path):
    """The notebooks a zip holds (checkpoints and macOS metadata left out)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return [n for n in zf.namelist() if n.endswith(".ipynb")
                    and "__MACOSX" not in n and ".ipynb_checkpoints" not in n]
    except zipfile.BadZipFile:
        raise NoNotebook("the file is not a valid zip archive") from None


def notebook_in_zip(path: Path, assignment: str | None = None) -> str:
    """The member name of the submitted notebook in an export zip (never opens anything else)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".ipynb")
                     and "__MACOSX" not in n and ".ipynb_checkpoints" not in n]
    except zipfile.BadZipFile:
        raise NoNotebook("the file is not a valid zip archive") from None
    if not names:
        raise NoNotebook("the zip holds no .ipynb notebook")
    preferred = [n for n in names if assignment and PurePosixPath(n).name == f"{assignment}.ipynb"]
    return sorted(preferred or names, key=lambda n: (n.count("/"), n))[0]


# ------------------------------------------------------------------ finding the submissions

# a class zip is unpacked within these bounds (a zip bomb must not fill the grader's disk); what
# does not fit gets "not graded" rows. A zip listing more than CLASS_ZIP_MAX_LISTED files is not
# read at all (a row each would not fit in memory).
CLASS_ZIP_MAX_MEMBERS = 20_000
CLASS_ZIP_MAX_BYTES = 4 * 2**30
CLASS_ZIP_MAX_LISTED = 200_000
KEPT_SUFFIXES = {".ipynb": MAX_NOTEBOOK_BYTES, ".zip": 4 * MAX_NOTEBOOK_BYTES, ".yml": 2**24}


def printable(text: str) -> str:
    """`text` with control and format characters (terminal escapes, bidi overrides) shown as
    escapes: names and messages come from students and are printed to a terminal."""
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in str(text))


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet will not run: text starting with = + - @, a tab or a carriage
    return gets a leading ' (OWASP's advice against formula injection); numbers stay numbers."""
    if not isinstance(value, str) or not value or value[0] not in "=+-@\t\r":
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value


def find_submissions(path: Path, assignment: str, workdir: Path) -> list[Submission]:
    """Every submission in `path` (a folder, a class zip, one notebook or one export zip)."""
    path = Path(path)
    if path.is_file() and path.suffix == ".zip" and not _is_export_zip(path):
        target = workdir / "class"
        skipped = extract_class_zip(path, target)
        subs = _in_folder(target, assignment, top=True)
        for left in skipped:
            why = f"{left.name} was left out of {path.name}: {left.why}"
            subs.append(Submission(printable(f"{left.name} [left out of {path.name}]"), path, member=left.name,
                                   **{"fault" if left.over_budget else "problem": printable(why)}))
        return subs
    if path.is_file():
        return [Submission(printable(path.name), path)]
    return _in_folder(path, assignment, top=True)


def _is_export_zip(path: Path) -> bool:
    """One student's zip (what grader.export() makes: one notebook and no export index)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return True   # graded as a submission: its row says it is not a valid zip
    return (len([n for n in names if _is_notebook_name(n)]) <= 1
            and not any(n.endswith("submission_metadata.yml") for n in names))


def _is_notebook_name(name: str) -> bool:
    return name.endswith(".ipynb") and "__MACOSX" not in name and ".ipynb_checkpoints" not in name


def _hidden(parts) -> bool:
    """Hidden files and macOS metadata (a ".." is not hidden: it is a path that climbs out)."""
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


def _in_folder(folder: Path, assignment: str, top=False, prefix="") -> list[Submission]:
    if (folder / "submission_metadata.yml").exists() and _looks_like_export(folder):
        return _gradescope_export(folder, assignment)
    items = [i for i in sorted(folder.iterdir()) if not _hidden([i.name]) and not i.is_symlink()]
    if top and len(items) == 1 and items[0].is_dir():
        return _in_folder(items[0], assignment, top=True)   # a zip of one top folder
    subs = []
    for item in items:
        if item.is_dir():
            subs += _student_folder(item, prefix + item.name + "/")
        else:   # anything else gets a row too: grading says why it is not a notebook
            subs.append(Submission(printable(prefix + item.name), item))
    return subs


def _looks_like_export(folder: Path) -> bool:
    """A Gradescope export: its index beside submission_<id>/ folders only (a student's folder
    that holds a made-up index is graded as that student's folder)."""
    folders = [p.name for p in folder.iterdir() if p.is_dir() and not _hidden([p.name])]
    return bool(folders) and all(re.fullmatch(r"submission_\d+", name) for name in folders)


def _student_folder(folder: Path, prefix: str) -> list[Submission]:
    """A folder of one student (or a nested group of folders): every file in it is graded."""
    subs = []
    for item in sorted(folder.rglob("*")):
        rel = item.relative_to(folder)
        if item.is_dir() or item.is_symlink() or _hidden(rel.parts):
            continue
        subs.append(Submission(printable(prefix + rel.as_posix()), item))
    if not subs:
        subs.append(Submission(printable(prefix.rstrip("/")), folder))
    return subs


def _gradescope_export(folder: Path, assignment: str) -> list[Submission]:
    """A Gradescope "Export Submissions" folder: submission_<id>/ folders and a YAML index."""
    from autograder.grade.export_index import read_gradescope_metadata   # PyYAML: not in the zip
    people = read_gradescope_metadata(folder / "submission_metadata.yml")
    subs = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()):
        files = [f for f in sorted(sub.rglob("*")) if f.is_file() and not f.is_symlink()]
        notebooks = [f for f in files if f.suffix == ".ipynb" and ".ipynb_checkpoints" not in f.parts]
        zips = [f for f in files if f.suffix == ".zip"]
        named = [f for f in notebooks if f.name == f"{assignment}.ipynb"]
        source = (named or notebooks or zips or [sub])[0]
        subs.append(Submission(printable(sub.name), source, people=people.get(sub.name, {})))
    return subs


class LeftOut(NamedTuple):
    name: str                  # the member's path in the zip
    why: str
    over_budget: bool = False  # the class zip's fault (the instructor's input), not the student's


def _size(n: int) -> str:
    return f"{n / 2**30:g} GB" if n >= 2**30 else f"{n / 2**20:g} MB" if n >= 2**20 else f"{n:,} bytes"


def _unpack_order(info: zipfile.ZipInfo):
    """Within the budget, the export's index comes first, then notebooks, students' zips and
    other files (placeholders), each in the zip's order."""
    name = PurePosixPath(info.filename)
    if name.name == "submission_metadata.yml":
        return 0
    return {".ipynb": 1, ".zip": 2}.get(name.suffix.lower(), 3)


def extract_class_zip(zip_path: Path, target: Path) -> list[LeftOut]:
    """Unpack a class zip into `target` (made even when nothing is extracted) within the
    bounds above. Members whose path leaves `target`, that collide with another member, or that
    exceed their size are left out; other kinds of file become empty placeholders (they still
    get a row, which says they are not notebooks). When the zip holds more files than
    CLASS_ZIP_MAX_MEMBERS or unpacks to more than CLASS_ZIP_MAX_BYTES, what fits is unpacked
    (the export's index and notebooks first) and the rest is left out as over the budget.
    Returns [LeftOut(member, why it was left out, whether because of the budget)]."""
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    skipped, total, files = [], 0, 0
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SystemExit(f"{zip_path} is not a zip archive that can be read ({type(exc).__name__})")
    with zf:
        members = zf.infolist()
        if len(members) > CLASS_ZIP_MAX_LISTED:
            raise SystemExit(f"{zip_path} lists {len(members):,} files, more than {CLASS_ZIP_MAX_LISTED:,}: "
                             "this is not a class's zip (unpack it yourself and grade the folder)")
        wanted = [info for info in members if not (info.is_dir() or not PurePosixPath(info.filename).parts
                                                   or _hidden(PurePosixPath(info.filename).parts)
                                                   or info.filename.endswith(".OTTER_LOG"))]
        over_count = (f"the class zip is over its budget of {CLASS_ZIP_MAX_MEMBERS:,} files (it holds "
                      f"{len(wanted):,}): unpack it yourself and grade the folder, or split the class")
        over_bytes = (f"the class zip is over its budget of {_size(CLASS_ZIP_MAX_BYTES)} unpacked: unpack it "
                      "yourself and grade the folder, or split the class")
        made = set()   # folders made already (20,000 members: os.path, not pathlib's resolve())
        for info in sorted(wanted, key=_unpack_order):   # a stable sort: the zip's order within a kind
            name = info.filename
            # lexical: nothing in `target` is a symlink (members are written as plain files)
            path = os.path.normpath(os.path.join(root, name))
            if not path.startswith(str(root) + os.sep):
                skipped.append(LeftOut(name, "its path leaves the zip's folder"))
                continue
            dest = Path(path)
            limit = KEPT_SUFFIXES.get(PurePosixPath(name).suffix.lower())
            created = None
            if files >= CLASS_ZIP_MAX_MEMBERS:
                skipped.append(LeftOut(name, over_count, True))
                continue
            if limit is not None and info.file_size > limit:
                skipped.append(LeftOut(name, f"larger than {limit // 2**20} MB"))
                continue
            if limit is not None and total + info.file_size > CLASS_ZIP_MAX_BYTES:
                skipped.append(LeftOut(name, over_bytes, True))
                continue
            try:
                folder = os.path.dirname(path)
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                if os.path.lexists(path):
                    skipped.append(LeftOut(name, "another file of the zip has the same path"))
                    continue
                if limit is None:
                    open(path, "xb").close()   # not a notebook: a row says so, its bytes are not needed
                    files += 1
                    continue
                written, created = 0, dest
                with zf.open(info) as src, open(dest, "wb") as out:   # a size field can lie
                    while block := src.read(1 << 20):
                        written += len(block)
                        total += len(block)
                        if written > limit or total > CLASS_ZIP_MAX_BYTES:
                            break
                        out.write(block)
                if written > limit or total > CLASS_ZIP_MAX_BYTES:
                    dest.unlink()
                    skipped.append(LeftOut(name, f"larger than {limit // 2**20} MB") if written > limit
                                   else LeftOut(name, over_bytes, True))
                else:
                    files += 1
            except (OSError,) + UNREADABLE_ZIP as exc:
                if created is dest:   # half written: its row is the one below, not a damaged copy
                    dest.unlink(missing_ok=True)
                skipped.append(LeftOut(name, f"it cannot be unpacked ({type(exc).__name__})"))
    return skipped


def unique_names(subs: list[Submission]) -> list[Submission]:
    """Rows are keyed by name: a name met again gets " (2)", " (3)", ... until it is free
    (never a merged row)."""
    taken = set()
    for sub in subs:
        name, n = sub.name, 1
        while name in taken:
            n += 1
            name = f"{sub.name} ({n})"
        sub.name = name
        taken.add(name)
    return subs


def feedback_file(name: str, suffix: str) -> str:
    """The file name in feedback/ of submission `name`'s `suffix` (.txt, .results.json,
    .grade.json): the name with anything but letters, digits and ._- replaced; a name that
    changed gets a short hash, so that "a/b.ipynb" and "a_b.ipynb" do not share a file."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    if safe != name or len(safe) > 150:   # a file name has at most 255 bytes: long names are cut
        safe = safe[:150] + "-" + hashlib.sha256(name.encode()).hexdigest()[:6]
    return safe + suffix
