"""The index of a Gradescope "Export Submissions" zip: submission_metadata.yml.

Used by `make grade` only (PyYAML is the project's, not the autograder zip's).
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml


class _TolerantLoader(yaml.SafeLoader):
    """Gradescope writes its index from Ruby: tags such as !ruby/object are read as plain data."""


def _plain(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_TolerantLoader.add_multi_constructor("!", _plain)
_TolerantLoader.add_multi_constructor("tag:", _plain)


def read_gradescope_metadata(path: Path) -> dict:
    """{submission folder: {"name", "email", "sid", "submitters": [{"name", "sid", "email"}]}}
    from an export's submission_metadata.yml ("name", "email" and "sid" are the first
    submitter's; the file also holds Gradescope's results and history, which are not read)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), Loader=_TolerantLoader)
    except yaml.YAMLError as exc:
        print(f"warning: {path} could not be read ({exc}); rows will have no names", file=sys.stderr)
        return {}
    people = {}
    for folder, entry in (data or {}).items() if isinstance(data, dict) else ():
        if not isinstance(entry, dict):
            continue
        submitters = entry.get(":submitters") or entry.get("submitters") or []
        found = []
        for person in submitters if isinstance(submitters, list) else []:
            if isinstance(person, dict):
                found.append({f: str(person.get(f":{f}", person.get(f))) for f in ("name", "email", "sid")
                              if person.get(f":{f}", person.get(f)) not in (None, "")})
        meta = dict(found[0]) if found else {}
        if found:
            meta["submitters"] = found
        people[str(folder)] = meta
    return people
