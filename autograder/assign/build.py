"""make assign: from a master notebook to the student folder, the samples and the zip.

0. The lint (lint.py) checks the master; a master with problems is not built.
1. `otter assign` makes the student notebook and collects the master's tests.
2. The solution (otter's autograder notebook) runs in the sandbox and every test runs against
   it with the reference in record mode: the values it produces become `expected.npz`. A
   hidden test that draws its inputs from `nncheck.rng` is recorded once per variant (the
   master's config `variants: K`, default 8; key `k` of variant v > 0 is stored as `k@v`, in
   the zip's expected@v.npz).
   The tests then run again in check mode against the solution, every variant, and must all
   pass.
3. Outputs: assignments/<name>/ (student notebook, nncheck.py, nngrader.py, public reference values,
   data, requirements.txt: a copy of student-requirements.txt),
   solutions/<name>/samples/ (reference, blank, one notebook per mistake),
   dist/<name>/autograder.zip (tests, reference values, this framework; no solution code).

Grader-only data: the files in solutions/<name>/grader_data/ (for example held-out examples)
go into the zip's grader_data/ and nowhere else; hidden tests read them with
nncheck.load_grader_data(name). Student code never sees them (the sandbox gets only files/).
"""
from __future__ import annotations

import argparse
import ast
import copy
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path

import nbformat

import nncheck
from autograder.assign.lint import lint, load_mistakes
from autograder.assign.given import all_masters, describe, solutions_given
from autograder.grade.engine import Bundle, StudentEnvironment, load_checks, run_check
from autograder.run.sandbox import Limits, Sandbox

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "autograder"
GRADESCOPE = PACKAGE / "gradescope"
# the zip's limits, what `make grade` uses too: the whole submission inside Gradescope's default
# container (10 minutes; 768 MB, of which the grader keeps 256 MB: see gradescope/container.py),
# so that a submission that runs out scores the same here and there
LIMITS = asdict(Limits(total_seconds=540, memory_mb=384, disk_mb=128))


DEFAULT_VARIANTS = 8
OUR_CONFIG = ("variants",)  # keys of the ASSIGNMENT CONFIG that are ours (otter refuses unknown keys)


def read_notebook(path) -> dict:
    """A notebook file as nbformat reads it (any nbformat version, as version 4), its cells'
    sources as lists of lines: the form nbformat writes and the notebooks we write keep."""
    return nbformat.v4.nbjson.split_lines(nbformat.read(str(path), as_version=4))


def assignment_config(master_nb):
    """The master's ASSIGNMENT CONFIG (its first raw cell) as a dict."""
    import yaml
    for cell in master_nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "raw" and text.lstrip().startswith("# ASSIGNMENT CONFIG"):
            return yaml.safe_load(text) or {}
    return {}


def variants_of(master_nb):
    """K, the number of variants of each varying hidden check (the config's `variants:`)."""
    k = assignment_config(master_nb).get("variants", DEFAULT_VARIANTS)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 64:
        raise SystemExit(f"variants: {k!r} in the ASSIGNMENT CONFIG must be a whole number from 1 to 64")
    return k


def _without_our_config(master_nb):
    nb = copy.deepcopy(master_nb)
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "raw" and text.lstrip().startswith("# ASSIGNMENT CONFIG"):
            lines = [l for l in text.split("\n") if l.split(":")[0].strip() not in OUR_CONFIG
                     or l.startswith((" ", "\t"))]
            cell["source"] = "\n".join(lines)
            break
    return nb


def otter_assign(master: Path, out: Path):
    """`otter assign` on the master, minus our own config keys: a copy of the master's folder
    (without its samples; otter resolves links, so these are copies) is what otter reads."""
    otter = Path(sys.executable).with_name("otter")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / master.parent.name
        shutil.copytree(master.parent, folder, ignore=shutil.ignore_patterns("samples", "__pycache__"))
        copy_path = folder / master.name
        write_json(copy_path, _without_our_config(read_notebook(master)))
        proc = subprocess.run([str(otter), "assign", str(copy_path), str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"otter assign failed for {master}:\n{proc.stdout}\n{proc.stderr}")


def collect_tests(nb: dict):
    """[{question, name, points, hidden, source}] in notebook order, from otter's metadata."""
    from otter.test_files.exception_test import ExceptionTestFile
    tests = []
    for question, text in nb["metadata"]["otter"]["tests"].items():
        parsed = ExceptionTestFile.from_string(text, path=question)
        funcs = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
        if len(funcs) != len(parsed.test_cases):
            raise SystemExit(f"{question}: could not match test functions to test cases")
        for node, case in zip(funcs, parsed.test_cases):
            node.decorator_list = []
            tests.append({"question": question, "name": node.name, "points": float(case.points or 0),
                          "hidden": bool(case.hidden), "source": ast.unparse(node)})
    names = [t["name"] for t in tests]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise SystemExit(f"test function names must be unique; repeated: {sorted(dupes)}")
    return tests


def question_dependencies(master_nb):
    """({function: question that defines it}, {question: [earlier functions it calls]}) from the
    master: a question's config may say `uses: [f, g]`, the students' functions of earlier
    questions that its own functions call. The list is closed under `uses` (if f uses g, a
    question that uses f uses g too), earliest question first."""
    import yaml
    defines, direct, order, question, in_tests = {}, {}, [], None, False
    for cell in master_nb["cells"]:
        text = "".join(cell["source"])
        first = text.strip().split("\n", 1)[0].strip()
        if cell["cell_type"] == "raw":
            if first == "# BEGIN QUESTION":
                config = yaml.safe_load(text.split("\n", 1)[1]) or {}
                question = config["name"]
                order.append(question)
                direct[question] = list(config.get("uses") or [])
            elif first == "# END QUESTION":
                question = None
            elif first in ("# BEGIN TESTS", "# END TESTS"):
                in_tests = first == "# BEGIN TESTS"
        elif cell["cell_type"] == "code" and question and not in_tests:
            for node in ast.parse(text).body:
                if isinstance(node, ast.FunctionDef):
                    defines[node.name] = question
    uses = {}
    for question in order:
        seen, todo = [], list(direct[question])
        while todo:
            fn = todo.pop(0)
            if fn in seen:
                continue
            upstream = defines.get(fn)
            if upstream is None or order.index(upstream) >= order.index(question):
                raise SystemExit(f"{question} uses {fn}, which no earlier question defines")
            seen.append(fn)
            todo += [f for q in [upstream] for f in direct[q]]
        if seen:
            uses[question] = sorted(seen, key=lambda f: order.index(defines[f]))
    return {f: q for f, q in defines.items() if any(f in u for u in uses.values())}, uses


def code_cells(nb):
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def checks_source(assignment):
    """The master's checks.py (code the hidden checks share, as their parameter `checks`), or None."""
    path = ROOT / "solutions" / assignment / "checks.py"
    return path.read_text(encoding="utf-8") if path.exists() else None


def record(tests, solution_cells, files_dir, assignment, grader_data_dir=None, variants=1, checks=None):
    """Run the tests against the solution: record the reference values, then verify them.

    Sets each test's "variants": `variants` for a hidden test that drew inputs from
    nncheck.rng in variant 0, else 1 (public checks are the same for everyone). Varying tests
    are recorded and verified in every variant. `checks`: the source of the master's checks.py."""
    reference = nncheck.Reference("record")
    nncheck.DATA_DIRS[:] = [str(files_dir)]
    nncheck.GRADER_DATA_DIRS[:] = [str(grader_data_dir)] if grader_data_dir else []
    saved = nncheck.ref
    nncheck.ref = reference
    checks = load_checks(checks, assignment)
    try:
        with Sandbox(solution_cells, str(files_dir)) as sandbox:
            sandbox.start()
            errors = [f"cell {i}: {r.error}" for i, r in sandbox.cell_reports.items() if r.error]
            if errors or sandbox.skip:
                raise SystemExit(f"{assignment}: the solution notebook fails:\n" + "\n".join(errors)
                                 + "\n".join(map(str, sandbox.skip.values())))
            env = StudentEnvironment(sandbox)
            for mode in ("record", "check"):
                reference.mode = mode
                for test in tests:
                    nncheck.rng_seeds.clear()
                    _record_one(test, env, reference, assignment, mode, 0, checks)
                    if mode == "record":
                        test["variants"] = variants if test["hidden"] and nncheck.rng_seeds else 1
                for v in range(1, variants):
                    for test in tests:
                        if test["variants"] > 1:
                            _record_one(test, env, reference, assignment, mode, v, checks)
    finally:
        nncheck.ref = saved
    hidden_tests = {t["name"] for t in tests if t["hidden"]}
    public_keys = {k for k, by in reference.recorded_by.items() if by not in hidden_tests}
    return reference, public_keys


def _record_one(test, env, reference, assignment, mode, variant, checks=None):
    reference.current_test = test["name"]
    nncheck.grader_data_loads.clear()
    passed, message = run_check(test, env, variant, checks)
    if not passed:
        author = getattr(message, "traceback", "")
        raise SystemExit(f"{assignment}: test {test['name']} fails on the solution "
                         f"({mode} mode, variant {variant}):\n{message}"
                         + (f"\nThe test itself failed (students see only the line "
                            f"above):\n{author}" if author else ""))
    if nncheck.grader_data_loads and not test["hidden"]:
        raise SystemExit(f"{assignment}: public test {test['name']} reads grader-only "
                         f"data {nncheck.grader_data_loads}: students do not have it")


def apply_mistake(reference_nb, name, mistake):
    nb = copy.deepcopy(reference_nb)
    for old, new in mistake["replace"]:
        hits = [c for c in nb["cells"] if c["cell_type"] == "code" and old in "".join(c["source"])]
        count = sum("".join(c["source"]).count(old) for c in hits)
        if count != 1:
            raise SystemExit(f"mistake {name!r}: the text to replace occurs {count} times "
                             f"(must be exactly once):\n{old}")
        cell = hits[0]
        cell["source"] = "".join(cell["source"]).replace(old, new)
    return nb


def write_json(path: Path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


STUDENT_MODULES = ("nncheck.py", "nngrader.py")  # beside every student notebook


def course_grader(nb):
    """otter's init and export cells, made with nngrader's Notebook (the course's check messages,
    an export that saves first): the grader's sandbox replaces both by stand-ins."""
    nb = copy.deepcopy(nb)
    made = 0
    for cell in nb["cells"]:
        text = original = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and text.startswith("# Initialize Otter\nimport otter\n"):
            made += 1
            text = text.replace("# Initialize Otter\nimport otter\ngrader = otter.Notebook(",
                                "# Initialize Otter (nngrader.py: otter's Notebook, with short check "
                                "messages and an export that saves first)\n"
                                "from nngrader import Notebook\ngrader = Notebook(", 1)
        elif cell["cell_type"] == "code" and "grader.export(" in text:
            text = text.replace("# Save your notebook first, then run this cell to export your submission.",
                                "# Saves the notebook (JupyterLab), makes the zip to upload and shows "
                                "its public checks.", 1)
        elif cell["cell_type"] == "markdown" and text.startswith("## Submission"):
            text = text.replace(
                "Make sure you have run all cells in your notebook in order before running the cell "
                "below, so that all images/graphs appear in the output. The cell below will generate "
                "a zip file for you to submit. **Please save before exporting!**",
                "Run all cells in order before running the cell below (fastest: Kernel > Restart "
                "Kernel and Run All Cells), so that all plots appear in the output. The cell below "
                "saves the notebook (in JupyterLab; in another editor **save first**) and makes the "
                "zip file to submit; it warns if the saved file is not the code that ran.", 1)
        if text != original:  # in the form otter wrote (a list of lines): small diffs
            cell["source"] = text.splitlines(keepends=True) if isinstance(cell["source"], list) else text
    if made != 1:
        raise SystemExit(f"expected one otter init cell in otter assign's notebook, found {made}")
    return nb


def strip_outputs(nb):
    """No outputs, and cell ids that do not change from build to build (otter makes new ones)."""
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb["cells"]):
        if "id" in cell:
            cell["id"] = f"cell-{i:03d}"
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def grader_data_files(assignment):
    """The files of solutions/<assignment>/grader_data/ (data only the autograder gets)."""
    folder = ROOT / "solutions" / assignment / "grader_data"
    return sorted(f for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else []


def build_zip(zip_path: Path, tests, reference, files_dir: Path, assignment, extra=None):
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"assignment": assignment, "limits": LIMITS, "tests": tests, **(extra or {})}
    with tempfile.TemporaryDirectory() as tmp:
        # variant 0 and the checks that do not vary in expected.npz; variant v's values (keys
        # `k@v`) in expected@v.npz, so that grading one submission reads one variant's values
        expected = Path(tmp) / "expected.npz"
        reference.save(expected, keys={k for k in reference.values if "@" not in k})
        per_variant = {}
        for key in reference.values:
            if "@" in key:
                per_variant.setdefault(int(key.rsplit("@", 1)[1]), set()).add(key)
        for v, keys in sorted(per_variant.items()):
            reference.save(Path(tmp) / f"expected@{v}.npz", keys=keys)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
            def add(path: Path, arcname: str, mode=0o644):
                info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (mode | 0o100000) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
            add(GRADESCOPE / "setup.sh", "setup.sh", 0o755)
            add(GRADESCOPE / "run_autograder", "run_autograder", 0o755)
            add(GRADESCOPE / "requirements.txt", "requirements.txt")
            info = zipfile.ZipInfo("tests.json", date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            zf.writestr(info, json.dumps(meta, indent=1))
            add(expected, "expected.npz")
            for v in sorted(per_variant):
                add(Path(tmp) / f"expected@{v}.npz", f"expected@{v}.npz")
            for f in sorted(PACKAGE.rglob("*.py")):
                rel = f.relative_to(PACKAGE)
                if rel.parts[0] in ("assign", "similarity"):  # the instructor's tools only
                    continue
                add(f, f"autograder/{rel.as_posix()}")
            for f in sorted(files_dir.rglob("*")):
                if f.is_file():
                    add(f, f"files/{f.relative_to(files_dir).as_posix()}")
            grader_dir = ROOT / "solutions" / assignment / "grader_data"
            for f in grader_data_files(assignment):
                add(f, f"grader_data/{f.relative_to(grader_dir).as_posix()}")


def build(assignment: str, out_root: Path = ROOT, variants: int | None = None, zip_only: bool = False):
    """Build one assignment; outputs go under `out_root` (the project, or a test's folder).
    `zip_only`: write the autograder zip and nothing else (make grade: grading never rewrites the
    committed student folder and samples; make assign does).
    `variants` overrides the master's `variants:` (bench/variants.py builds with 1 and with K)."""
    master = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    if not master.exists():
        raise SystemExit(f"no master notebook at {master}")
    problems = lint(master)
    for problem in problems:
        print(problem, file=sys.stderr)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise SystemExit(f"{assignment}: the lint found {len(errors)} problems (above); "
                         "see docs/authoring.md, 'The lint'")
    out_root = Path(out_root)
    with tempfile.TemporaryDirectory() as tmp:
        written = Path(tmp) / "not kept" if zip_only else out_root
        student_dir = written / "assignments" / assignment
        samples_dir = written / "solutions" / assignment / "samples"
        out = Path(tmp) / "otter"
        otter_assign(master, out)
        solution_nb = course_grader(read_notebook(out / "autograder" / f"{assignment}.ipynb"))
        student_nb = course_grader(read_notebook(out / "student" / f"{assignment}.ipynb"))
        tests = collect_tests(solution_nb)
        order = [q for c in student_nb["cells"] if c["cell_type"] == "code"
                 for q in re.findall(r'grader\.check\("([^"]+)"\)', "".join(c["source"]))]
        tests.sort(key=lambda t: order.index(t["question"]) if t["question"] in order else len(order))
        files_dir = Path(tmp) / "files"
        files_dir.mkdir()
        for item in (out / "student").iterdir():
            if item.name != f"{assignment}.ipynb" and item.is_file():
                shutil.copy(item, files_dir / item.name)
        leaked = {f.name for f in grader_data_files(assignment)} & {f.name for f in files_dir.iterdir()}
        if leaked:
            raise SystemExit(f"{assignment}: grader-only data {sorted(leaked)} is also among the "
                             "students' files (the master's `files:`): students must not get it")
        print(f"[{assignment}] recording reference values from the solution ({len(tests)} checks)")
        grader_data_dir = master.parent / "grader_data"
        master_nb = read_notebook(master)
        variants = variants_of(master_nb) if variants is None else variants
        shared = checks_source(assignment)
        reference, public_keys = record(tests, code_cells(solution_nb), files_dir, assignment,
                                        grader_data_dir if grader_data_dir.is_dir() else None, variants, shared)
        varying = [t["name"] for t in tests if t["variants"] > 1]
        print(f"[{assignment}] {len(varying)} of {sum(t['hidden'] for t in tests)} hidden checks vary "
              f"({variants} variants)")

        # the student's folder
        if student_dir.exists():
            shutil.rmtree(student_dir)
        student_dir.mkdir(parents=True)
        write_json(student_dir / f"{assignment}.ipynb", strip_outputs(student_nb))
        for f in files_dir.iterdir():
            shutil.copy(f, student_dir / f.name)
        for module in STUDENT_MODULES:
            shutil.copy(PACKAGE / module, student_dir / module)
        shutil.copy(PACKAGE.parent / "student-requirements.txt", student_dir / "requirements.txt")
        reference.save(student_dir / "public_expected.npz", keys=public_keys)

        # the samples
        reference_nb = copy.deepcopy(solution_nb)
        reference_nb["metadata"] = copy.deepcopy(student_nb["metadata"])
        reference_nb = strip_outputs(reference_nb)
        if samples_dir.exists():
            for old in samples_dir.glob("*.ipynb"):
                old.unlink()
        write_json(samples_dir / "reference.ipynb", reference_nb)
        write_json(samples_dir / "blank.ipynb", strip_outputs(student_nb))
        for name, mistake in load_mistakes(master.parent / "mistakes.py").items():
            write_json(samples_dir / f"{name}.ipynb", apply_mistake(reference_nb, name, mistake))

        zip_path = out_root / "dist" / assignment / "autograder.zip"
        defines, uses = question_dependencies(master_nb)
        build_zip(zip_path, tests, reference, files_dir, assignment,
                  extra={"defines": defines, "uses": uses, "variants": variants,
                         "checks": shared})
    print(describe(assignment, solutions_given(master, all_masters())))
    wrote = f"{zip_path}" if zip_only else f"{student_dir}/, {samples_dir}/, {zip_path}"
    print(f"[{assignment}] wrote {wrote} ({len(tests)} checks, "
          f"{sum(t['points'] for t in tests):g} points)")


def all_assignments():
    return sorted(p.name for p in (ROOT / "solutions").iterdir()
                  if (p / f"{p.name}.ipynb").exists())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every master in solutions/")
    parser.add_argument("--out", type=Path, default=ROOT, help="where to write (default: the project)")
    parser.add_argument("--variants", type=int, help="variants of the hidden checks (default: the master's "
                        f"`variants:`, else {DEFAULT_VARIANTS})")
    parser.add_argument("--zip-only", action="store_true", help="write dist/<name>/autograder.zip only, not "
                        "the student folder and the samples (what make grade needs)")
    args = parser.parse_args(argv)
    for name in args.assignments or all_assignments():
        build(name, args.out, args.variants, zip_only=args.zip_only)


if __name__ == "__main__":
    main()
