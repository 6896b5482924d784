"""Pairs of submissions ranked by how much of their student-written code matches.

copydetect (winnowing, Schleimer, Wilkerson and Aiken 2003) does the fingerprinting: it
tokenises Python with pygments, replaces every variable, attribute and function name by one
letter, drops comments, whitespace and the text of strings, hashes every run of NOISE
characters of what is left and keeps the smallest hash of each window (any match of GUARANTEE
characters or more is found). We fingerprint each function on its own, so the order of the
functions does not matter and no match runs across two of them; and like MOSS we ignore a
fingerprint that COMMON or more submissions share in the same function (the way most of the
class writes a softmax is not evidence that two students copied).

The similarity of a pair, seen from A: the share of A's fingerprinted code that is in matches
with B; a pair's score is the larger of the two views (a copy of part of a submission still
shows). A pair is flagged when its score is at least FLAG and the matches hold at least
MIN_MATCH normalised characters: two submissions whose only own code is the same one-line change
share everything they wrote, but that is one line, not a copied assignment.
"""
from __future__ import annotations

import io
import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

NOISE = 25       # copydetect's noise threshold (k): shorter matches are never reported
GUARANTEE = 30   # copydetect's guarantee threshold: longer matches are always found
COMMON = 10      # a fingerprint in this many submissions' same function is common code (MOSS's -m)
FLAG = 0.5       # pairs at or above this similarity are flagged ...
MIN_MATCH = 100  # ... when they share at least this many normalised characters (about 4 lines)


def _stable_hashed_kgrams(string, k):
    """copydetect.utils.hashed_kgrams with a hash that is the same in every process: it uses
    Python's hash(), which is salted per process (PYTHONHASHSEED), so winnowing would keep other
    fingerprints, and the scores would change, from one `make grade` to the next."""
    import hashlib
    return np.array([int.from_bytes(hashlib.blake2b(string[i:i + k].encode("utf-8"), digest_size=8).digest(),
                                    "little", signed=True) for i in range(len(string) - k + 1)], dtype=np.int64)


def _copydetect():
    """copydetect, with the stable hash (utils.get_document_fingerprints looks it up at each call)."""
    import copydetect.utils
    copydetect.utils.hashed_kgrams = _stable_hashed_kgrams


@dataclass
class Student:
    """One submission's fingerprints, function by function."""
    name: str
    code: dict                      # {function: text}
    prints: dict = field(default_factory=dict)  # {function: copydetect CodeFingerprint}

    @property
    def coverage(self):
        return float(sum(fp.token_coverage for fp in self.prints.values()))


@dataclass
class Match:
    function: str
    slices_a: np.ndarray            # 2 x n character ranges of the match in A's text
    slices_b: np.ndarray
    overlap_a: int
    overlap_b: int


@dataclass
class Pair:
    a: Student
    b: Student
    similarity_a: float             # share of A's code that matches B
    similarity_b: float
    matches: list

    @property
    def score(self):
        return max(self.similarity_a, self.similarity_b)

    @property
    def matched(self):
        """Normalised characters of the matches, on the side the score is taken from."""
        side = "overlap_a" if self.similarity_a >= self.similarity_b else "overlap_b"
        return sum(getattr(m, side) for m in self.matches)

    @property
    def flagged(self):
        return self.score >= FLAG and self.matched >= MIN_MATCH


def fingerprint(name: str, code: dict) -> Student:
    from copydetect.detector import CodeFingerprint
    _copydetect()
    student = Student(name, code)
    logging.getLogger().disabled, was = True, logging.getLogger().disabled
    try:
        for function, text in code.items():
            fp = CodeFingerprint(f"{function}.py", NOISE, GUARANTEE - NOISE + 1, fp=io.StringIO(text),
                                 language="python")
            if fp.hashes:
                student.prints[function] = fp
    finally:
        logging.getLogger().disabled = was
    return student


def drop_common(students, common=COMMON):
    """Forget the fingerprints that `common` or more students share in the same function."""
    from copydetect.utils import get_token_coverage
    counts = Counter((f, h) for s in students for f, fp in s.prints.items() for h in fp.hashes)
    for s in students:
        for f, fp in list(s.prints.items()):
            gone = {h for h in fp.hashes if counts[(f, h)] >= common}
            if not gone:
                continue
            fp.hashes = fp.hashes - gone
            fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in gone}
            fp.token_coverage = get_token_coverage(fp.hash_idx, fp.k, len(fp.filtered_code))
            if not fp.hashes:
                del s.prints[f]


def compare(a: Student, b: Student) -> Pair:
    from copydetect.detector import compare_files
    matches, over_a, over_b = [], 0, 0
    for function in a.prints.keys() & b.prints.keys():
        fa, fb = a.prints[function], b.prints[function]
        if fa.hashes.isdisjoint(fb.hashes):
            continue
        overlap, (_, share_b), (slices_a, slices_b) = compare_files(fa, fb)
        if overlap == 0:
            continue
        # in normalised characters, as token_coverage (slices are in the texts as written)
        oa, ob = int(overlap), int(round(share_b * fb.token_coverage))
        matches.append(Match(function, slices_a.astype(int), slices_b.astype(int), oa, ob))
        over_a, over_b = over_a + oa, over_b + ob
    sa = over_a / a.coverage if a.coverage else 0.0
    sb = over_b / b.coverage if b.coverage else 0.0
    return Pair(a, b, min(sa, 1.0), min(sb, 1.0), matches)


def rank(students, common=COMMON):
    """Every pair with some match: the flagged ones first, each group most similar first."""
    drop_common(students, common)
    pairs = []
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            if not a.prints or not b.prints:
                continue
            if all(fa.hashes.isdisjoint(b.prints[f].hashes) for f, fa in a.prints.items() if f in b.prints):
                continue
            pair = compare(a, b)
            if pair.matches:
                pairs.append(pair)
    pairs.sort(key=lambda p: (not p.flagged, -p.score, p.a.name, p.b.name))
    return pairs
