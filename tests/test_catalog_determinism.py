"""Migrations will diff two catalogs, so the catalog of a model must not depend on the process that built it:
every example's catalog for every registered target is byte-identical across interpreters with different
hash seeds (set and dict iteration orders differ between them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DUMP = """
import json, sys
from pathlib import Path
from schemac.backends import BACKENDS
from schemac.build import build, options_for
out = {}
for example in sorted(Path("examples").glob("*.sdl")):
    for target in BACKENDS:
        result = build(example, target, options_for(target))
        assert result.ok and result.catalog is not None, (example, target)
        out[f"{example.stem}/{target}"] = result.catalog.model_dump(mode="json")
json.dump(out, sys.stdout, sort_keys=False)
"""


def _dump(seed: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def test_catalogs_do_not_depend_on_the_hash_seed() -> None:
    first, second = _dump("1"), _dump("2")
    assert list(first) == list(second) and len(first) >= 12
    for key in first:
        assert first[key] == second[key], f"{key}: the catalog differs between two interpreters"
    for key, catalog in first.items():  # every target lists what it made
        assert catalog["containers"] and catalog["keys"] and catalog["statements"], key  # type: ignore[index]
