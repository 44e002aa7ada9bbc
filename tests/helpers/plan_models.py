"""The plan checks of tests/test_plans.py on any model file (synthetic models, the design fixtures), not only
the examples: build it, load it into a fresh database at a given size, and check every read statement's plan
against the index the design names for it."""

from __future__ import annotations

import sys
from pathlib import Path

import pymysql

from schemac.build import BuildResult, build
from schemac.compiler.design.model import Design
from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script, database_name
from tests.helpers.plans import (
    TARGET,
    Loaded,
    artifact,
    check_mariadb,
    check_postgres,
    is_read,
    parameter_sets,
    resolve,
)
from tests.seed import check_foreign_keys, index_names, parse_queries, scale_for, seed_mariadb, seed_postgres

BENCH = Path(__file__).resolve().parents[2] / "bench"


def synthetic_model(tmp_path: Path, n: int, seed: int) -> Path:
    """bench/synth.py's model of `n` entities for `seed`, written under `tmp_path`."""
    sys.path.insert(0, str(BENCH))
    try:
        from synth import generate
    finally:
        sys.path.remove(str(BENCH))
    path = tmp_path / f"synthetic_{n}_{seed}.sdl"
    path.write_text(generate(n, seed), encoding="utf-8")
    return path


def build_model(path: Path, engine: str) -> BuildResult:
    result = build(path, TARGET[engine])
    assert result.ok and isinstance(result.design, Design), list(result.diagnostics)
    return result


def load_model(server: PgServer | MariaDbServer, engine: str, path: Path, biggest: int) -> Loaded:
    """`path`'s schema applied to a fresh database and seeded so that its biggest table holds `biggest` rows."""
    result = build_model(path, engine)
    design = result.design
    assert isinstance(design, Design)
    scale = scale_for(design, biggest)
    if engine == "postgres":
        assert isinstance(server, PgServer)
        db = database_name(f"plans_{path.stem}")
        server.fresh_database(db, app_default_privileges=True)
        with server.connect(db) as conn:
            apply_pg_script(conn, artifact(result, "schema.sql"))
            report = seed_postgres(conn, design, scale=scale)
            problems = check_foreign_keys(conn)
            rows = dict(conn.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                "AND relkind = 'r'").fetchall())
    else:
        assert isinstance(server, MariaDbServer)
        kwargs = server.fresh_database(f"plans_{path.stem}")
        db = kwargs["database"]
        conn = pymysql.connect(**kwargs)
        try:
            apply_mysql_script(conn, artifact(result, "schema.sql"))
            report = seed_mariadb(conn, design, scale=scale)
            problems = check_foreign_keys(conn, "mariadb")
        finally:
            conn.close()
        rows = {t.table: float(t.rows) for t in report.tables}
    loaded = Loaded(engine, path.stem, server, result, report, db, rows, problems)
    loaded.names = index_names(loaded.model, loaded.design, artifact(result, "schema.sql"))
    return loaded


def plan_problems(ld: Loaded) -> dict[str, list[str]]:
    """Every read statement of the model, checked as tests/test_plans.py checks the examples' statements:
    statement name -> problems (empty when its plans read the index the design names)."""
    named_all = [n for n in parse_queries(artifact(ld.result, "queries.sql")) if is_read(n)]
    out: dict[str, list[str]] = {}
    for named in named_all:
        query, parent = resolve(ld.model, named, named_all)
        assert query is not None, f"{named.name}: no access pattern of the model has this statement"
        problems: list[str] = []
        for params in parameter_sets(ld, query, named, parent):
            check = check_postgres if ld.engine == "postgres" else check_mariadb
            problems += check(ld, query, named, params)
        out[named.name] = list(dict.fromkeys(problems))
    return out
