"""setup.js runs under node against a recording stand-in for mongosh's `db`: the first run creates every
collection with its validator and indexes; a second run changes validators by collMod and creates nothing;
an index that already exists is left alone, a missing one is created."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from schemac.backends import BuildOptions
from schemac.build import build

ROOT = Path(__file__).resolve().parent.parent
FAKE = ROOT / "tests" / "helpers" / "fake_mongosh.js"
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _setup(example: Path, tmp: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    result = build(example, "mongodb", BuildOptions())
    texts = {a.path: a.text for a in result.artifacts}
    script = tmp / "setup.js"
    script.write_text(texts["setup.js"])
    return script, json.loads(texts["collections.json"])


def _run(script: Path, state: Path) -> list[dict]:  # type: ignore[type-arg]
    out = subprocess.run(["node", str(FAKE), str(script), str(state)], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_setup_is_idempotent(example: Path, tmp_path: Path) -> None:
    script, collections = _setup(example, tmp_path)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"collections": {}}))
    first = _run(script, state)
    created = {c["name"] for c in first if c["op"] == "createCollection"}
    assert created >= {c["name"] for c in collections["collections"]}
    assert all(c["validator"] for c in first if c["op"] == "createCollection")
    wanted = {(c["name"], ix["name"]) for c in collections["collections"] for ix in c["indexes"]}
    made = {(c["name"], n) for c in first if c["op"] == "createIndexes" for n in c["indexes"]}
    assert made == wanted
    second = _run(script, state)
    assert not [c for c in second if c["op"] in ("createCollection", "createIndexes")]
    assert {c["name"] for c in second if c["op"] == "collMod"} == created


def test_a_missing_index_is_created_and_existing_ones_are_left_alone(tmp_path: Path) -> None:
    script, _ = _setup(ROOT / "examples" / "commerce.sdl", tmp_path)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"collections": {}}))
    _run(script, state)
    data = json.loads(state.read_text())
    orders = data["collections"]["orders"]
    dropped = orders.pop()
    state.write_text(json.dumps(data))
    again = _run(script, state)
    assert [c for c in again if c["op"] == "createIndexes"] == [
        {"op": "createIndexes", "name": "orders", "indexes": [dropped]}]
