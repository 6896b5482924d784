"""`make gradescope-check`: the zip in real images, graded as Gradescope grades.

For each Debian release (bullseye: Python 3.9 and the oldest pinned numpy, standing in for
Ubuntu 22.04; trixie, the newest release, for 24.04): debootstrap a base image, run setup.sh in
it, then grade every sample of every assignment in a fresh container of it, with Gradescope's
default limits (768 MB, 0.5 CPU, 10 minutes) and Docker's default capabilities (no
CAP_SYS_ADMIN), and compare check by check with `make grade`. A probe submission tries to read
everything under /autograder and to reach the network; a memory-hungry one must get the same
score and message as `make grade` under the same limits.

Skipped unless NNKIT_IMAGE_CHECK=1 (the Makefile target sets it): it downloads two Debian
base systems and takes minutes. NNKIT_RELEASES and NNKIT_IMAGE_JOBS change the releases and
the number of containers run at once per release.
"""
import json
import os
import socket
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest

from conftest import ASSIGNMENTS, ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import gradescope_image as gi  # noqa: E402

pytestmark = [
    pytest.mark.skipif(os.environ.get("NNKIT_IMAGE_CHECK") != "1",
                       reason="the image check runs with `make gradescope-check` (debootstrap, minutes)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="debootstrap, chroot and cgroups need root"),
]
RELEASES = os.environ.get("NNKIT_RELEASES", "bullseye,trixie").split(",")
JOBS = int(os.environ.get("NNKIT_IMAGE_JOBS", "2"))
MEMORY_MB, CPUS, TIMEOUT = 768, 0.5, 600  # Gradescope's defaults
SCHEMA = json.loads((ROOT / "tests" / "specs" / "gradescope-results.schema.json").read_text())
REPORT = ROOT / "dist" / "gradescope-check" / "report.md"
LINES = []  # the report, printed at the end


def say(line=""):
    LINES.append(line)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    gi.ensure_debootstrap()
    path = Path("/var/tmp") / f"nnkit-gradescope-check-{os.getpid()}"
    path.mkdir()
    yield path
    gi.remove_tree(path)


@pytest.fixture(scope="session")
def listener():
    """A TCP server on this machine: what a probe that can connect anywhere would reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(time.time())
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


@pytest.fixture(scope="session")
def images(workdir, built):
    """{release: Image or the exception its build raised}, built side by side."""
    zip_path = built / "dist" / ASSIGNMENTS[0] / "autograder.zip"
    same = {(zipfile.ZipFile(built / "dist" / a / "autograder.zip").read("setup.sh"),
             zipfile.ZipFile(built / "dist" / a / "autograder.zip").read("requirements.txt"))
            for a in ASSIGNMENTS}
    assert len(same) == 1, "setup.sh and requirements.txt differ between zips: build one image each"

    def build(release):
        try:
            return gi.build_image(release, workdir, zip_path)
        except Exception as exc:  # reported by test_image_builds
            return exc

    with ThreadPoolExecutor(len(RELEASES)) as pool:
        built_images = dict(zip(RELEASES, pool.map(build, RELEASES)))
    for release, image in built_images.items():
        if isinstance(image, gi.Image):
            say(f"## {release}: Python {image.python}, numpy {image.numpy}")
            say(f"- base image (debootstrap --variant=minbase): {image.debootstrap_seconds:.0f} s, "
                f"{image.base_mb} MB")
            say(f"- setup.sh (Gradescope's image build): {image.build_seconds:.0f} s; image "
                f"{image.size_mb} MB (+{image.size_mb - image.base_mb} MB)")
        else:
            say(f"## {release}: the build FAILED: {image}")
    return built_images


def _samples(built):
    return [(a, p.stem, p) for a in ASSIGNMENTS
            for p in sorted((built / "solutions" / a / "samples").glob("*.ipynb"))]


@pytest.fixture(scope="session")
def sample_runs(images, built, workdir):
    """{(release, assignment, sample): Run} for every sample in every image that built."""
    todo = [(r, a, s, p) for r in RELEASES if isinstance(images[r], gi.Image) for a, s, p in _samples(built)]

    def grade(item):
        release, assignment, sample, path = item
        return item[:3], gi.grade_in_image(images[release], built / "dist" / assignment / "autograder.zip",
                                           {f"{sample}.ipynb": path}, workdir, memory_mb=MEMORY_MB,
                                           cpus=CPUS, timeout=TIMEOUT)

    start = time.monotonic()
    with ThreadPoolExecutor(JOBS * len(RELEASES)) as pool:
        runs = dict(pool.map(grade, todo))
    say(f"\nGraded {len(runs)} samples in {time.monotonic() - start:.0f} s "
        f"({JOBS} containers at a time per release, each {MEMORY_MB} MB, {CPUS} CPU)")
    return runs


def _probe_notebook(built, assignment, port):
    """The blank notebook, then a cell that tries every file under /autograder and the network;
    the first graded function then reports what it found (in a check message)."""
    nb = json.loads((built / "solutions" / assignment / "samples" / "blank.ipynb").read_text())
    tests = json.loads(zipfile.ZipFile(built / "dist" / assignment / "autograder.zip").read("tests.json"))["tests"]
    from autograder.gradescope.pick import student_names
    function = sorted(student_names(tests[:1]))[0]
    data = sorted(n[len("files/"):] for n in zipfile.ZipFile(built / "dist" / assignment / "autograder.zip").namelist()
                  if n.startswith("files/"))
    probe = PROBE.replace("__PORT__", str(port)).replace("__DATA__", repr(data))
    probe += f"\n\ndef {function}(*args, **kwargs):\n    raise RuntimeError('PROBE' + json.dumps(_REPORT) + 'PROBE')\n"
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": probe})
    return nb, data


PROBE = r'''
import json, os, socket

def _probe():
    report = {"uid": os.getuid(), "readable": [], "listable": [], "connected": [], "refused": {},
              "data_bytes": {}}
    known = ["/autograder/submission_metadata.json", "/autograder/source/tests.json",
             "/autograder/source/expected.npz", "/autograder/results/results.json",
             "/autograder/run_autograder", "/autograder/source/setup.sh",
             "/autograder/source/autograder/nncheck.py", "/autograder/source/files"]
    seen, stack = set(known), ["/autograder"]
    while stack:
        d = stack.pop()
        try:
            entries = os.listdir(d)
        except OSError:
            continue
        report["listable"].append(d)
        for e in entries:
            p = os.path.join(d, e)
            seen.add(p)
            if os.path.isdir(p) and not os.path.islink(p):
                stack.append(p)
    for p in sorted(seen):
        try:
            with open(p, "rb") as f:
                f.read(1)
            report["readable"].append(p)
        except OSError:
            pass
    for name in __DATA__:  # the assignment's data, in the working folder as students have it
        try:
            with open(name, "rb") as f:
                report["data_bytes"][name] = len(f.read())
        except OSError as exc:
            report["data_bytes"][name] = type(exc).__name__
    for host, port in [("127.0.0.1", __PORT__), ("deb.debian.org", 80), ("pypi.org", 443)]:
        try:
            socket.create_connection((host, port), timeout=5).close()
            report["connected"].append(f"{host}:{port}")
        except OSError as exc:
            report["refused"][f"{host}:{port}"] = type(exc).__name__
    for key in ("readable", "listable"):
        report[key] = report[key][:40]
    return report

_REPORT = _probe()
'''


@pytest.fixture(scope="session")
def probe_runs(images, built, workdir, listener, tmp_path_factory):
    """{release: (report dict or None, Run)} for the probe submission, with a metadata file
    that holds a 'previous submission' with hidden results."""
    port, _ = listener
    assignment = "hw3_sgd" if "hw3_sgd" in ASSIGNMENTS else ASSIGNMENTS[-1]
    nb, data = _probe_notebook(built, assignment, port)
    path = tmp_path_factory.mktemp("probe") / f"{assignment}.ipynb"
    path.write_text(json.dumps(nb))
    metadata = {"previous_submissions": [{"results": {"tests": [{"name": "HIDDEN-RESULT-SECRET"}]}}]}
    out = {}
    for release, image in images.items():
        if not isinstance(image, gi.Image):
            continue
        run = gi.grade_in_image(image, built / "dist" / assignment / "autograder.zip", {path.name: path},
                                workdir, metadata=metadata, memory_mb=MEMORY_MB, cpus=CPUS, timeout=TIMEOUT)
        text = json.dumps(run.results) if run.results else ""
        report = None
        if "PROBE{" in text:
            raw = run.results and next(t["output"] for t in run.results["tests"] if "PROBE{" in t["output"])
            report = json.loads(raw[raw.index("PROBE{") + 5:raw.index("}PROBE") + 1])
        out[release] = (report, run, data)
        say(f"\nProbe in {release} ({assignment}): confinement "
            f"{(run.results or {}).get('extra_data', {}).get('confinement')!r}; uid {report and report['uid']}; "
            f"readable {report and report['readable']}; listable {report and report['listable']}; "
            f"data {report and report['data_bytes']}; connected {report and report['connected']}; "
            f"refused {report and report['refused']}")
    return out


HOG = """
import numpy as _np_hog
_hogged = {function}
def {function}(*args, **kwargs):
    big = _np_hog.ones(125_000_000)  # 1 GB: within make grade's 2048 MB, not within 768 MB
    big[0] = 0.0
    return _hogged(*args, **kwargs)
"""


@pytest.fixture(scope="session")
def hog_runs(images, built, workdir, tmp_path_factory):
    """{release: (Run, make grade's result under the limits the container reported)}"""
    from autograder.grade.cli import grade_folder
    from autograder.gradescope.pick import student_names
    assignment = ASSIGNMENTS[0]
    zip_path = built / "dist" / assignment / "autograder.zip"
    tests = json.loads(zipfile.ZipFile(zip_path).read("tests.json"))["tests"]
    nb = json.loads((built / "solutions" / assignment / "samples" / "reference.ipynb").read_text())
    function = sorted(student_names(tests[:1]))[0]
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": HOG.format(function=function)})
    folder = tmp_path_factory.mktemp("hog")
    (folder / "hog.ipynb").write_text(json.dumps(nb))
    out = {}
    for release, image in images.items():
        if not isinstance(image, gi.Image):
            continue
        run = gi.grade_in_image(image, zip_path, {f"{assignment}.ipynb": folder / "hog.ipynb"}, workdir,
                                memory_mb=MEMORY_MB, cpus=CPUS, timeout=TIMEOUT)
        limits = {k: v for k, v in (run.results or {}).get("extra_data", {}).get("limits", {}).items()
                  if k != "container"}
        rows = grade_folder(assignment, folder, tmp_path_factory.mktemp("hog-grades"), zip_path=zip_path,
                            quiet=True, jobs=1, limits=limits)
        out[release] = (run, rows[0][1], limits)
        say(f"\nMemory hog in {release}: {run.results and run.results['score']:g} here, "
            f"{rows[0][1].score:g} with make grade under the same limits {limits}; "
            f"peak {run.peak_mb:.0f} MB, OOM kills {run.oom_kills}")
    return out


@pytest.fixture(scope="session", autouse=True)
def report():
    """The measurements, written to dist/gradescope-check/report.md (the Makefile prints it)."""
    yield
    if LINES:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text("# make gradescope-check\n\n" + "\n".join(LINES) + "\n")


# ------------------------------------------------------------------ the checks

@pytest.mark.parametrize("release", RELEASES)
def test_image_builds(release, images):
    image = images[release]
    assert isinstance(image, gi.Image), image
    assert tuple(map(int, image.python.split(".")[:2])) >= (3, 9)


@pytest.mark.parametrize("release", RELEASES)
def test_samples_score_as_make_grade(release, images, sample_runs, graded_samples, built):
    """Every sample, check by check, as `make grade` scores it; within the default limits."""
    if not isinstance(images[release], gi.Image):
        pytest.skip("the image did not build")
    say(f"\n### {release}: every sample (score here / make grade; wall time; peak memory; confinement)")
    wrong = []
    for assignment, sample, _ in _samples(built):
        run = sample_runs[(release, assignment, sample)]
        expected = graded_samples[assignment][sample]
        results = run.results
        mode = (results or {}).get("extra_data", {}).get("confinement", "")
        if results is None or run.exit_code != 0:
            say(f"- {assignment}/{sample}: NO RESULTS (exit {run.exit_code})")
            wrong.append((assignment, sample, "no results", run.exit_code, run.stdout[-1000:]))
            continue
        say(f"- {assignment}/{sample}: {results['score']:g} / {expected.score:g}; {run.seconds:.1f} s; "
            f"{run.peak_mb:.0f} MB; {mode}")
        jsonschema.validate(results, SCHEMA)
        got = [t["score"] for t in results["tests"]]
        want = [c.score for c in expected.checks]
        if got != want:
            wrong.append((assignment, sample, [(t["name"], t["score"], c.score)
                                               for t, c in zip(results["tests"], expected.checks)
                                               if t["score"] != c.score]))
        assert run.peak_mb < MEMORY_MB and run.oom_kills == 0, (assignment, sample, run.peak_mb)
        assert run.seconds < TIMEOUT
        assert mode and mode == sample_runs_modes(sample_runs, release)
    assert not wrong, wrong


def sample_runs_modes(sample_runs, release):
    """The one confinement mode all of a release's runs report (they must agree)."""
    modes = {(r.results or {}).get("extra_data", {}).get("confinement") for k, r in sample_runs.items()
             if k[0] == release}
    assert len(modes) == 1, modes
    return modes.pop()


@pytest.mark.parametrize("release", RELEASES)
def test_probe_reads_only_its_submission_and_data(release, probe_runs):
    report, run, data = probe_runs[release]
    assert report is not None, (run.exit_code, run.stdout[-2000:])
    assert report["uid"] != 0
    assert "HIDDEN-RESULT-SECRET" not in json.dumps(run.results)
    assert [p for p in report["readable"] if not p.startswith("/autograder/submission/")] == []
    assert [p for p in report["listable"] if p != "/autograder/submission"] == []
    assert all(isinstance(n, int) and n > 0 for n in report["data_bytes"].values()), report["data_bytes"]


@pytest.mark.parametrize("release", RELEASES)
def test_probe_cannot_reach_the_network(release, probe_runs, listener):
    report, run, _ = probe_runs[release]
    assert report is not None, (run.exit_code, run.stdout[-2000:])
    assert report["connected"] == [], report["connected"]
    assert listener[1] == []


@pytest.mark.parametrize("release", RELEASES)
def test_memory_hog_gets_the_score_and_message_of_make_grade(release, hog_runs):
    """A function that allocates 1 GB: the sandbox's limit (fitted to the container) refuses
    it before the container's would kill the grader; make grade under the limits that
    results.json reports gives the same score and the same messages."""
    run, local, limits = hog_runs[release]
    assert run.results and run.exit_code == 0, run.stdout[-2000:]
    assert limits["memory_mb"] < MEMORY_MB
    assert run.oom_kills == 0 and run.peak_mb < MEMORY_MB
    assert run.results["score"] == local.score < local.max_score
    from autograder.grade.feedback import to_gradescope
    assert [t["output"] for t in run.results["tests"]] == [t["output"] for t in to_gradescope(local)["tests"]]
    assert any("MemoryError" in t["output"] for t in run.results["tests"])
