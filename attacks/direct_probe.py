"""What the sandbox lets student code find (probe_files' probe, run directly, its findings returned).
    .venv/bin/python attacks/direct_probe.py                     # the layer this machine gives (namespaces as root)
    python tests/sandbox_env.py --docker -- .venv/bin/python attacks/direct_probe.py   # Landlock"""
import tempfile
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
FILES = Path(tempfile.mkdtemp())
import sys, json, re
sys.path[:0]=[str(ROOT), str(ROOT / "autograder")]
from autograder.run.sandbox import Sandbox, Limits
src = open(ROOT / "attacks" / "gen3.py").read()
probe = re.search(r"\nPROBE = r'''(.*?)'''", src, re.S).group(1).replace("> 40", "> 15")
cells=["import numpy as np\n_HONEST={}\n"+probe + "\nimport json\ndef found():\n    return json.dumps(_FOUND)\n"]
s=Sandbox(cells, str(FILES), Limits())
s.start()
print(s.confinement[:70])
print(s.call("found", (), {})[0][:3000])
s.kill()
