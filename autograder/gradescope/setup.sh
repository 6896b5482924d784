#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the grading image (Ubuntu 22.04).
# The grading environment lives in /opt/nnkit, readable by the unprivileged user that runs
# students' code; nothing in it comes from this zip but the pinned requirements.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3.11 python3.11-venv
python3.11 -m venv /opt/nnkit
/opt/nnkit/bin/pip install --no-cache-dir -r /autograder/source/requirements.txt
