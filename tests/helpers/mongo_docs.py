"""MongoDB documents built from logical rows through collections.json, as an outside tool would build them.

`build_documents(collections_json, data)` reads only the artifact's `entities` / `copies` / `relations` /
`computed` mappings
(contract-mongodb.md) and the logical rows of tests/helpers/pg_answers.py:

* a stored entity (`"collection": "courses"`) gives one document per row: each IR field under the document key
  its `fields` map names (dotted keys make sub-documents), the collection's `type_field` set to the entity's
  `type_values` entry when several entities share it;
* an embedded entity (`embedded_in`) goes into each parent document at `path`: every child whose `by`
  reference holds the parent's id, ordered by `order` (then by id) and cut at `limit` (a subset, whose
  elements use `element_fields`); soft-deleted children stay only when the element mapping keeps
  `deleted_at`; children embedded in embedded children follow the same way, at any depth;
* a copy (`extended_reference`) puts the `from` row that the holder's `by` reference names under `path`, with
  the copied fields; a `computed` copy is the holder row's own maintained value, or the `count` of its live
  children;
* a many-to-many relation is an id array on the owner (`id_array`, from the junction entity's rows) or a
  link collection;
* a computed bucket collection (`computed`) has one document per tenant and bucket keys, over the live source
  rows; a history collection (`"role": "history"`) one version per row: `{entity_id, valid_from, document}`.

Values are encoded the way MongoDB stores them (`encode`): uuids as binData subtype 4, decimals and money as
Decimal128, `bigint` as int64, dates as midnight UTC dates, value objects as sub-documents. An absent value
(None) is stored as null only where the collection's `$jsonSchema` admits null at that path; otherwise the key
is left out. A mapping that names an unknown entity, field or collection fails with a message naming it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from bson import Binary, Decimal128, Int64

from schemac.compiler.model import Entity, Field, FieldOrigin, Model, ScalarKind
from tests.helpers.pg_answers import LogicalData, Row, bucket_start

Doc = dict[str, Any]


class MappingError(AssertionError):
    """collections.json cannot be followed (an unknown entity, field, collection or mode)."""


# --- values ---------------------------------------------------------------------------------------------------


def encode(value: Any, f: Field | None = None) -> Any:
    """A logical value as MongoDB stores it (`f`, when known, tells a bigint from an int)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, uuid.UUID):
        return Binary.from_uuid(value)
    if isinstance(value, decimal.Decimal):
        return Decimal128(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, int):
        wide = f is not None and f.scalar is not None and f.scalar.kind is ScalarKind.BIGINT
        return Int64(value) if wide or not -(2**31) <= value < 2**31 else value
    if isinstance(value, list | tuple):
        return [encode(v, f) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def prune(value: Any, schema: dict[str, Any] | None, path: str) -> Any:
    """A value object's sub-document without the nulls its schema does not admit (at any depth)."""
    if not isinstance(value, dict):
        return value
    return {k: prune(v, schema, f"{path}.{k}") for k, v in value.items()
            if v is not None or admits_null(schema, f"{path}.{k}")}


def set_path(doc: Doc, path: str, value: Any) -> None:
    """`doc[a][b] = value` for the dotted `path` "a.b" (sub-documents made on the way)."""
    *heads, last = path.split(".")
    for h in heads:
        doc = doc.setdefault(h, {})
    doc[last] = value


def get_path(doc: Any, path: str) -> Any:
    """The value at a dotted path; None when a step is missing. A step into an array maps over its items."""
    cur = doc
    for step in path.split("."):
        if isinstance(cur, list):
            cur = [get_path(item, step) for item in cur]
        elif isinstance(cur, dict):
            cur = cur.get(step)
        else:
            return None
    return cur


def admits_null(schema: dict[str, Any] | None, path: str) -> bool:
    """Whether the `$jsonSchema` lets `path` hold null (an unknown path: not said, so not)."""
    node: Any = schema
    for step in path.split("."):
        if not isinstance(node, dict):
            return False
        if node.get("bsonType") == "array" or "items" in node:
            node = node.get("items")
            if not isinstance(node, dict):
                return False
        node = (node.get("properties") or {}).get(step)
    if not isinstance(node, dict):
        return False
    types = node.get("bsonType")
    types = types if isinstance(types, list) else [types]
    return "null" in types or (node.get("type") == "null") or None in node.get("enum", [0])


# --- the builder ----------------------------------------------------------------------------------------------


class DocumentBuilder:
    """Documents per collection from the logical rows (see the module's docstring)."""

    def __init__(self, spec: dict[str, Any], data: LogicalData) -> None:
        self.spec = spec
        self.data = data
        self.model: Model = data.model
        self.collections = {c["name"]: c for c in spec.get("collections", [])}
        self.entities: dict[str, dict[str, Any]] = spec.get("entities") or {}
        self.copies: list[dict[str, Any]] = spec.get("copies") or []
        self.relations: list[dict[str, Any]] = spec.get("relations") or []
        for name in self.entities:
            self._entity(name)
        self._children: dict[str, list[str]] = defaultdict(list)
        for name, m in self.entities.items():
            if m.get("embedded_in"):
                self._children[m["embedded_in"]["entity"]].append(name)
        self._by_ref: dict[tuple[str, str], dict[Any, list[Row]]] = {}

    # -- lookups -----------------------------------------------------------------------------------------
    def _entity(self, name: str) -> Entity:
        try:
            return self.model.entity(name)
        except KeyError:
            raise MappingError(f"collections.json maps {name!r}, which the model has no entity for") from None

    def _field(self, e: Entity, name: str) -> Field:
        f = e.field(name)
        if f is None:
            raise MappingError(f"collections.json maps {e.name}.{name}, which the entity does not have")
        return f

    def _schema(self, collection: str) -> dict[str, Any] | None:
        c = self.collections.get(collection)
        if c is None:
            raise MappingError(f"collections.json maps documents to {collection!r}, which it does not declare")
        return (c.get("validator") or {}).get("$jsonSchema")

    def _rows_by(self, entity: str, ref: str) -> dict[Any, list[Row]]:
        key = (entity, ref)
        if key not in self._by_ref:
            self._field(self._entity(entity), ref)
            grouped: dict[Any, list[Row]] = defaultdict(list)
            for r in self.data.of(entity):
                grouped[r[ref]].append(r)
            self._by_ref[key] = grouped
        return self._by_ref[key]

    # -- documents -----------------------------------------------------------------------------------------
    def build(self) -> dict[str, list[Doc]]:
        out: dict[str, list[Doc]] = {name: [] for name in self.collections}
        for name, m in self.entities.items():
            coll = m.get("collection")
            if coll is None:
                if not m.get("embedded_in"):
                    raise MappingError(f"{name}: neither a collection nor embedded_in")
                continue
            schema = self._schema(coll)
            for row in self.data.of(name):
                out[coll].append(self.document(name, row, schema, top=coll))
        for rel in self.relations:
            if rel.get("mode") == "link_collection":
                out.setdefault(rel["collection"], []).extend(self._links(rel))
        for spec in self.spec.get("computed") or []:
            out.setdefault(spec["collection"], []).extend(self._buckets(spec))
        for c in self.collections.values():
            if c.get("role") == "history":
                out[c["name"]].extend(self._history(c))
        return out

    def _history(self, c: dict[str, Any]) -> list[Doc]:
        """A history collection's documents: each row's current document as its first version
        ({entity_id, valid_from: created_at, document})."""
        out = []
        for name in c["entities"]:
            coll = self.entities[name].get("collection")
            schema = self._schema(coll) if coll else None
            for row in self.data.of(name):
                out.append({"entity_id": encode(row["id"], self._field(self._entity(name), "id")),
                            "valid_from": row["created_at"],
                            "document": self.document(name, row, schema, top=coll)})
        return out

    def document(self, entity: str, row: Row, schema: dict[str, Any] | None, *, top: str | None = None,
                 prefix: str = "", fields: dict[str, str] | None = None) -> Doc:
        """One entity's (sub-)document: its fields (`fields`, else the entity's map), type tag, embedded
        children, copies and id arrays."""
        e = self._entity(entity)
        m = self.entities[entity]
        doc: Doc = {}
        for ir_name, key in (fields if fields is not None else m.get("fields") or {}).items():
            value = encode(row[ir_name] if ir_name in row else self._missing(e, ir_name), self._field(e, ir_name))
            self._put(doc, key, value, schema, prefix)
        if top is not None:
            c = self.collections[top]
            if c.get("type_field"):
                values = c.get("type_values") or {}
                if entity not in values:
                    raise MappingError(f"{top}: type_values has no value for {entity}")
                doc[c["type_field"]] = values[entity]
        for child in self._children.get(entity, []):
            self._embed(doc, child, row, schema, prefix)
        for copy in self.copies:
            if copy.get("holder") == entity:
                self._copy(doc, copy, row, schema, prefix)
        for rel in self.relations:
            if rel.get("owner") == entity and rel.get("mode") == "id_array":
                doc[rel["path"]] = self._id_array(rel, row)
        return doc

    def _missing(self, e: Entity, name: str) -> Any:
        raise MappingError(f"collections.json maps {e.name}.{name}, which its logical rows do not carry")

    def _put(self, doc: Doc, key: str, value: Any, schema: dict[str, Any] | None, prefix: str) -> None:
        if value is None and not admits_null(schema, prefix + key):
            return
        set_path(doc, key, prune(value, schema, prefix + key))

    def _embed(self, doc: Doc, child: str, parent: Row, schema: dict[str, Any] | None, prefix: str) -> None:
        m = self.entities[child]
        how = m["embedded_in"]
        fields = m.get("element_fields") or m.get("fields") or {}  # a subset's elements have their own map
        keep_deleted = "deleted_at" in fields
        rows = [r for r in self._rows_by(child, how["by"]).get(parent["id"], [])
                if keep_deleted or r.get("deleted_at") is None]
        rows = order_rows(rows, how.get("order") or [])
        if how.get("limit") is not None:
            rows = rows[: int(how["limit"])]
        sub = prefix + how["path"] + "."
        items = [self.document(child, r, schema, prefix=sub, fields=fields) for r in rows]
        if how.get("many", True):
            set_path(doc, how["path"], items)
        elif items:
            set_path(doc, how["path"], items[0])

    def _copy(self, doc: Doc, copy: dict[str, Any], row: Row, schema: dict[str, Any] | None, prefix: str) -> None:
        mode = copy.get("mode")
        if mode == "computed" and copy.get("field") is None:
            how = copy.get("count")
            if not how:
                raise MappingError(f"computed {copy.get('holder')}.{copy.get('path')}: neither field nor count")
            children = self._rows_by(how["child"], how["via"]).get(row["id"], [])
            live = [r for r in children if not how.get("live_only") or r.get("deleted_at") is None]
            self._put(doc, copy["path"], len(live), schema, prefix)
            return
        if mode == "computed":
            self._put(doc, copy["path"], encode(row[copy["field"]]), schema, prefix)
            return
        if mode != "extended_reference":
            raise MappingError(f"copy into {copy.get('holder')}.{copy.get('path')}: unknown mode {mode!r}")
        ref = row.get(copy["by"])
        if ref is None:
            return
        source = self.data.by_id(copy["from"]).get(ref)
        if source is None:
            raise MappingError(f"{copy['holder']}.{copy['by']} = {ref!r}: no {copy['from']} row")
        e = self._entity(copy["from"])
        sub: Doc = {}
        for ir_name, key in copy["fields"].items():
            value = encode(source[ir_name], self._field(e, ir_name))
            if value is not None or admits_null(schema, f"{prefix}{copy['path']}.{key}"):
                set_path(sub, key, value)
        set_path(doc, copy["path"], sub)

    def _buckets(self, spec: dict[str, Any]) -> list[Doc]:
        """Computed bucket documents: one per distinct (tenant, keys) over the live source rows matching
        `where`, each value a count or a sum; a bucket is the start of the UTC quarter or ISO week."""
        e = self._entity(spec["source"])
        fields = (self.entities.get(spec["source"]) or {}).get("fields") or {}
        by_key = {key: ir for ir, key in fields.items()}
        where = {by_key.get(k, k): v for k, v in (spec.get("where") or {}).items()}
        tenant = e.tenant_field.name if e.tenant_field is not None else None
        schema = self._schema(spec["collection"])
        groups: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
        for r in self.data.live(e.name):
            if all(r.get(f) == v for f, v in where.items()):
                groups[tuple([r[tenant]] if tenant else []) + tuple(
                    bucket_start(r[k["field"]], k.get("bucket")) for k in spec["keys"])].append(r)
        out = []
        for values, rows in sorted(groups.items(), key=lambda kv: repr(kv[0])):
            doc: Doc = {}
            keys = ([fields[tenant]] if tenant else []) + [k["key"] for k in spec["keys"]]
            for key, value in zip(keys, values, strict=True):
                self._put(doc, key, encode(value), schema, "")
            for v in spec["values"]:
                self._put(doc, v["key"], encode(aggregate(v, rows, by_key)), schema, "")
            out.append(doc)
        return out

    def _junction(self, owner: str, field: str) -> tuple[Entity, Field, Field]:
        for j in self.model.entities:
            if j.junction and j.owner_field is not None and j.owner_field.target == owner:
                refs = [f for f in j.stored_fields if f.origin is FieldOrigin.JUNCTION]
                other = [f for f in refs if f is not j.owner_field]
                owner_f = self.model.entity(owner).field(field)
                if other and owner_f is not None and owner_f.target == other[0].target:
                    return j, j.owner_field, other[0]
        raise MappingError(f"relation {owner}.{field}: the model has no junction entity for it")

    def _id_array(self, rel: dict[str, Any], row: Row) -> list[Any]:
        j, own, other = self._junction(rel["owner"], rel["field"])
        links = self._rows_by(j.name, own.name).get(row["id"], [])
        return [encode(r[other.name], other) for r in order_rows(links, [])]

    def _links(self, rel: dict[str, Any]) -> Iterable[Doc]:
        j, _own, _other = self._junction(rel["owner"], rel["field"])
        schema = self._schema(rel["collection"])
        for r in self.data.of(j.name):
            doc: Doc = {}
            for ir_name, key in rel["fields"].items():
                self._put(doc, key, encode(r[ir_name], self._field(j, ir_name)), schema, "")
            yield doc


def aggregate(v: dict[str, Any], rows: list[Row], by_key: dict[str, str]) -> Any:
    """A computed value over the rows of one bucket: count, or sum/min/max of an IR field (or document key)."""
    if v["func"] == "count":
        return len(rows)
    field = v["path"] if v["path"] in rows[0] else by_key.get(v["path"], v["path"])
    values = [r[field] for r in rows if r.get(field) is not None]
    funcs = {"sum": sum, "min": min, "max": max}
    if v["func"] not in funcs:
        raise MappingError(f"computed value {v['key']}: function {v['func']!r} is not one the builder knows")
    return funcs[v["func"]](values) if values or v["func"] == "sum" else None


def order_rows(rows: list[Row], order: list[list[Any]]) -> list[Row]:
    """Rows sorted by `[[field, 1|-1], ...]` then by id (or every value) ascending; None sorts first."""
    def plain(v: Any) -> Any:
        return (v is not None, v if v is not None else 0)

    tie = "id" if rows and "id" in rows[0] else "created_at"
    out = sorted(rows, key=lambda r: plain(r.get(tie)))
    for name, direction in reversed(order):
        out.sort(key=lambda r, n=name: plain(r.get(n)), reverse=direction == -1)
    return out


def build_documents(spec: dict[str, Any], data: LogicalData) -> dict[str, list[Doc]]:
    return DocumentBuilder(spec, data).build()
