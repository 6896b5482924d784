"""A student's notebook run cell by cell in a real Jupyter kernel, as a front end runs it.

Unlike nbconvert, `run` can send the cell id a JupyterLab front end sends with each cell
(execute_request metadata `cellId`), run cells in any order, and run code that is not in the
saved file (a cell edited but not saved).
"""
import json
import os
import shutil
from pathlib import Path

from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parents[1]


def student_folder(tmp_path, assignment, sample=None):
    """A copy of assignments/<assignment>/, the notebook replaced by a sample if one is named."""
    folder = tmp_path / assignment
    shutil.copytree(ROOT / "assignments" / assignment, folder)
    if sample:
        shutil.copy(ROOT / "solutions" / assignment / "samples" / f"{sample}.ipynb",
                    folder / f"{assignment}.ipynb")
    return folder


def code_cells(nb_path):
    """[(cell id, source)] of the notebook's non-empty code cells."""
    nb = json.loads(Path(nb_path).read_text())
    cells = [(c.get("id"), "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]
    return [(i, s) for i, s in cells if s.strip()]


def text_of(outputs):
    """Everything a person would read in the outputs (HTML rendered as its source)."""
    parts = []
    for out in outputs:
        if out["type"] == "stream":
            parts.append(out["text"])
        elif out["type"] == "data":
            parts.append(out["data"].get("text/html") or out["data"].get("text/plain", ""))
        elif out["type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}\n" + "\n".join(out["traceback"]))
    return "\n".join(parts)


class Kernel:
    def __init__(self, folder):
        self.km = KernelManager(kernel_name="python3")
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # plots inline, as students see them
        self.km.start_kernel(cwd=str(folder), env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, source, cell_id=None, timeout=300):
        """Execute one cell; returns its outputs [{type: stream|data|error, ...}]."""
        content = {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        msg = self.kc.session.msg("execute_request", content,
                                  metadata={"cellId": cell_id} if cell_id else {})
        self.kc.shell_channel.send(msg)
        outputs = []
        while True:
            m = self.kc.get_iopub_msg(timeout=timeout)
            if m["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                continue
            kind, c = m["msg_type"], m["content"]
            if kind == "stream":
                outputs.append({"type": "stream", "name": c["name"], "text": c["text"]})
            elif kind in ("display_data", "execute_result"):
                outputs.append({"type": "data", "data": c["data"]})
            elif kind == "error":
                outputs.append({"type": "error", "ename": c["ename"], "evalue": c["evalue"],
                                "traceback": c["traceback"]})
            elif kind == "status" and c["execution_state"] == "idle":
                return outputs

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
