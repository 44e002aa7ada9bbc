"""The MongoDB target's artifacts: all six for every example, valid JSON in the contract's shapes, JavaScript
that node parses, deterministic, and every read served by an index (from the design, not the text)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from schemac.backends import BuildOptions
from schemac.build import build
from schemac.compiler.design.document.layout import DocumentLayout

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
ARTIFACTS = {"setup.js", "collections.json", "queries.js", "queries.json", "writes.json", "decisions.md"}


def _build(example: Path):  # type: ignore[no-untyped-def]
    result = build(example, "mongodb", BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics]
    return result


@pytest.fixture(scope="module", params=EXAMPLES, ids=[e.stem for e in EXAMPLES])
def built(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return _build(request.param)


def _texts(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {a.path: a.text for a in result.artifacts}


def test_every_artifact_is_written(built) -> None:  # type: ignore[no-untyped-def]
    assert set(_texts(built)) == ARTIFACTS


def test_json_artifacts_parse_and_carry_the_format(built) -> None:  # type: ignore[no-untyped-def]
    texts = _texts(built)
    for name in ("collections.json", "queries.json", "writes.json"):
        doc = json.loads(texts[name])
        assert doc["format"] == "schemac.mongodb/1"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_parses_the_scripts(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    texts = _texts(built)
    for name in ("setup.js", "queries.js"):
        path = tmp_path / name
        path.write_text(texts[name])
        run = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr


def test_every_read_has_a_result_mapping_and_params(built) -> None:  # type: ignore[no-untyped-def]
    patterns = json.loads(_texts(built)["queries.json"])["patterns"]
    names = [q.name for q in built.compilation.model.queries]
    assert patterns
    for p in patterns:
        assert p["kind"] in ("find", "aggregate")
        assert p["result"]["columns"], p["name"]
        assert all(isinstance(x["name"], str) for x in p["params"])
        if p["kind"] == "find":
            assert p["pipeline"] is None and isinstance(p["filter"], dict)
        else:
            assert isinstance(p["pipeline"], list) and p["filter"] is None
    assert [p["name"] for p in patterns] == names


def test_every_read_is_served_by_an_index(built) -> None:  # type: ignore[no-untyped-def]
    layout = built.design.layout
    patterns = json.loads(_texts(built)["queries.json"])["patterns"]
    for p in patterns:
        assert p["index"], f"{p['name']} has no index"
        for f in p["follow_ups"]:
            assert f["index"], f"{f['name']} has no index"
    assert isinstance(layout, DocumentLayout)
    assert all(a.index for a in layout.access)


def test_every_index_named_by_a_read_exists(built) -> None:  # type: ignore[no-untyped-def]
    texts = _texts(built)
    colls = {c["name"]: {ix["name"] for ix in c["indexes"]} | {"_id_"}
             for c in json.loads(texts["collections.json"])["collections"]}
    for p in json.loads(texts["queries.json"])["patterns"]:
        assert p["index"] in colls[p["collection"]], p["name"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_output_is_deterministic(example: Path) -> None:
    assert _texts(_build(example)) == _texts(_build(example))
