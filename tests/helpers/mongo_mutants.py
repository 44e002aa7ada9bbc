"""Documents that break one `$jsonSchema` rule each, made from a valid document.

`mutants(schema, doc)` walks the schema alongside a valid document and yields `(rule, broken document)` for
every rule it meets on the way: a required key removed, a value of a type the `bsonType` does not admit, a
value outside the `enum`, one past `minimum` / `maximum`, a string one past `maxLength` (or short of
`minLength`), an extra key where `additionalProperties` is false, and the same inside sub-documents and the
first item of arrays (embedded children, value objects, extended references). Each mutant differs from the
valid document at one place only.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

from bson import Binary, Decimal128, Int64, ObjectId

# one value per bsonType, to find a value of a type a rule does not admit
SAMPLES: dict[str, Any] = {
    "string": "x", "int": 7, "long": Int64(7), "double": 1.5, "decimal": Decimal128("1.5"), "bool": True,
    "date": dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "objectId": ObjectId(), "object": {"k": 1}, "array": [1],
    "binData": Binary(b"\x00" * 16, 0), "null": None,
}
NUMERIC = {"int", "long", "double", "decimal", "number"}


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("bsonType")
    if t is None:
        return set()
    return set(t) if isinstance(t, list) else {t}


def _wrong_value(node: dict[str, Any]) -> Any:
    admitted = _types(node)
    if "number" in admitted:
        admitted |= NUMERIC
    for name, value in SAMPLES.items():
        if name not in admitted and not (name in NUMERIC and admitted & NUMERIC) and name != "null":
            return value
    return None


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(doc)
    cur = out
    for step in path[:-1]:
        cur = cur[step]
    if value is _DELETE:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return out


_DELETE = object()


def mutants(schema: dict[str, Any], doc: Any, path: tuple[Any, ...] = (), where: str = "") -> Iterator[
        tuple[str, Any]]:
    """(rule, document breaking it) for every rule met along `doc` (see the module's docstring)."""
    value: Any = doc
    for step in path:
        value = value[step]
    here = where or "document"
    if _types(schema) and path:
        wrong = _wrong_value(schema)
        if wrong is not None:
            yield f"{here}: bsonType {sorted(_types(schema))}", _set(doc, path, wrong)
    if "enum" in schema and path:
        yield f"{here}: enum", _set(doc, path, "__not_a_member__")
    if isinstance(value, int | float | Decimal128) and not isinstance(value, bool) and path:
        yield from _bounds(schema, doc, path, here, value)
    if isinstance(value, str) and path:
        if "maxLength" in schema:
            yield f"{here}: maxLength {schema['maxLength']}", _set(doc, path, "x" * (int(schema["maxLength"]) + 1))
        if int(schema.get("minLength", 0)) > 0:
            yield f"{here}: minLength {schema['minLength']}", _set(doc, path, "x" * (int(schema["minLength"]) - 1))
    if isinstance(value, dict):
        yield from _object(schema, doc, path, here, value)
    if isinstance(value, list) and value and isinstance(schema.get("items"), dict):
        yield from mutants(schema["items"], doc, (*path, 0), f"{here}[0]")


def _bounds(schema: dict[str, Any], doc: Any, path: tuple[Any, ...], here: str, value: Any) -> Iterator[
        tuple[str, Any]]:
    def like(n: float) -> Any:
        if isinstance(value, Decimal128):
            return Decimal128(str(n))
        return type(value)(n) if not isinstance(value, Int64) else Int64(int(n))

    if "minimum" in schema:
        low = schema["minimum"]
        low = float(low.to_decimal()) if isinstance(low, Decimal128) else low
        yield f"{here}: minimum {low}", _set(doc, path, like(low - 1 if not schema.get("exclusiveMinimum") else low))
    if "maximum" in schema:
        high = schema["maximum"]
        high = float(high.to_decimal()) if isinstance(high, Decimal128) else high
        yield f"{here}: maximum {high}", _set(doc, path, like(high + 1 if not schema.get("exclusiveMaximum")
                                                              else high))


def _object(schema: dict[str, Any], doc: Any, path: tuple[Any, ...], here: str, value: dict[str, Any]) -> Iterator[
        tuple[str, Any]]:
    for key in schema.get("required") or []:
        if key in value:
            yield f"{here}: required {key}", _set(doc, (*path, key), _DELETE)
    if schema.get("additionalProperties") is False:
        yield f"{here}: additionalProperties false", _set(doc, (*path, "__extra__"), 1)
    for key, sub in (schema.get("properties") or {}).items():
        if key in value and isinstance(sub, dict):
            yield from mutants(sub, doc, (*path, key), f"{here}.{key}" if path else key)
