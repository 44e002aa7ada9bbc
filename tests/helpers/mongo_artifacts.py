"""One example built for MongoDB in-process, its JSON artifacts read as an outside tool reads them.

`mongo_artifacts(example)` builds `examples/<example>.sdl` for the `mongodb` target (once per process) and
reads collections.json, queries.json and writes.json with `bson.json_util` (MongoDB Extended JSON: `$date`,
`$numberDecimal`, `$binary` become datetime, Decimal128, Binary). A build that fails, an artifact that is
missing, or a format other than `schemac.mongodb/1` fails with a message saying which.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bson import json_util

from schemac.build import BuildResult, build

ROOT = Path(__file__).resolve().parents[2]
FORMAT = "schemac.mongodb/1"
JSON_OPTIONS = json_util.JSONOptions(tz_aware=True, tzinfo=dt.UTC)  # binData subtype 4 stays Binary
ARTIFACTS = ("setup.js", "collections.json", "queries.js", "queries.json", "writes.json", "decisions.md")


@dataclass(frozen=True)
class MongoArtifacts:
    example: str
    result: BuildResult
    texts: dict[str, str]
    collections: dict[str, Any]
    queries: dict[str, Any]
    writes: dict[str, Any]

    @property
    def patterns(self) -> list[dict[str, Any]]:
        return list(self.queries["patterns"])

    def pattern(self, name: str) -> dict[str, Any]:
        found = next((p for p in self.patterns if p["name"] == name), None)
        if found is None:
            raise AssertionError(f"{self.example}: queries.json has no pattern {name!r}")
        return found

    def collection(self, name: str) -> dict[str, Any]:
        found = next((c for c in self.collections["collections"] if c["name"] == name), None)
        if found is None:
            raise AssertionError(f"{self.example}: collections.json has no collection {name!r}")
        return found


def read_json(text: str, what: str) -> dict[str, Any]:
    data = json_util.loads(text, json_options=JSON_OPTIONS)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AssertionError(f"{what}: format is {data.get('format') if isinstance(data, dict) else data!r}, "
                             f"expected {FORMAT}")
    return data


@functools.cache
def mongo_artifacts(example: str) -> MongoArtifacts:
    result = build(ROOT / "examples" / f"{example}.sdl", "mongodb")
    if not result.ok:
        raise AssertionError(f"{example} does not build for mongodb: {[str(d) for d in result.diagnostics]}")
    texts = {a.path: a.text for a in result.artifacts}
    missing = [a for a in ARTIFACTS if a not in texts]
    if missing:
        raise AssertionError(f"{example}: the mongodb build lacks {missing} (it wrote {sorted(texts)})")
    return MongoArtifacts(example, result, texts,
                          read_json(texts["collections.json"], f"{example} collections.json"),
                          read_json(texts["queries.json"], f"{example} queries.json"),
                          read_json(texts["writes.json"], f"{example} writes.json"))
