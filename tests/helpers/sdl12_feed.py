"""A small model with the draft 1.2 constructs (`FEED_SDL`), and its build and database for the
tests/test_sdl12_*.py files."""

from __future__ import annotations

import psycopg
import pymysql
import pymysql.cursors
from psycopg.rows import dict_row

from schemac.backends import BuildOptions
from schemac.build import BuildResult, emit_compiled
from schemac.compiler.pipeline import compile_text
from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script
from tests.helpers.sqldata import parse_queries
from tests.helpers.sqlrun import TARGET, Db, artifact

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

def build_feed(target: str) -> BuildResult:
    comp = compile_text(FEED_SDL, "feed.sdl")
    assert comp.ok, [d.message for d in comp.diagnostics]
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
