"""The MongoDB emitter: Design (document layout) -> setup.js, collections.json, queries.js, queries.json,
writes.json, and a catalog of what was emitted. Pure: it renders the layout's typed records, deciding
nothing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from schemac.backends.mongodb.collections import collections_json, setup_js
from schemac.backends.mongodb.queries import access_js, queries_js, queries_json, writes_json
from schemac.compiler.design.document.layout import DocumentLayout

if TYPE_CHECKING:
    from schemac.backends import BuildOptions, EmitResult
    from schemac.catalog import Catalog
    from schemac.compiler.design.model import Design


def emit(design: Design, options: BuildOptions) -> EmitResult:
    from schemac.backends import Artifact, EmitResult

    layout = design.layout
    if not isinstance(layout, DocumentLayout):
        raise TypeError(f"the MongoDB backend needs a document layout, not {layout.family}")
    model = design.model.settings.name
    artifacts = [Artifact("setup.js", setup_js(design, layout)),
                 Artifact("collections.json", collections_json(design, layout)),
                 Artifact("queries.js", queries_js(model, layout)),
                 Artifact("queries.json", queries_json(layout)),
                 Artifact("writes.json", writes_json(layout))]
    return EmitResult(artifacts=artifacts, diagnostics=[], describe=lambda: build_catalog(design, layout))


def build_catalog(design: Design, layout: DocumentLayout) -> Catalog:
    from schemac.catalog import Catalog, Container, Key, Member, Param, Statement

    containers, keys = [], []
    for c in layout.collections:
        props = {}
        if c.validator is not None:
            props = c.validator.json_schema.get("$jsonSchema", {}).get("properties", {})  # type: ignore[union-attr]
        required = set(c.validator.json_schema.get("$jsonSchema", {}).get("required", ())) if c.validator else set()  # type: ignore[union-attr]
        members = tuple(Member(name=k, type=_bson(v), nullable=k not in required or "null" in _types(v))
                        for k, v in props.items())
        role = {"entity": "entity", "history": "history", "audit": "audit", "link": "junction"}.get(c.role, "other")
        containers.append(Container(name=c.name, kind="collection", role=role, entity=c.entities[0],  # type: ignore[arg-type]
                                    members=members))
        keys.append(Key(name="_id_", container=c.name, parts=("_id",), kind="primary"))
        for ix in c.indexes:
            keys.append(Key(name=ix.name, container=c.name, parts=tuple(k for k, _ in ix.keys),
                            descending=tuple(d == -1 for _, d in ix.keys), kind="unique" if ix.unique else "index",
                            method="text" if "text" in dict(ix.keys).values() else
                            ("ttl" if ix.ttl_seconds is not None else ""),
                            definition=", ".join(f"{json.dumps(k)}: {json.dumps(d)}" for k, d in ix.keys),
                            where=json.dumps(ix.partial_filter, default=str) if ix.partial_filter else "",
                            expire_after_seconds=ix.ttl_seconds,
                            serves=ix.serves))
    statements = []
    for a in layout.access:
        statements.append(Statement(name=a.pattern, kind=a.kind, pattern=a.pattern,
                                    params=tuple(Param(name=n, type=t, nullable=nl) for n, t, nl in a.params),
                                    text=access_js(a)))
    return Catalog(target=design.target, containers=tuple(containers), keys=tuple(keys),
                   statements=tuple(statements))


def _types(v: object) -> list[str]:
    bt = v.get("bsonType") if isinstance(v, dict) else None
    return [str(x) for x in bt] if isinstance(bt, list) else [str(bt)]


def _bson(v: object) -> str:
    return "|".join(t for t in _types(v) if t != "null")
