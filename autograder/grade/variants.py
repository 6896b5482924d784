"""Which variant of the hidden checks a submission gets.

A varying hidden check draws its inputs from nncheck.rng(seed), and the zip holds the reference
values of K variants (tests.json's "variants"). A submission's variant is a hash of who handed it
in and of the assignment's name, mod K: the same student gets the same variant at every regrade,
on Gradescope and in `make grade`, and two students are unlikely to share one (1 in K).

Who handed it in:
- on Gradescope, the e-mail addresses of the submitting users in submission_metadata.json
  (sorted, joined with ","; a group is one identity), or their user ids if an address is
  missing;
- in `make grade` of a Gradescope export, the same addresses, from submission_metadata.yml
  (the export has no user ids, so addresses are what both places share: a local regrade of an
  export gives each student the variant Gradescope gave them);
- otherwise the submission's student as the layout names it (the top folder of a folder per
  student, or the file name without its suffix).
"""
from __future__ import annotations

import hashlib


def choose(identity: str, assignment: str, k: int) -> int:
    """The variant (0 .. k-1) of `identity` for `assignment`; 0 when k <= 1 or nobody is known."""
    if k <= 1 or not identity:
        return 0
    digest = hashlib.sha256(f"{assignment}\n{identity}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % k


def _joined(values):
    return ",".join(sorted(str(v).strip().lower() for v in values))


def gradescope_identity(metadata) -> str:
    """The identity of a submission from Gradescope's submission_metadata.json ("" if none)."""
    users = metadata.get("users") if isinstance(metadata, dict) else None
    if not isinstance(users, list) or not users or not all(isinstance(u, dict) for u in users):
        return ""
    emails = [u.get("email") for u in users]
    if all(isinstance(e, str) and e.strip() for e in emails):
        return _joined(emails)
    ids = [u.get("id") for u in users]
    if all(i is not None and str(i).strip() for i in ids):
        return "id:" + _joined(ids)
    return ""


def local_identity(submission) -> str:
    """The identity of a submission that `make grade` found (a grade.submissions.Submission)."""
    people = submission.people or {}
    emails = [p.get("email") for p in people.get("submitters", [])]
    if emails and all(emails):
        return _joined(emails)
    return submission.student
