#!/usr/bin/env bash
# Gradescope path: the zip's run_autograder as root in a scratch /autograder tree (test_gradescope_path's env).
# usage: attacks/round4/gs4.sh CASE   (prints rc, peak RSS of any process below it, results.json score)
cd "$(dirname "$0")/../.."
HERE=$PWD; c=$1; root=$(mktemp -d /tmp/h4gs-XXXXXX)/autograder
mkdir -p "$root/submission" && (cd "$root" && mkdir source && cd source && unzip -q "$HERE/dist/hw2_backprop/autograder.zip")
chmod 755 "$root/source/run_autograder" "$root/source/setup.sh"
cp "attacks/round4/build/$c/subs/$c.ipynb" "$root/submission/hw2_backprop.ipynb"
env -i PATH="$PATH" AUTOGRADER_ROOT="$root" NNKIT_PYTHON="$PWD/.venv/bin/python" \
  .venv/bin/python -c "import resource,subprocess,sys;r=subprocess.run(['bash','$root/source/run_autograder'],capture_output=True);print(r.stderr[-600:].decode());print('rc',r.returncode,'peak RSS of a child MB',resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss//1024)"
.venv/bin/python -c "import json;d=json.load(open('$root/results/results.json'));print('score',d['score']);[print(t['name'],'|',t['output'][:160].replace(chr(10),' ')) for t in d['tests'] if 'hidden' in t['name'] and 'OverflowError' in t.get('output','')][:3]"
rm -rf "$(dirname "$root")"
