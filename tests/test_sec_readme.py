"""The README's security set-up, run as written on PostgreSQL for examples/helpdesk.sdl: the roles and
grants it shows, SET LOCAL per transaction (a pooled connection's next transaction sees no tenant), and
the erasure routine for the privacy job only."""

from __future__ import annotations

import re
import uuid
from typing import Any

import psycopg
import pytest

from tests.engines import PgServer, apply_pg_script
from tests.helpers.sqldata import ROOT, artifact, build_example
from tests.sqlsplit import split_statements

SECTION = "## Security set-up"


def readme_blocks() -> dict[int, str]:
    """The numbered ```sql blocks of the README's security section, by their number."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    return {int(re.match(r"-- (\d+)\.", b).group(1)): b for b in blocks}  # type: ignore[union-attr]


def _run(conn: psycopg.Connection[Any], block: str, **values: str) -> list[Any]:
    results = []
    for statement in split_statements(block.format(**values), "postgres"):
        cur = conn.execute(statement.text.encode())
        results.append(cur.fetchall() if cur.description else None)
    return results


def test_readme_security_set_up_runs(pg_server: PgServer) -> None:
    blocks = readme_blocks()
    assert sorted(blocks) == [1, 2, 3, 4, 5]
    db = pg_server.fresh_database("sec_readme").rsplit("/", 1)[1]
    schema = artifact(build_example(ROOT / "examples" / "helpdesk.sdl", "postgres"), "schema.sql")
    with pg_server.connect(db) as admin:
        _run(admin, blocks[1])
    with pg_server.connect(db, user="helpdesk_owner") as owner:
        apply_pg_script(owner, schema)
        _run(owner, blocks[2])
    workspaces, users = (uuid.uuid4(), uuid.uuid4()), (uuid.uuid4(), uuid.uuid4())
    with pg_server.connect(db) as admin:
        _run(admin, blocks[3])
        for i, (workspace, user) in enumerate(zip(workspaces, users, strict=True)):
            admin.execute("INSERT INTO workspaces (id, name, subdomain) VALUES (%s, %s, %s)",
                          [workspace, f"w{i}", f"w{i}"])
            admin.execute("INSERT INTO users (id, workspace_id, email, name) VALUES (%s, %s, %s, %s)",
                          [user, workspace, f"u{i}@example.com", f"u{i}"])
    values = {"workspace": str(workspaces[0]), "user": str(users[0])}
    with pg_server.connect(db, user="helpdesk_app") as app:  # one pooled connection, two requests
        assert [r for r in _run(app, blocks[4], **values) if r] == [[(1,)]]
        assert app.execute("SELECT count(*) FROM users").fetchone() == (0,)  # the next request forgot
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _run(app, blocks[5], **values)
    with pg_server.connect(db, user="helpdesk_privacy_job") as job:
        _run(job, blocks[5], **values)
        with pytest.raises(psycopg.errors.NoDataFound):  # that user is not in the other workspace
            _run(job, blocks[5], workspace=str(workspaces[1]), user=str(users[0]))
    with pg_server.connect(db) as admin:
        emails = admin.execute("SELECT email FROM users ORDER BY email").fetchall()
    assert emails == [(f"erased+{users[0]}@erased.invalid",), ("u1@example.com",)]
