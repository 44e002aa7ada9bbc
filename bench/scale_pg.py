"""Scale benchmark on PostgreSQL 15: the generated schema and queries at the volumes the model declares.

    python bench/scale_pg.py [--scale 1.0] [--example examples/course_platform.sdl] [--runs 200] [--out FILE]

Builds the example for postgres, starts a throwaway PostgreSQL 15 cluster (``tests.engines.start_postgres``;
shared_buffers raised to ``--shared-buffers`` with one restart), applies schema.sql and loads synthetic rows
with ``tests.seed.seed_postgres`` at ``--scale`` times the rows the model declares for its horizon (set-based
``generate_series`` inserts, tenants and parents skewed: a few tenants, instructors and courses much bigger
than the rest), then VACUUM ANALYZE. Then, for every read statement of queries.sql, ``--runs`` executions as
the application would run them (role ``app`` under row-level security, ``app.tenant_id`` set, psycopg
preparing the statement after five executions), with parameters drawn from the data: 20 % from the ten
biggest groups (the biggest tenant, student, course...), 80 % random rows; after ``--warmup`` unmeasured
executions. It prints (and writes to ``--out``) Markdown: p50/p95/max per access pattern, table and index
sizes, the plan of each pattern, and the targets with PASS/FAIL:

* every read pattern's p95 under ``--p95-ms`` (5 ms); ``batch`` patterns are judged on throughput and listed
  without a latency target;
* no Seq Scan on a table of more than 10 000 rows in any pattern's plan (custom plan for the biggest group and
  generic plan; a batch pattern may hash-join whole tables, its own table must come through an index);
* the biggest table's indexes smaller than the table itself.

The exit status is 1 when a target fails, 0 otherwise. ``--keep`` keeps the cluster running after the report
(its DSN is printed) until Ctrl-C or SIGTERM, for a closer look.

The default scenario for course_platform sets the share of instructors to 500 of the 100k users
(``--share User.role=instructor:0.005,admin:0.001``).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from schemac.backends.sql.naming import table_name  # noqa: E402
from schemac.build import build  # noqa: E402
from schemac.compiler.design.model import Design  # noqa: E402
from schemac.compiler.model import Query  # noqa: E402
from tests.engines import PgServer, apply_pg_script, start_postgres  # noqa: E402
from tests.seed import (  # noqa: E402
    SEQ_SCAN_ROWS,
    NamedQuery,
    ParamSet,
    draw_params,
    index_names,
    parse_queries,
    pg_scans,
    query_of,
    seed_postgres,
)

SCENARIOS: dict[str, dict[str, dict[str, float]]] = {
    # 100k users: 500 instructors, 100 admins, the rest students
    "course_platform": {"User.role": {"instructor": 0.005, "admin": 0.001}},
}


@dataclass
class PatternResult:
    query: Query
    named: NamedQuery
    times_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    biggest: list[ParamSet] = field(default_factory=list)  # the biggest groups' parameters
    sets: list[ParamSet] = field(default_factory=list)  # the measured mix

    def pct(self, p: float) -> float:
        data = sorted(self.times_ms)
        if not data:
            return float("nan")
        k = min(len(data) - 1, max(0, round(p / 100 * len(data) + 0.5) - 1))
        return data[k]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_shares(text: str) -> dict[str, dict[str, float]]:
    """`User.role=instructor:0.005,admin:0.001;Ticket.status=open:0.1`"""
    out: dict[str, dict[str, float]] = {}
    for part in filter(None, text.split(";")):
        key, _, members = part.partition("=")
        out[key.strip()] = {m.split(":")[0].strip(): float(m.split(":")[1]) for m in members.split(",") if m}
    return out


def restart_with(server: PgServer, settings: dict[str, str]) -> None:
    """ALTER SYSTEM the settings and restart the cluster (pg_ctl restart keeps the start options)."""
    with server.connect("postgres") as conn:
        for name, value in settings.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    owner = ["runuser", "-u", server.os_user, "--"] if server.os_user else []
    subprocess.run([*owner, str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-w", "-t", "120",
                    "-l", str(server.log_file), "restart"], cwd=server.base_dir, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server.pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])


def sizes(conn: Any) -> list[tuple[str, int, int, int, int]]:
    """(table, rows, table bytes, index bytes, total bytes), biggest first."""
    return [tuple(r) for r in conn.execute(  # type: ignore[misc]
        """
        SELECT c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid),
               pg_total_relation_size(c.oid)
        FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
        ORDER BY pg_total_relation_size(c.oid) DESC
        """).fetchall()]


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def set_tenant(conn: Any, tenant: Any) -> None:
    conn.execute("SELECT set_config('app.tenant_id', %s, false)", ["" if tenant is None else str(tenant)])


def mix(biggest: list[ParamSet], randoms: list[ParamSet], runs: int) -> list[ParamSet]:
    """20 % biggest (cycling through the biggest groups), 80 % random, interleaved."""
    out: list[ParamSet] = []
    b = r = 0
    for i in range(runs):
        if i % 5 == 0 and biggest:
            out.append(biggest[b % len(biggest)])
            b += 1
        elif randoms:
            out.append(randoms[r % len(randoms)])
            r += 1
    return out


def measure(conn: Any, res: PatternResult, sets: list[ParamSet], warmup: int) -> None:
    cur = psycopg.RawCursor(conn)
    tenant: Any = object()
    for n, ps in enumerate(sets[:warmup] + sets):
        if ps.tenant != tenant:
            set_tenant(conn, ps.tenant)
            tenant = ps.tenant
        t0 = time.perf_counter()
        cur.execute(res.named.sql, ps.values)
        rows = cur.fetchall()
        elapsed = (time.perf_counter() - t0) * 1000
        if n >= warmup:
            res.times_ms.append(elapsed)
            res.rows.append(len(rows))


def explain(conn: Any, res: PatternResult, ps: ParamSet, rel_rows: dict[str, float], root: str) -> None:
    cur = psycopg.RawCursor(conn)
    set_tenant(conn, ps.tenant)
    for generic in (False, True):
        if generic:
            cur.execute(f"PREPARE bench_plan AS {res.named.sql}")
            cur.execute("SET plan_cache_mode = force_generic_plan")
            args = ", ".join(f"{psycopg.sql.Literal(v).as_string(conn)}::{ty}"
                             for v, (_n, ty, _null) in zip(ps.values, res.named.params, strict=True))
            cur.execute(f"EXPLAIN (FORMAT JSON) EXECUTE bench_plan({args})" if ps.values
                        else "EXPLAIN (FORMAT JSON) EXECUTE bench_plan")
        else:
            cur.execute("EXPLAIN (FORMAT JSON) " + res.named.sql, ps.values)
        plan = cur.fetchone()[0]  # type: ignore[index]
        if generic:
            cur.execute("RESET plan_cache_mode")
            cur.execute("DEALLOCATE bench_plan")
        scans = pg_scans(plan)
        label = "generic" if generic else f"custom ({ps.label})"
        res.plans.append(f"{label}: " + "; ".join(
            f"{s.node} {s.alias}{' using ' + s.index if s.index else ''}" for s in scans))
        for s in scans:
            big = rel_rows.get(s.relation or "", 0) > SEQ_SCAN_ROWS
            if s.node == "Seq Scan" and big and not (res.query.batch and s.alias != root):
                res.problems.append(f"{label}: Seq Scan on {s.relation} ({rel_rows[s.relation or '']:,.0f} rows)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--example", default=str(ROOT / "examples" / "course_platform.sdl"))
    ap.add_argument("--scale", type=float, default=1.0, help="times the declared volumes (default 1.0)")
    ap.add_argument("--runs", type=int, default=200, help="measured executions per pattern (default 200)")
    ap.add_argument("--warmup", type=int, default=20, help="unmeasured executions first (default 20)")
    ap.add_argument("--p95-ms", type=float, default=5.0, help="the p95 target in ms (default 5)")
    ap.add_argument("--share", default=None, help="enum shares, e.g. 'User.role=instructor:0.005,admin:0.001'")
    ap.add_argument("--shared-buffers", default="1GB", help="PostgreSQL shared_buffers (default 1GB)")
    ap.add_argument("--out", default=None, help="also write the Markdown report to this file")
    ap.add_argument("--keep", action="store_true", help="keep the cluster running until Ctrl-C / SIGTERM")
    args = ap.parse_args(argv)

    example = Path(args.example)
    result = build(example, "postgres")
    if not result.ok or not isinstance(result.design, Design):
        log(f"{example} does not build for postgres: {list(result.diagnostics)}")
        return 2
    design = result.design
    model = design.model
    schema = next(a.text for a in result.artifacts if a.path == "schema.sql")
    statements = [n for n in parse_queries(next(a.text for a in result.artifacts if a.path == "queries.sql"))
                  if n.kind in (":one", ":many") and n.sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    shares = parse_shares(args.share) if args.share is not None else SCENARIOS.get(example.stem, {})

    t_start = time.monotonic()
    server = start_postgres()
    log(f"PostgreSQL on port {server.port} ({server.base_dir})")
    try:
        restart_with(server, {"shared_buffers": args.shared_buffers, "max_wal_size": "8GB",
                              "maintenance_work_mem": "512MB"})
        db = f"scale_{example.stem}"
        server.fresh_database(db, app_default_privileges=True)
        with server.connect(db) as conn:
            apply_pg_script(conn, schema)
            log(f"loading {example.name} at scale {args.scale} ...")
            report = seed_postgres(conn, design, scale=args.scale, shares=shares, log=log)
            log(report.summary())
            table_sizes = sizes(conn)
            rel_rows = {t: float(r) for t, r, *_ in table_sizes}
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            names = index_names(model, design, schema)
            results: list[PatternResult] = []
            for named in statements:
                query = query_of(model, named)
                if query is None:
                    continue
                sets = draw_params(conn, "postgres", model, query, named, biggest=10,
                                   randoms=max(1, args.runs * 4 // 5))
                res = PatternResult(query, named)
                res.biggest = [s for s in sets if s.label == "biggest"]
                res.sets = mix(res.biggest, [s for s in sets if s.label == "random"], args.runs)
                res.plans.append(f"design: {design_index(design, query, names)}")
                results.append(res)
        with psycopg.connect(server.dsn_for(db, user=server.app_user), autocommit=True) as app:
            for res in results:
                root = table_name(model, model.entity(res.query.entity))
                explain(app, res, (res.biggest or res.sets)[0], rel_rows, root)
                log(f"measuring {res.named.name} ({len(res.sets)} runs) ...")
                measure(app, res, res.sets, args.warmup)
        text = render(args, example, version, report, table_sizes, results, time.monotonic() - t_start)
        print(text)
        if args.out:
            Path(args.out).write_text(text)
        failed = "FAIL" in text.split("## Targets", 1)[1]
        if args.keep:
            log(f"cluster kept for a closer look: {server.dsn_for(db)} (app: {server.dsn_for(db, 'app')}); "
                "Ctrl-C (or SIGTERM) stops it")
            with contextlib.suppress(KeyboardInterrupt):
                signal.signal(signal.SIGTERM, _interrupt)
                while True:
                    time.sleep(3600)
        return 1 if failed else 0
    finally:
        server.stop()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def design_index(design: Design, query: Query, names: dict[int, str]) -> str:
    plan = design.relational.pattern(query.name)
    if plan is None:
        return "(no plan)"
    if plan.index is None:
        return "primary key"
    return names.get(plan.index, f"index #{plan.index}")


def render(args: argparse.Namespace, example: Path, version: str, report: Any,
           table_sizes: list[tuple[str, int, int, int, int]], results: list[PatternResult], seconds: float) -> str:
    lines = [f"# Scale benchmark: {example.name} on PostgreSQL {version}", "",
             f"Scale {args.scale} of the declared volumes; load {report.seconds:.0f} s; "
             f"{args.runs} runs per pattern after {args.warmup} warm-up runs (20 % the ten biggest groups, "
             f"80 % random rows); shared_buffers {args.shared_buffers}; total {seconds / 60:.1f} min.", "",
             "## Latency per read access pattern", "",
             "| pattern | statement | rows (median / max) | p50 ms | p95 ms | max ms |",
             "|---|---|---|---|---|---|"]
    for r in results:
        med_rows = statistics.median(r.rows) if r.rows else 0
        tag = " (batch)" if r.query.batch else ""
        lines.append(f"| {r.query.name}{tag} | {r.named.name} | {med_rows:.0f} / {max(r.rows, default=0)} | "
                     f"{r.pct(50):.2f} | {r.pct(95):.2f} | {max(r.times_ms, default=float('nan')):.2f} |")
    lines += ["", "## Tables and indexes", "", "| table | rows | table | indexes | total |", "|---|---|---|---|---|"]
    for t, rows, tb, ib, total in table_sizes:
        lines.append(f"| {t} | {rows:,} | {mb(tb)} | {mb(ib)} | {mb(total)} |")
    lines += ["", "## Plans", ""]
    for r in results:
        lines.append(f"- **{r.named.name}**")
        lines += [f"  - {p}" for p in r.plans]
    lines += ["", "## Targets", ""]
    slow = [f"{r.query.name} p95 {r.pct(95):.2f} ms" for r in results
            if not r.query.batch and not r.pct(95) < args.p95_ms]
    lines.append(f"- {'PASS' if not slow else 'FAIL'}: every read pattern p95 < {args.p95_ms:g} ms"
                 + (f" ({'; '.join(slow)})" if slow else ""))
    scans = [f"{r.query.name}: {p}" for r in results for p in r.problems]
    lines.append(f"- {'PASS' if not scans else 'FAIL'}: no Seq Scan on a table over {SEQ_SCAN_ROWS:,} rows"
                 + (f" ({'; '.join(scans)})" if scans else ""))
    t, _rows, tb, ib, _total = max(table_sizes, key=lambda x: x[1])
    lines.append(f"- {'PASS' if ib < tb else 'FAIL'}: indexes of the biggest table ({t}) smaller than the table "
                 f"({mb(ib)} vs {mb(tb)})")
    if report.notes:
        lines += ["", "Load notes: " + "; ".join(report.notes)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
