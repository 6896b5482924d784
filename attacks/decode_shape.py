"""Decode leak_shape's channel: every hidden check printing 'wrong shape: got (0, HIGH, LOW)'
carries the 64 bits of the first number of its hidden input.

    .venv/bin/python attacks/decode_shape.py FILE...   (feedback .txt / .results.json / results.json)
"""
import json
import re
import struct
import sys

for path in sys.argv[1:]:
    text = open(path).read()
    if path.endswith(".json"):
        text = "\n".join(f"{t['name']} [{t['visibility']}]: {t['output']}" for t in json.loads(text)["tests"]
                         if "hidden" in t["name"])
    for line in text.splitlines():
        m = re.search(r"got `?\(0, (\d+), (\d+)\)", line)
        if m:
            x = struct.unpack(">d", struct.pack(">Q", (int(m[1]) << 32) | int(m[2])))[0]
            print(f"{path.split('/')[-2]}: {line.strip()[:70]:70s} -> first hidden input {x!r}")
