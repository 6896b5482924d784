"""Judge one graded case: scores against the honest parts, rows, leaks.

    .venv/bin/python attacks/check.py CASE [OUTDIR]        # OUTDIR: attacks/build/CASE/root (default)

OUTDIR holds what `make grade` wrote (grades.csv, feedback/, report.html, rc), or, for the
Gradescope paths, gs-<file>/results.json per submission file.
"""
from __future__ import annotations

import csv
import json
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "autograder")]
import nncheck  # noqa: E402


def secrets(assignment):
    zf = zipfile.ZipFile(ROOT / "dist" / assignment / "autograder.zip")
    meta = json.loads(zf.read("tests.json"))
    hidden = [t for t in meta["tests"] if t["hidden"]]
    expected = nncheck.unpack(zf.read("expected.npz"))
    public = nncheck.unpack((ROOT / "assignments" / assignment / "public_expected.npz").read_bytes())
    values = set()

    def floats(v):
        if isinstance(v, dict):
            for x in v.values():
                yield from floats(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                yield from floats(x)
        else:
            try:
                import numpy as np
                for x in np.asarray(v, dtype=float).ravel()[:50]:
                    yield float(x)
            except Exception:
                return
    for key in set(expected) - set(public):
        for x in floats(expected[key]):
            if abs(x) > 1e-3 and abs(x - round(x)) > 1e-3:
                values.add(f"{x:.6g}")
    names = [t["name"] for t in hidden]
    return names, sorted(v for v in values if len(v.lstrip("-")) >= 7)


def student_texts(outdir: Path):
    """{submission: the messages of its hidden checks}, from feedback/*.results.json (make grade)
    or gs-*/results.json (Gradescope): what a student reads once grades are published. (Public
    checks show the public inputs by design, and a hidden check may quote the student's own
    source line: neither is a leak.)"""
    texts = {}
    files = sorted((outdir / "feedback").glob("*.results.json")) if (outdir / "feedback").exists() else []
    for p in files + sorted(outdir.glob("gs-*/results.json")):
        name = p.parent.name[3:] if p.name == "results.json" else p.name[:-len(".results.json")]
        try:
            tests = json.loads(p.read_text())["tests"]
        except (ValueError, KeyError):
            continue
        texts[name] = "\n".join(t.get("output", "") for t in tests if "hidden check" in t.get("name", ""))
    return texts


def main(name, outdir=None):
    top = HERE / "build" / name
    spec = json.loads((top / "case.json").read_text())
    outdir = Path(outdir) if outdir else top / "root"
    a = spec["assignment"]
    print(f"== {name} ({a}) in {outdir.relative_to(ROOT) if outdir.is_relative_to(ROOT) else outdir}")
    if (outdir / "rc").exists():
        print("   exit status, seconds:", (outdir / "rc").read_text().strip())
    rows = {}
    if (outdir / "grades.csv").exists():
        with open(outdir / "grades.csv", newline="") as f:
            for r in csv.DictReader(f):
                rows.setdefault(r["submission"], []).append(r)
    else:
        for p in sorted(outdir.glob("gs-*")):
            rj = p / "results.json"
            if rj.exists():
                d = json.loads(rj.read_text())
                rows[p.name[3:]] = [{"submission": p.name[3:], "score": str(d["score"]),
                                     "max_score": str(sum(t["max_score"] for t in d["tests"])), "error": ""}]
            else:
                rc = (p / "rc").read_text().strip() if (p / "rc").exists() else "?"
                rows[p.name[3:]] = [{"submission": p.name[3:], "score": "", "max_score": "",
                                     "error": f"NO results.json (run_autograder exit {rc})"}]
        if not rows:
            print("   NO grades.csv and no results: every row is missing")
    honest = spec["honest"]
    base = {k: (rows.get(k) or [{}])[0].get("score") for k in ("reference.ipynb", "blank.ipynb")}
    print(f"   honest neighbours: reference={base['reference.ipynb']} blank={base['blank.ipynb']}")
    for sub, part in honest.items():
        got = rows.get(sub)
        if not got:
            print(f"   {sub:40s} NO ROW (honest part {part})")
            continue
        for r in got:
            print(f"   {sub:40s} score={r['score'] or '-':>6} / {r['max_score'] or '-':>4}  honest part "
                  f"{part}={base[part + '.ipynb']}  error={r['error'][:110]!r}")
        if len(got) > 1:
            print(f"   {sub}: {len(got)} rows with the same name (merged)")
    extra = sorted(set(rows) - set(honest))
    for sub in extra:
        for r in rows[sub]:
            print(f"   (extra row) {sub:28s} score={r['score'] or '-'} error={r['error'][:100]!r}")
    names, values = secrets(a)
    for sub, text in student_texts(outdir).items():
        hits = [v for v in values if v in text]  # hidden check names are shown by design
        leaked = re.findall(r"LEAKED [^\"\n]{0,160}?[-=]\s?-?\d[^\"\n]{0,120}", text)
        if hits:
            print(f"   LEAK in {sub}: {hits[:6]}")
        if leaked:
            print(f"   hidden-input leak in {sub}: {len(leaked)} messages, e.g. {leaked[-1][:160]!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
