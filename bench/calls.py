"""Count the Python calls of one warm compile, per phase and per owner: a measure the machine's load cannot move.

    python bench/calls.py                          # N = 250 and 1000, this checkout
    python bench/calls.py --sizes 1000 --src /tmp/old-copy --src .   # two checkouts side by side
    python bench/calls.py --sizes 1000 --top 25    # also the 25 schemac functions with the most own time

Each (checkout, N) runs in its own interpreter: it compiles the synthetic model once (warm-up), then profiles
a second compile with cProfile, one profile per phase: the front end (parse + resolve), design, and the
PostgreSQL emit, as `bench_compile.py` runs them (collector paused). A function's calls are counted for its
owner, from the file it lives in: schemac (split into the front end, the design stage and the backends),
pydantic, SQLAlchemy; calls of builtins and the standard library count for the owner of the function that
made them (a `sorted` in the design stage is the design stage's). Call counts are deterministic: the same
code and model give the same counts (the children run with PYTHONHASHSEED=0, so sets iterate alike),
whatever else runs on the machine, which wall or CPU time on a loaded machine are not. Own time (tottime,
with the profiler's overhead) is shown beside them for orientation only.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
OWNERS = ("front end", "design", "emit", "pydantic", "SQLAlchemy", "other")
Func = tuple[str, int, str]


def owner(path: str) -> str:
    """Whose code a profiled function is, from its file (builtins have "~")."""
    p = path.replace(os.sep, "/")
    if "/schemac/compiler/design/" in p:
        return "design"
    if "/schemac/backends/" in p or p.endswith("/schemac/catalog.py"):
        return "emit"
    if "/schemac/" in p and "/tests/" not in p:
        return "front end"  # the IR, the resolver, diagnostics: the front end's modules
    if "/pydantic" in p:
        return "pydantic"
    if "/sqlalchemy/" in p:
        return "SQLAlchemy"
    return "other"


def split(stats: pstats.Stats) -> dict[str, dict[str, float]]:
    """Calls and own time per owner; a builtin or standard-library function's calls go to its callers' owners."""
    out = {o: {"calls": 0.0, "tottime": 0.0} for o in OWNERS}
    table: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
    for func, (_cc, nc, tt, _ct, callers) in table.items():
        own = owner(func[0])
        if own != "other" or not callers:
            out[own]["calls"] += nc
            out[own]["tottime"] += tt
            continue
        for caller, (_c, caller_nc, caller_tt, _t) in callers.items():
            out[owner(caller[0])]["calls"] += caller_nc
            out[owner(caller[0])]["tottime"] += caller_tt
    return out


def top(stats: pstats.Stats, n: int) -> list[dict[str, Any]]:
    """The n schemac functions with the most own time, with their call counts."""
    table: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
    rows = [(tt, nc, f"{Path(f[0]).name}:{f[1]} {f[2]}") for f, (_cc, nc, tt, _ct, _cl) in table.items()
            if owner(f[0]) in ("front end", "design", "emit")]
    return [{"tottime": tt, "calls": nc, "function": name} for tt, nc, name in sorted(rows, reverse=True)[:n]]


def child(n: int, seed: int, n_top: int) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from synth import generate

    from schemac.backends import get_backend
    from schemac.compiler.design import design
    from schemac.compiler.gcpause import paused_gc
    from schemac.compiler.pipeline import resolve_files
    from schemac.compiler.syntax import parse
    from schemac.diagnostics import Diagnostics

    text, backend = generate(n, seed), get_backend("postgres")
    options = backend.options()
    phases: dict[str, Any] = {}
    for warm in (True, False):
        profs = {p: cProfile.Profile() for p in ("front end", "design", "emit")}
        with paused_gc():
            profs["front end"].enable()
            model = resolve_files([parse(text, "synthetic.sdl", Diagnostics())], "synthetic", Diagnostics())
            profs["front end"].disable()
            assert model is not None, "the synthetic model has errors"
            profs["design"].enable()
            designed, _ = design(model, backend.capabilities, "postgres")
            profs["design"].disable()
            assert designed is not None
            profs["emit"].enable()
            backend.emit(designed, options)
            profs["emit"].disable()
        if not warm:
            for phase, prof in profs.items():
                stats = pstats.Stats(prof)
                phases[phase] = {"total": stats.total_calls, "owners": split(stats),  # type: ignore[attr-defined]
                                 "top": top(stats, n_top)}
    return {"n": n, "phases": phases}


def run(src: Path, n: int, seed: int, n_top: int) -> dict[str, Any]:
    # one hash seed for every child: the order of sets of strings, and so the calls of a search that stops at
    # the first hit, would otherwise change from run to run
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
           "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(n), "--seed", str(seed), "--top", str(n_top)]
    out = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{src} N={n} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def render(src: Path, result: dict[str, Any]) -> str:
    lines = [f"\n{src}, N = {result['n']}: Python calls (own time in ms, profiled)\n",
             "| phase | " + " | ".join(OWNERS) + " | total |", "|---|" + "---|" * (len(OWNERS) + 1)]
    for phase, data in result["phases"].items():
        cells = [f"{int(data['owners'][o]['calls']):,} ({data['owners'][o]['tottime'] * 1000:,.0f})" for o in OWNERS]
        lines.append(f"| {phase} | " + " | ".join(cells) + f" | {data['total']:,} |")
    for phase, data in result["phases"].items():
        if data["top"]:
            lines.append(f"\n{phase}: schemac functions by own time")
            lines += [f"  {r['tottime'] * 1000:8.1f} ms {r['calls']:>9,}  {r['function']}" for r in data["top"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="250,1000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--src", type=Path, action="append", help="a schemac checkout (repeatable; default: this one)")
    ap.add_argument("--top", type=int, default=0, help="also list the N schemac functions with the most own time")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.seed, args.top)))
        return 0
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        for src in args.src or [BENCH.parent]:
            results.append({"src": str(src.resolve()), **run(src.resolve(), n, args.seed, args.top)})
            print(render(src, results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
