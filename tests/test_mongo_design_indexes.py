"""The document design's indexes and validators: ESR order with the tenant first, partial filters MongoDB
accepts, no prefix duplicates, the 64-index limit, TTL and text indexes, and $jsonSchema in MongoDB's dialect."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.backends.mongodb.capabilities import CAPABILITIES
from schemac.compiler.design import design
from schemac.compiler.design.document.layout import Cond, DocumentIndex, DocumentLayout
from schemac.compiler.pipeline import compile_model, compile_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["commerce", "course_platform", "helpdesk"]
# MDB-V01: the keywords MongoDB's $jsonSchema accepts
ALLOWED = {"bsonType", "enum", "type", "allOf", "anyOf", "oneOf", "not", "multipleOf", "maximum",
           "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxProperties",
           "minProperties", "required", "additionalProperties", "properties", "patternProperties", "dependencies",
           "additionalItems", "items", "maxItems", "minItems", "uniqueItems", "title", "description"}
# MDB-I05: operators a partialFilterExpression may use
PARTIAL_OPS = {"$eq", "$exists", "$gt", "$gte", "$lt", "$lte", "$type", "$and"}
BSON_TYPES = {"double", "string", "object", "array", "binData", "objectId", "bool", "date", "null", "regex",
              "int", "timestamp", "long", "decimal", "minKey", "maxKey"}


def _layout(name: str) -> DocumentLayout:
    model = compile_model(ROOT / "examples" / f"{name}.sdl").model
    d, _ = design(model, CAPABILITIES, "mongodb")  # type: ignore[arg-type]
    assert d is not None and isinstance(d.layout, DocumentLayout)
    return d.layout


def _indexes(layout: DocumentLayout) -> list[DocumentIndex]:
    return [ix for c in layout.collections for ix in c.indexes]


@pytest.mark.parametrize("name", EXAMPLES)
def test_partial_filters_use_only_operators_mongodb_accepts(name: str) -> None:
    for ix in _indexes(_layout(name)):
        for key, value in (ix.partial_filter or {}).items():
            assert not key.startswith("$") or key in PARTIAL_OPS
            if isinstance(value, dict):
                assert set(value) <= PARTIAL_OPS, (ix.name, value)
                assert value != {"$exists": False}
            else:
                assert value is not None, f"{ix.name}: equality to null is not a live filter"


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_tenant_leads_every_index_of_a_tenant_scoped_collection(name: str) -> None:
    layout = _layout(name)
    if layout.tenant is None:
        pytest.skip("single-tenant model")
    for c in layout.collections:
        if c.role != "entity" or c.name in ("organizations", "workspaces"):
            continue
        for ix in c.indexes:
            if ix.ttl_seconds is None:  # a TTL index is single-field by definition
                assert ix.keys[0][0] == layout.tenant, (c.name, ix.name)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_filter_of_a_tenant_scoped_read_has_the_tenant_and_the_live_filter(name: str) -> None:
    layout = _layout(name)
    model = compile_model(ROOT / "examples" / f"{name}.sdl").model
    assert model is not None
    for q, a in zip(model.queries, layout.access, strict=True):
        e = model.entity(q.entity)
        paths = {(c.path, c.op) for c in a.filter}
        if e.tenant_field is not None:
            assert (layout.tenant, "eq") in paths, q.name
        owner = a.stages[0].filter if a.stages and a.stages[0].kind == "element" else a.filter
        if e.soft_delete and a.collection not in {c.collection for c in layout.computed}:
            assert any(c.op == "live" for c in owner) or any(c.op == "live" for c in a.filter), q.name


@pytest.mark.parametrize("name", EXAMPLES)
def test_reads_follow_equality_sort_range(name: str) -> None:
    layout = _layout(name)
    by_name = {(c.name, ix.name): ix for c in layout.collections for ix in c.indexes}
    for a in layout.access:
        ix = by_name.get((a.collection, a.index or ""))
        if ix is None or a.kind != "find" or any(k[1] == "text" for k in ix.keys):
            continue
        keys = [k for k, _ in ix.keys]
        eq = {c.path for c in a.filter if c.op == "eq" and c.param is not None}
        ranges = [c.path for c in a.filter if c.op in ("lt", "lte", "gt", "gte")]
        sort = [k for k, _ in a.sort]
        positions = {k: i for i, k in enumerate(keys)}
        assert all(k in positions for k in eq), (a.pattern, keys)
        last_eq = max((positions[k] for k in eq), default=-1)
        for k in sort:
            if k in positions and k not in eq:
                assert positions[k] > last_eq, (a.pattern, keys)
        for k in ranges:
            if k in positions and k not in sort:
                assert all(positions[k] > positions[s] for s in sort if s in positions), (a.pattern, keys)


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_index_is_a_prefix_of_another(name: str) -> None:
    for c in _layout(name).collections:
        for a in c.indexes:
            for b in c.indexes:
                if a is b or a.unique or a.ttl_seconds is not None or a.partial_filter != b.partial_filter:
                    continue
                assert b.keys[:len(a.keys)] != a.keys or len(b.keys) == len(a.keys), (c.name, a.name, b.name)


def test_unique_indexes_hold_among_live_documents_and_serve_lookups() -> None:
    layout = _layout("course_platform")
    users = layout.collection("users")
    assert users is not None
    ix = next(i for i in users.indexes if i.unique)
    assert ix.partial_filter == {"deleted_at": {"$type": "null"}}
    assert "user_by_email" in ix.serves  # the read states the same filter, so it uses the index
    a = next(x for x in layout.access if x.pattern == "user_by_email")
    assert a.index == ix.name and Cond(path="deleted_at", op="live") in a.filter


def test_ttl_and_text_indexes() -> None:
    layout = _layout("helpdesk")
    sessions = layout.collection("sessions")
    tickets = layout.collection("tickets")
    assert sessions is not None and tickets is not None
    ttl = [ix for ix in sessions.indexes if ix.ttl_seconds is not None]
    assert [(ix.keys, ix.ttl_seconds) for ix in ttl] == [((("expires_at", 1),), 0)]
    text = [ix for ix in tickets.indexes if "text" in dict(ix.keys).values()]
    assert [ix.keys for ix in text] == [(("workspace_id", 1), ("subject", "text"))]


def test_constant_predicates_are_partial_indexes_the_query_implies() -> None:
    layout = _layout("helpdesk")
    a = next(x for x in layout.access if x.pattern == "team_queue")
    tickets = layout.collection("tickets")
    ix = next(i for i in tickets.indexes if i.name == a.index)  # type: ignore[union-attr]
    # live documents only, and only the open tickets: both stated by the read
    assert ix.partial_filter == {"deleted_at": {"$type": "null"}, "status": "open"}
    assert Cond(path="status", op="eq", value="open") in a.filter and Cond(path="deleted_at", op="live") in a.filter


def test_unique_keys_of_embedded_elements_skip_parents_without_elements() -> None:
    orders = _layout("commerce").collection("orders")
    assert orders is not None
    ix = next(i for i in orders.indexes if i.keys == (("payments.provider_ref", 1),))
    assert ix.unique and ix.multikey and ix.partial_filter == {"payments.provider_ref": {"$type": "string"}}


def test_more_than_64_indexes_on_one_collection_is_an_error() -> None:
    fields = "\n".join(f"  f{i} int" for i in range(70))
    queries = "\n".join(f"query q{i} {{\n  from Thing\n  where f{i} = ?\n  rate 1/s\n}}" for i in range(70))
    comp = compile_text(f"model m {{\n  deletes hard\n}}\nentity Thing {{\n{fields}\n}}\n{queries}\n")
    assert comp.model is not None
    _, diags = design(comp.model, CAPABILITIES, "mongodb")
    assert [x.code for x in diags if x.code == "SC0441"] == ["SC0441"]


def _walk(schema: object, path: str = "$") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(schema, dict):
        for k, v in schema.items():
            out.append((path, k))
            if k == "properties" and isinstance(v, dict):
                for name, sub in v.items():
                    out += _walk(sub, f"{path}.{name}")
            elif k in ("items", "not") or k in ("allOf", "anyOf", "oneOf"):
                for sub in v if isinstance(v, list) else [v]:
                    out += _walk(sub, f"{path}[{k}]")
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_validators_use_mongodb_keywords_and_bson_types_only(name: str) -> None:
    for c in _layout(name).collections:
        if c.validator is None:
            continue
        schema = c.validator.json_schema["$jsonSchema"]
        for where, keyword in _walk(schema):
            assert keyword in ALLOWED, (c.name, where, keyword)
        for where, keyword in _walk(schema):
            assert keyword not in ("format", "$ref", "default", "type"), (c.name, where)
        assert c.validator.level == "strict" and c.validator.action == "error"
        _check_types(schema, c.name)


def _check_types(schema: object, where: str) -> None:
    if isinstance(schema, dict):
        bt = schema.get("bsonType")
        for t in bt if isinstance(bt, list) else [bt] if bt else []:
            assert t in BSON_TYPES, (where, t)
        for v in schema.values():
            _check_types(v, where)
    elif isinstance(schema, list):
        for v in schema:
            _check_types(v, where)


def test_validator_types_bounds_and_nesting() -> None:
    orders = _layout("commerce").collection("orders")
    assert orders is not None and orders.validator is not None
    props = orders.validator.json_schema["$jsonSchema"]["properties"]  # type: ignore[index]
    assert props["_id"] == {"bsonType": "long"} and props["total"] == {"bsonType": "decimal"}
    assert props["number"] == {"bsonType": "string", "maxLength": 20}
    assert props["shipping_address"]["bsonType"] == "object"
    items = props["line_items"]["items"]["properties"]
    assert items["quantity"] == {"bsonType": "int", "minimum": 1, "maximum": 1000}
    assert props["paid_at"] == {"bsonType": ["date", "null"]}
    users = _layout("course_platform").collection("users")
    assert users is not None and users.validator is not None
    uprops = users.validator.json_schema["$jsonSchema"]["properties"]  # type: ignore[index]
    assert uprops["_id"] == {"bsonType": "binData"}
    assert uprops["role"] == {"bsonType": "string", "enum": ["student", "instructor", "admin"]}
    assert uprops["deleted_at"] == {"bsonType": ["date", "null"]}
