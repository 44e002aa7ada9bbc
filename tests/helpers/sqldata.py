"""Support for the SQL backend tests: build an example, parse queries.sql, seed sample rows, pick parameters.

Sample rows are generated from the backend's own layout (column types, CHECKs, enum members, references),
two tenants' worth when the model is multi-tenant, so that every generated statement has rows to find.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from schemac.backends import BuildOptions
from schemac.backends.sql.columns import ColumnSpec
from schemac.backends.sql.context import Context
from schemac.backends.sql.indexes import build_indexes
from schemac.backends.sql.paging import NEXT as NEXT_PAGE
from schemac.backends.sql.tables import Layout, TableInfo, build_layout
from schemac.build import BuildResult, build
from schemac.compiler.model import FieldKind, FieldOrigin, Query, ScalarKind, Write
from schemac.compiler.naming import pascal

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
EXAMPLE_IDS = [p.stem for p in EXAMPLES]
ROWS_PER_TABLE = 3
BASE_TIME = dt.datetime(2025, 1, 6, 12, 0, tzinfo=dt.UTC)


def build_example(path: Path, target: str, options: BuildOptions | None = None) -> BuildResult:
    result = build(path, target, options or BuildOptions())
    errors = [d for d in result.diagnostics if d.is_error]
    assert result.ok and not errors, [f"{d.code} {d.message}" for d in errors]
    return result


def artifact(result: BuildResult, name: str) -> str:
    return next(a.text for a in result.artifacts if a.path == name)


def layout_of(result: BuildResult, target: str) -> Layout:
    return _layout_and_index_names(result, target)[0]


def index_names(result: BuildResult, target: str) -> dict[int, str]:
    """The emitted name of each index, by its position in Design.indexes."""
    return _layout_and_index_names(result, target)[1]


def _layout_and_index_names(result: BuildResult, target: str) -> tuple[Layout, dict[int, str]]:
    from schemac.backends import get_backend

    backend = get_backend(target)
    ctx = Context(result.design, BuildOptions(), backend.dialect.configured(BuildOptions()))  # type: ignore[arg-type, attr-defined]
    layout = build_layout(ctx)
    return layout, build_indexes(ctx, layout)[1]


# A model whose table and field names are SQL keywords: every emitted name must be quoted where needed.
RESERVED_WORDS_SDL = """\
model words { tenant Account }
entity Account { name string(50) }
entity Line {
  order   int check (>= 0)
  select  string(20)
  from    timestamp?
  group   enum(a, b) = a
  user    string(30)?
  unique (select)
}
query by_order {
  from Line
  where group = ?
  order order desc
  limit 10
}
query lookup {
  from Line
  where select = ?
}
write add_line { insert Line }
write set_line { upsert Line by (select) }
write drop_line { delete Line by (select) }
"""


# Every kind of maintained aggregate: incremental count and sum, recomputed min and max (one filtered).
AGGREGATES_SDL = """\
model aggregates {}
entity Board {
  name        string(10)
  top_score   int? = max(Card.score)
  low_kept    int? = min(Card.score where kept = true)
  card_count  int = count(Card)
  score_sum   int = sum(Card.score)
}
entity Card {
  board  Board
  score  int
  kept   bool = true
}
query board_cards {
  from  Card
  where board = ?
}
"""


# --- queries.sql ------------------------------------------------------------------------------------------


@dataclass
class Param:
    name: str
    type: str
    nullable: bool


@dataclass
class Statement:
    name: str
    kind: str
    sql: str
    params: list[Param]
    notes: list[str] = field(default_factory=list)


_HEADER = re.compile(r"-- name: (\w+) (:\w+)")


def parse_queries(text: str) -> list[Statement]:
    out: list[Statement] = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        head = _HEADER.match(lines[0]) if lines else None
        if head is None:
            continue
        params: list[Param] = []
        notes: list[str] = []
        body: list[str] = []
        for line in lines[1:]:
            if line.startswith("-- params: "):
                params = [_param(p) for p in line[len("-- params: "):].split(", ")]
            elif line.startswith("-- "):
                notes.append(line[3:])
            else:
                body.append(line)
        sql = "\n".join(body).rstrip(";")
        out.append(Statement(head.group(1), head.group(2), sql, params, notes))
    return out


def _param(text: str) -> Param:
    name, _, rest = text.partition(" ")
    nullable = rest.endswith(" NULL")
    return Param(name, rest[: -len(" NULL")] if nullable else rest, nullable)


# --- sample values --------------------------------------------------------------------------------------------


def _int_value(spec: ColumnSpec, i: int) -> int:
    low, high = 1, None
    for check in spec.field.checks if not spec.sub_path else ():
        if check.kind == "range":
            low, high = int(check.low or 0), int(check.high or 0)
        elif check.kind == "compare" and check.op in (">=", ">"):
            low = int(check.value or 0) + (1 if check.op == ">" else 0)
        elif check.kind == "compare" and check.op in ("<=", "<"):
            high = int(check.value or 0) - (1 if check.op == "<" else 0)
    value = low + i
    return min(value, high) if high is not None else value


def _short(tag: str) -> str:
    """A compact form of a tag, so that truncated sample strings stay distinct."""
    return hashlib.sha1(tag.encode()).hexdigest()[:6]


def scalar_value(spec: ColumnSpec, i: int, tag: str, mysql: bool) -> Any:
    s = spec.scalar
    assert s is not None
    kind = s.kind
    tag = _short(tag)
    if kind is ScalarKind.UUID:
        value = uuid.uuid4()
        return value.bytes if mysql else value
    if kind is ScalarKind.EMAIL:
        return f"user{tag}{i}@example.com"
    if kind is ScalarKind.URL:
        return f"https://example.com/{tag}/{i}"
    if kind in (ScalarKind.STRING, ScalarKind.TEXT):
        text = f"{tag}{i} {spec.name}" if kind is ScalarKind.TEXT else f"{tag}{i}-{spec.name}"
        return text[: s.length] if s.length else text
    if kind is ScalarKind.ENUM:
        return s.values[i % len(s.values)]
    if kind in (ScalarKind.INT, ScalarKind.SMALLINT, ScalarKind.BIGINT):
        return _int_value(spec, i)
    if kind is ScalarKind.DECIMAL:
        return Decimal(_int_value(spec, i)) + Decimal("0.5")
    if kind is ScalarKind.FLOAT:
        return float(i) + 0.25
    if kind is ScalarKind.BOOL:
        return True
    if kind is ScalarKind.DATE:
        return dt.date(1990, 1, 1) + dt.timedelta(days=i)
    if kind is ScalarKind.TIMESTAMP:
        # an @expires instant lies ahead (the row is live); others step from BASE_TIME
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1) if spec.field.expires else BASE_TIME
        value = start + dt.timedelta(hours=i)
        return value.replace(tzinfo=None) if mysql else value
    if kind is ScalarKind.JSON:
        return {"sample": i}
    if kind is ScalarKind.BYTES:
        return b"\x00\x01"
    raise AssertionError(kind)


def column_value(spec: ColumnSpec, i: int, tag: str, mysql: bool) -> Any:
    if spec.field.kind is FieldKind.LIST:
        return ["red", "eco"]
    return scalar_value(spec, i, tag, mysql)


def uuid_text(value: Any) -> str:
    return str(uuid.UUID(bytes=value)) if isinstance(value, bytes) else str(value)


# --- seeding ----------------------------------------------------------------------------------------------------

SKIP_ORIGINS = {FieldOrigin.CREATED_AT, FieldOrigin.UPDATED_AT, FieldOrigin.DELETED_AT, FieldOrigin.VERSION}


_RUNS = itertools.count(1)


@dataclass
class Seed:
    """The sample rows, by entity and tenant index (0 = tenant A, 1 = tenant B; 0 when single-tenant).
    Each seed has its own run number in its sample strings: several seeds can share one database."""

    layout: Layout
    mysql: bool
    run: int = field(default_factory=lambda: next(_RUNS))
    tenants: list[Any] = field(default_factory=list)
    rows: dict[str, dict[int, list[dict[str, Any]]]] = field(default_factory=dict)
    # per entity and tenant, one more row that no other row references: what a generated delete removes
    spare: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)

    def of(self, entity: str, tenant: int = 0) -> list[dict[str, Any]]:
        return self.rows.get(entity, {}).get(tenant, [])


def seed(conn: sa.Connection, layout: Layout, *, mysql: bool) -> Seed:
    data = Seed(layout, mysql)
    root = next((i for i in layout.tables.values() if i.entity.tenant_root), None)
    tenant_count = 2 if root is not None else 1
    for t in range(tenant_count):
        for info in layout.tables.values():
            if info.entity.tenant_root and t > 0:
                continue
            count = tenant_count if info.entity.tenant_root else ROWS_PER_TABLE
            for i in range(count):
                tenant = t if not info.entity.tenant_root else i
                row = _insert_row(conn, data, info, i, tenant)
                data.rows.setdefault(info.entity.name, {}).setdefault(tenant, []).append(row)
                if info.entity.tenant_root:
                    data.tenants.append(row[info.pk[0]])
    referenced = {f.target for i in layout.tables.values() for f in i.entity.references
                  if f.origin is not FieldOrigin.TENANT}
    for t in range(tenant_count):  # after every other row: nothing refers to these
        for info in layout.tables.values():
            e = info.entity
            if e.soft_delete or e.tenant_root or e.junction or e.name not in referenced:
                continue  # a delete there is an UPDATE, or removes a row nothing else needs
            try:
                with conn.begin_nested():  # a spare row may collide with a unique key: then there is none
                    data.spare.setdefault(e.name, {})[t] = _insert_row(conn, data, info, ROWS_PER_TABLE, t)
            except sa.exc.IntegrityError:
                pass
    return data


def sample_row(data: Seed, info: TableInfo, i: int, tenant: int, tag: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    tag = f"r{data.run}{tag}"
    for spec in info.specs:
        f = spec.field
        column = info.table.c[spec.name]
        if f.origin in SKIP_ORIGINS or f.maintained:
            continue
        if f.origin is FieldOrigin.ID and (column.server_default is not None or column.identity is not None):
            continue
        if f.origin is FieldOrigin.TENANT:
            row[spec.name] = data.tenants[tenant]
        elif f.kind is FieldKind.REFERENCE:
            row[spec.name] = _reference(data, info, spec, i, tenant)
        else:
            row[spec.name] = column_value(spec, i, tag, data.mysql)
    _satisfy_field_checks(info, row)
    return row


_STEP: dict[type, Any] = {dt.datetime: dt.timedelta(hours=1), dt.date: dt.timedelta(days=1), int: 1,
                          float: 1.0, Decimal: Decimal(1)}


def _satisfy_field_checks(info: TableInfo, row: dict[str, Any]) -> None:
    """Move the right-hand column of each `check (a < b)` between fields so that the sample row passes it."""
    for check in info.entity.checks:
        if check.kind != "fields" or not check.field or not check.other:
            continue
        left, right = info.field_columns[check.field][0], info.field_columns[check.other][0]
        if row.get(left) is None or row.get(right) is None or type(row[left]) not in _STEP:
            continue
        step = _STEP[type(row[left])]
        row[right] = {"<": row[left] + step, "<=": row[left], "=": row[left], ">": row[left] - step,
                      ">=": row[left], "!=": row[left] + step}[check.op or "="]


def _reference(data: Seed, info: TableInfo, spec: ColumnSpec, i: int, tenant: int) -> Any:
    target = data.layout.of(spec.field.target or "")
    rows = data.of(target.entity.name, tenant if target.tenant else 0)
    if not rows:
        return None
    return rows[i % len(rows)][target.pk[0]]


def _insert_row(conn: sa.Connection, data: Seed, info: TableInfo, i: int, tenant: int) -> dict[str, Any]:
    row = sample_row(data, info, i, tenant, f"{tenant}")
    return insert(conn, info, row, mysql=data.mysql)


def insert(conn: sa.Connection, info: TableInfo, row: dict[str, Any], *, mysql: bool) -> dict[str, Any]:
    table = info.table
    if mysql:
        result = conn.execute(table.insert().values(row))
        key = dict(row)
        if len(info.pk) == 1 and info.pk[0] not in key:
            key[info.pk[0]] = result.lastrowid
        where = sa.and_(*(table.c[c] == key[c] for c in info.pk))
        return dict(conn.execute(sa.select(table).where(where)).mappings().one())
    return dict(conn.execute(table.insert().values(row).returning(table)).mappings().one())


# --- parameters of generated statements ---------------------------------------------------------------------


@dataclass
class Statements:
    """queries.sql with the IR pattern behind each statement."""

    result: BuildResult
    statements: list[Statement]

    def pattern(self, name: str) -> Query | Write | None:
        model = self.result.design.model  # type: ignore[union-attr]
        for p in (*model.queries, *model.writes):
            if pascal(p.name) == name:
                return p
        if name.endswith(NEXT_PAGE):  # the next-page statement of a keyset query
            return self.pattern(name[: -len(NEXT_PAGE)])
        return None

    def next_page(self, name: str) -> Statement | None:
        """The statement reading the page after the last row of `name` (keyset pagination)."""
        return next((s for s in self.statements if s.name == name + NEXT_PAGE), None)

    def is_next_page(self, stmt: Statement) -> bool:
        return stmt.name.endswith(NEXT_PAGE) and any(s.name + NEXT_PAGE == stmt.name for s in self.statements)


def bucket_start(value: Any, bucket: str) -> Any:
    """The first instant of the UTC bucket (ISO weeks) holding `value`, of the same type and time zone."""
    day = value.replace(hour=0, minute=0, second=0, microsecond=0) if isinstance(value, dt.datetime) else value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        day = value.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    if bucket == "quarter":
        return day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1)
    if bucket == "year":
        return day.replace(day=1, month=1)
    return day


def param_values(stmt: Statement, ir: Query | Write | None, data: Seed, tenant: int = 0) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for p in stmt.params:
        if p.name not in values:
            values[p.name] = param_value(p, ir, data, tenant, stmt.name)
    if isinstance(ir, Write) and ir.op in ("insert", "update", "upsert"):
        _satisfy_field_checks(data.layout.of(ir.entity), values)  # parameters are named after their columns
    return values


def _tenant_column(data: Seed) -> str | None:
    return next((i.tenant for i in data.layout.tables.values() if i.tenant), None)


def param_value(p: Param, ir: Query | Write | None, data: Seed, tenant: int, tag: str = "w") -> Any:
    if p.name == _tenant_column(data):
        return data.tenants[tenant]
    if p.name.startswith("after_"):
        return None
    if isinstance(ir, Query):
        return _query_param(p, ir, data, tenant)
    if isinstance(ir, Write):
        return _write_param(p, ir, data, tenant, tag)
    return _parent_ids(p, data, tenant)


def _column_values(data: Seed, entity: str, field_name: str, tenant: int) -> tuple[ColumnSpec, list[Any]]:
    info = data.layout.of(entity)
    column = info.field_columns[field_name][0]
    rows = data.of(entity, tenant if info.tenant else 0)
    return info.spec(column), [r[column] for r in rows]


def _query_param(p: Param, q: Query, data: Seed, tenant: int) -> Any:
    ir = next(x for x in q.params if x.name == p.name)
    spec, values = _column_values(data, ir.entity, ir.field, tenant)
    if ir.is_list:
        members = list(spec.scalar.values) if spec.scalar and spec.scalar.values else values
        return _list_param(members, data.mysql)
    pred = next((w for w in q.where if p.name in (getattr(w.value, "name", ""), getattr(w.value2, "name", ""))),
                None)
    if pred is not None and pred.bucket is not None and values:  # a bucket is named by its first instant
        return bucket_start(min(values) if p.name == getattr(pred.value, "name", "") else max(values), pred.bucket)
    if pred is not None and pred.op == "match":
        return str(values[0]).split()[0]
    if pred is not None and pred.op in ("<", "<=", ">", ">=") and values:
        return _beyond(values, below=pred.op in (">", ">="))
    return values[0]


def _beyond(values: list[Any], *, below: bool) -> Any:
    """A bound every sample value passes: under the smallest for `>`/`>=`, over the largest for `<`/`<=`
    (rows inserted in one transaction share their `created_at`: the first row's value would match nothing)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    step = _STEP.get(type(present[0]))
    if step is None:  # text: the empty string sorts first; a run of tildes after sample text
        return "" if below else "~" * 8
    return min(present) - step * 1000 if below else max(present) + step * 1000


def _list_param(values: list[Any], mysql: bool) -> Any:
    if mysql:
        return json.dumps([uuid_text(v) if isinstance(v, bytes) else v for v in values])
    return values


def _write_param(p: Param, w: Write, data: Seed, tenant: int, tag: str) -> Any:
    info = data.layout.of(w.entity)
    by = {x.name: x.field for x in w.params}
    existing = data.of(w.entity, tenant if info.tenant else 0)
    if p.name.startswith("expected_") and p.name not in by:  # the optimistic check: the value as seeded
        return existing[0][p.name[len("expected_"):]]
    if p.name in by:
        spare = data.spare.get(w.entity, {}).get(tenant if info.tenant else 0)
        row = spare if w.op == "delete" and spare is not None else existing[0]
        return row[info.field_columns[by[p.name]][0]]
    if w.op == "upsert" and existing:
        by_columns = {info.field_columns[f][0] for f in w.by}
        if p.name in by_columns:
            return existing[0][p.name]
    spec = info.spec(p.name)
    if spec.field.kind is FieldKind.REFERENCE:  # a new combination of referenced rows: unique keys hold
        refs = [s.name for s in info.specs if s.field.kind is FieldKind.REFERENCE]
        return _reference(data, info, spec, 1 + refs.index(spec.name), tenant)
    if spec.field.origin is FieldOrigin.ID:
        return scalar_value(spec, 0, "w", data.mysql)
    value = column_value(spec, 50, f"r{data.run}{tag}{tenant}", data.mysql)
    return json.dumps(value) if isinstance(value, dict | list) and data.mysql else value


def _parent_ids(p: Param, data: Seed, tenant: int) -> Any:
    """`<reference column>s`: the ids a second statement reads children for; `<reference column>`: the one
    parent a bounded include's statement reads (the parent with the most children)."""
    single = not p.name.endswith("s")
    column = p.name if single else p.name[:-1]
    for info in data.layout.tables.values():
        spec = next((s for s in info.specs if s.name == column and s.field.kind is FieldKind.REFERENCE), None)
        if spec is not None:
            target = data.layout.of(spec.field.target or "")
            rows = data.of(target.entity.name, tenant if target.tenant else 0)
            ids = [r[target.pk[0]] for r in rows]
            if single:
                children = [r[column] for r in data.of(info.entity.name, tenant if info.tenant else 0)]
                return max(ids, key=children.count)
            return _list_param(ids, data.mysql)
    raise AssertionError(f"no sample value for parameter {p.name}")


def driver_params(values: dict[str, Any], mysql: bool) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        if isinstance(v, dict) or (isinstance(v, list) and mysql):
            out[k] = json.dumps(v)
        else:
            out[k] = v
    return out


# --- models at MySQL's table limits (65,535-byte rows, 64 keys), the edges measured on MariaDB 10.11 ------------


def wide_row_model(last_length: int, *, optional: bool = False) -> str:
    """63 string(255) fields and one string(`last_length`): 276 fits a row (274 when the fields are optional,
    for the NULL bitmap), one more does not."""
    mark = "?" if optional else ""
    fields = "".join(f"  f{i} string(255){mark}\n" for i in range(63)) + f"  g string({last_length}){mark}\n"
    return f"model m {{}}\nentity Wide {{\n{fields}}}\n"


def many_keys_model(n: int) -> str:
    """`n` queries on `n` different fields of one entity: `n` indexes, plus the primary key."""
    fields = "".join(f"  f{i} int\n" for i in range(n))
    queries = "".join(f"query q{i} {{\n  from Item\n  where f{i} = ?\n}}\n" for i in range(n))
    return f"model m {{}}\nentity Item {{\n{fields}}}\n{queries}"
