"""How values are written into DynamoDB items and keys: the attribute type per IR field, the item type
names, and the encodings that make string sort keys sort like the values (DDB-K04).

Plain data and small pure functions, read by the key-value planner and by the DynamoDB backend (which
renders `KEY_ENCODINGS` into entities.json), so that both sides agree on one definition.
"""

from __future__ import annotations

from schemac.compiler.model import Entity, Field, FieldKind, FieldOrigin, Scalar, ScalarKind
from schemac.compiler.naming import snake

# encoding name -> what a key hole holds (entities.json "encodings")
KEY_ENCODINGS: dict[str, str] = {
    "plain": "the value as text (a uuid in canonical lower-case form, an enum member, a string as is)",
    "timestamp": "ISO-8601 UTC with microseconds and Z: 2026-01-31T09:05:00.000000Z (sorts as time)",
    "date": "ISO-8601 date: 2026-01-31",
    "int": "the integer plus 2^63, zero-padded to 20 digits (sorts numerically, negatives included)",
    "uint": "a non-negative integer zero-padded to 10 digits (the field's check forbids negatives)",
    "decimal": "a non-negative decimal with its scale's digits, zero-padded to 20 characters: "
               "00000000000000012.50",
    "bool": "true or false",
    "shard": "write sharding: the CRC-32 of the item's id (as text, UTF-8) modulo the entity's shard count",
    "week": "the ISO-8601 UTC timestamp of the week's start (Monday 00:00), as `timestamp`",
    "month": "the ISO-8601 UTC timestamp of the month's start, as `timestamp`",
    "quarter": "the ISO-8601 UTC timestamp of the quarter's start, as `timestamp`",
    "day": "the ISO-8601 UTC timestamp of the day's start, as `timestamp`",
    "year": "the ISO-8601 UTC timestamp of the year's start, as `timestamp`",
    "hour": "the ISO-8601 UTC timestamp of the hour's start, as `timestamp`",
}

# a NULL in a key hole (entities.json "null_in_key")
NULL_IN_KEY: dict[str, str] = {
    "sort": "~ (after every encoded value: NULLs sort last ascending and first descending, as in PostgreSQL)",
    "partition": "leave the key attribute pair out: the item is not in that index (no equality matches NULL)",
}

# attribute value encodings (entities.json attributes[...]["encoding"])
VALUE_ENCODINGS: dict[str, str] = {
    "plain": "S: the value as text; N: the number as text",
    "timestamp": "S: ISO-8601 UTC with microseconds and Z",
    "date": "S: ISO-8601 date",
    "epoch": "N: seconds since 1970-01-01 UTC with six decimals (the TTL attribute, DDB-T02)",
    "json": "S: the JSON text",
    "map": "M: one member per field of the value type (absent when null)",
    "list": "L: the elements in order",
    "edges": "not stored on the item: an adjacency list of edge items (DDB-R06)",
}

_NUMBER = frozenset({ScalarKind.SMALLINT, ScalarKind.INT, ScalarKind.BIGINT, ScalarKind.FLOAT,
                     ScalarKind.DECIMAL})


def type_name(entity: str) -> str:
    """The item type: `QuizAttempt` -> `QUIZ_ATTEMPT` (the type attribute and the key prefixes)."""
    return snake(entity).upper()


def attribute_type(f: Field) -> str:
    """The DynamoDB attribute type of a stored field: S, N, BOOL, M (value type) or L (list)."""
    if f.kind is FieldKind.EMBEDDED:
        return "M"
    if f.kind is FieldKind.LIST:
        return "L"
    if f.kind is FieldKind.REFERENCE or f.scalar is None:
        return "S"
    if f.scalar.kind is ScalarKind.BOOL:
        return "BOOL"
    if f.expires:
        return "N"
    return "N" if f.scalar.kind in _NUMBER else "S"


def value_encoding(f: Field) -> str:
    if f.kind is FieldKind.EMBEDDED:
        return "map"
    if f.kind is FieldKind.LIST:
        return "list"
    if f.expires:
        return "epoch"
    kind = f.scalar.kind if f.scalar is not None else None
    if kind is ScalarKind.TIMESTAMP:
        return "timestamp"
    if kind is ScalarKind.DATE:
        return "date"
    if kind is ScalarKind.JSON:
        return "json"
    return "plain"


def key_encoding(e: Entity, name: str) -> str:
    """How field `name` of `e` is written into a key (a `<name>` hole); `name|week` is a bucket."""
    if "|" in name:
        return name.split("|", 1)[1]
    if name == "shard":
        return "shard"
    f = e.field(name)
    if f is None or f.kind is not FieldKind.SCALAR or f.scalar is None or f.origin is FieldOrigin.ID:
        return "plain"  # ids and references alike: an id hole and a reference hole to it must match
    return _scalar_key(f, f.scalar)


def _scalar_key(f: Field, s: Scalar) -> str:
    if s.kind is ScalarKind.TIMESTAMP:
        return "timestamp"
    if s.kind is ScalarKind.DATE:
        return "date"
    if s.kind is ScalarKind.BOOL:
        return "bool"
    if s.kind in (ScalarKind.SMALLINT, ScalarKind.INT, ScalarKind.BIGINT):
        return "uint" if _non_negative(f) and s.kind is not ScalarKind.BIGINT else "int"
    if s.kind in (ScalarKind.DECIMAL, ScalarKind.FLOAT):
        return "decimal"
    return "plain"


def _non_negative(f: Field) -> bool:
    for c in f.checks:
        low = c.low if c.kind == "range" else c.value if c.op in (">=", ">") else None
        if isinstance(low, int | float) and not isinstance(low, bool) and low >= 0:
            return True
    return False


def key_width(e: Entity, name: str) -> int:
    """Worst-case bytes of one encoded key hole (DDB-K05); strings count 4 bytes per character."""
    enc = key_encoding(e, name)
    fixed = {"timestamp": 27, "date": 10, "int": 20, "uint": 10, "decimal": 20, "bool": 5}
    if enc in fixed or "|" in name:
        return fixed.get(enc, 27)
    f = e.field(name)
    if f is None or f.kind is FieldKind.REFERENCE or f.name == "id":
        return 36  # a uuid's text (a bigint's is shorter)
    s = f.scalar
    if s is None:
        return 36
    if s.kind is ScalarKind.UUID:
        return 36
    if s.kind is ScalarKind.ENUM:
        return max((len(v) for v in s.values), default=1)
    return 4 * (s.length or 1024) if s.kind in (ScalarKind.STRING, ScalarKind.EMAIL) else 4 * 1024


def holes(template: str) -> list[str]:
    """The `<name>` holes of a key template, in order."""
    out, rest = [], template
    while "<" in rest:
        _head, rest = rest.split("<", 1)
        name, rest = rest.split(">", 1)
        out.append(name)
    return out
