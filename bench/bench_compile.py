"""Compile-time benchmark: synthetic models of N entities (four access patterns each) through every phase.

    python bench/bench_compile.py                   # N = 250, 500, 1000; Markdown table on stdout
    python bench/bench_compile.py --json            # also write bench/results/compile.json
    python bench/bench_compile.py --sizes 100,2000 --reps 7
    python bench/bench_compile.py --profile 1000    # cProfile one warm compile of N=1000 (top 30)
    python bench/bench_compile.py --backend-reps 0  # the front end only (parse, resolve)
    python bench/bench_compile.py --src /tmp/old    # measure another checkout (before/after a change)

Each size runs in a fresh interpreter (so that peak RSS is that size's alone), which times:

* `first`: the first compile in the process, parse + resolve + design + emit, everything lazy included
  (grammar, imports of the design stage and backend), i.e. what one `schemac build` pays after startup;
* `parse` (`syntax.parse`), `resolve` (`pipeline.resolve_files`), `design` (`compiler.design.design`) and
  `emit` (the postgres backend's `emit`), each over `--reps` warm repetitions (design and emit over the
  first `--backend-reps` of them only: they are slow): min and median, wall and CPU time;
* peak traced memory of the front end (`tracemalloc` over one extra parse + resolve) and the process's peak
  RSS (`getrusage`: everything, design and emit included).

Design and emit are measured when `schemac.compiler.design` and the postgres backend import and run;
otherwise their cells read n/a, with the reason underneath. Import costs and `--help` are measured in
fresh interpreters too. Linear growth is checked as the ratio of median time per entity, largest size over
smallest: 1.00 is perfectly linear.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PHASES = ("parse", "resolve", "design", "emit", "gc")


# -- in the child process ------------------------------------------------------------------------------------


def _backend() -> tuple[Any, Any, Any]:
    """(design function, postgres backend, build options), imported on first use."""
    from schemac.backends import BuildOptions, get_backend
    from schemac.compiler.design import design

    return design, get_backend("postgres"), BuildOptions()


def _compile(text: str, times: dict[str, float] | None, errors: dict[str, str], backend: bool = True) -> None:
    from schemac.compiler.gcpause import paused_gc
    from schemac.compiler.pipeline import resolve_files
    from schemac.compiler.syntax import parse
    from schemac.diagnostics import Diagnostics

    clock = _Clock(times)
    diags = Diagnostics()
    with paused_gc():  # as pipeline.compile_text runs them
        with clock("parse"):
            tree = parse(text, "synthetic.sdl", diags)
        if tree is None:
            raise SystemExit("the synthetic model does not parse: " + "; ".join(d.message for d in diags))
        with clock("resolve"):
            model = resolve_files([tree], "synthetic", diags)
    if model is None:
        raise SystemExit("the synthetic model has errors: " + "; ".join(d.message for d in diags)[:2000])
    if "design" in errors or not backend:
        return
    with paused_gc():  # as pipeline.emit_compiled runs them
        try:
            design, postgres, options = _backend()
            with clock("design"):
                designed, _ = design(model, postgres.capabilities, "postgres")
        except Exception as err:  # the design stage is being written: report, do not fail the benchmark
            errors["design"] = errors["emit"] = f"{type(err).__name__}: {err}".splitlines()[0][:200]
            return
        if "emit" in errors:
            return
        try:
            with clock("emit"):
                postgres.emit(designed, options)
        except Exception as err:
            errors["emit"] = f"{type(err).__name__}: {err}".splitlines()[0][:200]
            return
    with clock("gc"):  # the collection the paused collector owes: a library caller pays it, the CLI does not
        gc.collect()


class _Clock:
    """`with clock(phase):` records the phase's wall time (perf_counter) and CPU time (process_time)."""

    def __init__(self, times: dict[str, float] | None) -> None:
        self.times = times
        self.phase = ""

    def __call__(self, phase: str) -> _Clock:
        self.phase = phase
        return self

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        if self.times is not None and exc[0] is None:
            self.times[self.phase] = wall
            self.times[self.phase + ":cpu"] = cpu


def child(n: int, reps: int, backend_reps: int, seed: int, no_gc: bool = False) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    if no_gc:
        gc.disable()
    from synth import generate

    text = generate(n, seed)
    errors: dict[str, str] = {}
    if not backend_reps:
        errors["design"] = errors["emit"] = "skipped (--backend-reps 0)"
    t0 = time.perf_counter()
    _compile(text, None, errors)
    first = time.perf_counter() - t0
    samples: dict[str, list[float]] = {}
    for rep in range(reps):
        times: dict[str, float] = {}
        _compile(text, times, errors, backend=rep < backend_reps)
        for phase, value in times.items():
            samples.setdefault(phase, []).append(value)
    gc.collect()
    tracemalloc.start()
    _compile(text, None, errors, backend=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    from schemac.compiler import fast_syntax, syntax

    return {
        "n": n, "seed": seed, "reps": reps, "backend_reps": backend_reps, "gc": not no_gc, "lines": text.count("\n"),
        "bytes": len(text.encode()), "entities": n, "access_patterns": 4 * n, "first_s": first,
        "phases": {p: {"min_s": min(v), "median_s": statistics.median(v), "samples_s": v}
                   for p, v in samples.items() if v and p.split(":")[0] not in errors},
        "errors": errors,
        "tracemalloc_peak_mb": peak / 2**20,  # parse + resolve
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "fast_parser": bool(syntax._fast_path()) and fast_syntax.parse(text, "x.sdl") is not None,
    }


# -- in the parent -------------------------------------------------------------------------------------------


def _env(src: Path) -> dict[str, str]:
    """The environment of child interpreters: `src` (the schemac checkout measured) first on the path."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}


def _run_child(n: int, reps: int, backend_reps: int, seed: int, src: Path, no_gc: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(n), "--reps", str(reps),
           "--backend-reps", str(backend_reps), "--seed", str(seed), *(["--no-gc"] if no_gc else [])]
    out = subprocess.run(cmd, cwd=src, env=_env(src), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"size {n} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _wall(code: list[str], src: Path, reps: int = 7) -> float:
    """Median wall time of a fresh interpreter running `code`."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(code, cwd=src, env=_env(src), capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cli(command: str, n: int, seed: int, src: Path, reps: int = 3) -> float:
    """Median wall time of `schemac build MODEL --target postgres` (or `check MODEL`, or `report MODEL
    --target postgres`) in a fresh interpreter, start-up included."""
    import tempfile

    from synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "synthetic.sdl"
        model.write_text(generate(n, seed), encoding="utf-8")
        args = {"build": ["--target", "postgres", "-o", str(Path(tmp) / "out"), "--force"],
                "report": ["--target", "postgres", "-o", str(Path(tmp) / "report.md")]}.get(command, [])
        return _wall([sys.executable, "-c", "from schemac.cli import main; main()", command, str(model), *args],
                     src, reps)


def startup(src: Path) -> dict[str, float]:
    py = sys.executable
    cli = [py, "-c", "import sys; sys.argv = ['schemac', '--help']; from schemac.cli import main; main()"]
    return {
        "python_s": _wall([py, "-c", "pass"], src),
        "import_pipeline_s": _wall([py, "-c", "import schemac.compiler.pipeline"], src),
        "import_cli_s": _wall([py, "-c", "import schemac.cli"], src),
        "help_s": _wall(cli, src),
    }


def _ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 1000:.0f}" if x >= 0.0095 else f"{x * 1000:.1f}"


def table(results: list[dict[str, Any]], start: dict[str, float], cpu: bool = False) -> str:
    suffix = ":cpu" if cpu else ""
    head = ("| N entities | patterns | SDL lines | parse ms | resolve ms | design ms | emit ms | gc ms | total ms "
            "| first compile ms | `schemac build` ms | µs/entity | front-end peak MiB | max RSS MiB |")
    rows = [head, "|" + "---|" * 14]
    for r in results:
        ph = r["phases"]
        med = {p: ph[p + suffix]["median_s"] if p + suffix in ph else None for p in PHASES}
        mins = {p: ph[p + suffix]["min_s"] if p + suffix in ph else None for p in PHASES}
        total = sum(v for v in med.values() if v is not None)
        cells = [f"{_ms(med[p])} ({_ms(mins[p])})" if med[p] is not None else "n/a" for p in PHASES]
        rows.append(f"| {r['n']} | {r['access_patterns']} | {r['lines']} | " + " | ".join(cells)
                    + f" | {_ms(total)} | {_ms(r['first_s'])} | {_ms(r.get('cli_build_s'))} "
                    f"| {total / r['n'] * 1e6:.0f} "
                    f"| {r['tracemalloc_peak_mb']:.1f} | {r['maxrss_mb']:.0f} |")
    clock = "CPU time (process_time)" if cpu else "wall time (perf_counter)"
    collector = "" if all(r["gc"] for r in results) else " Garbage collector disabled (--no-gc)."
    lines = ["\n".join(rows), "", f"Cells: {clock}, median (min) of the warm repetitions; design and emit run with "
             "the garbage collector paused, as the pipeline runs them, and gc is the collection that follows; "
             "total = sum of medians (an in-process compile); first compile = wall time of the process's first "
             "compile; `schemac build` = a whole command in a fresh interpreter (start-up, imports, writing the "
             f"files), median of 3.{collector}"]
    errors = {k: v for r in results for k, v in r["errors"].items()}
    for phase, why in errors.items():
        lines.append(f"- {phase}: n/a ({why})")
    if not all(r["fast_parser"] for r in results):
        lines.append("- WARNING: the fast parser did not take these models: parse times are Lark's")
    if len(results) > 1:
        small, big = results[0], results[-1]

        def per(r: dict[str, Any], phases: tuple[str, ...]) -> float:
            return sum(r["phases"][p + suffix]["median_s"] for p in phases if p + suffix in r["phases"]) / r["n"]

        ratio = per(big, PHASES) / per(small, PHASES)
        fe = per(big, ("parse", "resolve")) / per(small, ("parse", "resolve"))
        verdict = "linear" if ratio <= 1.25 else "SUPERLINEAR"
        lines.append(f"- growth: time per entity at N={big['n']} / at N={small['n']} = {ratio:.2f} "
                     f"(front end alone {fe:.2f}): {verdict}")
    if "cli_check_s" in results[-1]:
        lines.append(f"- `schemac check` (parse, resolve, lint and print the findings of {results[-1]['n']:,} entities;"
                     f" whole command): {_ms(results[-1]['cli_check_s'])} ms; `schemac report --target postgres` "
                     f"(build, then the Markdown report): {_ms(results[-1].get('cli_report_s'))} ms")
    lines.append(f"- startup: python {_ms(start['python_s'])} ms, `import schemac.compiler.pipeline` "
                 f"{_ms(start['import_pipeline_s'])} ms, `import schemac.cli` {_ms(start['import_cli_s'])} ms, "
                 f"`schemac --help` {_ms(start['help_s'])} ms (fresh interpreters, median of 7)")
    return "\n".join(lines)


def profile(n: int, seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    from synth import generate

    text = generate(n, seed)
    errors: dict[str, str] = {}
    _compile(text, None, errors)
    prof = cProfile.Profile()
    prof.enable()
    _compile(text, None, errors)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="250,500,1000", help="comma-separated entity counts")
    ap.add_argument("--reps", type=int, default=5, help="warm repetitions per size")
    ap.add_argument("--backend-reps", type=int, default=3,
                    help="how many of those repetitions also run design and emit (0: front end only)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", nargs="?", const=str(BENCH / "results" / "compile.json"), metavar="PATH",
                    help="also write the results as JSON (default bench/results/compile.json)")
    ap.add_argument("--cpu", action="store_true", help="tabulate CPU time (process_time) instead of wall time")
    ap.add_argument("--src", type=Path, default=ROOT,
                    help="the schemac checkout to measure (default: this one), e.g. a copy of the code before a change")
    ap.add_argument("--profile", type=int, metavar="N", help="cProfile one warm compile of N entities")
    ap.add_argument("--no-gc", action="store_true",
                    help="disable Python's cyclic garbage collector in the measuring process (as a CLI can)")
    ap.add_argument("--cli-reps", type=int, default=3,
                    help="fresh-interpreter `schemac build/check/report` runs per size (0: skip them; large N)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.reps, min(args.reps, args.backend_reps), args.seed, args.no_gc)))
        return 0
    if args.profile:
        profile(args.profile, args.seed)
        return 0
    sizes = [int(x) for x in args.sizes.split(",")]
    src = args.src.resolve()
    results = [_run_child(n, args.reps, args.backend_reps, args.seed, src, args.no_gc) for n in sizes]
    if args.backend_reps and args.cli_reps:
        for r in results:
            r["cli_build_s"] = cli("build", r["n"], args.seed, src, args.cli_reps)
        results[-1]["cli_check_s"] = cli("check", results[-1]["n"], args.seed, src, args.cli_reps)
        results[-1]["cli_report_s"] = cli("report", results[-1]["n"], args.seed, src, args.cli_reps)
    start = startup(src)
    print(table(results, start, cpu=args.cpu))
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                "platform": platform.platform(), "src": str(src), "load_average": os.getloadavg()}
        out.write_text(json.dumps({"meta": meta, "startup": start, "sizes": results}, indent=2) + "\n")
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
