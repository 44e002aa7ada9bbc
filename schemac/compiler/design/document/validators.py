"""One `$jsonSchema` validator per collection, in MongoDB's dialect only (MDB-V01..V05): `bsonType`, never
`type`, `format`, `$ref` or `default`; `required`; enums; numeric bounds from checks; `maxLength` from
`string(n)`; nested objects for value types, extended references and embedded children; arrays with item
schemas. UUIDs are binData (subtype 4 by convention: $jsonSchema cannot name a subtype), money decimal,
timestamps date."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document.keys import doc_key, element_key
from schemac.compiler.design.document.layout import Computed, Copy, Embedding, Relation
from schemac.compiler.model import Entity, Field, FieldKind, FieldOrigin, ScalarKind

BSON = {ScalarKind.UUID: "binData", ScalarKind.STRING: "string", ScalarKind.TEXT: "string",
        ScalarKind.SMALLINT: "int", ScalarKind.INT: "int", ScalarKind.BIGINT: "long",
        ScalarKind.DECIMAL: "decimal", ScalarKind.FLOAT: "double", ScalarKind.BOOL: "bool",
        ScalarKind.DATE: "date", ScalarKind.TIMESTAMP: "date", ScalarKind.JSON: "object",
        ScalarKind.BYTES: "binData", ScalarKind.EMAIL: "string", ScalarKind.URL: "string",
        ScalarKind.ENUM: "string"}
_NUMBERS = ("int", "long", "decimal", "double")


def id_bson(ctx: Ctx, entity: str) -> str:
    e = ctx.entity(entity)
    pk = e.field(e.primary_key[0]) if e.primary_key else None
    return BSON[pk.scalar.kind] if pk is not None and pk.scalar is not None else "binData"


def scalar_schema(ctx: Ctx, f: Field) -> dict[str, object]:
    s = f.scalar
    if f.kind is FieldKind.REFERENCE:
        out: dict[str, object] = {"bsonType": id_bson(ctx, f.target or "")}
    elif f.kind is FieldKind.EMBEDDED and f.target is not None:
        out = object_schema(ctx, ctx.model.value_type(f.target).fields, element=True)
    elif f.kind is FieldKind.LIST and s is not None:
        out = {"bsonType": "array", "items": _leaf(s, f)}
    elif s is not None:
        out = _leaf(s, f)
    else:
        out = {"bsonType": "object"}
    if s is not None and s.kind is ScalarKind.JSON:
        out = {"bsonType": ["object", "array"]}
    if f.optional or f.origin is FieldOrigin.DELETED_AT:
        bt = out.get("bsonType")
        out["bsonType"] = [*(bt if isinstance(bt, list) else [bt]), "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]  # type: ignore[list-item]
    return out


def _leaf(s, f: Field) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out: dict[str, object] = {"bsonType": BSON[s.kind]}
    if s.kind is ScalarKind.ENUM:
        out["enum"] = list(s.values)
    if s.kind is ScalarKind.STRING and s.length:
        out["maxLength"] = s.length
    if BSON[s.kind] in _NUMBERS:
        for c in f.checks:
            _bounds(out, c)
    if s.kind is ScalarKind.TEXT:
        for c in f.checks:
            if c.kind == "length" and c.op in ("<=", "<") and isinstance(c.value, (int, float)):
                out["maxLength"] = int(c.value) - (1 if c.op == "<" else 0)
    return out


def _number(v: object) -> object:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _bounds(out: dict[str, object], c) -> None:  # type: ignore[no-untyped-def]
    """Numeric bounds; exclusive ones are booleans beside maximum/minimum (MDB-V04)."""
    _raw_bounds(out, c)
    for k in ("minimum", "maximum"):
        if k in out:
            out[k] = _number(out[k])
    if "not" in out:
        out["not"] = {"enum": [_number(v) for v in out["not"]["enum"]]}  # type: ignore[index]


def _raw_bounds(out: dict[str, object], c) -> None:  # type: ignore[no-untyped-def]
    if c.kind == "range":
        if isinstance(c.low, (int, float)):
            out["minimum"] = c.low
        if isinstance(c.high, (int, float)):
            out["maximum"] = c.high
    elif c.kind == "compare" and isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
        if c.op in (">=", ">"):
            out["minimum"] = c.value
            if c.op == ">":
                out["exclusiveMinimum"] = True
        elif c.op in ("<=", "<"):
            out["maximum"] = c.value
            if c.op == "<":
                out["exclusiveMaximum"] = True
        elif c.op == "!=":
            out["not"] = {"enum": [c.value]}


def object_schema(ctx: Ctx, fields: tuple[Field, ...], *, element: bool = False,
                  skip: frozenset[str] = frozenset()) -> dict[str, object]:
    props: dict[str, object] = {}
    required: list[str] = []
    for f in fields:
        if f.name in skip or not f.is_stored:
            continue
        key = element_key(f) if element else doc_key(f)
        props[key] = scalar_schema(ctx, f)
        required.append(key)
    out: dict[str, object] = {"bsonType": "object", "required": required, "properties": props}
    return out


def entity_schema(ctx: Ctx, e: Entity, embeds: list[Embedding], copies: list[Copy], relations: list[Relation],
                  *, element: Embedding | None = None) -> dict[str, object]:
    skip = frozenset()
    if element is not None and element.mode == "embed":
        skip = frozenset(f.name for f in e.fields if f.name == element.by or f.origin is FieldOrigin.TENANT)
    elif element is not None:
        skip = frozenset(f.name for f in e.fields if f.origin is FieldOrigin.TENANT)
    schema = object_schema(ctx, e.fields, element=element is not None, skip=skip)
    props: dict[str, object] = schema["properties"]  # type: ignore[assignment]
    required: list[str] = schema["required"]  # type: ignore[assignment]
    for c in copies:
        if c.holder != e.name:
            continue
        if c.mode == "extended_reference":
            source = ctx.entity(c.source or "")
            sub = {key: scalar_schema(ctx, f) for name, key in c.fields if (f := source.field(name)) is not None}
            optional = (f := e.field(c.by or "")) is not None and f.optional
            props[c.path] = {"bsonType": ["object", "null"] if optional else "object", "properties": sub}
        elif c.path not in props:
            props[c.path] = {"bsonType": ["int", "long"], "minimum": 0}
            required.append(c.path)
    for r in relations:
        if r.owner == e.name and r.mode == "id_array" and r.path:
            props[r.path] = {"bsonType": "array", "items": {"bsonType": id_bson(ctx, r.target)}, "uniqueItems": True}
            required.append(r.path)
    if element is None:
        for emb in embeds:
            if emb.parent != e.name:
                continue
            child = ctx.entity(emb.entity)
            item = entity_schema(ctx, child, [], copies, [], element=emb)
            arr: dict[str, object] = {"bsonType": "array", "items": item}
            if emb.mode == "subset" and emb.limit:
                arr["maxItems"] = emb.limit
            props[emb.path] = arr
            required.append(emb.path)
    return schema


def history_schema(ctx: Ctx, e: Entity) -> dict[str, object]:
    """@versioned: one document per replaced version: the entity's id, when it stopped being current, and the
    version as it was (validated when it was current)."""
    return {"bsonType": "object", "required": ["entity_id", "valid_from", "document"],
            "properties": {"entity_id": {"bsonType": id_bson(ctx, e.name)}, "valid_from": {"bsonType": "date"},
                           "document": {"bsonType": "object"}}}


def computed_schema(ctx: Ctx, c: Computed) -> dict[str, object]:
    """Bucket documents: their keys (a bucket's start is a date) and their counts and sums."""
    e = ctx.entity(c.source)
    props: dict[str, object] = {}
    if e.tenant_field is not None:
        props[doc_key(e.tenant_field)] = {"bsonType": id_bson(ctx, e.tenant_field.target or "")}
    for key, field, bucket in c.keys:
        f = e.field(field)
        props[key] = {"bsonType": "date"} if bucket or f is None else scalar_schema(ctx, f)
    for key, func, path in c.values:
        source = next((f for f in e.stored_fields if doc_key(f) == path), None)
        if func == "count" or source is None or source.scalar is None:
            props[key] = {"bsonType": ["int", "long"]}
        else:
            props[key] = {"bsonType": BSON[source.scalar.kind]}
    return {"bsonType": "object", "required": list(props), "properties": props}
