"""Issue 10, item 13(a): tenant-scoped tables that composite tenant foreign keys reference are keyed (tenant,
id), one index instead of pkey (id) plus unique (tenant, id); the foreign keys reference that primary key.
On both engines: the
catalog shows one key index, a cross-tenant reference is refused, lookups by id and the maintained
aggregate's parent updates find their row by the primary key, and history, audit, cascades and the
generated writes still work."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest

from tests.engines import MariaDbServer, PgServer
from tests.helpers.keys import TENANT_SDL, key_indexes
from tests.helpers.sqlrun import ENGINES, Db, engine_db, handler_reads


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer,
       tmp_path: Path) -> Iterator[Db]:
    d = engine_db(request, pg_server, mariadb_server, tmp_path, TENANT_SDL, "keys_tenant")
    yield d
    d.conn.close()


def _org(db: Db) -> uuid.UUID:
    org = uuid.uuid4()
    db.sql("INSERT INTO orgs (id, name) VALUES (%s, 'o')", org)
    return org


def _project(db: Db, org: uuid.UUID, name: str) -> uuid.UUID:
    pid = uuid.uuid4()
    db.sql("INSERT INTO projects (id, org_id, label) VALUES (%s, %s, %s)", pid, org, name)
    return pid


def _task(db: Db, org: uuid.UUID, project: uuid.UUID) -> uuid.UUID:
    tid = uuid.uuid4()
    db.sql("INSERT INTO tasks (id, org_id, project_id, title) VALUES (%s, %s, %s, 't')", tid, org, project)
    return tid


def _commit(db: Db) -> None:
    if db.engine == "mariadb":
        db.conn.commit()


def test_one_key_index_per_tenant_table(db: Db) -> None:
    assert [(cols, pk) for _, cols, pk in key_indexes(db, "projects")] == [(("org_id", "id"), True)]
    # nothing references a task: no unique (org_id, id) to fold, its key stays (id)
    assert [(cols, pk) for _, cols, pk in key_indexes(db, "tasks")] == [(("id",), True)]
    assert [(cols, pk) for _, cols, pk in key_indexes(db, "projects_history")] == \
        [(("org_id", "id", "version"), True)]
    for table in ("orgs", "countries"):  # the tenant root and a @global entity keep their own key
        assert [(cols, pk) for _, cols, pk in key_indexes(db, table)] == [(("id",), True)], table


def test_cross_tenant_reference_is_refused(db: Db) -> None:
    a, b = _org(db), _org(db)
    theirs = _project(db, a, "a")
    _task(db, a, theirs)
    errors = (psycopg.errors.ForeignKeyViolation, pymysql.err.IntegrityError)
    with pytest.raises(errors):
        _task(db, b, theirs)  # another tenant's project
    _commit(db)
    mine = _project(db, b, "b")
    tid = _task(db, b, mine)
    with pytest.raises(errors):
        db.sql("UPDATE tasks SET project_id = %s WHERE org_id = %s AND id = %s", theirs, b, tid)


def _explain(db: Db, name: str, **values: Any) -> list[dict[str, Any]]:
    """The nodes of the plan of generated statement `name` that read an index: (PostgreSQL) `Index Name`
    and `Index Cond`, (MariaDB) `key` and `used_key_parts`."""
    stmt = db.statements[name]
    original = stmt.sql
    try:
        stmt.sql = ("EXPLAIN (FORMAT JSON) " if db.engine == "postgres" else "EXPLAIN FORMAT=JSON ") + original
        (row,) = db.run(name, **values)
    finally:
        stmt.sql = original
    (tree,) = row.values()
    return list(_nodes(json.loads(tree) if isinstance(tree, str) else tree))


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        if "Index Name" in tree or "key" in tree:
            yield tree
        for v in tree.values():
            yield from _nodes(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from _nodes(v)


def test_id_lookups_and_writes_use_the_primary_key(db: Db) -> None:
    orgs = [_org(db) for _ in range(3)]
    ids = [_project(db, o, f"p{i}") for o in orgs for i in range(50)]
    for o, p in zip([o for o in orgs for _ in range(50)], ids, strict=True):
        _task(db, o, p)
    _commit(db)
    if db.engine == "postgres":
        db.sql("ANALYZE projects")
        db.sql("ANALYZE tasks")
        db.sql("SET enable_seqscan = off")  # a tiny table: price out whole-table and bitmap scans
        db.sql("SET enable_bitmapscan = off")
    org, pid = orgs[1], ids[60]
    plans = [("projects", _explain(db, "ProjectById", org_id=org, id=pid)),
             ("projects", _explain(db, "RenameProject", org_id=org, id=pid, label="x", expected_version=1))]
    for table, nodes in plans:
        if db.engine == "postgres":
            used = [(n["Index Name"], n.get("Index Cond")) for n in nodes]
            assert [n["Index Name"] for n in nodes] == [f"{table}_pkey"], used
            cond = nodes[0]["Index Cond"]  # both key columns are searched, neither only filtered
            assert f"(org_id = '{org}'::uuid)" in cond and "(id = " in cond, cond
        else:
            assert [(n["key"], n["used_key_parts"]) for n in nodes] == [("PRIMARY", ["org_id", "id"])], nodes


def _parent_update_scans(db: Db, write: Any) -> list[tuple[str, str]]:
    """PostgreSQL: (index, index condition) of each scan of `projects` in the plans of the statements the
    triggers of `write` run on it (auto_explain of nested statements, sent to this session as LOG)."""
    notes: list[str] = []
    db.conn.add_notice_handler(lambda d: notes.append(d.message_primary or ""))
    for line in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                 "SET auto_explain.log_nested_statements = on", "SET auto_explain.log_format = json",
                 "SET client_min_messages = log"):
        db.sql(line)
    write()
    db.sql("SET client_min_messages = notice")
    db.sql("SET auto_explain.log_min_duration = -1")
    scans = []
    for note in notes:
        if "plan:" not in note:
            continue
        plan = json.loads(note.split("plan:", 1)[1])
        if "UPDATE public.projects AS p" not in plan["Query Text"]:
            continue
        scans += [(n.get("Index Name", n["Node Type"]), n.get("Index Cond", "")) for n in _nodes_pg(plan["Plan"])
                  if n.get("Relation Name") == "projects" and "Scan" in n["Node Type"]]
    return scans


def _nodes_pg(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for v in tree.get("Plans", ()):
            yield from _nodes_pg(v)


def test_aggregate_parent_update_finds_the_parent_by_primary_key(db: Db) -> None:
    """The counter trigger updates the one parent of a new task, found by (tenant, id). PostgreSQL: the
    statement trigger's parent update, explained, scans projects_pkey on both columns (sequential scans and
    hash/merge joins priced out, so the plan shows whether the key can serve the join). MariaDB: the whole
    insert (its foreign-key checks, the counter update and the versioning and audit triggers it meets)
    reads a few entries, not the tenant's 100 or the table's 200 projects."""
    orgs = [_org(db) for _ in range(2)]
    projects = {o: [_project(db, o, f"p{i}") for i in range(100)] for o in orgs}
    _commit(db)
    org, pid = orgs[1], projects[orgs[1]][50]
    if db.engine == "postgres":
        db.sql("ANALYZE projects")
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
            db.sql(f"SET {setting} = off")
        scans = _parent_update_scans(db, lambda: _task(db, org, pid))
        # the ordered lock of the changed parents and the update itself: both by the primary key
        assert [name for name, _ in scans] == ["projects_pkey"] * 2, scans
        assert [re.sub(r"d_\d+\.", "d.", cond) for _, cond in scans] == ["((org_id = d.t) AND (id = d.k))"] * 2, scans
    else:
        reads = handler_reads(db, lambda: _task(db, org, pid))
        assert reads < 50, reads
    _commit(db)
    many = [(o, p) for o in orgs for p in projects[o][:3]]
    for o, p in many:
        _task(db, o, p)
    _commit(db)
    rows = db.sql("SELECT org_id, id, tasks FROM projects")
    counts = {(db.key(r["org_id"]), db.key(r["id"])): r["tasks"] for r in rows}
    assert counts[(org, pid)] == 1 and all(counts[k] == 1 for k in many)
    assert sum(counts.values()) == len(many) + 1


def test_history_audit_cascade_and_writes_still_work(db: Db) -> None:
    org = _org(db)
    pid = _project(db, org, "p")
    _task(db, org, pid)
    _commit(db)
    renamed = db.run("RenameProject", org_id=org, id=pid, label="q", expected_version=1)
    _commit(db)
    if db.engine == "postgres":
        assert renamed and renamed[0]["label"] == "q"
    history = db.sql("SELECT id, org_id, version FROM projects_history")
    assert [(db.key(h["id"]), db.key(h["org_id"]), h["version"]) for h in history] == [(pid, org, 1)]
    rows = {r["row_id"] for r in db.sql("SELECT row_id FROM audit_log WHERE table_name = 'projects'")}
    assert len(rows) == 1  # the insert and the update, both of the one row (audit row_id is the id)
    if db.engine == "postgres":
        assert rows == {str(pid)}
    db.run("SaveProject", org_id=org, id=uuid.uuid4(), label="q")  # the upsert's conflict target (org_id, label)
    _commit(db)
    assert len(db.sql("SELECT id FROM projects")) == 1
    db.sql("DELETE FROM projects WHERE org_id = %s AND id = %s", org, pid)  # cascades to its task
    _commit(db)
    assert db.sql("SELECT id FROM tasks") == []
