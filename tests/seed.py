"""Synthetic data for any compiled model, shared by the plan tests and the scale benchmark.

``seed_postgres(conn, design, scale=...)`` and ``seed_mariadb(conn, design, scale=...)`` fill the schema that
``schema.sql`` created, table by table in dependency order (references first), with set-based
``INSERT ... SELECT`` over ``generate_series`` (PostgreSQL) or a ``seq_1_to_N`` sequence table (MariaDB):
no row travels through Python. What is generated is driven by the IR and the design:

* rows per entity: the design's rows at the horizon (``Design.growth``: declared volumes, growth multiplied
  out, estimates for entities without a volume) times ``scale`` (at least ``MIN_ROWS``): one scale for every
  table, tenants included, so that children per parent stay those of the horizon;
  ``scale_for(design, biggest)`` gives the scale at which the biggest table has ``biggest`` rows;
* tenants: every row of a tenant-scoped entity first picks its tenant, skewed (``random()^2`` over the
  tenants, so a few tenants are much bigger than the rest, and the same ones in every table); every
  reference then picks a parent of that same tenant (the schema's composite tenant foreign keys
  ``(tenant_id, x_id) -> (tenant_id, id)`` hold), skewed as well: ``floor(random()^e * n)`` indexes the
  tenant's live parents, ``e = 3`` for plain references (a few parents much bigger than the rest),
  ``1.5`` for owners (``@owner``: children per parent stay moderate); a reference whose name is a member of
  an enum of its target (``instructor User`` and ``User.role``) picks parents with that value only; when
  two references lead to the same grand-parent (``Progress.enrollment.course`` and
  ``Progress.lesson.course``), the second picks among the first one's grand-parent's children;
* enums: the member shares that ``volume N where field = member`` declares, otherwise the default member
  most (95 %), the rest geometrically fewer; booleans: their default 90 %;
* uniques: a unique key with a scalar column gets that column derived from the row number (emails, slugs,
  numbers, storage keys: unique whatever the references are); an integer or enum next to references is
  numbered per reference value (``position`` 0, 1, 2... per course; an enum member per product);
  in a key of references only (``(student, course)``) the last reference takes consecutive parents from
  one skewed start per value of the others (a student's courses are distinct until the tenant runs out of
  courses); rows past that are dropped, and the rows still missing are drawn again (a few rounds, skipping
  collisions with ``ON CONFLICT DO NOTHING`` / ``INSERT IGNORE``): the declared volumes may saturate a key
  (900k enrollments over 100k students and 5k courses in 500 tenants nearly do), the load then reports it;
* checks: ranges and comparisons from the IR (``check (0..100)``, ``check (>= 0)``, ``check (!= 0)``,
  length), field comparisons (``check (shipped_at >= paid_at)``: the greater side derived from the other);
  emails and URLs match the schema's format checks; optional fields are NULL 30 % of the time
  (an optional value object all at once);
* ids: UUIDv7 keys are made from the row's ``created_at`` (time-ordered like the schema's default, the way
  production rows are), other UUIDs from an md5 of the row number; identity keys by their default;
* text: words from a ~2 000-word vocabulary (``harbor17``: a word matches ~0.15 % of texts, like a search
  term); unbounded ``text`` (bodies, descriptions) ~30-360 characters;
* timestamps: ``created_at`` spread over the horizon in row order (older rows first), the others between
  ``created_at`` and now; soft delete: ``deleted_at`` set on about 3 % of rows (not on tenant roots);
* triggers are not run during the load: PostgreSQL with ``SET session_replication_role = replica``
  (which also skips the foreign-key triggers: the generator keeps references valid by construction and
  ``check_foreign_keys`` verifies it), MariaDB by dropping the model's triggers and re-creating them after
  the load (and ``foreign_key_checks = 0``); maintained aggregates (counters, sums) are then set with one
  ``UPDATE`` each from the children, and the audit log stays empty. On PostgreSQL the indexes nothing
  depends on are dropped for the load and re-created from their own definition (``pg_get_indexdef``) after
  it: a sorted build instead of row-by-row inserts. Finally ``VACUUM ANALYZE`` / ``ANALYZE TABLE``.

Scratch tables (``seed_*``: the drawn rows, each parent table's live rows numbered per tenant) are temporary
on PostgreSQL and MEMORY tables on MariaDB, dropped at the end. Speed on the 2-core test machine: about
60-80k rows/s on PostgreSQL (course_platform at its declared volumes, 8.1M rows: about 3 minutes), a bit
more on MariaDB.

The module also holds what the plan tests and the benchmark share around the data: parsing ``queries.sql``
(``parse_queries``), drawing parameters for an access pattern from the loaded rows (``draw_params``: the
biggest groups and random rows), reading plans (``pg_scans``, ``mariadb_accesses``) and finding the
emitted name of a designed index in ``schema.sql`` (``index_names``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from schemac.backends.sql.naming import column_name, table_name
from schemac.compiler.design.model import Design, IndexPlan
from schemac.compiler.model import (
    Check,
    Const,
    Entity,
    Field,
    FieldKind,
    FieldOrigin,
    Model,
    Param,
    Predicate,
    Query,
    ScalarKind,
)
from schemac.compiler.naming import pascal, singular, snake

__all__ = [
    "MIN_ROWS",
    "SEQ_SCAN_ROWS",
    "NamedQuery",
    "ParamSet",
    "Scan",
    "SeedReport",
    "TableLoad",
    "check_foreign_keys",
    "draw_params",
    "emitted_indexes",
    "index_columns",
    "index_names",
    "mariadb_accesses",
    "parse_queries",
    "pg_scans",
    "query_of",
    "scale_for",
    "seed_mariadb",
    "seed_postgres",
]

MIN_ROWS = 10  # no table smaller than this, whatever the scale
SEQ_SCAN_ROWS = 10_000  # a full scan of a table bigger than this fails the plan checks
SOFT_DELETED = 0.03
OPTIONAL_NULL = 0.3
TENANT_SKEW = 2.0
REFERENCE_SKEW = 3.0
OWNER_SKEW = 1.5
MAX_ROUNDS = 6
WORDS = (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
    "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey",
    "xray", "yankee", "zulu", "amber", "basalt", "cobalt", "dune", "ember", "fjord", "granite", "harbor",
    "iris", "jade", "kelp", "lagoon", "meadow", "nectar", "onyx", "prairie", "quartz", "reef", "summit",
    "tundra", "umber", "valley", "willow", "zephyr", "refund", "invoice", "login", "password", "shipping",
    "billing", "upgrade", "export", "crash", "slow", "error", "timeout", "mobile", "email", "report",
)

Log = Callable[[str], None]


# --- results ------------------------------------------------------------------------------------------------


@dataclass
class TableLoad:
    entity: str
    table: str
    target: int
    rows: int = 0
    rounds: int = 0
    seconds: float = 0.0


@dataclass
class SeedReport:
    engine: str
    scale: float
    tables: list[TableLoad] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def rows(self, table: str) -> int:
        return next((t.rows for t in self.tables if t.table == table), 0)

    def biggest(self) -> TableLoad:
        return max(self.tables, key=lambda t: t.rows)

    def summary(self) -> str:
        parts = ", ".join(f"{t.table} {t.rows}" for t in self.tables)
        return f"{self.engine} scale {self.scale:.4g}: {parts} ({self.seconds:.1f} s)"


def scale_for(design: Design, biggest: int) -> float:
    """The scale at which the biggest table of the model gets ``biggest`` rows."""
    tables = design.relational.stored(design.model).entities  # junction tables too
    top = max((_horizon_rows(design, e) for e in tables), default=1.0)
    return biggest / max(top, 1.0)


def _horizon_rows(design: Design, e: Entity) -> float:
    grown = next((g.rows_at_horizon for g in design.growth if g.entity == e.name), None)
    return float(grown if grown is not None else e.volume.at_horizon)


# --- dialects -----------------------------------------------------------------------------------------------


class _Dialect:
    name: str = ""
    ignore_conflicts: str = ""

    def q(self, ident: str) -> str:
        raise NotImplementedError

    def rand(self) -> str:
        raise NotImplementedError

    def series(self, lo: int, hi: int) -> str:
        """A FROM item with one integer column `i` from lo to hi."""
        raise NotImplementedError

    def lit(self, value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float):
            return repr(int(value)) if float(value).is_integer() else repr(float(value))
        text = str(value).replace("'", "''")
        if self.name == "mariadb":
            text = text.replace("\\", "\\\\")
        return f"'{text}'"

    def concat(self, *parts: str) -> str:
        raise NotImplementedError

    def text(self, expr: str) -> str:
        raise NotImplementedError

    def int_(self, expr: str) -> str:
        return f"FLOOR({expr})"

    def ago(self, seconds: str) -> str:
        """now() minus `seconds` (a number) seconds."""
        raise NotImplementedError

    def plus(self, ts: str, seconds: str) -> str:
        raise NotImplementedError

    def now(self) -> str:
        raise NotImplementedError

    def null(self, column_type: str) -> str:
        return f"CAST(NULL AS {column_type})" if self.name == "postgres" else "NULL"

    def pick(self, values: Sequence[str], cumulative: Sequence[float]) -> str:
        """One of `values`, the k-th when a uniform draw falls below cumulative[k] (the last: otherwise)."""
        raise NotImplementedError

    def nth(self, values: Sequence[str], k: str) -> str:
        """values[k] for a 0-based integer expression k."""
        raise NotImplementedError

    def uuid_of(self, expr: str, column_type: str) -> str:
        raise NotImplementedError

    def uuid7(self, ts: str, expr: str, column_type: str) -> str:
        """A UUIDv7 whose time is `ts` (milliseconds) and whose other bits come from md5(`expr`)."""
        raise NotImplementedError

    def word(self) -> str:
        """One of about 2 000 words (a vocabulary word and a number: `harbor17`), so that a word matches
        about 0.15 % of the texts, as a search term does."""
        return self.concat(self.nth(WORDS, self.int_(f"{self.rand()} * {len(WORDS)}")),
                           self.text(self.int_(f"{self.rand()} * 30")))

    def json_of(self, expr: str) -> str:
        raise NotImplementedError

    def bytes_of(self, expr: str) -> str:
        raise NotImplementedError

    def list_of(self, column_type: str) -> str:
        raise NotImplementedError

    def date_expr(self) -> str:
        raise NotImplementedError

    def decimal(self, expr: str, scale: int) -> str:
        return f"ROUND({expr}, {scale})"


class _Pg(_Dialect):
    name = "postgres"

    def q(self, ident: str) -> str:
        return '"' + ident.replace('"', '""') + '"'

    def rand(self) -> str:
        return "random()"

    def series(self, lo: int, hi: int) -> str:
        return f"generate_series({lo}, {hi}) AS g(i)"

    def concat(self, *parts: str) -> str:
        return "(" + " || ".join(parts) + ")"

    def text(self, expr: str) -> str:
        return f"({expr})::text"

    def int_(self, expr: str) -> str:
        return f"floor({expr})::bigint"

    def ago(self, seconds: str) -> str:
        return f"(now() - make_interval(secs => {seconds}))"

    def plus(self, ts: str, seconds: str) -> str:
        return f"({ts} + make_interval(secs => {seconds}))"

    def now(self) -> str:
        return "now()"

    def pick(self, values: Sequence[str], cumulative: Sequence[float]) -> str:
        bounds = ", ".join(repr(float(c)) for c in [0.0, *cumulative[:-1]])
        return f"({self.array(values)})[width_bucket({self.rand()}, ARRAY[{bounds}]::float8[])]"

    def array(self, values: Sequence[str]) -> str:
        return "ARRAY[" + ", ".join(self.lit(v) for v in values) + "]"

    def nth(self, values: Sequence[str], k: str) -> str:
        return f"({self.array(values)})[1 + ({k})]"

    def uuid_of(self, expr: str, column_type: str) -> str:
        return f"md5({expr})::uuid"

    def uuid7(self, ts: str, expr: str, column_type: str) -> str:
        ms = f"lpad(to_hex(floor(extract(epoch FROM {ts}) * 1000)::bigint), 12, '0')"
        h = f"md5({expr})"
        return f"({ms} || '7' || substr({h}, 1, 3) || '8' || substr({h}, 4, 15))::uuid"

    def json_of(self, expr: str) -> str:
        return f"jsonb_build_object('k', {expr})"

    def bytes_of(self, expr: str) -> str:
        return f"decode(md5({expr}), 'hex')"

    def list_of(self, column_type: str) -> str:
        element = column_type.removesuffix("[]")
        if any(w in element for w in ("char", "text")):
            return f"(ARRAY['new', 'eco', 'sale', 'bestseller']::{column_type})[1:{self.int_(f'{self.rand()} * 4')}]"
        return f"ARRAY[{self.int_(f'{self.rand()} * 100')}]::{column_type}"

    def date_expr(self) -> str:
        return f"(date '1950-01-01' + {self.int_(f'{self.rand()} * 20000')}::int)"

    def decimal(self, expr: str, scale: int) -> str:
        return f"round(({expr})::numeric, {scale})"


class _Maria(_Dialect):
    name = "mariadb"

    def q(self, ident: str) -> str:
        return "`" + ident.replace("`", "``") + "`"

    def rand(self) -> str:
        return "RAND()"

    def series(self, lo: int, hi: int) -> str:
        return f"seq_{lo}_to_{hi} AS g"

    def concat(self, *parts: str) -> str:
        return "CONCAT(" + ", ".join(parts) + ")"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS CHAR)"

    def ago(self, seconds: str) -> str:
        return f"(NOW(6) - INTERVAL FLOOR({seconds}) SECOND)"

    def plus(self, ts: str, seconds: str) -> str:
        return f"({ts} + INTERVAL FLOOR({seconds}) SECOND)"

    def now(self) -> str:
        return "NOW(6)"

    def pick(self, values: Sequence[str], cumulative: Sequence[float]) -> str:
        bounds = ", ".join(repr(float(c)) for c in cumulative[:-1])
        if not bounds:
            return self.lit(values[0])
        return f"ELT(INTERVAL({self.rand()}, {bounds}) + 1, {', '.join(self.lit(v) for v in values)})"

    def nth(self, values: Sequence[str], k: str) -> str:
        return f"ELT(1 + ({k}), {', '.join(self.lit(v) for v in values)})"

    def uuid_of(self, expr: str, column_type: str) -> str:
        if "binary" in column_type:
            return f"UNHEX(MD5({expr}))"
        md5 = f"MD5({expr})"
        return (f"CONCAT_WS('-', SUBSTR({md5}, 1, 8), SUBSTR({md5}, 9, 4), SUBSTR({md5}, 13, 4), "
                f"SUBSTR({md5}, 17, 4), SUBSTR({md5}, 21, 12))")

    def uuid7(self, ts: str, expr: str, column_type: str) -> str:
        ms = f"LPAD(HEX(FLOOR(UNIX_TIMESTAMP({ts}) * 1000)), 12, '0')"
        h = f"MD5({expr})"
        text = f"CONCAT({ms}, '7', SUBSTR({h}, 1, 3), '8', SUBSTR({h}, 4, 15))"
        if "binary" in column_type:
            return f"UNHEX({text})"
        return (f"LOWER(CONCAT_WS('-', SUBSTR({text}, 1, 8), SUBSTR({text}, 9, 4), SUBSTR({text}, 13, 4), "
                f"SUBSTR({text}, 17, 4), SUBSTR({text}, 21, 12)))")

    def json_of(self, expr: str) -> str:
        return f"JSON_OBJECT('k', {expr})"

    def decimal(self, expr: str, scale: int) -> str:
        return f"CAST({expr} AS DECIMAL(20, {scale}))"

    def bytes_of(self, expr: str) -> str:
        return f"UNHEX(MD5({expr}))"

    def list_of(self, column_type: str) -> str:
        return "JSON_ARRAY('new', 'eco')"

    def date_expr(self) -> str:
        return f"(DATE '1950-01-01' + INTERVAL FLOOR({self.rand()} * 20000) DAY)"


# --- the plan of a load ---------------------------------------------------------------------------------------


@dataclass
class _Column:
    """One column of a table as the catalog has it, with the IR field (and value-object path) behind it."""

    name: str
    type: str  # lower-case catalog type: "uuid", "character varying(255)", "binary(16)", "int(11)"
    nullable: bool
    has_default: bool
    generated: bool  # identity / auto-increment / generated: never inserted
    field: Field | None = None
    sub: Field | None = None  # the value-object field, for embedded columns
    group_optional: bool = False  # part of an optional value object


@dataclass(frozen=True)
class _PoolKey:
    entity: str
    filter: tuple[str, str] | None = None  # (column, enum member): only parents with that value
    group: str | None = None  # column of the parents' reference to the grand-parent (diamond picks)


@dataclass
class _Pool:
    key: _PoolKey
    name: str
    scoped: bool  # partitioned by tenant
    carry: list[str] = field(default_factory=list)  # parent columns children read (for their diamonds)


@dataclass
class _Ref:
    field: Field
    column: str
    target: Entity
    kind: Literal["tenant", "pool", "self"]
    optional: bool
    exponent: float = REFERENCE_SKEW
    pool: _Pool | None = None
    diamond: tuple[int, str] | None = None  # (earlier ref position, the carried grand-parent column)
    sequence: tuple[int, ...] = ()  # last reference of a key of references: numbered per the others' values


@dataclass
class _Table:
    entity: Entity
    name: str
    target: int
    refs: list[_Ref] = field(default_factory=list)
    columns: list[_Column] = field(default_factory=list)
    key_column: str = "id"
    collisions: bool = False  # rows may collide on a unique key: skip them (and draw again)
    sequenced_only: bool = False  # its one colliding key is numbered per reference value (see _insert)


class _Loader:
    """Plans and runs the load of one model on one engine; `run(sql)` executes a statement."""

    def __init__(self, design: Design, dialect: _Dialect, run: Callable[[str], int],
                 fetch: Callable[[str], list[tuple[Any, ...]]], scale: float, log: Log | None,
                 shares: dict[str, dict[str, float]] | None = None) -> None:
        self.design = design
        self.shares = shares or {}
        self.model: Model = design.relational.stored(design.model)  # the tables: junctions too
        self.d = dialect
        self.run = run
        self.fetch = fetch
        self.scale = scale
        self.log = log or (lambda _msg: None)
        self.tenant: Entity | None = next((e for e in self.model.entities if e.tenant_root), None)
        self.tables: dict[str, _Table] = {}
        self.pools: dict[_PoolKey, _Pool] = {}
        self.horizon_s = max(self.model.settings.horizon_months, 1.0) * 30.4 * 86400
        self.report = SeedReport(engine=dialect.name, scale=scale)
        self.scratch: list[str] = []
        self.before_refill: Callable[[str], None] | None = None  # called before a table's second round

    # planning -------------------------------------------------------------------------------------------------

    def plan(self, catalog: dict[str, list[_Column]]) -> list[_Table]:
        order = _dependency_order(self.model)
        for e in order:
            name = table_name(self.model, e)
            rows = max(MIN_ROWS, round(_horizon_rows(self.design, e) * self.scale))
            t = _Table(e, name, rows, key_column=_key_column(e))
            t.columns = _match_columns(self.model, e, catalog.get(name, []))
            self.tables[e.name] = t
        for t in self.tables.values():
            self._plan_refs(t)
        return [self.tables[e.name] for e in order]

    def _scoped(self, e: Entity) -> bool:
        return self.tenant is not None and e.tenant_field is not None

    def _pool(self, key: _PoolKey) -> _Pool:
        if key not in self.pools:
            e = self.model.entity(key.entity)
            self.pools[key] = _Pool(key, f"seed_p{len(self.pools)}", self._scoped(e))
        return self.pools[key]

    def _plan_refs(self, t: _Table) -> None:
        e = t.entity
        ref_only_uniques = _reference_keys(e)
        enum_uniques = [u for u in e.uniques if any(_is_small_scalar(e, f) for f in u.fields)]
        for f in e.references:
            if f.target is None:
                continue
            target = self.model.entity(f.target)
            optional = f.optional
            if f.origin is FieldOrigin.TENANT or (target.tenant_root and self._scoped(e)):
                t.refs.append(_Ref(f, column_name(f), target, "tenant", False))
                continue
            if target.name == e.name:
                t.refs.append(_Ref(f, column_name(f), target, "self", True))
                continue
            exponent = OWNER_SKEW if f.owner else REFERENCE_SKEW
            for key in ref_only_uniques:
                if key[0] == f.name:
                    exponent = min(exponent, OWNER_SKEW)
            if any(f.name in u.fields for u in enum_uniques):
                exponent = 1.0  # few values per parent: spread the parents evenly
            flt = _role_filter(f, target)
            diamond = self._diamond(t, f, target)
            group = diamond[2] if diamond else None
            pool = self._pool(_PoolKey(target.name, flt, group))
            ref = _Ref(f, column_name(f), target, "pool", optional, exponent, pool)
            if diamond is not None:
                first, gp_field, _ = diamond
                first_ref = t.refs[first]
                assert first_ref.pool is not None
                carried = column_name(first_ref.target.field(gp_field) or _missing(first_ref.target, gp_field))
                if carried not in first_ref.pool.carry:
                    first_ref.pool.carry.append(carried)
                ref.diamond = (first, carried)
            t.refs.append(ref)
        positions = {r.field.name: pos for pos, r in enumerate(t.refs)}
        keys = _reference_keys(e)
        for key in keys:
            if not all(x in positions for x in key):
                continue
            last = max(key, key=lambda x: positions[x])
            ref = t.refs[positions[last]]
            ref.sequence = tuple(positions[x] for x in key if x != last)
            t.collisions = True
        t.sequenced_only = t.collisions and len(keys) == 1
        if any(m == "window" for m in _unique_modes(e).values()):
            t.collisions = True
            t.sequenced_only = False

    def _diamond(self, t: _Table, f: Field, target: Entity) -> tuple[int, str, str] | None:
        """An earlier reference of `t` whose target shares a grand-parent with `target`: (its position, the
        earlier target's field to that grand-parent, `target`'s field to it: the pool of `f` is grouped by it)."""
        for pos, earlier in enumerate(t.refs):
            if earlier.kind != "pool":
                continue
            for gp in earlier.target.references:
                if gp.origin is FieldOrigin.TENANT or gp.target is None or gp.optional:
                    continue
                mine = next((x for x in target.references
                             if x.target == gp.target and x.origin is not FieldOrigin.TENANT and not x.optional),
                            None)
                if mine is not None and not self.model.entity(gp.target).tenant_root:
                    return pos, gp.name, mine.name
        return None

    # loading -----------------------------------------------------------------------------------------------------

    def load(self, tables: list[_Table]) -> None:
        t0 = time.monotonic()
        self._drop_scratch()
        for t in tables:
            load = TableLoad(t.entity.name, t.name, t.target)
            started = time.monotonic()
            self._load_table(t, load)
            self._self_refs(t)
            load.seconds = time.monotonic() - started
            self.report.tables.append(load)
            self.log(f"  {t.name}: {load.rows} rows ({load.rounds} round(s), {load.seconds:.1f} s)")
            if t.entity.tenant_root:
                self._tenant_table(t)
            for pool in self.pools.values():
                if pool.key.entity == t.entity.name:
                    self._build_pool(pool, t)
        self._aggregates()
        self._drop_scratch()
        self.report.seconds = time.monotonic() - t0

    def _tmp(self, name: str, select: str, key: str | None = None) -> None:
        """A scratch table (PostgreSQL: temporary, analysed when it has a lookup key; MariaDB: MEMORY, with a
        hash index on the key: a temporary table could not be joined twice in one statement)."""
        self.run(f"DROP TABLE IF EXISTS {name}")
        if self.d.name == "postgres":
            self.run(f"CREATE TEMP TABLE {name} AS {select}")
            if key is not None:
                self.run(f"ANALYZE {name}")
        else:
            index = f"(INDEX ({key})) " if key is not None else ""
            self.run(f"CREATE TABLE {name} {index}ENGINE=MEMORY AS {select}")
        if name not in self.scratch:
            self.scratch.append(name)

    def _drop_scratch(self) -> None:
        for name in self.scratch:
            self.run(f"DROP TABLE IF EXISTS {name}")
        self.scratch.clear()

    def _tenant_table(self, t: _Table) -> None:
        q = self.d.q
        live = f" WHERE {q('deleted_at')} IS NULL" if _has(t, "deleted_at") else ""
        self._tmp("seed_tenant", f"SELECT ROW_NUMBER() OVER (ORDER BY {q(t.key_column)}) - 1 AS t, "
                                 f"{q(t.key_column)} AS id FROM {q(t.name)}{live}", "t")

    def _build_pool(self, pool: _Pool, t: _Table) -> None:
        q = self.d.q
        e = t.entity
        where = []
        if _has(t, "deleted_at"):
            where.append(f"p.{q('deleted_at')} IS NULL")
        if pool.key.filter is not None:
            where.append(f"p.{q(pool.key.filter[0])} = {self.d.lit(pool.key.filter[1])}")
        part = []
        join = ""
        tenant_col = column_name(e.tenant_field) if e.tenant_field is not None else None
        if pool.scoped and tenant_col is not None:
            join = f" JOIN seed_tenant tn ON tn.id = p.{q(tenant_col)}"
            part.append("tn.t")
            t_expr = "tn.t"
        else:
            t_expr = "0"
        g_expr = ""
        if pool.key.group is not None:
            gcol = column_name(e.field(pool.key.group) or _missing(e, pool.key.group))
            part.append(f"p.{q(gcol)}")
            g_expr = f", p.{q(gcol)} AS g"
        carry = "".join(f", p.{q(c)} AS {q('x_' + c)}" for c in pool.carry)
        over = f"PARTITION BY {', '.join(part)} " if part else ""
        cond = f" WHERE {' AND '.join(where)}" if where else ""
        gsel = ", g" if pool.key.group is not None else ""
        key = q(t.key_column)
        self._tmp(pool.name, f"SELECT {t_expr} AS t{g_expr}, ROW_NUMBER() OVER ({over}ORDER BY p.{key}) - 1 AS k, "
                             f"p.{key} AS id{carry} FROM {q(t.name)} p{join}{cond}", f"t{gsel}, k")
        self._tmp(pool.name + "_n", f"SELECT t{gsel}, COUNT(*) AS n FROM {pool.name} GROUP BY t{gsel}", f"t{gsel}")

    def _load_table(self, t: _Table, load: TableLoad) -> None:
        e = t.entity
        # which tenants may hold rows: those with parents in every required tenant-scoped pool
        required = [r for r in t.refs if r.kind == "pool" and not r.optional and r.diamond is None]
        if self._scoped(e):
            conds = [f"t IN (SELECT t FROM {r.pool.name}_n)" for r in required if r.pool and r.pool.scoped]
            where = f" WHERE {' AND '.join(conds)}" if conds else ""
            self._tmp("seed_elig", f"SELECT ROW_NUMBER() OVER (ORDER BY t) - 1 AS k, t, id AS tid "
                                   f"FROM seed_tenant{where}", "k")
            eligible = int(self.fetch("SELECT COUNT(*) FROM seed_elig")[0][0])
        else:
            self._tmp("seed_elig", "SELECT 0 AS k, 0 AS t, NULL AS tid", "k")
            eligible = 1
        for r in required:
            if r.pool is not None and not r.pool.scoped:
                n = self.fetch(f"SELECT COUNT(*) FROM {r.pool.name}")[0][0]
                if not n:
                    eligible = 0
        if eligible == 0:
            self.report.notes.append(f"{t.name}: no parents to reference, left empty")
            return
        insert_cols = [c for c in t.columns if not c.generated and self._generates(t, c)]
        loaded = 0
        offset = 0
        want = t.target
        while loaded < t.target and load.rounds < MAX_ROUNDS:
            load.rounds += 1
            batch = want
            self._tmp("seed_s", self._staging(t, offset, batch, eligible))
            # the first round of a table whose only colliding key is numbered per reference value cannot
            # collide once the rows past the parents' count are dropped: a plain INSERT (no unique index
            # needed); the rounds after it may collide with the rows already there
            dedup = load.rounds == 1 and t.sequenced_only
            if load.rounds == 2 and t.sequenced_only and self.before_refill is not None:
                self.before_refill(t.name)
            sql = self._insert(t, insert_cols, dedup=dedup)
            added = self.run(sql)
            self.log(f"    round {load.rounds}: {batch} drawn, {added} inserted")
            offset += batch
            loaded += max(added, 0)
            missing = t.target - loaded
            if added <= 0 or missing <= max(1, t.target // 200):
                break
            accept = max(added / batch, 0.2)
            want = min(int(missing / accept) + 1, t.target)
        load.rows = loaded
        if loaded < t.target * 0.9:
            self.report.notes.append(f"{t.name}: {loaded} of {t.target} rows (unique keys of references "
                                     "saturated)")

    def _staging(self, t: _Table, offset: int, n: int, eligible: int) -> str:
        r = self.d.rand()
        cols = [f"g.{self.d.q('i') if self.d.name == 'postgres' else 'seq'} AS i",
                f"{self.d.int_(f'{eligible} * POWER({r}, {TENANT_SKEW})')} AS tk"]
        for pos, ref in enumerate(t.refs):
            if ref.kind == "pool":
                cols.append(f"POWER({r}, {ref.exponent}) AS r{pos}")
                if ref.optional:
                    cols.append(f"{r} AS n{pos}")
        return f"SELECT {', '.join(cols)} FROM {self.d.series(offset + 1, offset + n)}"

    def _generates(self, t: _Table, c: _Column) -> bool:
        """Whether the load writes this column (else its default applies)."""
        f = c.field
        if f is None:
            return not c.nullable and not c.has_default
        if f.origin is FieldOrigin.ID or (f.name in t.entity.primary_key and f.kind is not FieldKind.REFERENCE):
            return not c.has_default or "uuid" in c.type
        if f.origin is FieldOrigin.VERSION or f.maintained:
            return not c.has_default
        return True

    def _insert(self, t: _Table, cols: list[_Column], *, dedup: bool = False) -> str:
        """INSERT ... SELECT over the staged draws: one fenced level per reference (a parent picked by its
        index among the tenant's parents), then the columns (level a), then the derived ones (level b)."""
        q = self.d.q
        fence = " LIMIT 18446744073709551615" if self.d.name == "mariadb" else " OFFSET 0"
        n = t.target
        created = self.d.ago(f"({self.horizon_s:.0f} * (1 - (MOD(s.i - 1, {n}) + {self.d.rand()}) / {n}))")
        level = f"SELECT s.*, el.t, el.tid, {created} AS ts FROM seed_s s JOIN seed_elig el ON el.k = s.tk"
        ref_expr: dict[str, str] = {}
        for pos, ref in enumerate(t.refs):
            if ref.kind == "tenant":
                ref_expr[ref.column] = "s.tid"
                continue
            if ref.kind == "self" or ref.pool is None:
                continue
            pool = ref.pool
            if ref.sequence:
                partition = ", ".join(f"x.ref{j}" for j in ref.sequence)
                window = f"OVER (PARTITION BY {partition} ORDER BY x.i)"
                level = (f"SELECT x.*, ROW_NUMBER() {window} - 1 AS rn{pos}, FIRST_VALUE(x.r{pos}) {window} AS f{pos} "
                         f"FROM ({level}{fence}) x")
            kind = "LEFT JOIN" if ref.optional else "JOIN"
            on_n: list[str] = []
            on_p: list[str] = []
            if pool.scoped:
                on_n.append("c.t = x.t")
                on_p.append("p.t = x.t")
            if ref.diamond is not None:
                first, carried = ref.diamond
                on_n.append(f"c.g = x.x{first}_{carried}")
                on_p.append(f"p.g = x.x{first}_{carried}")
            k = self.d.int_(f"c.n * x.r{pos}")
            if ref.sequence:
                # consecutive parents from one (skewed) start per value of the key's other references
                k = f"MOD({self.d.int_(f'c.n * x.f{pos}')} + x.rn{pos}, c.n)"
            # two levels: the index among the parents first (it needs their count), then the parent by
            # (tenant, index): a plain equality join
            wrapped = f" WHERE x.rn{pos} < c.n" if dedup and ref.sequence else ""
            level = (f"SELECT x.*, {k} AS k{pos} FROM ({level}{fence}) x "
                     f"{kind} {pool.name}_n c ON {' AND '.join(on_n) or '1 = 1'}{wrapped}")
            on_p.append(f"p.k = x.k{pos}")
            if ref.optional:
                on_p.append(f"x.n{pos} >= {OPTIONAL_NULL}")
            carry = "".join(f", p.{q('x_' + col)} AS x{pos}_{col}" for col in pool.carry)
            level = (f"SELECT x.*, p.id AS ref{pos}{carry} FROM ({level}{fence}) x "
                     f"{kind} {pool.name} p ON {' AND '.join(on_p)}")
            ref_expr[ref.column] = f"s.ref{pos}"
        level_a: list[str] = ["s.i AS _i"]
        level_b: list[str] = []
        plans = _ColumnPlanner(self, t, ref_expr)
        for c in cols:
            a, b = plans.column(c)
            level_a.append(f"{a} AS {q(c.name)}")
            level_b.append(b if b is not None else f"a.{q(c.name)}")
        for extra, expr in plans.helpers.items():
            level_a.append(f"{expr} AS {q(extra)}")
        # each fence keeps a level a derived table of its own: every draw is made once per row
        inner = f"SELECT {', '.join(level_a)} FROM ({level}{fence}) s{fence}"
        select = f"SELECT {', '.join(level_b)} FROM ({inner}) a"
        names = ", ".join(q(c.name) for c in cols)
        skip = t.collisions and not dedup
        if self.d.name == "postgres":
            conflict = " ON CONFLICT DO NOTHING" if skip else ""
            return f"INSERT INTO {q(t.name)} ({names}) {select}{conflict}"
        return f"INSERT {'IGNORE ' if skip else ''}INTO {q(t.name)} ({names}) {select}"

    def _self_refs(self, t: _Table) -> None:
        """Self references (a category tree): 80 % of rows point at an earlier row (of the same tenant)."""
        q = self.d.q
        key = q(t.key_column)
        tenant = t.entity.tenant_field
        part = f"PARTITION BY {q(column_name(tenant))} " if tenant is not None else ""
        tsel = f", {q(column_name(tenant))} AS t" if tenant is not None else ", 0 AS t"
        for ref in t.refs:
            if ref.kind != "self":
                continue
            self._tmp("seed_self", f"SELECT {key} AS id{tsel}, ROW_NUMBER() OVER ({part}ORDER BY {key}) - 1 AS k "
                                   f"FROM {q(t.name)}", "t, k")
            self._tmp("seed_self2", f"SELECT id, t, {self.d.int_(f'k * {self.d.rand()}')} AS pk FROM seed_self "
                                    f"WHERE k > 0 AND {self.d.rand()} < 0.8")
            col = q(ref.column)
            if self.d.name == "postgres":
                self.run(f"UPDATE {q(t.name)} c SET {col} = p.id FROM seed_self2 s JOIN seed_self p "
                         f"ON p.t = s.t AND p.k = s.pk WHERE c.{key} = s.id")
            else:
                self.run(f"UPDATE {q(t.name)} c JOIN seed_self2 s ON c.{key} = s.id JOIN seed_self p "
                         f"ON p.t = s.t AND p.k = s.pk SET c.{col} = p.id")

    def _aggregates(self) -> None:
        """Maintained aggregates, computed once from the loaded children (the triggers did not run)."""
        q = self.d.q
        for agg in self.design.relational.aggregates:
            parent = self.tables.get(agg.entity)
            child = self.tables.get(agg.child)
            if parent is None or child is None:
                continue
            pf = parent.entity.field(agg.field)
            via = child.entity.field(agg.via)
            if pf is None or via is None:
                continue
            conds = [_predicate_sql(self.d, child.entity, p, "c") for p in agg.where]
            if _has(child, "deleted_at"):
                conds.append(f"c.{q('deleted_at')} IS NULL")
            value = "COUNT(*)"
            if agg.func != "count" and agg.child_field:
                cf = child.entity.field(agg.child_field)
                value = f"{agg.func.upper()}(c.{q(column_name(cf) if cf else agg.child_field)})"
            where = f" WHERE {' AND '.join(conds)}" if conds else ""
            sub = (f"SELECT c.{q(column_name(via))} AS pid, {value} AS v FROM {q(child.name)} c{where} "
                   f"GROUP BY c.{q(column_name(via))}")
            col = q(column_name(pf))
            if self.d.name == "postgres":
                self.run(f"UPDATE {q(parent.name)} p SET {col} = s.v FROM ({sub}) s "
                         f"WHERE p.{q(parent.key_column)} = s.pid")
            else:
                self.run(f"UPDATE {q(parent.name)} p JOIN ({sub}) s ON p.{q(parent.key_column)} = s.pid "
                         f"SET p.{col} = s.v")


class _ColumnPlanner:
    """The expressions that generate each column: level a (over the staged draws and picked parents) and
    level b (over level a's columns: values derived from other columns, numbered per reference value)."""

    def __init__(self, loader: _Loader, t: _Table, ref_expr: dict[str, str]) -> None:
        self.ld = loader
        self.d = loader.d
        self.t = t
        self.e = t.entity
        self.ref_expr = ref_expr
        self.n = t.target
        self.helpers: dict[str, str] = {"_ts": self.ts()}
        self.unique_mode = _unique_modes(t.entity)
        # `a <= b`: b is derived from a (b = a + delta); `a >= b`: a = b + delta; `a = b`: a = b
        self.dependents: dict[str, tuple[str, int]] = {}
        for c in t.entity.checks:
            if c.kind != "fields" or not c.field or not c.other:
                continue
            if c.op in ("<", "<="):
                self.dependents[c.other] = (c.field, int(c.op == "<"))
            elif c.op in (">", ">=", "!="):
                self.dependents[c.field] = (c.other, int(c.op != ">="))
            elif c.op == "=":
                self.dependents[c.field] = (c.other, -1)

    def ts(self) -> str:
        """The row's creation time (drawn in the first level): older rows first, over the whole horizon."""
        return "s.ts"

    def later(self, days: float) -> str:
        """A time after the row's creation (up to `days` later), never after now."""
        d = self.d
        return f"LEAST({d.plus(self.ts(), f'{d.rand()} * {86400 * days:.0f}')}, {d.now()})"

    def column(self, c: _Column) -> tuple[str, str | None]:
        """(level a expression, level b expression or None for level a's value)."""
        d = self.d
        q = d.q
        f = c.field
        if f is None:
            return self._by_type(c, unique=False), None
        if f.kind is FieldKind.REFERENCE:
            return self.ref_expr.get(c.name) or d.null(c.type), None
        if f.origin is FieldOrigin.ID:
            if self.ld.model.settings.ids == "uuid7" and ("uuid" in c.type or "binary(16)" in c.type):
                # time-ordered like the schema's default, with the row's own creation time
                return d.uuid7(self.ts(), d.concat(d.lit(self.t.name), d.text("s.i")), c.type), None
            return self._by_type(c, unique=True), None
        if f.origin is FieldOrigin.CREATED_AT:
            return self.ts(), None
        if f.origin is FieldOrigin.UPDATED_AT:
            return self.later(30), None
        if f.origin is FieldOrigin.DELETED_AT:
            if self.e.tenant_root:
                return d.null(c.type), None
            return f"CASE WHEN {d.rand()} < {SOFT_DELETED} THEN {self.later(30)} END", None
        if f.maintained:
            return "0", None
        mode = self.unique_mode.get(f.name)
        if mode == "window":
            partition = ", ".join(f"a.{q(x)}" for x in _unique_partition(self.e, f.name))
            rn = f"(ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY a.{q('_i')}) - 1)"
            scalar = f.scalar
            if scalar is not None and scalar.kind is ScalarKind.ENUM:
                # beyond the members, the numbers wrap around: those rows collide and are skipped
                return "0", d.nth(list(scalar.values), f"MOD({rn}, {len(scalar.values)})")
            if scalar is not None and scalar.kind is ScalarKind.BOOL:
                return "0", f"(MOD({rn}, 2) = 0)"
            return "0", f"({rn} + {_low_bound(f)})"
        if f.name in self.dependents:
            return d.null(c.type), self._dependent(c, *self.dependents[f.name])
        value = self._value(c, unique=mode == "row")
        if c.group_optional:
            # an optional value object is all there or all absent
            group = "_null_" + f.name
            self.helpers.setdefault(group, d.rand())
            return value, f"CASE WHEN a.{q(group)} < {OPTIONAL_NULL} THEN NULL ELSE a.{q(c.name)} END"
        return value, None

    def _dependent(self, c: _Column, source: str, strict: int) -> str:
        """The greater side of a field comparison, derived from the other side (level a): `source` plus a
        positive delta (at least 1 when `strict`; none at all when -1: an equality)."""
        d = self.d
        q = d.q
        other_f = self.e.field(source)
        other = f"a.{q(column_name(other_f))}" if other_f is not None else "NULL"
        f = c.field
        assert f is not None
        is_time = f.scalar is not None and f.scalar.kind in (ScalarKind.TIMESTAMP, ScalarKind.DATE)
        if strict < 0:
            value = other
        elif is_time:
            value = d.plus(other, f"({strict} + {d.rand()} * 86400 * 7)")
        else:
            value = f"({other} + {strict} + {d.int_(f'{d.rand()} * 100')})"
        if f.optional:
            return f"CASE WHEN {d.rand()} < {OPTIONAL_NULL} THEN NULL ELSE {value} END"
        fallback = f"a.{q('_ts')}" if is_time else str(_low_bound(f))
        return f"COALESCE({value}, {fallback})"

    def _value(self, c: _Column, *, unique: bool) -> str:
        d = self.d
        f = c.field
        assert f is not None
        own = c.sub if c.sub is not None else f
        scalar = own.scalar
        if f.kind is FieldKind.LIST or own.kind is FieldKind.LIST:
            expr = d.list_of(c.type)
        elif scalar is None:
            expr = self._by_type(c, unique=unique)
        else:
            expr = self._scalar(c, scalar.kind, own.checks, unique, own)
        if own.optional and not unique:
            expr = f"CASE WHEN {d.rand()} < {OPTIONAL_NULL} THEN NULL ELSE {expr} END"
        return expr

    def _scalar(self, c: _Column, kind: ScalarKind, checks: Sequence[Check], unique: bool, f: Field) -> str:
        d = self.d
        i = "s.i"
        name = c.name
        length = _length(c.type) or (f.scalar.length if f.scalar else None)
        default = f.default.value if f.default is not None and f.default.kind == "literal" else None
        if kind is ScalarKind.ENUM:
            values, cum = _enum_shares(self.e, f, self.ld.shares.get(f"{self.e.name}.{f.name}", {}))
            return d.pick(values, cum)
        if kind is ScalarKind.BOOL:
            share = 0.9 if default is True else (0.1 if default is False else 0.5)
            return f"({d.rand()} < {share})"
        if kind in (ScalarKind.SMALLINT, ScalarKind.INT, ScalarKind.BIGINT, ScalarKind.DECIMAL, ScalarKind.FLOAT):
            return self._number(c, kind, checks, unique, f)
        if kind is ScalarKind.EMAIL:
            return d.concat(d.lit("user"), d.text(i), d.lit("@example.com"))
        if kind is ScalarKind.URL:
            return d.concat(d.lit(f"https://example.com/{name}/"), d.text(i))
        if kind is ScalarKind.UUID:
            return d.uuid_of(d.concat(d.lit(name), d.text(i)), c.type) if unique else \
                d.uuid_of(d.text(d.rand()), c.type)
        if kind is ScalarKind.TIMESTAMP and c.field is not None and c.field.expires:
            # an expiring row lives until its instant, and the purge removes it soon after: the table holds
            # live rows, up to 30 days ahead, and a few (2 %) expired ones the purge has not reached yet
            return d.plus(d.now(), f"({d.rand()} - 0.02) * {86400 * 30}")
        if kind is ScalarKind.TIMESTAMP:
            return self.later(30)
        if kind is ScalarKind.DATE:
            return d.date_expr()
        if kind is ScalarKind.JSON:
            return d.json_of(f"MOD({i}, 10)")
        if kind is ScalarKind.BYTES:
            return d.bytes_of(d.text(i))
        # strings and text
        limit = length
        for ch in checks:
            if ch.kind == "length" and isinstance(ch.value, int | float):
                limit = int(ch.value) if limit is None else min(limit, int(ch.value))
        if unique:
            prefix = name[: max(0, (limit or 64) - 9)]
            expr = d.concat(d.lit(prefix), d.text(i)) if prefix else d.text(i)
            return expr
        if isinstance(default, str):
            expr = f"CASE WHEN {d.rand()} < 0.8 THEN {d.lit(default)} ELSE {d.lit(default[::-1] or 'x')} END"
        elif f.search or kind is ScalarKind.TEXT or (limit or 0) >= 40:
            expr = d.concat(d.word(), d.lit(" "), d.word(), d.lit(" "), d.word(), d.lit(" "), d.text(f"MOD({i}, 997)"))
            if kind is ScalarKind.TEXT and not f.search:
                # a body or description: a few words and ~25-330 more characters (repeat() is cheap)
                times = d.int_(f"1 + {d.rand()} * 12")
                filler = f"REPEAT('lorem ipsum dolor sit amet ', {times}{'::int' if d.name == 'postgres' else ''})"
                expr = d.concat(expr, d.lit(" "), filler)
        else:
            expr = d.concat(d.lit(name[:3]), d.text(f"MOD({i}, 97)"))
        if limit is not None:
            expr = f"LEFT({expr}, {limit})"
        return expr

    def _number(self, c: _Column, kind: ScalarKind, checks: Sequence[Check], unique: bool, f: Field) -> str:
        d = self.d
        low, high = 0.0, 1000.0
        not_zero = False
        for ch in checks:
            if ch.kind == "range" and isinstance(ch.low, int | float) and isinstance(ch.high, int | float):
                low, high = float(ch.low), float(ch.high)
            elif ch.kind == "compare" and isinstance(ch.value, int | float):
                v = float(ch.value)
                if ch.op in (">=", ">"):
                    low, high = v + (1 if ch.op == ">" else 0), v + 1000
                elif ch.op in ("<=", "<"):
                    low, high = v - 1000, v - (1 if ch.op == "<" else 0)
                elif ch.op == "!=":
                    not_zero = True
                    low, high = v + 1, v + 1000
                elif ch.op == "=":
                    low = high = v
        if kind is ScalarKind.SMALLINT:
            high = min(high, 32767)
        if unique:
            return f"({low:g} + s.i)"
        if kind in (ScalarKind.DECIMAL, ScalarKind.FLOAT):
            expr = f"({low:g} + {d.rand()} * {high - low:g})"
            scale = f.scalar.scale if f.scalar is not None and f.scalar.scale is not None else 2
            if kind is ScalarKind.DECIMAL:
                expr = d.decimal(expr, min(scale, 2))
            if not_zero:
                expr = f"GREATEST({expr}, {low:g})"
            return expr
        return f"({low:g} + {d.int_(f'{d.rand()} * {high - low + 1:g}')})"

    def _by_type(self, c: _Column, *, unique: bool) -> str:
        d = self.d
        ty = c.type
        if "uuid" in ty or ty.startswith("binary(16)"):
            return d.uuid_of(d.concat(d.lit(c.name), d.text("s.i")), ty)
        if "int" in ty or "numeric" in ty or "decimal" in ty:
            return "s.i" if unique else d.int_(f"{d.rand()} * 100")
        if "bool" in ty:
            return "TRUE"
        if "time" in ty or "date" in ty:
            return self.ts()
        if "json" in ty:
            return d.json_of("1")
        length = _length(ty) or 64
        return d.concat(d.lit(c.name[: max(1, length - 9)]), d.text("s.i"))


def _unique_modes(e: Entity) -> dict[str, str]:
    """field -> "row" (derived from the row number) or "window" (numbered per value of the references in its
    unique key) for one scalar column of every unique key that has one."""
    modes: dict[str, str] = {}
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    for u in e.uniques:
        fields = [x for x in u.fields if x != tenant]
        scalars = [x for x in fields if not _is_ref(e, x)]
        if not scalars:
            continue
        refs = [x for x in fields if _is_ref(e, x)]
        small = [x for x in scalars if _is_small_scalar(e, x)]
        big = [x for x in scalars if x not in small]
        if big:
            pick = big[0]
            f = e.field(pick)
            numeric = f is not None and f.scalar is not None and f.scalar.kind in (
                ScalarKind.SMALLINT, ScalarKind.INT, ScalarKind.BIGINT)
            modes.setdefault(pick, "window" if refs and numeric else "row")
        elif refs:
            modes.setdefault(small[0], "window")
    return modes


def _reference_keys(e: Entity) -> list[tuple[str, ...]]:
    """Unique keys (and a composite primary key) made of two or more references, the tenant left out."""
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    keys = [u.fields for u in e.uniques]
    if len(e.primary_key) > 1:
        keys.append(e.primary_key)
    out = []
    for fields in keys:
        rest = tuple(x for x in fields if x != tenant)
        if len(rest) >= 2 and all(_is_ref(e, x) for x in rest) and rest not in out:
            out.append(rest)
    return out


def _unique_partition(e: Entity, name: str) -> list[str]:
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    for u in e.uniques:
        if name in u.fields:
            return [column_name(e.field(x) or _missing(e, x)) for x in u.fields
                    if x != name and x != tenant and _is_ref(e, x)] or ["_i"]
    return ["_i"]


def _low_bound(f: Field) -> int:
    for ch in f.checks:
        if ch.kind == "range" and isinstance(ch.low, int | float):
            return int(ch.low)
        if ch.kind == "compare" and isinstance(ch.value, int | float) and ch.op in (">=", ">"):
            return int(ch.value) + (1 if ch.op == ">" else 0)
    return 0


def _is_ref(e: Entity, name: str) -> bool:
    f = e.field(name)
    return f is not None and f.kind is FieldKind.REFERENCE


def _is_small_scalar(e: Entity, name: str) -> bool:
    f = e.field(name)
    return f is not None and f.scalar is not None and f.scalar.kind in (ScalarKind.ENUM, ScalarKind.BOOL) \
        and f.kind is FieldKind.SCALAR


def _missing(e: Entity, name: str) -> Field:
    raise KeyError(f"{e.name}.{name}")


def _has(t: _Table, column: str) -> bool:
    return any(c.name == column for c in t.columns)


def _length(column_type: str) -> int | None:
    m = re.search(r"(?:char|varchar|character varying|character)\((\d+)\)", column_type)
    return int(m.group(1)) if m else None


def _key_column(e: Entity) -> str:
    pk = e.primary_key
    if len(pk) == 1:
        f = e.field(pk[0])
        return column_name(f) if f is not None else pk[0]
    return "id"


def _enum_shares(e: Entity, f: Field, given: dict[str, float]) -> tuple[list[str], list[float]]:
    """Members and cumulative shares: the `given` ones and declared conditional volumes first, then the
    default member 95 % of what is left, the others halving."""
    assert f.scalar is not None
    values = list(f.scalar.values)
    shares: dict[str, float] = {k: v for k, v in given.items() if k in values}
    total = max(e.volume.at_horizon, 1.0)
    for cv in e.volume.conditional:
        if len(cv.where) == 1:
            p = cv.where[0]
            if p.steps == (f.name,) and p.op == "=" and isinstance(p.value, Const) and p.value.value in values:
                shares.setdefault(str(p.value.value), min(cv.rows / total, 1.0))
    rest = [v for v in values if v not in shares]
    left = max(1.0 - sum(shares.values()), 0.0)
    default = f.default.value if f.default is not None and f.default.kind == "literal" else None
    if rest:
        if default in rest and len(rest) > 1:
            shares[str(default)] = left * 0.95
            rest.remove(str(default))
            left *= 0.05
        weights = [0.5**k for k in range(len(rest))]
        for v, w in zip(rest, weights, strict=True):
            shares[v] = left * w / sum(weights)
    ordered = [v for v in values if shares.get(v, 0) > 0] or values[:1]
    cum: list[float] = []
    acc = 0.0
    for v in ordered:
        acc += shares.get(v, 0.0)
        cum.append(acc)
    cum[-1] = 1.0
    return ordered, cum


def _role_filter(f: Field, target: Entity) -> tuple[str, str] | None:
    """`instructor User` with `User.role enum(student, instructor, admin)`: only instructors."""
    names = {f.name, singular(f.name)}
    for tf in target.fields:
        if tf.kind is FieldKind.SCALAR and tf.scalar is not None and tf.scalar.kind is ScalarKind.ENUM:
            for v in tf.scalar.values:
                if v in names:
                    return column_name(tf), v
    return None


def _dependency_order(model: Model) -> list[Entity]:
    done: list[Entity] = []
    seen: set[str] = set()

    def visit(e: Entity, stack: tuple[str, ...]) -> None:
        if e.name in seen:
            return
        for f in e.references:
            if f.target and f.target != e.name and f.target not in stack:
                visit(model.entity(f.target), (*stack, e.name))
        seen.add(e.name)
        done.append(e)

    for e in model.entities:
        visit(e, ())
    return done


def _match_columns(model: Model, e: Entity, catalog: list[_Column]) -> list[_Column]:
    """The catalog's columns with the IR field behind each (None for a column the IR does not know)."""
    by_name: dict[str, tuple[Field, Field | None, bool]] = {}
    for f in e.stored_fields:
        if f.kind is FieldKind.EMBEDDED and f.target:
            for name, sub, opt in _embedded_columns(model, f, column_name(f), f.optional):
                by_name[name] = (f, sub, opt)
        else:
            by_name[column_name(f)] = (f, None, False)
    out = []
    for c in catalog:
        found = by_name.get(c.name)
        if found is not None:
            c.field, c.sub, c.group_optional = found
        out.append(c)
    return out


def _embedded_columns(model: Model, f: Field, prefix: str, optional: bool) -> Iterator[tuple[str, Field, bool]]:
    for sub in model.value_type(f.target or "").fields:
        name = f"{prefix}_{column_name(sub)}"
        if sub.kind is FieldKind.EMBEDDED:
            yield from _embedded_columns(model, sub, name, optional or sub.optional)
        else:
            yield name, sub, optional


def _predicate_sql(d: _Dialect, e: Entity, p: Predicate, alias: str) -> str:
    """A constant predicate on `alias` (a row of `e`)."""
    f = e.field(p.field)
    col = f"{alias}.{d.q(column_name(f) if f is not None else p.field)}"
    if p.op == "is_null":
        return f"{col} IS NULL"
    if p.op == "is_not_null":
        return f"{col} IS NOT NULL"
    value = p.value.value if isinstance(p.value, Const) else None
    op = {"!=": "<>"}.get(p.op, p.op)
    if op in ("=", "<>", "<", "<=", ">", ">="):
        return f"{col} {op} {d.lit(value)}"
    return "TRUE"


# --- PostgreSQL -------------------------------------------------------------------------------------------------


def _pg_catalog(conn: Any) -> dict[str, list[_Column]]:
    rows = conn.execute(
        """
        SELECT c.relname, a.attname, lower(format_type(a.atttypid, a.atttypmod)), NOT a.attnotnull,
               d.adbin IS NOT NULL, a.attidentity <> '' OR a.attgenerated <> ''
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0
          AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum
        """
    ).fetchall()
    out: dict[str, list[_Column]] = {}
    for table, name, ty, nullable, has_default, generated in rows:
        out.setdefault(table, []).append(_Column(name, ty, bool(nullable), bool(has_default), bool(generated)))
    return out


def seed_postgres(conn: Any, design: Design, *, scale: float = 1.0, seed: int = 7, log: Log | None = None,
                  shares: dict[str, dict[str, float]] | None = None, vacuum: bool = True) -> SeedReport:
    """Load synthetic rows into the (empty) schema of `design` on the psycopg connection `conn` (autocommit,
    superuser: triggers are skipped with session_replication_role), then VACUUM ANALYZE. `shares` fixes the
    share of enum members (`{"User.role": {"instructor": 0.005}}`); `seed` seeds random()."""
    def run(sql: str) -> int:
        cur = conn.execute(sql)
        return int(cur.rowcount or 0)

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        return list(conn.execute(sql).fetchall())

    conn.execute(f"SELECT setseed({(seed % 1000) / 1000.0})")
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET maintenance_work_mem = '256MB'")
    conn.execute("SET work_mem = '64MB'")
    loader = _Loader(design, _Pg(), run, fetch, scale, log, shares)
    tables = loader.plan(_pg_catalog(conn))
    # indexes nothing depends on are built after the load (a sorted build, not row-by-row inserts), except
    # the unique ones of tables whose rows may collide (ON CONFLICT needs them)
    colliding = {t.name for t in tables if t.collisions and not t.sequenced_only}
    later = [(name, ddl, table) for name, ddl, table, unique in conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), t.relname, i.indisunique
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relnamespace = 'public'::regnamespace AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """).fetchall() if not (unique and table in colliding)]
    for name, _, _ in later:
        conn.execute(f"DROP INDEX {name}")

    def build_now(table: str) -> None:  # a table's unique indexes, before rows that may collide
        for item in [x for x in later if x[2] == table and " UNIQUE " in x[1]]:
            conn.execute(item[1])
            later.remove(item)

    loader.before_refill = build_now
    try:
        loader.load(tables)
    finally:
        conn.execute("SET session_replication_role = DEFAULT")
        t0 = time.monotonic()
        for _, ddl, _ in later:
            conn.execute(ddl)
        if log:
            log(f"  {len(later)} indexes built after the load ({time.monotonic() - t0:.1f} s)")
    t0 = time.monotonic()
    conn.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
    loader.report.seconds += time.monotonic() - t0
    return loader.report


def check_foreign_keys(conn: Any, engine: Literal["postgres", "mariadb"] = "postgres") -> list[str]:
    """Rows whose foreign key has no parent (the load skipped the foreign-key checks): one line per broken
    foreign key. `conn` is a psycopg connection, or a PyMySQL one with engine="mariadb"."""
    if engine == "mariadb":
        return _maria_foreign_keys(conn)
    fks = conn.execute(
        """
        SELECT con.conname, con.conrelid::regclass::text, con.confrelid::regclass::text,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o),
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)
        FROM pg_constraint con WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
        """
    ).fetchall()
    problems = []
    for name, child, parent, cols, pcols in fks:
        join = " AND ".join(f'p."{pc}" = c."{cc}"' for cc, pc in zip(cols, pcols, strict=True))
        notnull = " AND ".join(f'c."{cc}" IS NOT NULL' for cc in cols)
        n = conn.execute(f"SELECT count(*) FROM {child} c WHERE {notnull} AND NOT EXISTS "
                         f"(SELECT 1 FROM {parent} p WHERE {join})").fetchone()[0]
        if n:
            problems.append(f"{name}: {n} row(s) of {child} without a parent in {parent}")
    return problems


# --- MariaDB ----------------------------------------------------------------------------------------------------


def _maria_foreign_keys(conn: Any) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT CONSTRAINT_NAME, TABLE_NAME, REFERENCED_TABLE_NAME, COLUMN_NAME, REFERENCED_COLUMN_NAME "
            "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() "
            "AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY CONSTRAINT_NAME, TABLE_NAME, ORDINAL_POSITION"
        )
        fks: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        for name, child, parent, col, pcol in cur.fetchall():
            fks.setdefault((name, child, parent), []).append((col, pcol))
        problems = []
        for (name, child, parent), cols in fks.items():
            join = " AND ".join(f"p.`{pc}` = c.`{cc}`" for cc, pc in cols)
            notnull = " AND ".join(f"c.`{cc}` IS NOT NULL" for cc, _ in cols)
            cur.execute(f"SELECT COUNT(*) FROM `{child}` c WHERE {notnull} AND NOT EXISTS "
                        f"(SELECT 1 FROM `{parent}` p WHERE {join})")
            n = cur.fetchone()[0]
            if n:
                problems.append(f"{name}: {n} row(s) of {child} without a parent in {parent}")
    return problems


def _maria_catalog(conn: Any) -> dict[str, list[_Column]]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT TABLE_NAME, COLUMN_NAME, LOWER(COLUMN_TYPE), IS_NULLABLE = 'YES', COLUMN_DEFAULT IS NOT NULL "
            "AND COLUMN_DEFAULT <> 'NULL', EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION"
        )
        rows = cur.fetchall()
    out: dict[str, list[_Column]] = {}
    for table, name, ty, nullable, has_default, extra in rows:
        extra = (extra or "").lower()
        generated = "auto_increment" in extra or ("generated" in extra and "default_generated" not in extra)
        out.setdefault(table, []).append(_Column(name, ty, bool(nullable), bool(has_default), generated))
    return out


def _maria_triggers(conn: Any) -> list[tuple[str, str]]:
    with conn.cursor() as cur:
        cur.execute("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
                    "ORDER BY ACTION_ORDER")
        names = [r[0] for r in cur.fetchall()]
        out = []
        for name in names:
            cur.execute(f"SHOW CREATE TRIGGER `{name}`")
            row = cur.fetchone()
            out.append((name, row[2]))
    return out


def seed_mariadb(conn: Any, design: Design, *, scale: float = 1.0, log: Log | None = None,
                 shares: dict[str, dict[str, float]] | None = None) -> SeedReport:
    """Load synthetic rows into the (empty) MySQL-target schema of `design` on a PyMySQL connection
    (autocommit): triggers dropped for the load and re-created, foreign_key_checks off; then ANALYZE TABLE."""
    def run(sql: str) -> int:
        with conn.cursor() as cur:
            n = cur.execute(sql)
            if cur.warning_count:
                cur.execute("SHOW WARNINGS")
                bad = [w for w in cur.fetchall() if int(w[1]) not in (1062, 1051)]
                if bad:
                    raise AssertionError(f"MariaDB warnings while seeding: {bad[:5]}\n{sql[:2000]}")
            return int(n or 0)

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    run("SET SESSION foreign_key_checks = 0")
    run("SET SESSION max_error_count = 65535")
    run("SET SESSION max_heap_table_size = 4294967296")
    run("SET SESSION tmp_table_size = 4294967296")
    triggers = _maria_triggers(conn)
    for name, _ in triggers:
        run(f"DROP TRIGGER `{name}`")
    loader = _Loader(design, _Maria(), run, fetch, scale, log, shares)
    try:
        tables = loader.plan(_maria_catalog(conn))
        loader.load(tables)
    finally:
        for _, create in triggers:
            run(create)
        run("SET SESSION foreign_key_checks = 1")
    t0 = time.monotonic()
    for t in loader.report.tables:
        fetch(f"ANALYZE TABLE `{t.table}`")
    loader.report.seconds += time.monotonic() - t0
    return loader.report


# --- queries.sql ---------------------------------------------------------------------------------------------------


@dataclass
class NamedQuery:
    """One statement of queries.sql: `-- name: Name :kind`, its notes, `-- params: name TYPE [NULL], ...`."""

    name: str
    kind: str
    sql: str
    params: list[tuple[str, str, bool]]  # (name, SQL type, may be NULL) in placeholder order
    notes: list[str]

    @property
    def index_note(self) -> str | None:
        """The index the generator says serves it (`...; index <name>`), or "primary key"."""
        for n in self.notes:
            m = re.search(r";\s*index\s+(\S+)\s*$", n)
            if m:
                return m.group(1)
            if n.rstrip().endswith("primary key"):
                return "primary key"
        return None


def parse_queries(text: str) -> list[NamedQuery]:
    out: list[NamedQuery] = []
    blocks = re.split(r"(?m)^-- name: ", text)[1:]
    for block in blocks:
        lines = block.splitlines()
        head = lines[0].split()
        name, kind = head[0], head[1] if len(head) > 1 else ":exec"
        notes: list[str] = []
        params: list[tuple[str, str, bool]] = []
        body: list[str] = []
        for line in lines[1:]:
            if not body and line.startswith("-- params: "):
                params = [_param(p) for p in _split_params(line[len("-- params: "):])]
            elif not body and line.startswith("-- "):
                notes.append(line[3:])
            elif line.strip() or body:
                body.append(line)
        sql = "\n".join(body).strip().rstrip(";").strip()
        out.append(NamedQuery(name, kind, sql, params, notes))
    return out


def _split_params(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _param(text: str) -> tuple[str, str, bool]:
    name, _, rest = text.partition(" ")
    nullable = rest.endswith(" NULL")
    return name, rest.removesuffix(" NULL").strip(), nullable


def query_of(model: Model, named: NamedQuery) -> Query | None:
    return next((q for q in model.queries if pascal(q.name) == named.name), None)


# --- parameters drawn from the data ----------------------------------------------------------------------------------


@dataclass
class ParamSet:
    label: str  # "biggest" | "random"
    values: list[Any]
    tenant: Any = None
    after: dict[str, str] = field(default_factory=dict)  # keyset param -> result column


def draw_params(conn: Any, engine: Literal["postgres", "mariadb"], model: Model, query: Query,
                named: NamedQuery, *, biggest: int = 1, randoms: int = 1, seed: int = 11) -> list[ParamSet]:
    """Parameter sets for one read access pattern, from the loaded rows: the `biggest` groups (the parameter
    values matching most rows: the biggest tenant, student, course...) and `randoms` random rows."""
    d: _Dialect = _Pg() if engine == "postgres" else _Maria()
    q = d.q
    root = model.entity(query.entity)
    alias = "r"
    joins: list[str] = []
    conds: list[str] = []
    aliases: dict[tuple[str, ...], tuple[str, Entity]] = {(): (alias, root)}
    tenant_col = column_name(root.tenant_field) if root.tenant_field is not None else None
    if root.tenant_root:  # row-level security shows a tenant root's row to the session of that tenant only
        tenant_col = _key_column(root)

    def path(steps: tuple[str, ...]) -> tuple[str, Entity]:
        cur = ()
        a, e = aliases[()]
        for step in steps[:-1]:
            cur = (*cur, step)
            if cur not in aliases:
                f = e.field(step) or _missing(e, step)
                target = model.entity(f.target or "")
                na = f"j{len(aliases)}"
                on = [f"{na}.{q(_key_column(target))} = {a}.{q(column_name(f))}"]
                if target.tenant_field is not None and e.tenant_field is not None:
                    tc = column_name(target.tenant_field)
                    on.append(f"{na}.{q(tc)} = {a}.{q(column_name(e.tenant_field))}")
                joins.append(f"JOIN {q(table_name(model, target))} {na} ON {' AND '.join(on)}")
                aliases[cur] = (na, target)
            a, e = aliases[cur]
        return a, e

    if root.soft_delete:
        conds.append(f"{alias}.{q('deleted_at')} IS NULL")
    group: list[str] = []
    sample: list[str] = []
    agg: list[str] = []
    slots: list[tuple[str, str, Predicate]] = []  # (param name, how, predicate)
    if tenant_col is not None:
        group.append(f"{alias}.{q(tenant_col)}")
    for p in query.where:
        a, e = path(p.steps)
        f = e.field(p.field)
        col = f"{a}.{q(column_name(f) if f is not None else p.field)}"
        if p.is_constant:
            conds.append(_predicate_sql(d, e, p, a))
            continue
        if p.op in ("=", "in"):
            group.append(col)
            conds.append(f"{col} IS NOT NULL")
            slots.append((_pname(p.value), "eq" if p.op == "=" else "in", p))
        elif p.op in ("<", "<="):
            conds.append(f"{col} IS NOT NULL")
            sample.append(col)
            agg.append(f"MAX({col})")
            slots.append((_pname(p.value), "range", p))
        elif p.op in (">", ">="):
            conds.append(f"{col} IS NOT NULL")
            sample.append(col)
            agg.append(f"MIN({col})")
            slots.append((_pname(p.value), "range", p))
        elif p.op == "between":
            conds.append(f"{col} IS NOT NULL")
            sample.append(col)
            agg.append(f"MIN({col})")
            agg.append(f"MAX({col})")
            slots.append((_pname(p.value), "low", p))
            slots.append((_pname(p.value2), "high", p))
        elif p.op == "match":
            first = f"split_part({col}, ' ', 1)" if engine == "postgres" else f"SUBSTRING_INDEX({col}, ' ', 1)"
            sample.append(first)
            agg.append(f"MIN({first})")
            slots.append((_pname(p.value), "match", p))
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    base = f"FROM {q(table_name(model, root))} {alias} {' '.join(joins)}{where}"
    rows: list[tuple[str, tuple[Any, ...]]] = []
    if biggest:
        sel = group + agg
        if not sel:
            sel = ["1"]
        grp = f" GROUP BY {', '.join(group)}" if group else ""
        for row in _fetch(conn, engine, f"SELECT {', '.join(sel)} {base}{grp} ORDER BY COUNT(*) DESC LIMIT {biggest}"):
            rows.append(("biggest", row))
    if randoms:
        sel = group + sample or ["1"]
        rnd = "random()" if engine == "postgres" else f"RAND({seed})"
        for row in _fetch(conn, engine, f"SELECT {', '.join(sel)} {base} ORDER BY {rnd} LIMIT {randoms}"):
            rows.append(("random", row))
    out = []
    for label, row in rows:
        values = list(row)
        tenant = values.pop(0) if tenant_col is not None else None
        by_slot: dict[str, Any] = {}
        eq_vals = values[: sum(1 for _, how, _ in slots if how in ("eq", "in"))]
        rest = values[len(eq_vals):]
        for pname, how, p in slots:
            if how in ("eq", "in"):
                v = eq_vals.pop(0)
                by_slot[pname] = [v, *_other_members(model, p, v)] if how == "in" else v
            elif how == "range":
                by_slot[pname] = rest.pop(0)
            elif how == "low":
                low = rest.pop(0)
                high = rest.pop(0) if label == "biggest" else None
                by_slot[pname] = low
                by_slot["\0high"] = high if high is not None else _later(low)
            elif how == "high":
                by_slot[pname] = by_slot.pop("\0high")
            elif how == "match":
                by_slot[pname] = rest.pop(0)
        ps = ParamSet(label, [], tenant)
        for name, _ty, _nullable in named.params:
            if tenant_col is not None and name == tenant_col and name not in by_slot:
                ps.values.append(tenant)
            elif name in by_slot:
                ps.values.append(by_slot[name])
            elif name.startswith("after_"):
                ps.values.append(None)
                ps.after[name] = name[len("after_"):]
            else:
                raise KeyError(f"{named.name}: no value for parameter {name}")
        out.append(ps)
    return out


def _pname(v: object) -> str:
    return v.name if isinstance(v, Param) else ""


def _other_members(model: Model, p: Predicate, v: Any) -> list[Any]:
    e = model.entity(p.entities[-1])
    f = e.field(p.field)
    if f is not None and f.scalar is not None and f.scalar.kind is ScalarKind.ENUM:
        return [x for x in f.scalar.values if x != v][:1]
    return []


def _later(v: Any) -> Any:
    import datetime as dt

    if isinstance(v, dt.datetime | dt.date):
        return v + dt.timedelta(days=7)
    if isinstance(v, int | float):
        return v * 2 + 10
    return v


def _fetch(conn: Any, engine: str, sql: str) -> list[tuple[Any, ...]]:
    if engine == "postgres":
        return list(conn.execute(sql).fetchall())
    with conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


# --- plans ----------------------------------------------------------------------------------------------------------


@dataclass
class Scan:
    node: str  # Seq Scan, Index Scan, Index Only Scan, Bitmap Index Scan, Bitmap Heap Scan, ...
    relation: str | None
    alias: str | None
    index: str | None


def pg_scans(plan: Any) -> list[Scan]:
    """Every scan node of an `EXPLAIN (FORMAT JSON)` result (sub-plans and init-plans included). A Bitmap
    Index Scan carries the relation of the Bitmap Heap Scan above it."""
    out: list[Scan] = []

    def walk(node: dict[str, Any], heap: tuple[str | None, str | None]) -> None:
        kind = node.get("Node Type", "")
        rel, alias = node.get("Relation Name"), node.get("Alias")
        if kind == "Bitmap Heap Scan":
            heap = (rel, alias)
        if kind == "Bitmap Index Scan":
            rel, alias = heap
        if "Scan" in kind:
            out.append(Scan(kind, rel, alias, node.get("Index Name")))
        for child in node.get("Plans", []):
            walk(child, heap)

    doc = plan[0] if isinstance(plan, list) else plan
    if isinstance(doc, str):
        doc = json.loads(doc)[0]
    walk(doc["Plan"], (None, None))
    return out


def mariadb_accesses(explain: Any) -> list[dict[str, Any]]:
    """Every table access of an `EXPLAIN FORMAT=JSON` document: table_name, access_type, key, rows."""
    try:
        doc = json.loads(explain, strict=False) if isinstance(explain, str) else explain
    except json.JSONDecodeError:
        # MariaDB 10.11 does not escape quotes inside some condition strings (e.g. JSON_TABLE paths), so
        # its document is not always JSON: read the access objects' own fields, which it does quote.
        return _accesses_from_text(explain)
    out: list[dict[str, Any]] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if "table_name" in x and "access_type" in x:
                out.append(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return out


_ACCESS_FIELD = re.compile(r'"(table_name|access_type|key|rows)":\s*("(?:[^"\\]|\\.)*"|\d+)')


def _accesses_from_text(explain: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in _ACCESS_FIELD.finditer(explain):
        name, raw = m.group(1), m.group(2)
        value: Any = raw[1:-1] if raw.startswith('"') else int(raw)
        if name == "table_name":
            out.append({"table_name": value})
        elif out and name not in out[-1]:
            out[-1][name] = value
    return [a for a in out if "access_type" in a]


# --- index names in schema.sql --------------------------------------------------------------------------------------

_CREATE_INDEX = re.compile(
    r"CREATE\s+(UNIQUE\s+|FULLTEXT\s+)?INDEX\s+(?:IF NOT EXISTS\s+)?[`\"]?(\w+)[`\"]?\s+ON\s+[`\"]?(\w+)[`\"]?"
    r"(?:\s+USING\s+(\w+))?\s*\(", re.IGNORECASE)


@dataclass
class _EmittedIndex:
    name: str
    table: str
    unique: bool
    method: str
    columns: list[str]  # normalised: "col" or "col desc"; expressions as written
    where: str


def _balanced(text: str, start: int) -> tuple[str, int]:
    depth = 0
    for pos in range(start, len(text)):
        if text[pos] == "(":
            depth += 1
        elif text[pos] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1: pos], pos + 1
    return text[start + 1:], len(text)


def emitted_indexes(schema_sql: str) -> list[_EmittedIndex]:
    out: list[_EmittedIndex] = []
    for m in _CREATE_INDEX.finditer(schema_sql):
        inner, end = _balanced(schema_sql, m.end() - 1)
        tail = schema_sql[end: schema_sql.find(";", end)]
        where = tail.split("WHERE", 1)[1].strip() if "WHERE" in tail else ""
        cols = [_norm_col(c) for c in _split_params(inner)]
        kind = (m.group(1) or "").strip().upper()
        method = "fulltext" if kind == "FULLTEXT" else (m.group(4) or "btree").lower()
        out.append(_EmittedIndex(m.group(2), m.group(3), kind == "UNIQUE", method, cols, where))
    for tm in re.finditer(r"CREATE TABLE\s+[`\"]?(\w+)[`\"]?\s*\(", schema_sql):
        body, _ = _balanced(schema_sql, tm.end() - 1)
        for cm in re.finditer(r"CONSTRAINT\s+[`\"]?(\w+)[`\"]?\s+(PRIMARY KEY|UNIQUE)\s*(?:KEY\s*)?\(([^)]*)\)", body):
            cols = [_norm_col(c) for c in cm.group(3).split(",")]
            out.append(_EmittedIndex(cm.group(1), tm.group(1), True, "btree", cols, ""))
        for cm in re.finditer(r"(?:^|,)\s*PRIMARY KEY\s*\(([^)]*)\)", body):
            cols = [_norm_col(c) for c in cm.group(1).split(",")]
            out.append(_EmittedIndex("PRIMARY", tm.group(1), True, "btree", cols, ""))
    return out


def _norm_col(c: str) -> str:
    c = c.strip().replace('"', "").replace("`", "")
    c = re.sub(r"\s+ASC$", "", c, flags=re.IGNORECASE)
    c = re.sub(r"\(\d+\)$", "", c)  # MySQL prefix length
    c = re.sub(r"^coalesce\((\w+), '[^']*'\)", r"\1", c, flags=re.IGNORECASE)  # a NULL-able keyset sort key
    return re.sub(r"\s+", " ", c).lower()


def index_columns(model: Model, plan: IndexPlan) -> list[str]:
    e = model.entity(plan.entity)
    cols = []
    for part in plan.parts:
        f = e.field(part.field)
        name = column_name(f) if f is not None else snake(part.field)
        cols.append(f"{name} desc" if part.descending else name)
    return cols


def index_names(model: Model, design: Design, schema_sql: str) -> dict[int, str]:
    """Position in design.relational.indexes -> the name schema.sql gives that index, found by its table and columns
    (and, where two indexes share them, its partial predicate)."""
    emitted = emitted_indexes(schema_sql)
    out: dict[int, str] = {}
    model = design.relational.stored(model)  # indexes of junction tables too
    for pos, plan in enumerate(design.relational.indexes):
        table = table_name(model, model.entity(plan.entity))
        cols = index_columns(model, plan)
        cands = []
        for ix in emitted:
            if ix.table != table:
                continue
            if plan.method == "fulltext":
                text_index = ix.method in ("gin", "gist", "fulltext")
                if text_index and all(any(c.split()[0] in ec for ec in ix.columns) for c in cols):
                    cands.append(ix)
                continue
            bare = [c.split()[0] for c in ix.columns]
            if ix.columns[: len(cols)] == cols and (len(ix.columns) == len(cols) or bare[len(cols):] in (
                    ["live_key"], ["deleted_at"])):
                cands.append(ix)
        if len(cands) > 1:
            wants = [w.field for w in plan.where]
            narrowed = [c for c in cands if all(w in c.where for w in wants) and (bool(c.where) == bool(
                plan.where or plan.live_only))]
            cands = narrowed or cands
            cands = [c for c in cands if c.unique == plan.unique] or cands
        if cands:
            out[pos] = cands[0].name
    return out
