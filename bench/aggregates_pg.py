"""Maintained aggregates on PostgreSQL 15: what n children of one parent cost in one transaction.

    python bench/aggregates_pg.py [--rows 20000] [--runs 3]

Three schemas of the same model (an Account with a count and a sum of its Entries): without the
aggregates' triggers, with per-row triggers (the design as for a target without statement triggers) and
with the statement-level triggers schemac emits for PostgreSQL. For each, in a fresh database on a
throwaway cluster (``tests.engines.start_postgres``): n rows of one parent inserted in one transaction,
once as n single-row INSERTs (what an application loop does) and once as one multi-row INSERT ... SELECT;
the median of ``--runs`` wall times, and the parent's n_tup_upd (pg_stat_xact_user_tables) in that
transaction. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from schemac.backends import BuildOptions, get_backend  # noqa: E402
from schemac.compiler.design import design  # noqa: E402
from schemac.compiler.pipeline import compile_model  # noqa: E402
from tests.engines import apply_pg_script, start_postgres  # noqa: E402

MODEL = """\
model bench {
  ids bigint
}
entity Account {
  name    string(20)
  posted  int = count(Entry)
  total   int = sum(Entry.amount)
}
entity Entry {
  account  Account
  amount   int
}
"""


def schema(statement_triggers: bool, triggers: bool = True) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sdl"
        path.write_text(MODEL, encoding="utf-8")
        comp = compile_model(path)
    assert comp.model is not None
    backend = get_backend("postgres")
    caps = backend.capabilities.model_copy(update={"statement_triggers": statement_triggers})
    designed, _ = design(comp.model, caps, "postgres")
    if not triggers:
        designed = designed.model_copy(update={"aggregates": ()})
    text = next(a.text for a in backend.emit(designed, BuildOptions()).artifacts if a.path == "schema.sql")
    return text


def run(dsn: str, rows: int, single: bool) -> tuple[float, int]:
    with psycopg.connect(dsn) as conn:
        account = conn.execute("INSERT INTO accounts (name) VALUES ('a') RETURNING id").fetchone()[0]
        conn.commit()
        start = time.perf_counter()
        if single:
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO entries (account_id, amount) VALUES (%s, %s)",
                                [(account, i % 10) for i in range(rows)])
        else:
            conn.execute("INSERT INTO entries (account_id, amount) SELECT %s, g %% 10 "
                         "FROM generate_series(1, %s) AS g", (account, rows))
        updates = conn.execute("SELECT n_tup_upd FROM pg_stat_xact_user_tables "
                               "WHERE relname = 'accounts'").fetchone()[0]
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("TRUNCATE entries, accounts")
        conn.commit()
    return elapsed, int(updates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    variants = {"no trigger": schema(True, triggers=False), "per-row triggers": schema(False),
                "statement-level triggers": schema(True)}
    server = start_postgres()
    out = [f"| {args.rows:,} children of one parent, one transaction | single-row INSERTs | parent updates | "
           "one INSERT ... SELECT | parent updates |", "|---|---|---|---|---|"]
    try:
        for i, (name, text) in enumerate(variants.items()):
            dsn = server.fresh_database(f"bench_agg_{i}")
            with psycopg.connect(dsn, autocommit=True) as conn:
                apply_pg_script(conn, text)
            cells: list[Any] = []
            for single in (True, False):
                results = [run(dsn, args.rows, single) for _ in range(args.runs)]
                cells += [f"{statistics.median(r[0] for r in results):.2f} s", f"{results[0][1]:,}"]
            out.append(f"| {name} | " + " | ".join(cells) + " |")
    finally:
        server.stop()
    print("\n".join(out))


if __name__ == "__main__":
    main()
