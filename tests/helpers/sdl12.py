"""A small model with the draft 1.2 constructs, and the build of it for the tests/test_sdl12_*.py files.

`FEED_SDL` is written in SDL 1.2. Until both parsers read it, `PRE12_SDL` (the same model in 1.1 syntax)
is compiled and the 1.2 facts are added to its IR exactly as the resolver records them (model.py's contract).
"""

from __future__ import annotations

import psycopg
import pymysql
import pymysql.cursors
from psycopg.rows import dict_row

from schemac.backends import BuildOptions
from schemac.compiler.model import Model, Param, Predicate
from schemac.compiler.pipeline import BuildResult, compile_text, emit_compiled
from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script
from tests.helpers.sqlrun import TARGET, Db, artifact
from tests.test_sql_helpers import parse_queries

FEED_SDL = """\
model feed {
  ids bigint
  tenant Shop
  deletes soft
  audit on
}
entity Shop {
  name string(40)
}
entity Customer {
  name string(40)
}
entity Invoice @audited {
  customer    Customer
  rep         string(20)
  total       decimal(12,2)
  note        string(40)?
  created_at  timestamp
  volume 20M
}
entity Shipment {
  customer    Customer
  rep         string(20)
  total       decimal(12,2)
  created_at  timestamp
  volume 100k
}
entity Session @audited {
  customer    Customer
  token       string(40) @unique
  expires_at  timestamp @expires
  volume 50k + 100k/month
}
query rep_quarter_totals {
  from    Invoice
  where   quarter(created_at) = ?
  group   rep, quarter(created_at)
  select  sum(total) as revenue, count(*) as orders
  rate    200/s
}
query customer_activity {
  from    Invoice | Shipment
  where   customer = ? and created_at between ? and ?
  order   created_at desc
  limit   20
  rate    100/s
}
write set_note {
  update  Invoice (note) by (id)
  rate    5/s
}
"""

# The same model in the syntax both parsers read today; `patch` adds the 1.2 facts.
PRE12_SDL = FEED_SDL.replace(" @expires", "").replace("quarter(created_at) = ?", "created_at = ?") \
    .replace("group   rep, quarter(created_at)", "group   rep, created_at") \
    .replace("count(*) as orders", "count(id) as orders") \
    .replace("from    Invoice | Shipment", "from    Invoice") \
    .replace("update  Invoice (note) by (id)", "update  Invoice by (id)")


def patch(model: Model) -> Model:
    """The IR the 1.2 resolver builds from FEED_SDL."""
    entities = []
    for e in model.entities:
        if e.name == "Session":
            fields = tuple(f.model_copy(update={"expires": True}) if f.name == "expires_at" else f for f in e.fields)
            e = e.model_copy(update={"fields": fields, "expires": "expires_at"})
        entities.append(e)
    queries = []
    for q in model.queries:
        if q.name == "rep_quarter_totals":
            where = tuple(_bucket(p) if p.field == "created_at" else p for p in q.where)
            params = tuple(p.model_copy(update={"name": "created_at_quarter"}) if p.field == "created_at" else p
                           for p in q.params)
            group = tuple(k.model_copy(update={"bucket": "quarter"}) if k.field == "created_at" else k
                          for k in q.group)
            select = tuple(s.model_copy(update={"steps": (), "entities": ()}) if s.func == "count" else s
                           for s in q.select)
            q = q.model_copy(update={"where": where, "params": params, "group": group, "select": select,
                                     "sources": ("Invoice",)})
        elif q.name == "customer_activity":
            q = q.model_copy(update={"sources": ("Invoice", "Shipment")})
        else:
            q = q.model_copy(update={"sources": (q.entity,)})
        queries.append(q)
    writes = tuple(w.model_copy(update={"fields": ("note",)}) if w.name == "set_note" else w for w in model.writes)
    return model.model_copy(update={"entities": tuple(entities), "queries": tuple(queries), "writes": writes})


def _bucket(p: Predicate) -> Predicate:
    value = p.value.model_copy(update={"name": "created_at_quarter"}) if isinstance(p.value, Param) else p.value
    return p.model_copy(update={"bucket": "quarter", "value": value})


def build_feed(target: str) -> BuildResult:
    comp = compile_text(PRE12_SDL, "feed.sdl")
    assert comp.ok, [d.message for d in comp.diagnostics]
    comp.model = patch(comp.model)  # type: ignore[arg-type]
    result = emit_compiled(comp, target, BuildOptions())
    errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert result.ok and not errors, errors
    return result


def feed_db(engine: str, name: str, pg: PgServer, maria: MariaDbServer) -> Db:
    """The feed model (FEED_SDL) applied to a fresh database of `engine`, every warning a failure."""
    result = build_feed(TARGET[engine])
    schema = artifact(result, "schema.sql")
    statements = {s.name: s for s in parse_queries(artifact(result, "queries.sql"))}
    if engine == "postgres":
        conn = psycopg.connect(pg.fresh_database(name), autocommit=True, row_factory=dict_row)
        apply_pg_script(conn, schema)
        return Db(engine, conn, result, statements)
    conn = pymysql.connect(**maria.fresh_database(name), cursorclass=pymysql.cursors.DictCursor)
    apply_mysql_script(conn, schema)
    return Db(engine, conn, result, statements)
