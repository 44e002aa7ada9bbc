"""Natural keys (SC-KEY-05) measured: course_platform's Certificate with and without its surrogate key.

    python bench/natkeys_measure.py [--rows 500000] [--engines postgres,mariadb]

For each engine (throwaway servers from ``tests.engines``) the course_platform schema is built twice, in two
fresh databases of the same run: as the design makes it now (Certificate keyed (organization_id, user_id,
course_id), no id) and as before (the natural-key step switched off: id uuid7, pkey (id) plus the unique).
Both get the same parents (500 organisations, 100k users, 5k courses; the model's volumes) and then the
same ``--rows`` certificates (distinct (user, course) pairs of one organisation, in random order, as
completions arrive) through one INSERT ... SELECT from a staging table, timed (best of the engine's own
clock); then the table's bytes and its indexes' bytes (PostgreSQL: pg_table_size, pg_indexes_size;
MariaDB after ANALYZE: DATA_LENGTH, the clustered index, and INDEX_LENGTH). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from schemac.build import build  # noqa: E402
from schemac.compiler.design.relational import planner  # noqa: E402
from tests.engines import apply_mysql_script, apply_pg_script, start_mariadb, start_postgres  # noqa: E402

ORGS, USERS, COURSES = 500, 100_000, 5_000
MODEL = ROOT / "examples" / "course_platform.sdl"


@contextlib.contextmanager
def _surrogate_keys() -> Iterator[None]:
    """The design as before SC-KEY-05: no entity is keyed naturally."""
    real = planner.plan_natural_keys
    planner.plan_natural_keys = lambda ctx: (ctx.model, ())  # type: ignore[assignment]
    try:
        yield
    finally:
        planner.plan_natural_keys = real  # type: ignore[assignment]


def schema(target: str, natural: bool) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "course_platform.sdl"
        path.write_text(MODEL.read_text(encoding="utf-8"), encoding="utf-8")
        with contextlib.nullcontext() if natural else _surrogate_keys():
            result = build(path, target)
    assert result.ok
    return next(a.text for a in result.artifacts if a.path == "schema.sql")


def data(rows: int, seed: int = 7) -> dict[str, list[tuple[Any, ...]]]:
    rnd = random.Random(seed)
    orgs = [uuid.UUID(int=rnd.getrandbits(128)) for _ in range(ORGS)]
    users = [(uuid.UUID(int=rnd.getrandbits(128)), orgs[i % ORGS], f"u{i}@example.com") for i in range(USERS)]
    courses = [(uuid.UUID(int=rnd.getrandbits(128)), orgs[i % ORGS], users[i % USERS][0]) for i in range(COURSES)]
    per_org_users, per_org_courses = USERS // ORGS, COURSES // ORGS
    pairs = rnd.sample(range(ORGS * per_org_users * per_org_courses), rows)
    certs = []
    for seq, p in enumerate(pairs):  # pair p -> (org, its u-th user, its c-th course)
        org, rest = p % ORGS, p // ORGS
        u, c = rest % per_org_users, rest // per_org_users
        certs.append((seq, orgs[org], users[org + u * ORGS][0], courses[org + c * ORGS][0]))
    return {"orgs": [(o,) for o in orgs], "users": users, "courses": courses, "certs": certs}


def measure_pg(server: Any, sql: str, d: dict[str, list[tuple[Any, ...]]], name: str) -> dict[str, float]:
    import psycopg
    with psycopg.connect(server.fresh_database(name), autocommit=True) as conn:
        apply_pg_script(conn, sql)
        conn.execute("CREATE UNLOGGED TABLE staging (seq int, org uuid, usr uuid, course uuid)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO organizations (id, name) VALUES (%s, 'o')", d["orgs"])
            with cur.copy("COPY users (id, organization_id, email) FROM STDIN") as cp:
                for row in d["users"]:
                    cp.write_row(row)
            with cur.copy("COPY courses (id, organization_id, instructor_id, title) FROM STDIN") as cp:
                for row in d["courses"]:
                    cp.write_row((*row, "c"))
            with cur.copy("COPY staging FROM STDIN") as cp:
                for row in d["certs"]:
                    cp.write_row(row)
        conn.execute("VACUUM ANALYZE")
        start = time.perf_counter()
        conn.execute("INSERT INTO certificates (organization_id, user_id, course_id) "
                     "SELECT org, usr, course FROM staging ORDER BY seq")
        took = time.perf_counter() - start
        conn.execute("VACUUM ANALYZE certificates")
        row = conn.execute("SELECT pg_table_size('certificates'), pg_indexes_size('certificates')").fetchone()
        assert row is not None
        return {"insert_s": took, "table": float(row[0]), "indexes": float(row[1])}


def measure_maria(server: Any, sql: str, d: dict[str, list[tuple[Any, ...]]], name: str) -> dict[str, float]:
    import pymysql
    kwargs = server.fresh_database(name)
    conn = pymysql.connect(**kwargs)
    try:
        apply_mysql_script(conn, sql)
        b = lambda rows: [tuple(x.bytes if isinstance(x, uuid.UUID) else x for x in r) for r in rows]  # noqa: E731
        with conn.cursor() as cur:
            cur.execute("SET SESSION foreign_key_checks = 1")
            cur.execute("CREATE TABLE staging (seq INT PRIMARY KEY, org BINARY(16), usr BINARY(16), "
                        "course BINARY(16)) ENGINE=InnoDB")
            cur.executemany("INSERT INTO organizations (id, name) VALUES (%s, 'o')", b(d["orgs"]))
            for chunk in range(0, USERS, 5000):
                cur.executemany("INSERT INTO users (id, organization_id, email) VALUES (%s, %s, %s)",
                                b(d["users"][chunk:chunk + 5000]))
            cur.executemany("INSERT INTO courses (id, organization_id, instructor_id, title) "
                            "VALUES (%s, %s, %s, 'c')", b(d["courses"]))
            for chunk in range(0, len(d["certs"]), 10000):
                cur.executemany("INSERT INTO staging VALUES (%s, %s, %s, %s)", b(d["certs"][chunk:chunk + 10000]))
            columns = [r[0] for r in _rows(cur, "SELECT column_name FROM information_schema.columns WHERE "
                                                "table_schema = DATABASE() AND table_name = 'certificates'")]
            # the application supplies UUIDv7 ids (the schema's header): time-ordered, one per completion
            ids = ("id, ", "UNHEX(CONCAT(LPAD(HEX(1767225600000 + seq), 12, '0'), '7', "
                   "SUBSTR(MD5(seq), 1, 19))), ") if "id" in columns else ("", "")
            start = time.perf_counter()
            cur.execute(f"INSERT INTO certificates ({ids[0]}organization_id, user_id, course_id) "
                        f"SELECT {ids[1]}org, usr, course FROM staging ORDER BY seq")
            took = time.perf_counter() - start
            cur.execute("ANALYZE TABLE certificates")
            cur.fetchall()
            row = _rows(cur, "SELECT data_length, index_length FROM information_schema.tables WHERE "
                             "table_schema = DATABASE() AND table_name = 'certificates'")[0]
        return {"insert_s": took, "table": float(row[0]), "indexes": float(row[1])}
    finally:
        conn.close()


def _rows(cur: Any, sql: str) -> list[tuple[Any, ...]]:
    cur.execute(sql)
    return list(cur.fetchall())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--engines", default="postgres,mariadb")
    args = ap.parse_args()
    d = data(args.rows)
    print("| engine | Certificate key | rows | insert s | table MB | indexes MB | total MB |")
    print("|---|---|---|---|---|---|---|")
    for engine in args.engines.split(","):
        target = "postgres" if engine == "postgres" else "mysql"
        server = start_postgres() if engine == "postgres" else start_mariadb()
        measure = measure_pg if engine == "postgres" else measure_maria
        try:
            for natural in (False, True):
                m = measure(server, schema(target, natural), d, f"natkeys_{engine}_{int(natural)}")
                key = "(organization_id, user_id, course_id)" if natural else "(id) + unique"
                mb = 1_048_576
                print(f"| {engine} | {key} | {args.rows:,} | {m['insert_s']:.2f} | {m['table'] / mb:.1f} | "
                      f"{m['indexes'] / mb:.1f} | {(m['table'] + m['indexes']) / mb:.1f} |", flush=True)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
