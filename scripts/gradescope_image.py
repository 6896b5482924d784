"""Build the Gradescope image from the zip for real, and grade in it as Gradescope does.

Gradescope builds an image from a base image (Ubuntu 22.04 by default, or 24.04) by running the
zip's setup.sh as root, then runs run_autograder for each submission in a fresh container:
768 MB of memory, 0.5 vCPU, Docker's default capabilities (no CAP_SYS_ADMIN), network open.
Here the base image is a Debian root filesystem made by debootstrap (bullseye, whose python3
is 3.9, stands in for 22.04's 3.10; the newest Debian release for 24.04), setup.sh runs in it
by chroot, and each submission runs in a fresh overlay of that image, in cgroups with those
limits, with Docker's capabilities and namespace refusals (container_launch.py).

Needs root, debootstrap (installed with apt-get when missing), overlayfs and cgroup v1 or v2.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAUNCH = HERE / "container_launch.py"
MIRROR = "http://deb.debian.org/debian"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CA_IN_IMAGE = "/etc/nnkit-check/host-ca.crt"


def ensure_debootstrap():
    if shutil.which("debootstrap"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "debootstrap"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def _mounted_under(path: Path):
    path = str(path.resolve())
    with open("/proc/mounts") as f:
        return [line.split()[1] for line in f if line.split()[1].startswith(path + "/")]


def remove_tree(path: Path):
    """rm -rf, refusing if anything is still mounted below (a host /proc or /dev)."""
    if path.exists():
        mounts = _mounted_under(path)
        if mounts:
            raise RuntimeError(f"still mounted under {path}: {mounts[:3]}")
        shutil.rmtree(path)


# ------------------------------------------------------------------------------ cgroups

@dataclass
class Cgroup:
    """A fresh cgroup with Gradescope's limits; memory and CPU, v1 or v2."""
    memory_mb: int | None
    cpus: float | None
    name: str = field(default_factory=lambda: f"nnkit-check-{uuid.uuid4().hex[:10]}")

    def __post_init__(self):
        self.v2 = not Path("/sys/fs/cgroup/memory").is_dir()
        if self.v2:
            self.dirs = {"": Path("/sys/fs/cgroup") / self.name}
            self.dirs[""].mkdir()
            if self.memory_mb:
                (self.dirs[""] / "memory.max").write_text(str(self.memory_mb * 2**20))
                (self.dirs[""] / "memory.swap.max").write_text("0")
            if self.cpus:
                (self.dirs[""] / "cpu.max").write_text(f"{int(self.cpus * 100000)} 100000")
            return
        self.dirs = {"memory": Path("/sys/fs/cgroup/memory") / self.name,
                     "cpu": Path("/sys/fs/cgroup/cpu") / self.name}
        for d in self.dirs.values():
            d.mkdir()
        mem = self.dirs["memory"]
        if self.memory_mb:
            (mem / "memory.limit_in_bytes").write_text(str(self.memory_mb * 2**20))
            if (mem / "memory.memsw.limit_in_bytes").exists():
                (mem / "memory.memsw.limit_in_bytes").write_text(str(self.memory_mb * 2**20))
        if self.cpus:
            (self.dirs["cpu"] / "cpu.cfs_period_us").write_text("100000")
            (self.dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(int(self.cpus * 100000)))

    def enter(self):
        """In a child before exec: join the cgroup."""
        for d in self.dirs.values():
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def peak_mb(self):
        d = self.dirs.get("memory") or self.dirs[""]
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            if (d / name).exists():
                return int((d / name).read_text()) / 2**20
        return None

    def oom_killed(self):
        d = self.dirs.get("memory") or self.dirs[""]
        for name, key in (("memory.oom_control", "oom_kill"), ("memory.events", "oom_kill")):
            if (d / name).exists():
                for line in (d / name).read_text().splitlines():
                    if line.startswith(key + " "):
                        return int(line.split()[1])
        return 0

    def visible(self):
        """{name under the container's /sys/fs/cgroup: host folder}."""
        return {("unified" if k == "" else k): str(v) for k, v in self.dirs.items()}

    def remove(self):
        for d in self.dirs.values():
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


# ------------------------------------------------------------------------------ containers

def run_in_container(rootfs: Path, argv, env, cgroup: Cgroup | None = None, overlay=None,
                     timeout=None, log=None):
    """Run argv inside the image (see container_launch.py). Returns (exit code, seconds)."""
    cfg = {"rootfs": str(rootfs), "overlay": overlay, "argv": argv,
           "env": {"PATH": PATH, "HOME": "/root", "LANG": "C.UTF-8", **env},
           "cgroups": cgroup.visible() if cgroup else None}
    cmd = ["unshare", "--mount", "--pid", "--fork", "--kill-child", "--propagation", "private",
           sys.executable, str(LAUNCH), json.dumps(cfg)]
    start = time.monotonic()
    out = open(log, "ab") if log else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=cgroup.enter if cgroup else None)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # --kill-child: the namespace's first process dies, and with it all
            proc.wait()
            code = "timeout"
    finally:
        if log:
            out.close()
    return code, time.monotonic() - start


def debootstrap(release: str, target: Path, log: Path):
    """A minimal Debian root filesystem (as a slim base image). Returns seconds taken."""
    start = time.monotonic()
    for attempt in (1, 2):  # a download cut short is worth one more try
        with open(log, "ab") as out:
            # in a mount namespace of its own: whatever it mounts in the target goes away with it
            proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "debootstrap",
                                   "--variant=minbase", release, str(target), MIRROR],
                                  stdout=out, stderr=subprocess.STDOUT)
        if proc.returncode == 0:
            break
        if attempt == 2:
            raise RuntimeError(f"debootstrap {release} failed (exit {proc.returncode}); see {log}")
        remove_tree(target)
        target.mkdir()
    shutil.copy("/etc/resolv.conf", target / "etc" / "resolv.conf")
    # the CA bundle of this machine: on a machine whose HTTPS goes through a proxy, pip inside
    # the image must trust what the host trusts (Gradescope's image needs nothing of the kind)
    ca = target / CA_IN_IMAGE.lstrip("/")
    ca.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy("/etc/ssl/certs/ca-certificates.crt", ca)
    return time.monotonic() - start


def unpack_source(zip_path: Path, autograder_dir: Path):
    """The zip in <autograder>/source and run_autograder beside it, as Gradescope lays them."""
    source = autograder_dir / "source"
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(source)
    for name in ("setup.sh", "run_autograder"):
        os.chmod(source / name, 0o755)
    shutil.copy(source / "run_autograder", autograder_dir / "run_autograder")


def du_mb(path: Path):
    out = subprocess.run(["du", "-sxm", str(path)], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


@dataclass
class Image:
    release: str
    rootfs: Path
    debootstrap_seconds: float = 0.0
    build_seconds: float = 0.0
    base_mb: int = 0
    size_mb: int = 0
    python: str = ""
    numpy: str = ""
    log: Path | None = None


def build_image(release: str, workdir: Path, zip_path: Path) -> Image:
    """debootstrap `release`, then Gradescope's build: setup.sh as root, in the image."""
    rootfs = workdir / release / "rootfs"
    rootfs.mkdir(parents=True)
    image = Image(release, rootfs, log=workdir / release / "build.log")
    image.debootstrap_seconds = debootstrap(release, rootfs, image.log)
    image.base_mb = du_mb(rootfs)
    unpack_source(zip_path, rootfs / "autograder")
    env = {"PIP_CERT": CA_IN_IMAGE}
    code, image.build_seconds = run_in_container(rootfs, ["bash", "/autograder/source/setup.sh"], env,
                                                 log=image.log, timeout=1800)
    if code != 0:
        tail = image.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"setup.sh failed in {release} (exit {code}):\n{tail}")
    image.size_mb = du_mb(rootfs)
    versions = subprocess.run(["chroot", str(rootfs), "/opt/nnkit/bin/python", "-c",
                               "import sys, numpy; print(sys.version.split()[0], numpy.__version__)"],
                              capture_output=True, text=True, check=True).stdout.split()
    image.python, image.numpy = versions
    shutil.rmtree(rootfs / "autograder")  # each container gets its own zip's (grade_in_image)
    return image


@dataclass
class Run:
    results: dict | None
    exit_code: object
    seconds: float
    peak_mb: float | None
    oom_kills: int
    stdout: str


def grade_in_image(image: Image, zip_path: Path, files: dict, workdir: Path, metadata: dict | None = None,
                   memory_mb=768, cpus=0.5, timeout=600, env=None) -> Run:
    """One submission in a fresh container of `image`: /autograder laid out as on Gradescope
    (files: {name in submission/: path}), run_autograder as root under the limits."""
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    upper, work, merged = run_dir / "upper", run_dir / "work", run_dir / "merged"
    for d in (upper, work, merged):
        d.mkdir()
    ag = upper / "autograder"
    unpack_source(zip_path, ag)
    (ag / "submission").mkdir()
    (ag / "results").mkdir()
    for name, path in files.items():
        shutil.copy(path, ag / "submission" / name)
    (ag / "submission_metadata.json").write_text(json.dumps(metadata or {}))
    cgroup = Cgroup(memory_mb, cpus)
    log = run_dir / "stdout.txt"
    try:
        code, seconds = run_in_container(image.rootfs, ["/autograder/run_autograder"], env or {}, cgroup,
                                         [str(upper), str(work), str(merged)], timeout=timeout, log=log)
        peak, ooms = cgroup.peak_mb(), cgroup.oom_killed()
    finally:
        cgroup.remove()
    results_file = upper / "autograder" / "results" / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else None
    stdout = log.read_text(errors="replace") if log.exists() else ""
    shutil.rmtree(run_dir)
    return Run(results, code, seconds, peak, ooms, stdout)
