"""Models and catalog helpers for the natural-key tests (tests/test_natkeys_*.py, SC-KEY-05)."""

from __future__ import annotations

from pathlib import Path

from schemac.build import build, design_for
from schemac.compiler.design.decisions import PrimaryKeys
from schemac.compiler.design.model import Design
from schemac.compiler.pipeline import compile_model
from tests.helpers.sqlrun import Db

# A like (a link: references only, a unique over them), a sensor reading (append-only, unique over a reference
# and a time, declared in the "wrong" order), a bookmark read by id and a visit without a unique.
SOCIAL_SDL = """\
model social {
  tenant  Org
  ids     uuid7
  deletes soft
  audit   on
}
entity Org {
  name  string(40)
}
entity Member {
  handle  string(40)
  unique (handle)
}
entity Post {
  author      Member
  title       string(80)
  like_count  int = count(Like)
}
entity Like @hard_delete {
  member  Member
  post    Post
  unique (member, post)
}
entity Sensor {
  label  string(40)
}
entity Reading @append_only @audited {
  sensor       Sensor
  recorded_at  timestamp
  value        float
  unique (recorded_at, sensor)
  volume 5M
}
entity Bookmark @hard_delete {
  member  Member
  post    Post
  unique (member, post)
}
entity Visit @append_only {
  member  Member
  post    Post
}
query post_likes {
  from  Like
  where post = ?
  order created_at desc
  limit 20
  rate  300/s
}
query sensor_readings {
  from  Reading
  where sensor = ? and recorded_at between ? and ?
  order recorded_at
  limit 500
  rate  50/s
}
query bookmark {
  from  Bookmark
  where id = ?
}
write like_post {
  upsert  Like by (member, post)
  rate    50/s
}
write unlike_post {
  delete  Like by (member, post)
  rate    5/s
}
write record {
  insert  Reading
  rate    1000/s
}
write visit {
  insert  Visit
  rate    100/s
}
"""


def design_of(sdl: str, tmp_path: Path, target: str) -> Design:
    path = tmp_path / f"model_{target}.sdl"
    path.write_text(sdl, encoding="utf-8")
    result = build(path, target)
    assert result.ok and result.design is not None, [str(d) for d in result.diagnostics]
    return result.design


def design_only(sdl: str, tmp_path: Path, target: str) -> Design:
    """The design alone (no emit): for models the backend then refuses (an index past the key limit)."""
    path = tmp_path / f"design_{target}.sdl"
    path.write_text(sdl, encoding="utf-8")
    comp = compile_model(path)
    assert comp.ok, [str(d) for d in comp.diagnostics]
    designed, _ = design_for(comp, target)
    assert designed is not None
    return designed


def key_decisions(design: Design) -> dict[str, tuple[str, PrimaryKeys]]:
    """entity -> (rule, payload) of its natural-key decision (natural or surrogate kept)."""
    return {d.subject.entity: (d.rule, d.payload) for d in design.decisions
            if isinstance(d.payload, PrimaryKeys) and d.payload.layout in ("natural", "surrogate")
            and d.subject.entity is not None}


def primary_key(db: Db, table: str) -> tuple[str, ...]:
    """The primary key's columns, in key order, from the engine's catalog."""
    if db.engine == "postgres":
        rows = db.sql(
            "SELECT a.attname::text AS col FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
            "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE t.relname = %s AND x.indisprimary ORDER BY k.n", table)
    else:
        rows = db.sql(
            "SELECT column_name AS col FROM information_schema.statistics WHERE table_schema = DATABASE() "
            "AND table_name = %s AND index_name = 'PRIMARY' ORDER BY seq_in_index", table)
    return tuple(r["col"] for r in rows)


def unique_keys(db: Db, table: str) -> list[frozenset[str]]:
    """The column sets of every unique index of `table`, the primary key included."""
    if db.engine == "postgres":
        rows = db.sql(
            "SELECT i.relname AS name, string_agg(a.attname::text, ',') AS cols "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "CROSS JOIN LATERAL unnest(x.indkey) AS k(attnum) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE t.relname = %s AND x.indisunique GROUP BY i.relname", table)
    else:
        rows = db.sql(
            "SELECT index_name AS name, GROUP_CONCAT(column_name) AS cols FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND table_name = %s AND non_unique = 0 GROUP BY index_name", table)
    return sorted((frozenset(r["cols"].split(",")) for r in rows), key=sorted)


def columns(db: Db, table: str) -> set[str]:
    schema = "current_schema()" if db.engine == "postgres" else "DATABASE()"
    rows = db.sql(f"SELECT column_name AS col FROM information_schema.columns WHERE table_schema = {schema} "
                  "AND table_name = %s", table)
    return {r["col"] for r in rows}
