"""Fresh virtual environments from a requirements file, built once and reused while the file is
unchanged (dist/venvs/<name>-<hash of the file and of this Python>/).

A fresh machine (CI) builds each one with exactly the `pip install -r` a user runs, so no install
step is hidden; a second `make test` on the same machine skips the minutes of pip. The folder is
0700 like a test's scratch folder (the Gradescope tests rely on a Python others cannot read).
"""
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "dist" / "venvs"


def cached_venv(name: str, requirements: bytes) -> Path:
    """The python of a venv holding exactly `requirements` (the bytes of a requirements.txt)."""
    key = hashlib.sha256(requirements + sys.version.encode()).hexdigest()[:12]
    CACHE.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE, 0o700)
    venv = CACHE / f"{name}-{key}"
    with open(CACHE / f".{name}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # another pytest run may be building it
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)   # a build that was interrupted
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            (venv / "requirements.txt").write_bytes(requirements)
            proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                   "--disable-pip-version-check", "-r", str(venv / "requirements.txt")],
                                  capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(f"pip install -r {name} requirements failed:\n{proc.stderr[-3000:]}")
            (venv / ".complete").touch()
    for old in CACHE.glob(f"{name}-*"):            # earlier versions of the same requirements
        if old != venv and (old / ".complete").exists():
            shutil.rmtree(old, ignore_errors=True)
    return venv / "bin" / "python"
