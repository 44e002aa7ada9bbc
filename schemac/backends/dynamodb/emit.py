"""The DynamoDB emit pipeline: the key-value design rendered as six artifacts and a catalog. Pure."""

from __future__ import annotations

import json

from schemac.backends import Artifact, BuildOptions, EmitResult
from schemac.backends.dynamodb.decisions import render
from schemac.backends.dynamodb.items import FORMAT, entities_doc, writes_doc
from schemac.backends.dynamodb.requests import pattern_entry
from schemac.backends.dynamodb.table import create_table, template
from schemac.catalog import Catalog, Container, Key, Member, Statement
from schemac.compiler.design.keyvalue.encoding import attribute_type
from schemac.compiler.design.keyvalue.layout import KeyValueLayout
from schemac.compiler.design.model import Design


def _json(doc: object) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def emit(design: Design, options: BuildOptions) -> EmitResult:
    layout = design.layout
    assert isinstance(layout, KeyValueLayout)
    billing = getattr(options, "billing", "PAY_PER_REQUEST")
    model = design.model
    patterns = [pattern_entry(model, layout.table.name, a) for a in layout.access]
    artifacts = [
        Artifact("table.json", _json(create_table(layout, billing))),
        Artifact("template.yaml", template(layout, billing, model.settings.name)),
        Artifact("entities.json", _json(entities_doc(model, layout))),
        Artifact("access_patterns.json", _json({"format": FORMAT, "patterns": patterns})),
        Artifact("writes.json", _json(writes_doc(model, layout))),
        Artifact("decisions.md", render(design, layout)),
    ]
    return EmitResult(artifacts=artifacts, describe=lambda: _catalog(design, layout, patterns))


def _catalog(design: Design, layout: KeyValueLayout, patterns: list[dict[str, object]]) -> Catalog:
    model = design.model
    members = [Member(name="PK", type="S", nullable=False), Member(name="SK", type="S", nullable=False),
               Member(name=layout.table.type_attribute, type="S", nullable=False)]
    seen = {"PK", "SK", layout.table.type_attribute}
    for it in layout.entities:
        e = model.entity(it.entity)
        for f in e.stored_fields:
            if f.name not in seen:
                seen.add(f.name)
                members.append(Member(name=f.name, type=attribute_type(f), field=f.name))
    t = layout.table
    keys = [Key(name=t.name, container=t.name, parts=("PK", "SK"), kind="primary")]
    keys += [Key(name=ix.name, container=t.name, parts=(ix.keys.partition_key, ix.keys.sort_key or ""),
                 serves=ix.serves) for ix in layout.indexes]
    statements = [Statement(name=str(p["name"]), kind=str(p.get("operation") or "unserved"),
                            pattern=str(p["name"]), text=json.dumps(p.get("request"), sort_keys=True))
                  for p in patterns]
    return Catalog(target=design.target,
                   containers=(Container(name=t.name, kind="item_table", members=tuple(members)),),
                   keys=tuple(keys), statements=tuple(statements))
