"""Loading the examples at scale and checking each read statement's plan on PostgreSQL and MariaDB: the
helpers of tests/test_plans.py (which says what is checked), shared with the other plan tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import json
import os
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
import pymysql
import pytest
from psycopg import sql as psql

from schemac.backends.sql.naming import table_name
from schemac.backends.sql.paging import NEXT as NEXT_PAGE
from schemac.build import BuildResult, build
from schemac.compiler.design.model import Design, RelationalAccess
from schemac.compiler.model import Model, Query
from schemac.compiler.naming import pascal
from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script, database_name
from tests.seed import (
    SEQ_SCAN_ROWS,
    NamedQuery,
    ParamSet,
    SeedReport,
    check_foreign_keys,
    draw_params,
    emitted_indexes,
    index_names,
    mariadb_accesses,
    parse_queries,
    pg_scans,
    query_of,
    scale_for,
    seed_mariadb,
    seed_postgres,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = tuple(p.stem for p in sorted((ROOT / "examples").glob("*.sdl")))
ENGINES = ("postgres", "mariadb")
TARGET = {"postgres": "postgres", "mariadb": "mysql"}
PG_BIGGEST = int(os.environ.get("SCHEMAC_PLANS_PG_ROWS", "200000"))
MARIADB_BIGGEST = int(os.environ.get("SCHEMAC_PLANS_MARIADB_ROWS", "80000"))
ROOT_INDEX_ROWS = 1_000  # a root table of fewer rows (a few pages) may be read whole
PG_INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan")
MARIADB_INDEX_ACCESS = ("ref", "eq_ref", "range", "const", "system", "ref_or_null", "fulltext", "index_merge")
MARIADB_FULL_ACCESS = ("ALL", "index")
OTHER_INDEX = "another index: "


# --- builds and statements (at collection time) -------------------------------------------------------------


@functools.cache
def built(example: str, engine: str) -> BuildResult:
    result = build(ROOT / "examples" / f"{example}.sdl", TARGET[engine])
    if not result.ok or result.design is None:
        raise AssertionError(f"{example} does not build for {TARGET[engine]}: {list(result.diagnostics)}")
    return result


def artifact(result: BuildResult, name: str) -> str:
    return next(a.text for a in result.artifacts if a.path == name)


def statements(example: str, engine: str) -> list[NamedQuery]:
    return [n for n in parse_queries(artifact(built(example, engine), "queries.sql")) if is_read(n)]


def is_read(n: NamedQuery) -> bool:
    return n.kind in (":one", ":many") and re.match(r"\s*(SELECT|WITH)\b", n.sql, re.IGNORECASE) is not None


def cases() -> Iterator[Any]:
    for engine in ENGINES:
        for example in EXAMPLES:
            try:
                names = [n.name for n in statements(example, engine)]
            except Exception as exc:  # reported by the test, not as a collection error
                yield pytest.param(engine, example, f"<build: {exc}>", id=f"{engine}-{example}-build")
                continue
            for name in names:
                yield pytest.param(engine, example, name, id=f"{engine}-{example}-{name}")


# --- loading (module scope, in the background) --------------------------------------------------------------


@dataclass
class Loaded:
    engine: str
    example: str
    server: Any  # PgServer | MariaDbServer
    result: BuildResult
    report: SeedReport
    database: str
    rows: dict[str, float] = field(default_factory=dict)  # table -> rows (planner statistics)
    foreign_key_problems: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # Design.indexes position -> emitted index name

    @property
    def design(self) -> Design:
        assert isinstance(self.result.design, Design)
        return self.result.design

    @property
    def model(self) -> Model:
        return self.design.model


def load_postgres(server: PgServer, example: str) -> Loaded:
    result = built(example, "postgres")
    db = database_name(f"plans_{example}")
    server.fresh_database(db, app_default_privileges=True)
    with server.connect(db) as conn:
        apply_pg_script(conn, artifact(result, "schema.sql"))
        assert isinstance(result.design, Design)
        report = seed_postgres(conn, result.design, scale=scale_for(result.design, PG_BIGGEST))
        problems = check_foreign_keys(conn)
        rows = dict(conn.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        ).fetchall())
    loaded = Loaded("postgres", example, server, result, report, db, rows, problems)
    loaded.names = index_names(loaded.model, loaded.design, artifact(result, "schema.sql"))
    return loaded


def load_mariadb(server: MariaDbServer, example: str) -> Loaded:
    result = built(example, "mariadb")
    kwargs = server.fresh_database(f"plans_{example}")
    conn = pymysql.connect(**kwargs)
    try:
        apply_mysql_script(conn, artifact(result, "schema.sql"))
        assert isinstance(result.design, Design)
        report = seed_mariadb(conn, result.design, scale=scale_for(result.design, MARIADB_BIGGEST))
        problems = check_foreign_keys(conn, "mariadb")
    finally:
        conn.close()
    rows = {t.table: float(t.rows) for t in report.tables}
    loaded = Loaded("mariadb", example, server, result, report, kwargs["database"], rows, problems)
    loaded.names = index_names(loaded.model, loaded.design, artifact(result, "schema.sql"))
    return loaded


@pytest.fixture(scope="module")
def loads(pg_server: PgServer, mariadb_server: MariaDbServer) -> Iterator[dict[tuple[str, str], Future[Loaded]]]:
    """Every (engine, example) database, loaded in the background: PostgreSQL and MariaDB side by side."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="seed")
    futures: dict[tuple[str, str], Future[Loaded]] = {}
    for example in EXAMPLES:
        futures[("postgres", example)] = pool.submit(load_postgres, pg_server, example)
        futures[("mariadb", example)] = pool.submit(load_mariadb, mariadb_server, example)
    try:
        yield futures
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def loaded(loads: dict[tuple[str, str], Future[Loaded]], engine: str, example: str) -> Loaded:
    return loads[(engine, example)].result()


# --- parameters -----------------------------------------------------------------------------------------------


def resolve(model: Model, named: NamedQuery, all_named: list[NamedQuery]) -> tuple[Query | None, NamedQuery | None]:
    """The access pattern of a statement; for a second statement of a pattern ("the Comment rows of the
    parents that TicketDetail returned"), the pattern and the statement it follows."""
    query = query_of(model, named)
    if query is not None:
        return query, None
    first = next((n for n in all_named if n.name + NEXT_PAGE == named.name), None)
    if first is not None:  # the next-page statement of a keyset query: parameters follow its first page
        return query_of(model, first), first
    for note in named.notes:
        m = re.search(r"parents that (\w+) returned", note)
        if m:
            parent = next((n for n in all_named if n.name == m.group(1)), None)
            if parent is not None:
                return query_of(model, parent), parent
    return None, None


def parameter_sets(ld: Loaded, query: Query, named: NamedQuery, parent: NamedQuery | None) -> list[ParamSet]:
    """The biggest group and a random row; for a next-page statement, the page after each one's first page."""
    with connect(ld, owner=True) as owner:
        drawn = draw_params(owner, engine_of(ld), ld.model, query, parent or named)
    assert len(drawn) == 2, f"{named.name}: no rows to draw parameters from"
    with connect(ld) as conn:
        if parent is not None and parent.name + NEXT_PAGE == named.name:
            pages = [next_page(ld, conn, parent, named, ps) for ps in drawn]
            return [ps for ps in pages if ps is not None]
        if parent is not None:
            sets = []
            for ps in drawn:
                rows, columns = run(ld, conn, parent, ps)
                ids = [r[columns.index("id")] for r in rows]
                sets.append(follow_up(named, ps, ids))
            return sets
        return drawn


def next_page(ld: Loaded, conn: Any, first: NamedQuery, named: NamedQuery, ps: ParamSet) -> ParamSet | None:
    """The parameters of a next-page statement: those of its first page, and the cursor from that page's
    last row (the deepest page the data holds when the first page is not full). None when the first page is
    empty (a random range bound below every row of its group): there is no cursor to continue from."""
    rows, columns = run(ld, conn, first, ps)
    if not rows:
        return None
    given = {name: v for (name, _ty, _null), v in zip(first.params, ps.values, strict=True)}
    last = rows[-1]
    values = [given[name] if name in given else last[columns.index(name[len("after_"):])]
              for name, _ty, _null in named.params]
    return ParamSet(f"{ps.label}, next page", values, ps.tenant)


def follow_up(named: NamedQuery, parent_params: ParamSet, ids: list[Any]) -> ParamSet:
    """A second statement's parameters: the tenant, and the parents' ids (a list), or for a bounded include
    read once per parent, the first parent's id."""
    values: list[Any] = []
    for pos, (name, ty, _null) in enumerate(named.params):
        if name.endswith("_ids"):
            values.append(json.dumps([str(uuid.UUID(bytes=i)) if isinstance(i, bytes) else _plain(i) for i in ids])
                          if ty.upper() == "JSON" else ids)
        elif pos == 0 and parent_params.tenant is not None:
            values.append(parent_params.tenant)
        else:
            values.append(ids[0] if ids else None)
    return ParamSet(parent_params.label, values, parent_params.tenant)


def _plain(v: Any) -> Any:
    if isinstance(v, uuid.UUID | dt.datetime | dt.date | decimal.Decimal):
        return str(v)
    return v


def engine_of(ld: Loaded) -> Literal["postgres", "mariadb"]:
    return "postgres" if ld.engine == "postgres" else "mariadb"


@contextmanager
def connect(ld: Loaded, *, owner: bool = False) -> Iterator[Any]:
    """A connection to a loaded database: on PostgreSQL as the role `app` (row-level security applies), or
    with `owner` as the superuser (to read every tenant's rows)."""
    if ld.engine == "postgres":
        user = None if owner else ld.server.app_user
        conn: Any = psycopg.connect(ld.server.dsn_for(ld.database, user=user), autocommit=True)
    else:
        conn = ld.server.connect(ld.database)
    try:
        yield conn
    finally:
        conn.close()


def set_tenant(ld: Loaded, conn: Any, tenant: Any) -> None:
    if ld.engine == "postgres":
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", ["" if tenant is None else str(tenant)])


def mysql_params(values: list[Any]) -> list[Any]:
    return [json.dumps([_plain(x) for x in v]) if isinstance(v, list) else v for v in values]


def mysql_args(named: NamedQuery, values: list[Any]) -> dict[str, Any]:
    """The `%(name)s` parameters of a MySQL statement, by the names of its params line."""
    return {name: v for (name, _ty, _null), v in zip(named.params, mysql_params(values), strict=True)}


def mysql_inline(conn: Any, named: NamedQuery, values: list[Any]) -> str:
    """The statement with its parameters as literals, binary ones in hex: EXPLAIN FORMAT=JSON prints the
    conditions' literals as they are, and raw bytes there would not be JSON."""
    args = mysql_args(named, values)

    def literal(m: re.Match[str]) -> str:
        value = args[m.group(1)]
        return f"X'{value.hex()}'" if isinstance(value, bytes) else str(conn.escape(value))

    return re.sub(r"%\((\w+)\)s", literal, named.sql).replace("%%", "%")


def run(ld: Loaded, conn: Any, named: NamedQuery, ps: ParamSet) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Execute a statement; its rows and column names."""
    set_tenant(ld, conn, ps.tenant)
    if ld.engine == "postgres":
        cur = psycopg.RawCursor(conn)
        cur.execute(named.sql, ps.values)
        rows = cur.fetchall()
        return list(rows), [d.name for d in cur.description or []]
    with conn.cursor() as cur:
        cur.execute(named.sql, mysql_args(named, ps.values))
        return list(cur.fetchall()), [d[0] for d in cur.description or []]


# --- PostgreSQL plans ---------------------------------------------------------------------------------------------


def root_table(ld: Loaded, query: Query) -> str:
    """The entity's table, or for a read a maintained summary answers (SC-SUM-01), the summary table."""
    if ld.design.relational.summary(query.name) is not None:
        return f"{query.name}_summary"
    return table_name(ld.model, ld.model.entity(query.entity))


def expected_index(ld: Loaded, query: Query, plan: RelationalAccess | None) -> set[str]:
    """The names of the index the design says serves the pattern (several for a primary-key pattern)."""
    if plan is None:
        return set()
    if plan.index is not None:
        name = ld.names.get(plan.index)
        return {name} if name else {f"<design index #{plan.index} not found in schema.sql>"}
    table = root_table(ld, query)
    entity = ld.model.entity(query.entity)
    tenant = entity.tenant_field
    keys = {("id",)}
    if tenant is not None:
        keys.add((f"{tenant.name}_id", "id"))
    return {ix.name for ix in emitted_indexes(artifact(ld.result, "schema.sql"))
            if ix.table == table and ix.unique and tuple(ix.columns) in keys}


def explain_pg(conn: Any, named: NamedQuery, values: list[Any], *, generic: bool = False) -> Any:
    cur = psycopg.RawCursor(conn)
    if not generic:
        cur.execute("EXPLAIN (FORMAT JSON) " + named.sql, values)
        return cur.fetchone()[0]  # type: ignore[index]
    cur.execute(f"PREPARE plan_check AS {named.sql}")
    try:
        cur.execute("SET plan_cache_mode = force_generic_plan")
        # EXECUTE's arguments get no types from the protocol: literals, cast as the params line says
        args = ", ".join(f"{psql.Literal(v).as_string(conn)}::{ty}"
                         for v, (_n, ty, _null) in zip(values, named.params, strict=True))
        cur.execute(f"EXPLAIN (FORMAT JSON) EXECUTE plan_check({args})" if values
                    else "EXPLAIN (FORMAT JSON) EXECUTE plan_check")
        return cur.fetchone()[0]  # type: ignore[index]
    finally:
        cur.execute("RESET plan_cache_mode")
        cur.execute("DEALLOCATE plan_check")


FULLTEXT_FUNCTIONS = ("ts_match_vq(tsvector, tsquery)", "to_tsvector(regconfig, text)")


def fulltext_blocked(ld: Loaded, query: Query) -> bool:
    """The build said (SC0420) that row-level security keeps this pattern off its full-text index."""
    return any(d.code == "SC0420" and f"`{query.name}`" in d.message for d in ld.result.diagnostics)


@contextlib.contextmanager
def leakproof_fulltext(ld: Loaded) -> Iterator[None]:
    """The workaround SC0420 names, for the duration of a check: the full-text operator marked LEAKPROOF."""
    with connect(ld, owner=True) as conn:
        for f in FULLTEXT_FUNCTIONS:
            conn.execute(f"ALTER FUNCTION {f} LEAKPROOF")
        try:
            yield
        finally:
            for f in FULLTEXT_FUNCTIONS:
                conn.execute(f"ALTER FUNCTION {f} NOT LEAKPROOF")


def check_postgres(ld: Loaded, query: Query, named: NamedQuery, ps: ParamSet) -> list[str]:
    if not fulltext_blocked(ld, query):
        return _check_postgres(ld, query, named, ps, designed_index=True)
    # reported: the design plans it on a tenant index meanwhile, and with the workaround the full-text index serves
    problems = _check_postgres(ld, query, named, ps, designed_index=False)
    indexes = ld.design.relational.indexes
    gin = {name for i, name in ld.names.items()
           if indexes[i].method == "fulltext" and indexes[i].entity == query.entity}
    with leakproof_fulltext(ld):
        problems += [f"with ts_match_vq LEAKPROOF: {p}" for p in _check_postgres(ld, query, named, ps, wanted=gin)]
    return problems


def _check_postgres(ld: Loaded, query: Query, named: NamedQuery, ps: ParamSet, *,
                    designed_index: bool = True, wanted: set[str] | None = None) -> list[str]:
    """`wanted`: the indexes the root table must be read through, when not the design's (a workaround)."""
    problems: list[str] = []
    root = root_table(ld, query)
    design_plan = ld.design.relational.pattern(query.name)
    designed = wanted is None
    if wanted is None:
        wanted = expected_index(ld, query, design_plan) if designed_index else set()
    if designed and named.index_note and named.index_note != "primary key" and wanted \
            and named.index_note not in wanted:
        problems.append(f"queries.sql says index {named.index_note}, the design's index is {sorted(wanted)}")
    with connect(ld) as conn:
        set_tenant(ld, conn, ps.tenant)
        for generic in (False, True):
            kind = "generic plan" if generic else f"plan ({ps.label} parameters)"
            plan = explain_pg(conn, named, ps.values, generic=generic)
            scans = pg_scans(plan)
            text = "\n".join(f"    {s.node} on {s.relation} {s.alias or ''} {s.index or ''}" for s in scans)
            for s in scans:
                if query.batch and s.alias != root:
                    continue  # a batch may hash-join whole tables; its own rows come through an index
                if s.node == "Seq Scan" and ld.rows.get(s.relation or "", 0) > SEQ_SCAN_ROWS:
                    problems.append(f"{kind}: Seq Scan on {s.relation} ({ld.rows[s.relation or '']:.0f} rows)"
                                    f"\n{text}")
            mine = [s for s in scans if s.relation == root and s.alias == root]
            if named.name != query_name(query) and not mine:
                continue  # a second statement reads a child table: the seq-scan rule above is its check
            if ld.rows.get(root, 0) < ROOT_INDEX_ROWS:
                continue
            if not mine:
                problems.append(f"{kind}: the root table {root} is not read\n{text}")
                continue
            full = [s for s in mine if s.node not in PG_INDEX_NODES]
            if full:
                problems.append(f"{kind}: {root} read by {full[0].node}, not an index\n{text}")
            used = {s.index for s in mine if s.index}
            if not generic and wanted and not used & wanted:
                problems.append(f"{kind}: {root} read through {sorted(used) or 'no index'}, the design says "
                                f"{sorted(wanted)}\n{text}")
    return problems


def query_name(query: Query) -> str:
    return pascal(query.name)


# --- MariaDB plans ---------------------------------------------------------------------------------------------------


def aliases(sql: str) -> dict[str, str]:
    """alias -> table for `FROM t`, `JOIN t AS a`, `FROM t a` in a statement."""
    out: dict[str, str] = {}
    for m in re.finditer(r"\b(?:FROM|JOIN)\s+`?(\w+)`?(?:\s+(?:AS\s+)?`?(\w+)`?)?", sql, re.IGNORECASE):
        table, alias = m.group(1), m.group(2)
        out[table] = table
        if alias and alias.upper() not in ("WHERE", "ON", "LEFT", "INNER", "JOIN", "ORDER", "GROUP", "LIMIT",
                                          "CROSS", "RIGHT", "USING", "AS"):
            out[alias] = table
    return out


def mariadb_claim(ld: Loaded, query: Query, named: NamedQuery) -> set[str]:
    """The index queries.sql (and the report) says serves the statement: its `; index X` note, or for a
    primary-key lookup the primary key or the tenant-leading unique key on (tenant_id, id)."""
    if named.index_note and named.index_note != "primary key":
        return {named.index_note}
    if named.index_note == "primary key":
        return {"PRIMARY"} | expected_index(ld, query, ld.design.relational.pattern(query.name))
    return set()


def check_mariadb(ld: Loaded, query: Query, named: NamedQuery, ps: ParamSet) -> list[str]:
    problems: list[str] = []
    root = root_table(ld, query)
    names = aliases(named.sql)
    with connect(ld) as conn, conn.cursor() as cur:
        cur.execute("EXPLAIN FORMAT=JSON " + mysql_inline(conn, named, ps.values))
        doc = cur.fetchone()[0]
    accesses = mariadb_accesses(doc)
    text = "\n".join(f"    {a.get('table_name')} {a.get('access_type')} {a.get('key', '')} rows={a.get('rows')}"
                     for a in accesses)
    kind = f"plan ({ps.label} parameters)"
    for a in accesses:
        table = names.get(str(a["table_name"]), str(a["table_name"]))
        if query.batch and str(a["table_name"]) != root:
            continue  # a batch may hash-join whole tables; its own rows come through an index
        if a["access_type"] in MARIADB_FULL_ACCESS and ld.rows.get(table, 0) > SEQ_SCAN_ROWS:
            problems.append(f"{kind}: {a['access_type']} (full scan) of {table} ({ld.rows[table]:.0f} rows)\n{text}")
    mine = [a for a in accesses if names.get(str(a["table_name"])) == root]
    if named.name == query_name(query) and ld.rows.get(root, 0) >= ROOT_INDEX_ROWS:
        if not mine:
            problems.append(f"{kind}: the root table {root} is not read\n{text}")
        elif not any(a["access_type"] in MARIADB_INDEX_ACCESS for a in mine):
            problems.append(f"{kind}: {root} read by {mine[0]['access_type']}, not an index\n{text}")
        else:
            used = {str(a.get("key")) for a in mine if a.get("key")}
            wanted = mariadb_claim(ld, query, named)
            if wanted and not used & wanted:
                problems.append(f"{OTHER_INDEX}{kind}: {root} read through {sorted(used) or 'no index'}, "
                                f"queries.sql and the report say {sorted(wanted)}\n{text}")
    return problems
