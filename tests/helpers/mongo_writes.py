"""An entity's insert template run as an application would: a fresh row (a copy of a live logical row with a
new id and new unique values), the parameters a template may name, and its steps on a database."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from schemac.backends.sql.naming import column_name
from schemac.compiler.model import Entity, FieldKind, ScalarKind
from tests.helpers.mongo_cases import Loaded
from tests.helpers.mongo_mock import bind
from tests.helpers.pg_answers import Row, bucket_start


def fresh_row(ld: Loaded, e: Entity) -> Row:
    """A live row of `e` with a new id and new values for its unique fields and unique keys."""
    base = copy.deepcopy(next(r for r in ld.pg.data.live(e.name)))
    row = dict(base)
    ids = [r["id"] for r in ld.pg.data.of(e.name) if "id" in r]
    if "id" in row:
        row["id"] = uuid.uuid4() if isinstance(row["id"], uuid.UUID) else max(ids) + 1000
    for f in e.stored_fields:
        if f.unique and f.kind is FieldKind.SCALAR and f.scalar is not None:
            if f.scalar.kind is ScalarKind.UUID:
                row[f.name] = uuid.uuid4()
            elif isinstance(row[f.name], str):
                row[f.name] = ("n" + row[f.name])[: f.scalar.length or 255]
    for u in e.uniques:
        _free_key(ld, e, row, u.fields)
    return row


def _free_key(ld: Loaded, e: Entity, row: Row, fields: tuple[str, ...]) -> None:
    """Change one member of a unique key so that no row holds the key: a number past the largest, a longer
    string, or another referenced row of the same tenant."""
    rows = ld.pg.data.of(e.name)
    used = {tuple(r[f] for f in fields) for r in rows}
    if tuple(row[f] for f in fields) not in used:
        return
    for name in reversed(fields):
        f = e.field(name)
        value = row[name]
        scalar = f is not None and f.kind is FieldKind.SCALAR
        if scalar and isinstance(value, int) and not isinstance(value, bool):
            row[name] = max(r[name] for r in rows if r[name] is not None) + 1
            return
        if isinstance(value, str) and f is not None and f.kind is FieldKind.SCALAR and f.scalar is not None \
                and f.scalar.kind is not ScalarKind.ENUM:
            row[name] = ("n" + value)[: f.scalar.length or 255]
            return
        if f is not None and f.kind is FieldKind.REFERENCE and f.target:
            tenant = e.tenant_field.name if e.tenant_field is not None else None
            for candidate in ld.pg.data.live(f.target):
                if tenant and candidate.get(tenant, row.get(tenant)) != row.get(tenant):
                    continue
                key = tuple(candidate["id"] if x == name else row[x] for x in fields)
                if key not in used:
                    row[name] = candidate["id"]
                    return


def write_params(ld: Loaded, e: Entity, row: Row) -> dict[str, Any]:
    """The row under every name a template may use: IR field, column name, flattened value-object columns,
    and the fields it copies from referenced rows (`<path>_<key>`: course_title)."""
    out: dict[str, Any] = {"changes": {f.name: row.get(f.name) for f in e.stored_fields}}  # the audit's
    for spec in ld.spec.get("computed") or []:  # bucket keys of the row (or of its parent the bucket counts)
        source = row if spec["source"] == e.name else _parent(ld, e, row, spec["source"])
        if source is not None:
            for k in spec["keys"]:
                out[k["key"]] = out[f"old_{k['key']}"] = bucket_start(source[k["field"]], k.get("bucket"))
    for copy_ in ld.spec.get("copies") or []:
        if copy_.get("holder") == e.name and copy_.get("mode") == "extended_reference" and row.get(copy_["by"]):
            source = ld.pg.data.by_id(copy_["from"])[row[copy_["by"]]]
            for ir_name, key in copy_["fields"].items():
                out[f"{copy_['path']}_{key}"] = source[ir_name]
    for f in e.stored_fields:
        value = row.get(f.name)
        out[f.name] = value
        out[column_name(f)] = value
        if f.kind is FieldKind.EMBEDDED and isinstance(value, dict):
            for k, v in value.items():
                out[f"{column_name(f)}_{k}"] = v
    return out


def _parent(ld: Loaded, e: Entity, row: Row, entity: str) -> Row | None:
    ref = next((f for f in e.references if f.target == entity), None)
    return ld.pg.data.by_id(entity).get(row[ref.name]) if ref is not None else None


def run_steps(db: Any, write: dict[str, Any], params: dict[str, Any]) -> None:
    for step in write["steps"]:
        coll = db[step["collection"]]
        op = step["op"]
        if op == "insertOne":
            coll.insert_one(bind(step["document"], params))
        elif op in ("updateOne", "updateMany"):
            getattr(coll, "update_one" if op == "updateOne" else "update_many")(
                bind(step["filter"], params), bind(step["update"], params), upsert=bool(step.get("upsert")))
        elif op == "replaceOne":
            coll.replace_one(bind(step["filter"], params), bind(step["document"], params),
                             upsert=bool(step.get("upsert")))
        else:
            raise AssertionError(f"{write['name']}: step op {op!r} is not one an insert template should use")
