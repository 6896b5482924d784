"""Which submissions of a class look copied: `make grade` writes grades/<hw>/similarity.html.

    extract.py  the student-written code of a notebook, function by function (handout removed)
    compare.py  winnowed fingerprints (copydetect) per function; pairs ranked by similarity
    page.py     similarity.html: the ranking and each flagged pair side by side, matches marked

Instructor-only: this package is not in the autograder zip (assign/build.py leaves it out), and
copydetect is in requirements.txt only, not in what students or the zip install.
"""
