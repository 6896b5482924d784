#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the grading image: on any Debian or Ubuntu
# base image (checked: Debian 11 with Python 3.9, Debian 13 with Python 3.13; see the README).
# It uses the image's own python3 (3.9 or newer; the newest python3.X from apt if python3 is
# older) and installs requirements.txt, wheels only, into /opt/nnkit, readable by the user that
# runs students' code. Nothing from this zip but the requirements lands there.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV=/opt/nnkit
MIN_MINOR=9   # Python 3.9 is the oldest with pinned wheels in requirements.txt

# The one place that lists what the image needs from apt, besides Python itself.
APT_PACKAGES=(ca-certificates)

py_minor() {  # the minor version of the Python 3 interpreter $1; 0 if it is none
    "$1" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else 0)' 2>/dev/null || echo 0
}

apt-get update
apt-get install -y --no-install-recommends python3 "${APT_PACKAGES[@]}"

PY=python3
if [ "$(py_minor python3)" -lt "$MIN_MINOR" ]; then
    # an old default python3 (Ubuntu 20.04's 3.8): the newest python3.X the archive has
    PY=""
    for minor in 14 13 12 11 10 9; do
        if apt-cache show "python3.$minor-venv" >/dev/null 2>&1; then PY="python3.$minor"; break; fi
    done
    [ -n "$PY" ] || { echo "setup.sh: no Python 3.$MIN_MINOR or newer in this image's apt archive" >&2; exit 1; }
    apt-get install -y --no-install-recommends "$PY"
fi
echo "setup.sh: grading with $("$PY" --version 2>&1) ($(command -v "$PY"))"

rm -rf "$VENV"
if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    # Debian and Ubuntu keep venv's ensurepip in a package of its own, named after the version
    rm -rf "$VENV"
    apt-get install -y --no-install-recommends "python3.$(py_minor "$PY")-venv"
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/pip" install --no-cache-dir --disable-pip-version-check --only-binary=:all: --no-deps \
    -r "$HERE/requirements.txt"
"$VENV/bin/pip" check  # every dependency is pinned in requirements.txt for this Python
"$VENV/bin/python" -c 'import numpy, matplotlib; print("setup.sh: numpy", numpy.__version__, "matplotlib", matplotlib.__version__)'
chmod -R a+rX "$VENV"
apt-get clean
rm -rf /var/lib/apt/lists/*
