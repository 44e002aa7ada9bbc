"""What the DynamoDB proof checks without a server: the CreateTable limits that neither emulator enforces,
and the comparison of a pattern's rows with PostgreSQL's.

Limits (AWS's documented ones; /work/shared/reference/engines.md §3 probes 3, 7, 12, 13, 14): dynalite
checks most of them, moto few, and neither rejects an INCLUDE projection without NonKeyAttributes, so
:func:`table_problems` checks them all, whichever server runs.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tests.helpers.compare import object_keys, project_objects

CREATE_TABLE_KEYS = frozenset({"TableName", "AttributeDefinitions", "KeySchema", "BillingMode",
                               "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput"})
MAX_GSIS = 20
MAX_LSIS = 5
MAX_PROJECTED = 100  # non-key attributes projected into all the indexes of a table together
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


def table_problems(table: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a CreateTable request that the emulators would let through."""
    problems = [f"unexpected key {k!r}" for k in sorted(set(table) - CREATE_TABLE_KEYS)]
    if not NAME.match(str(table.get("TableName", ""))):
        problems.append(f"table name {table.get('TableName')!r}: 3-255 of [A-Za-z0-9_.-]")
    gsis = table.get("GlobalSecondaryIndexes", [])
    lsis = table.get("LocalSecondaryIndexes", [])
    if len(gsis) > MAX_GSIS:
        problems.append(f"{len(gsis)} GSIs, over the limit of {MAX_GSIS}")
    if len(lsis) > MAX_LSIS:
        problems.append(f"{len(lsis)} LSIs, over the limit of {MAX_LSIS}")
    names = [i.get("IndexName", "") for i in (*gsis, *lsis)]
    problems += [f"index name {n!r}: 3-255 of [A-Za-z0-9_.-]" for n in names if not NAME.match(n)]
    problems += [f"index name {n!r} twice" for n, c in Counter(names).items() if c > 1]
    projected = 0
    for index in (*gsis, *lsis):
        projection = index.get("Projection", {})
        kind = projection.get("ProjectionType")
        extra = projection.get("NonKeyAttributes")
        if kind == "INCLUDE" and not extra:
            problems.append(f"{index.get('IndexName')}: ProjectionType is INCLUDE, "
                            "but NonKeyAttributes is not specified")
        if kind != "INCLUDE" and extra is not None:
            problems.append(f"{index.get('IndexName')}: NonKeyAttributes with ProjectionType {kind}")
        projected += len(extra or [])
    if projected > MAX_PROJECTED:
        problems.append(f"{projected} projected non-key attributes over all indexes, over the limit of {MAX_PROJECTED}")
    problems += _key_problems(table, gsis, lsis)
    return problems


def _key_problems(table: Mapping[str, Any], gsis: Sequence[Any], lsis: Sequence[Any]) -> list[str]:
    defined = {d["AttributeName"]: d["AttributeType"] for d in table.get("AttributeDefinitions", [])}
    used = {k["AttributeName"] for i in (table, *gsis, *lsis) for k in i.get("KeySchema", [])}
    problems = [f"key attribute {a!r} is not in AttributeDefinitions" for a in sorted(used - set(defined))]
    problems += [f"AttributeDefinition {a!r} is used by no key" for a in sorted(set(defined) - used)]
    problems += [f"key attribute {a!r} of type {t!r}" for a, t in sorted(defined.items()) if t not in ("S", "N", "B")]
    table_hash = [k["AttributeName"] for k in table.get("KeySchema", []) if k["KeyType"] == "HASH"]
    for lsi in lsis:
        lsi_hash = [k["AttributeName"] for k in lsi.get("KeySchema", []) if k["KeyType"] == "HASH"]
        if lsi_hash != table_hash:
            problems.append(f"{lsi.get('IndexName')}: an LSI shares the table's partition key {table_hash}")
    return problems


# --- comparing rows with PostgreSQL's ---------------------------------------------------------------------


def canon(value: Any) -> Any:
    """One comparable form for a value from either side: uuids and text as text, timestamps as ISO-8601 UTC
    with microseconds, numbers as normalised Decimal text, dates as ISO text, sets and arrays of objects as
    sorted tuples."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)).normalize()
        return "0" if number == 0 else format(number, "f")
    if isinstance(value, set | frozenset):
        return tuple(sorted(canon(v) for v in value))
    if isinstance(value, list | tuple):
        items = tuple(canon(v) for v in value)
        # a JSON array of objects (an include column): compared as a multiset, its order is not declared
        return tuple(sorted(items, key=repr)) if value and all(isinstance(v, dict) for v in value) else items
    if isinstance(value, dict):
        return tuple(sorted((str(k), canon(v)) for k, v in value.items()))
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    text = str(value)
    if ISO.match(text):  # a timestamp inside a JSON column (PostgreSQL: +00:00) or an item (Z)
        return canon(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    return text


def canon_rows(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    return [tuple(canon(row.get(c)) for c in columns) for row in rows]


def difference(ours: Sequence[Mapping[str, Any]], theirs: Sequence[Mapping[str, Any]], columns: Sequence[str],
               ordered: bool) -> str | None:
    """None when the rows agree on ``columns`` (as lists when ``ordered``, else as multisets); else why not."""
    ours = project_objects(ours, object_keys(theirs, columns))
    a, b = canon_rows(ours, columns), canon_rows(theirs, columns)
    if ordered and a == b:
        return None
    if not ordered and Counter(a) == Counter(b):
        return None
    only_a = list((Counter(a) - Counter(b)).elements())
    only_b = list((Counter(b) - Counter(a)).elements())
    order = " (same rows, another order)" if not only_a and not only_b else ""
    differ = sorted({c for x, y in zip(only_a, only_b, strict=False) for c, u, v in zip(columns, x, y, strict=True)
                     if u != v})
    first = ({c: (u, v) for c, u, v in zip(columns, only_a[0], only_b[0], strict=True) if u != v}
             if only_a and only_b else {})
    return (f"DynamoDB gave {len(a)} rows, PostgreSQL {len(b)}{order}; differing columns {differ}\n"
            f"  first difference (DynamoDB, PostgreSQL): {str(first)[:600]}\n"
            f"  only in DynamoDB: {_short(only_a)}\n  only in PostgreSQL: {_short(only_b)}")


def _short(rows: list[tuple[Any, ...]], limit: int = 400) -> str:
    text = f"{len(rows)} rows: {rows[:2]}"
    return text if len(text) <= limit else text[:limit] + "..."
