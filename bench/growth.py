"""Linear growth, before and after a change, in one run: CPU time per entity at a small and a large N.

    python bench/growth.py --before /tmp/old-copy                  # N = 1000 and 7000, this checkout as after
    python bench/growth.py --before /tmp/old-copy --sizes 500,2000 --reps 1

Each (checkout, N) runs `bench_compile.py --child` in its own interpreter (parse, resolve, design, emit and the
collection after them, CPU time: `time.process_time`, less disturbed by other processes than wall time), the
checkouts interleaved per size so that both see the same machine. The table gives each phase in ms, the
in-process total, µs per entity, and the growth ratio: µs per entity at the largest N over the smallest
(1.00 = linear). No timing is asserted anywhere: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_compile import PHASES, _run_child  # noqa: E402


def _cpu(r: dict[str, Any], phase: str) -> float:
    return float(r["phases"][phase + ":cpu"]["median_s"]) if phase + ":cpu" in r["phases"] else 0.0


def table(runs: dict[tuple[str, int], dict[str, Any]], labels: list[str], sizes: list[int]) -> str:
    head = "| checkout | N | " + " | ".join(f"{p} ms" for p in PHASES) + " | total ms | µs/entity |"
    rows = [head, "|" + "---|" * (len(PHASES) + 4)]
    per: dict[tuple[str, int], float] = {}
    for label in labels:
        for n in sizes:
            r = runs[(label, n)]
            cells = [_cpu(r, p) for p in PHASES]
            per[(label, n)] = sum(cells) / n * 1e6
            rows.append(f"| {label} | {n:,} | " + " | ".join(f"{c * 1000:,.0f}" for c in cells)
                        + f" | {sum(cells) * 1000:,.0f} | {per[(label, n)]:,.0f} |")
    small, big = sizes[0], sizes[-1]
    lines = ["\n".join(rows), ""]
    for label in labels:
        ratio = per[(label, big)] / per[(label, small)]
        verdict = "linear" if ratio <= 1.25 else "SUPERLINEAR"
        lines.append(f"- {label}: µs per entity at N={big:,} / at N={small:,} = {ratio:.2f} ({verdict})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="a copy of the code before the change")
    ap.add_argument("--after", type=Path, default=BENCH.parent, help="the code after (default: this checkout)")
    ap.add_argument("--sizes", default="1000,7000")
    ap.add_argument("--reps", type=int, default=1, help="warm repetitions per (checkout, N), after the first")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    srcs = {"before": args.before.resolve(), "after": args.after.resolve()}
    runs: dict[tuple[str, int], dict[str, Any]] = {}
    for n in sizes:
        for label, src in srcs.items():
            runs[(label, n)] = _run_child(n, args.reps, args.reps, args.seed, src, no_gc=False)
            print(f"done: {label} N={n}", file=sys.stderr, flush=True)
    print(table(runs, list(srcs), sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
