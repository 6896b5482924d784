"""Round 5 notebooks: each variant of variants5.py as a submission (the reference notebook with the variant's
definitions in a new cell right after the cell that defines train / train_cnn), named so that the file name
(the identity `make grade` hashes) gets a chosen variant of the hidden checks.

    .venv/bin/python attacks/round5/gen5.py
writes attacks/round5/build/{hw3,hw4}/subs/<variant>_v<k>.ipynb + reference.ipynb + blank.ipynb
"""
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]
import variants5  # noqa: E402
from autograder.grade import variants  # noqa: E402

K = 8
# which problem variant each case is graded on (offline5.py: where a zero output layer crosses 0.5)
PLAN = {
    "hw3": ("hw3_sgd", "def train(", variants5.HW3,
            {"zero_output_layer": [0, 2, 1], "closed_adaptive": [0, 5], "momentum": [5], "shuffle_data_copy": [5],
             "full_set_history": [5], "he_uniform": [5], "std_max_allowed": [5]}),
    "hw4": ("hw4_cnn", "def train_cnn(", variants5.HW4,
            {"w2_zero": [3, 0], "closed_adaptive": [0, 3], "momentum": [3], "glorot_uniform": [3],
             "full_set_history": [3], "cs231n_scale_1e-3": [3]}),
}


def name_for(case, assignment, want):
    for i in range(10_000):
        name = f"{case}_{i}"
        if variants.choose(name, assignment, K) == want:
            return name
    raise RuntimeError


def main():
    for short, (assignment, marker, codes, cases) in PLAN.items():
        subs = HERE / "build" / short / "subs"
        shutil.rmtree(subs, ignore_errors=True)
        subs.mkdir(parents=True)
        samples = ROOT / "solutions" / assignment / "samples"
        for honest in ("reference", "blank"):
            shutil.copy(samples / f"{honest}.ipynb", subs / f"{honest}.ipynb")
        base = json.loads((samples / "reference.ipynb").read_text())
        at = next(i for i, c in enumerate(base["cells"]) if "".join(c["source"]).lstrip().startswith(marker))
        for case, wants in cases.items():
            for want in wants:
                nb = json.loads(json.dumps(base))
                nb["cells"].insert(at + 1, {"cell_type": "code", "metadata": {}, "execution_count": None,
                                            "outputs": [], "source": codes[case]})
                name = name_for(case, assignment, want)
                (subs / f"{name}.ipynb").write_text(json.dumps(nb, indent=1))
                print(short, name, "variant", want)


if __name__ == "__main__":
    main()
