"""A MongoDB pattern's result documents compared with the PostgreSQL target's rows for the same parameters.

Both sides are first made plain (`plain`): uuids (binData subtype 4, `uuid.UUID` or their text) as text,
numbers (int, float, Decimal, Decimal128) as the shortest decimal text, instants (datetime, or the ISO text
that PostgreSQL's json gives inside an include) in UTC at millisecond precision (what BSON keeps), dates as
midnight UTC instants, documents and arrays item by item. Absent and null are the same.

`result_rows(pattern, docs)` reads each PostgreSQL column out of a result document through the pattern's
`result.columns` (a dotted path) and `result.arrays` (an include column, PostgreSQL's json_agg: the array's
path and, per dotted JSON key of an element, the path inside the element; compared as multisets);
`pg_rows(pattern, rows)` keeps the columns the pattern returns, and fails on a column (or an include's key)
neither returned nor listed in `omitted`.

`compare(...)` then says how the two lists differ, as a list of problems (empty when equal):

* same number of rows;
* unordered (`ordered` false): the same rows as multisets; when the PostgreSQL answer is cut by the limit,
  any `limit` matches are right, so each PostgreSQL row must be among the MongoDB pattern's unlimited result;
* ordered: the sequence of sort values is the same (the sort keys that the result returns), and the rows
  with equal sort values (ties) are the same multisets, group by group; at a cut, the last group holds any of
  the tied rows, so its PostgreSQL rows must be among the MongoDB pattern's unlimited result. A total order
  (an id among the sort keys) makes every group one row: a list comparison.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from collections import Counter
from typing import Any

from bson import Binary, Decimal128
from bson.binary import UUID_SUBTYPE

from tests.helpers.compare import object_keys, project_objects
from tests.helpers.mongo_docs import get_path

_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?)?$")


def _instant(t: dt.datetime) -> str:
    t = t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)
    t = t.replace(microsecond=t.microsecond // 1000 * 1000)
    return "t:" + t.isoformat(timespec="milliseconds")


def _number(d: decimal.Decimal) -> str:
    if not d.is_finite():
        return "n:" + str(d)
    text = format(d.normalize(), "f")
    return "n:" + ("0" if text in ("-0", "0") else text)


def plain(v: Any) -> Any:
    """A value in the one form both sides are compared in (see the module's docstring)."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, Binary) and v.subtype == UUID_SUBTYPE:
        return "u:" + str(v.as_uuid())
    if isinstance(v, uuid.UUID):
        return "u:" + str(v)
    if isinstance(v, Decimal128):
        return _number(v.to_decimal())
    if isinstance(v, decimal.Decimal):
        return _number(v)
    if isinstance(v, int | float):
        return _number(decimal.Decimal(str(v)))
    if isinstance(v, dt.datetime):
        return _instant(v)
    if isinstance(v, dt.date):
        return _instant(dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC))
    if isinstance(v, str):
        return _text(v)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items() if x is not None}
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    if isinstance(v, bytes):
        return "b:" + v.hex()
    return v


def _text(v: str) -> str:
    if _INSTANT.match(v):
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return v
        return _instant(t)
    try:
        return "u:" + str(uuid.UUID(v)) if len(v) == 36 else v
    except ValueError:
        return v


def key(row: Any) -> str:
    """A hashable, order-independent form of a plain row."""
    return json.dumps(row, sort_keys=True, default=str)


# --- columns ---------------------------------------------------------------------------------------------------


def _omitted(spec: dict[str, Any]) -> set[str]:
    out = set()
    for o in spec.get("omitted") or []:
        out.add(o if isinstance(o, str) else o.get("column") or o.get("name"))
    return out


def _read(doc: Any, how: Any) -> Any:
    if isinstance(how, str):
        return plain(get_path(doc, how))
    value = get_path(doc, how["path"])
    if value is None:
        return [] if how.get("many", True) else None
    items = value if isinstance(value, list) else [value]
    inner = how.get("columns") or {}
    got = [{c: _read(item, p) for c, p in inner.items()} for item in items]
    got = [{c: x for c, x in g.items() if x is not None} for g in got]
    if not how.get("ordered"):
        got.sort(key=key)
    return got if isinstance(value, list) else got[0]


def _pg_include(value: Any, how: dict[str, Any]) -> Any:
    inner = how.get("columns") or {}
    skip = _omitted(how)
    items = value if isinstance(value, list) else ([] if value is None else [value])
    keys = {k for item in items if isinstance(item, dict) for k in _flat_keys(item)}
    unknown = sorted(k for k in keys - set(inner) - skip if not any(k.startswith(s + ".") for s in skip))
    if unknown:
        raise AssertionError(f"include {how['path']}: keys {unknown} are neither in its columns nor omitted")
    got = [{c: plain(_pg_value(get_path(item, c), inner[c])) for c in inner} for item in items]
    got = [{c: x for c, x in g.items() if x is not None} for g in got]
    if not how.get("ordered"):
        got.sort(key=key)
    return got if isinstance(value, list) or value is None else got[0]


def _flat_keys(item: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys of a JSON object's leaves (`product.name`); a list counts as a leaf."""
    out = []
    for k, v in item.items():
        if isinstance(v, dict) and v:
            out += _flat_keys(v, f"{prefix}{k}.")
        else:
            out.append(prefix + k)
    return out


def _pg_value(value: Any, how: Any) -> Any:
    return _pg_include(value, how) if isinstance(how, dict) else value


def _columns(pattern: dict[str, Any]) -> dict[str, Any]:
    """`result.columns`, with each `result.arrays` entry as an include spec (its path and element columns)."""
    columns: dict[str, Any] = dict(pattern["result"]["columns"])
    prefix_omitted = _omitted(pattern) | _omitted(pattern["result"])
    for name, arr in (pattern["result"].get("arrays") or {}).items():
        columns[name] = {"path": arr["path"], "columns": arr.get("columns") or {}, "ordered": arr.get("ordered"),
                         "omitted": [o[len(name) + 1:] for o in prefix_omitted if o.startswith(name + ".")]}
    return columns


def result_rows(pattern: dict[str, Any], docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each result document as {PostgreSQL column: plain value}, through `result.columns` and `arrays`."""
    columns = _columns(pattern)
    return [{c: _read(d, how) for c, how in columns.items()} for d in docs]


def pg_rows(pattern: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The PostgreSQL rows reduced to the columns the pattern returns, made plain (a column a follow-up
    fills is compared with that follow-up's documents, by `pattern_against_postgres`)."""
    columns = _columns(pattern)
    skip = _omitted(pattern) | _omitted(pattern["result"])
    if rows:
        unknown = sorted(set(rows[0]) - set(columns) - skip)
        if unknown:
            raise AssertionError(f"{pattern['name']}: queries.sql columns {unknown} are neither in result.columns "
                                 "nor in result.omitted")
        missing = sorted(set(columns) - set(rows[0]))
        if missing:
            raise AssertionError(f"{pattern['name']}: result.columns names {missing}, which queries.sql "
                                 f"does not return (it returns {sorted(rows[0])})")
    out = []
    for r in rows:
        out.append({c: (_pg_include(r[c], how) if isinstance(how, dict) else plain(r[c]))
                    for c, how in columns.items()})
    return out


def on_pg_keys(pattern: dict[str, Any], rows: list[dict[str, Any]],
               answer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (from `result_rows`) with each include's objects cut to the keys PostgreSQL's objects carry in
    ``answer`` (its raw rows; a dotted key `product.name` by its first part), as the DynamoDB proof does
    (tests/helpers/compare.py): an id PostgreSQL's design does not store (SC-KEY-05) is compared on neither side.
    An unordered include's objects are sorted again after the cut."""
    columns = _columns(pattern)
    includes = [c for c, how in columns.items() if isinstance(how, dict)]
    top = object_keys(answer, includes)
    seen = {c: {k for r in rows for item in (r.get(c) or []) if isinstance(item, dict) for k in item}
            for c in top}
    cut = project_objects(rows, {c: {k for k in seen[c] if k.split(".")[0] in top[c]} for c in top})
    for r in cut:
        for c in top:
            if isinstance(r.get(c), list) and not columns[c].get("ordered"):
                r[c] = sorted(r[c], key=key)
    return cut


def sort_columns(pattern: dict[str, Any], sort: list[tuple[str, int]]) -> list[str]:
    """The result columns holding the sort keys, in order, as far as the result returns them."""
    by_path = {how: c for c, how in pattern["result"]["columns"].items() if isinstance(how, str)}
    out = []
    for path, _direction in sort:
        if path not in by_path:
            break
        out.append(by_path[path])
    return out


# --- comparing -------------------------------------------------------------------------------------------------


def compare(pg: list[dict[str, Any]], mongo: list[dict[str, Any]], unlimited: list[dict[str, Any]], *,
            ordered: bool, sort_keys: list[str], limit: int | None) -> list[str]:
    """How the MongoDB rows differ from the PostgreSQL rows (see the module's docstring); [] when equal."""
    if len(pg) != len(mongo):
        return [f"{len(mongo)} rows, PostgreSQL has {len(pg)}", *_diff(pg, mongo)]
    cut = limit is not None and len(pg) >= limit
    pool = Counter(key(r) for r in unlimited)
    if not ordered or not sort_keys:
        if not cut:
            return _diff(pg, mongo)
        missing = [r for r in pg if pool[key(r)] == 0]
        return [f"a PostgreSQL row the MongoDB pattern does not find: {r}" for r in missing[:3]]
    seq_pg = [[r.get(k) for k in sort_keys] for r in pg]
    seq_mongo = [[r.get(k) for k in sort_keys] for r in mongo]
    if seq_pg != seq_mongo:
        first = next(i for i, (a, b) in enumerate(zip(seq_pg, seq_mongo, strict=True)) if a != b)
        return [f"order differs at row {first}: sort values {seq_mongo[first]}, PostgreSQL has {seq_pg[first]} "
                f"(sort keys {sort_keys})"]
    problems: list[str] = []
    groups = _groups(seq_pg)
    for n, (lo, hi) in enumerate(groups):
        if cut and n == len(groups) - 1:
            problems += [f"a row tied at the cut that the MongoDB pattern does not find: {r}"
                         for r in pg[lo:hi] if pool[key(r)] == 0][:3]
        else:
            problems += _diff(pg[lo:hi], mongo[lo:hi])
    return problems


def _groups(seq: list[list[Any]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    lo = 0
    for i in range(1, len(seq) + 1):
        if i == len(seq) or seq[i] != seq[lo]:
            out.append((lo, i))
            lo = i
    return out


def _diff(pg: list[dict[str, Any]], mongo: list[dict[str, Any]]) -> list[str]:
    a, b = Counter(key(r) for r in pg), Counter(key(r) for r in mongo)
    only_pg, only_mongo = list((a - b).elements()), list((b - a).elements())
    out = [f"only in PostgreSQL: {r}" for r in only_pg[:2]] + [f"only in MongoDB: {r}" for r in only_mongo[:2]]
    if only_pg and only_mongo:
        out.append("first differing columns: " + ", ".join(_columns_differing(json.loads(only_pg[0]),
                                                                             json.loads(only_mongo[0]))))
    return out


def _columns_differing(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [f"{c}: {a.get(c)!r} vs {b.get(c)!r}" for c in sorted(set(a) | set(b)) if a.get(c) != b.get(c)]
