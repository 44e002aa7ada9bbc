"""What SQLAlchemy costs on its own when it writes a synthetic model's PostgreSQL schema and statements.

    python bench/sqlalchemy_floor.py            # N = 1000
    python bench/sqlalchemy_floor.py --n 250 --reps 5

schemac's SQL backend builds SQLAlchemy Table, Column, constraint and Index objects and compiles them with
SQLAlchemy's DDL compiler; its statements are SQLAlchemy Core selects, inserts, updates and deletes. This
measures SQLAlchemy's part alone, with no schemac code in the timed loops:

* **DDL, build + compile**: from plain data taken once from the real layout (names, type objects, NULL-ability,
  default and CHECK text, foreign keys, index columns, predicates and INCLUDE lists), a fresh MetaData with
  every table and index is built, then CREATE TABLE, CREATE INDEX and ALTER TABLE ... ADD CONSTRAINT compiled;
* **statements, compile only**: the access-pattern statements schemac built, compiled again (building them
  is not counted).

The sum is a lower bound on any emit that keeps SQLAlchemy for those jobs; the garbage collector is paused,
as the pipeline runs emit.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable  # noqa: E402
from synth import generate  # noqa: E402

from schemac.backends import BuildOptions, get_backend  # noqa: E402
from schemac.backends.sql import statements  # noqa: E402
from schemac.compiler.design import design  # noqa: E402
from schemac.compiler.pipeline import compile_text  # noqa: E402


def _plain(layout: Any, indexes: list[sa.Index], dialect: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The layout as plain data: what a minimal SQLAlchemy build needs, nothing of schemac's."""
    tables = []
    for info in layout.tables.values():
        t = info.table
        tables.append({
            "name": t.name, "comment": t.comment,
            "columns": [(c.name, c.type, c.nullable, c.server_default.arg.text if c.server_default is not None
                         else None, c.comment, c.identity is not None) for c in t.columns],
            "pk": [c.name for c in t.primary_key.columns],
            "checks": [(c.name, str(c.sqltext)) for c in t.constraints if isinstance(c, sa.CheckConstraint)],
            "fks": [(list(fk.column_keys), [e.target_fullname for e in fk.elements], fk.name, fk.ondelete,
                     fk.use_alter) for fk in t.foreign_key_constraints],
        })
    plain_indexes = []
    for ix in indexes:
        where = ix.dialect_options["postgresql"]["where"]
        plain_indexes.append({
            "name": ix.name, "table": ix.table.name, "unique": ix.unique,
            "exprs": [str(e.compile(dialect=dialect)) for e in ix.expressions],
            "where": None if where is None else str(where.compile(dialect=dialect,
                                                                  compile_kwargs={"literal_binds": True})),
            "include": list(ix.dialect_options["postgresql"]["include"] or []),
        })
    return tables, plain_indexes


def build_and_compile_ddl(tables: list[dict[str, Any]], indexes: list[dict[str, Any]], dialect: Any) -> int:
    metadata = sa.MetaData()
    built: dict[str, sa.Table] = {}
    deferred = []
    for spec in tables:
        columns = [sa.Column(name, type_, *( [sa.Identity(always=False)] if identity else []), nullable=nullable,
                             server_default=sa.text(default) if default is not None else None, comment=comment)
                   for name, type_, nullable, default, comment, identity in spec["columns"]]
        t = sa.Table(spec["name"], metadata, *columns, comment=spec["comment"])
        t.append_constraint(sa.PrimaryKeyConstraint(*spec["pk"]))
        for name, text in spec["checks"]:
            t.append_constraint(sa.CheckConstraint(sa.text(text), name=name))
        built[spec["name"]] = t
    for spec in tables:
        for local, refs, name, ondelete, use_alter in spec["fks"]:
            fk = sa.ForeignKeyConstraint(local, refs, name=name, ondelete=ondelete, use_alter=use_alter)
            built[spec["name"]].append_constraint(fk)
            if use_alter:
                deferred.append(fk)
    made = []
    for spec in indexes:
        t = built[spec["table"]]
        exprs = [t.c[e.split(".")[-1]] if " " not in e else sa.text(e) for e in spec["exprs"]]
        kwargs: dict[str, Any] = {}
        if spec["where"]:
            kwargs["postgresql_where"] = sa.text(spec["where"])
        if spec["include"]:
            kwargs["postgresql_include"] = spec["include"]
        made.append(sa.Index(spec["name"], *exprs, unique=spec["unique"], _table=t, **kwargs))
    size = 0
    for t in built.values():
        size += len(str(CreateTable(t).compile(dialect=dialect)))
    for ix in made:
        size += len(str(CreateIndex(ix).compile(dialect=dialect)))
    for fk in deferred:
        size += len(str(AddConstraint(fk).compile(dialect=dialect)))
    return size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    from schemac.backends.sql.context import Context
    from schemac.backends.sql.indexes import build_indexes
    from schemac.backends.sql.tables import build_layout

    comp = compile_text(generate(args.n, 0), "synthetic.sdl")
    assert comp.model is not None
    postgres = get_backend("postgres")
    designed, _ = design(comp.model, postgres.capabilities, "postgres")
    dialect = postgres.dialect  # type: ignore[attr-defined]
    ctx = Context(designed, BuildOptions(), dialect)
    layout = build_layout(ctx)
    indexes, _ = build_indexes(ctx, layout)
    tables, plain_indexes = _plain(layout, indexes, dialect.ddl_dialect)

    captured: list[Any] = []
    original = statements.compile_statement

    def capture(d: Any, stmt: Any, *rest: Any) -> Any:
        captured.append(stmt)
        return original(d, stmt, *rest)

    import importlib

    modules = [statements, *(importlib.import_module(f"schemac.backends.sql.{m}") for m in ("queries", "writes",
                                                                                          "includes"))]
    for module in modules:
        module.compile_statement = capture  # type: ignore[attr-defined]
    postgres.emit(designed, BuildOptions())
    for module in modules:
        module.compile_statement = original  # type: ignore[attr-defined]

    gc.disable()
    ddl_times, stmt_times, emit_times = [], [], []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        build_and_compile_ddl(tables, plain_indexes, dialect.ddl_dialect)
        t1 = time.perf_counter()
        for stmt in captured:
            str(stmt.compile(dialect=dialect.query_dialect))
        t2 = time.perf_counter()
        postgres.emit(designed, BuildOptions())
        t3 = time.perf_counter()
        ddl_times.append(t1 - t0)
        stmt_times.append(t2 - t1)
        emit_times.append(t3 - t2)
        gc.enable()
        gc.collect()
        gc.disable()
    ddl, stmts, emit = (statistics.median(x) for x in (ddl_times, stmt_times, emit_times))
    print(f"N={args.n}: {len(tables)} tables, {len(plain_indexes)} indexes, {len(captured)} statements "
          f"(median of {args.reps}, collector paused)")
    print(f"  SQLAlchemy DDL, build + compile : {ddl * 1000:7.0f} ms")
    print(f"  SQLAlchemy statements, compile  : {stmts * 1000:7.0f} ms")
    print(f"  SQLAlchemy alone, sum           : {(ddl + stmts) * 1000:7.0f} ms")
    print(f"  schemac's whole postgres emit   : {emit * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
