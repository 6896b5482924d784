"""Find the notebooks in what instructors and students hand in.

A submission is an .ipynb, the .zip that `grader.export()` makes (a notebook, maybe a
.OTTER_LOG, which is never unpickled: only the notebook is read), or a folder of a Gradescope
"Export Submissions" zip (one folder per submission, with submission_metadata.yml at the top).
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_NOTEBOOK_BYTES = 50 * 2**20


class NoNotebook(Exception):
    pass


@dataclass
class Submission:
    name: str                  # the row's key in grades.csv: its path below the submissions root
    source: Path               # the file it came from
    member: str | None = None  # the notebook's path inside a zip
    people: dict = field(default_factory=dict)  # name / email when an export says so
    fingerprint: str = ""      # sha256 of the file (and member): equal files are reported
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
        with zipfile.ZipFile(self.source) as zf:
            info = zf.getinfo(self.member)
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise NoNotebook(f"{self.member} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
            return zf.read(self.member)


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
