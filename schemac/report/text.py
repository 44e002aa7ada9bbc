"""Text the report prints: numbers, sizes and rates in human units, and IR nodes written back as SDL."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta

from schemac.compiler.model import (
    Const,
    Field,
    FieldKind,
    Include,
    OrderKey,
    Param,
    Predicate,
    Query,
    SelectItem,
    Write,
)
from schemac.diagnostics import Span

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Words:
    """How a family names what the report talks about: its containers, their members, its schema file."""

    container: str  # table | collection
    member: str  # column | field | attribute
    schema: str  # what the schema artifact is: DDL, a setup script
    references: str  # the header of the per-container reference count


# keyed by the design's family (Capabilities.family), never by target
WORDS: dict[str, Words] = {
    "relational": Words("table", "column", "DDL", "Foreign keys"),
    "document": Words("collection", "field", "setup script", "References"),
    "key_value": Words("table", "attribute", "table definitions", "References"),
}


def words(family: str) -> Words:
    return WORDS.get(family, WORDS["relational"])


# -- numbers ----------------------------------------------------------------------------------------------


def count(n: float | None) -> str:
    """1234 -> 1.2k, 5000000 -> 5M, 2.5 -> 2.5, None -> n/a."""
    if n is None:
        return "n/a"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{_short(n / size)}{suffix}"
    return _short(n)


def _short(x: float) -> str:
    if x >= 100 or float(x).is_integer():
        return f"{x:.0f}"
    return f"{x:.1f}".rstrip("0").rstrip(".") if x >= 10 else f"{x:.2f}".rstrip("0").rstrip(".")


def counted(n: float, noun: str, plural_form: str | None = None) -> str:
    """`1 row`, `2.5 rows`, `3 enum checks`."""
    return f"{count(n)} {noun if n == 1 else plural_form or noun + 's'}"


def size(n: float | None) -> str:
    """Bytes in binary units: 1536 -> 1.5 KiB."""
    if n is None:
        return "n/a"
    for unit, suffix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= unit:
            return f"{_short(n / unit)} {suffix}"
    return f"{n:.0f} B"


def rate(per_s: float | None) -> str:
    """Per second in the most readable unit: 200 -> 200/s, 1/60 -> 1/min, 1/86400 -> 1/day."""
    if per_s is None:
        return "n/a"
    for factor, unit in ((1, "s"), (60, "min"), (3600, "h"), (86400, "day")):
        if per_s * factor >= 1 or unit == "day":
            return f"{count(per_s * factor)}/{unit}"
    return f"{per_s}/s"


def months(m: float) -> str:
    if m % 12 == 0 and m >= 12:
        years = int(m // 12)
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{m:g} month{'s' if m != 1 else ''}"


def add_months(start: date, m: float) -> date:
    """`start` plus `m` months: whole calendar months (the day clamped to the month's length), then the
    fraction as days of an average month."""
    whole = math.floor(m)
    year, month = divmod(start.month - 1 + whole, 12)
    day = min(start.day, calendar.monthrange(start.year + year, month + 1)[1])
    return date(start.year + year, month + 1, day) + timedelta(days=round((m - whole) * DAYS_PER_MONTH))


def where(span: Span | None) -> str:
    """`file:line` of a span."""
    return f"{span.file}:{span.line}" if span else "(generated)"


def anchor(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


# -- names ------------------------------------------------------------------------------------------------


# -- IR written back as SDL -------------------------------------------------------------------------------


def field_type(f: Field) -> str:
    if f.kind in (FieldKind.REFERENCE, FieldKind.EMBEDDED):
        text = str(f.target)
    elif f.kind is FieldKind.MANY:
        text = f"{f.target}[]"
    elif f.scalar is None:
        text = f.kind.value
    else:
        s = f.scalar
        kind = s.kind.value
        if s.is_money:
            text = "money"
        elif kind == "string" and s.length:
            text = f"string({s.length})"
        elif kind == "decimal" and s.precision:
            text = f"decimal({s.precision}, {s.scale or 0})"
        elif kind == "enum":
            text = f"enum({', '.join(s.values)})"
        else:
            text = kind
        if f.kind is FieldKind.LIST:
            text = f"list<{text}>"
    return text + ("?" if f.optional else "")


def value(v: Param | Const | None) -> str:
    if v is None:
        return ""
    if isinstance(v, Param):
        return "?" if v.name == f"{v.field}_id" or v.name == v.field else f":{v.name}"
    return literal(v.value)


def literal(v: object) -> str:
    """An SDL literal: true/false, numbers without a trailing .0, enum members and strings as written."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def predicate(p: Predicate) -> str:
    path = ".".join(p.steps)
    if p.op == "is_null":
        return f"{path} is null"
    if p.op == "is_not_null":
        return f"{path} is not null"
    if p.op == "between":
        return f"{path} between {value(p.value)} and {value(p.value2)}"
    if p.op == "match":
        return f"{path} ~ {value(p.value)}"
    return f"{path} {p.op} {value(p.value)}"


def predicates(ps: tuple[Predicate, ...]) -> str:
    return " and ".join(predicate(p) for p in ps)


def order_key(k: OrderKey) -> str:
    return ".".join(k.steps) + (" desc" if k.descending else "")


def select_item(s: SelectItem) -> str:
    if s.func is None:
        text = ".".join(s.steps)
        return text if text.replace(".", "_") == s.alias else f"{text} as {s.alias}"
    arg = s.relation + (f".{s.via}" if s.via else "") if s.relation else ".".join(s.steps) or "*"
    return f"{s.func}({arg}) as {s.alias}"


def include(i: Include) -> str:
    inner = [*i.fields, *(include(n) for n in i.nested)]
    if i.order:
        inner.append("order " + ", ".join(order_key(k) for k in i.order))
    if i.limit is not None:
        inner.append(f"limit {i.limit}")
    return i.name + (f" ({', '.join(inner)})" if inner else "")


def query_summary(q: Query) -> str:
    """One line of SDL: `from Enrollment where student = ? order created_at desc limit 50`."""
    parts = [f"from {q.entity}"]
    if q.where:
        parts.append("where " + predicates(q.where))
    if q.group:
        parts.append("group " + ", ".join(order_key(k) for k in q.group))
    if q.select:
        parts.append("select " + ", ".join(select_item(s) for s in q.select))
    if q.order:
        parts.append("order " + ", ".join(order_key(k) for k in q.order))
    if q.include:
        parts.append("include " + ", ".join(include(i) for i in q.include))
    if q.limit is not None:
        parts.append(f"limit {q.limit}")
    if q.consistency == "strong":
        parts.append("consistency strong")
    if q.batch:
        parts.append("batch")
    return " ".join(parts)


def write_summary(w: Write) -> str:
    by = f" by ({', '.join(w.by)})" if w.by else ""
    return f"{w.op} {w.entity}{by}"


def aggregate(f: Field) -> str:
    """`count(Progress where completed_at is not null)` for a maintained field."""
    agg = f.default.aggregate if f.default else None
    if agg is None:
        return ""
    arg = agg.child if agg.field is None else f"{agg.child}.{agg.field}"
    cond = f" where {predicates(agg.where)}" if agg.where else ""
    return f"{agg.func}({arg}{cond})"
