"""The MongoDB report's migration section gives each large collection's indexes in their online form: real
mongosh (node parses it), with the key document, `unique`, the partial filter and the TTL lifetime
(`expireAfterSeconds`) the index has, read from the catalog."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from schemac.build import build
from schemac.report import render_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = tuple(p.stem for p in sorted((ROOT / "examples").glob("*.sdl")))


@pytest.mark.parametrize("example", EXAMPLES)
def test_online_index_forms_are_mongosh(example: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "node is missing: scripts/test.sh installs nodejs"
    result = build(ROOT / "examples" / f"{example}.sdl", "mongodb")
    text = render_report(result, today=date(2026, 12, 1))
    lines = [line for line in text.splitlines() if line.startswith("db.getCollection(") and "createIndexes([" in line]
    assert lines, "the migration section lists no online index form"
    script = tmp_path / "online.js"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    collections = json.loads(next(a.text for a in result.artifacts if a.path == "collections.json"))["collections"]
    indexes = {ix["name"]: ix for c in collections for ix in c["indexes"]}
    for line in lines:
        name = line.split('name: "', 1)[1].split('"', 1)[0]
        ix = indexes[name]
        key = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(d)}" for k, d in ix["key"]) + "}"
        assert f"key: {key}," in line
        assert ("unique: true" in line) == bool(ix.get("unique"))
        pfe = ix.get("partialFilterExpression")
        assert (f"partialFilterExpression: {json.dumps(pfe)}" in line) if pfe else "partialFilterExpression" not in line
        ttl = ix.get("expireAfterSeconds")
        assert (line.endswith(f", expireAfterSeconds: {ttl}}}]);") if ttl is not None
                else "expireAfterSeconds" not in line), line


def test_a_ttl_index_keeps_its_lifetime_online() -> None:
    """helpdesk's sessions expire (`@expires`): the online form is the TTL index setup.js creates, lifetime
    included (without it createIndexes would build a plain index and nothing would ever expire)."""
    result = build(ROOT / "examples" / "helpdesk.sdl", "mongodb")
    text = render_report(result, today=date(2026, 12, 1))
    ttl = [line for line in text.splitlines() if "createIndexes([" in line and "expireAfterSeconds" in line]
    assert ttl == ['db.getCollection("sessions").createIndexes([{key: {"expires_at": 1}, name: "expires_at_1", '
                   'expireAfterSeconds: 0}]);'], ttl
    key = next(k for k in result.catalog.keys if k.name == "expires_at_1")  # type: ignore[union-attr]
    assert (key.method, key.expire_after_seconds) == ("ttl", 0)
