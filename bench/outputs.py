"""Prove a design or backend change is output-preserving: snapshot every artifact, compare later.

    python bench/outputs.py save /tmp/before.json       # before the change
    python bench/outputs.py compare /tmp/before.json    # after: exit 1 and the first differing lines

`equivalence.py` does this for the front end (trees, diagnostics, IR); this does it for what a build
writes. For the examples and synthetic models of several sizes and seeds, and every registered target
(PostgreSQL 15 and 18, MySQL, MongoDB, DynamoDB: `backends.target_names()`), it records each artifact, every
diagnostic, the catalog the backend describes and the design (its plans, layout and typed decisions, the IR
left out: `equivalence.py` covers it).
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synth import generate  # noqa: E402

from schemac.backends import target_names  # noqa: E402
from schemac.build import BuildResult, emit_compiled, options_for  # noqa: E402
from schemac.compiler.pipeline import Compilation, compile_model, compile_text  # noqa: E402

# every registered target with its default options, and PostgreSQL 18 beside PostgreSQL 15
TARGETS = (*((name, options_for(name)) for name in target_names()),
           ("postgres18", options_for("postgres", pg_version=18)))
SYNTHETIC = ((30, 0), (30, 1), (120, 2), (300, 3), (1000, 0))


def _cases(quick: bool) -> list[tuple[str, Callable[[], Compilation]]]:
    cases: list[tuple[str, Callable[[], Compilation]]] = [
        (p.name, partial(compile_model, p)) for p in sorted((ROOT / "examples").glob("*.sdl"))]
    for n, seed in SYNTHETIC[:3] if quick else SYNTHETIC:
        cases.append((f"synthetic-{n}-{seed}", partial(compile_text, generate(n, seed), f"synthetic-{n}-{seed}.sdl")))
    return cases


def snapshot(quick: bool = False) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, compile_case in _cases(quick):
        for label, options in TARGETS:
            # a fresh compilation per target: a build adds its diagnostics to the compilation, and one
            # target's error would stop the next target's build
            result = emit_compiled(compile_case(), label.removesuffix("18"), options)
            key = f"{name} {label}"
            out[f"{key} diagnostics"] = "\n".join(
                f"{d.code} {d.severity} {d.message} {d.span!r}" for d in result.diagnostics)
            for artifact in result.artifacts:
                out[f"{key} {artifact.path}"] = artifact.text
            out.update(_structure(key, result))
    return out


def _structure(key: str, result: BuildResult) -> dict[str, str]:
    """The catalog and the design (without the IR) as JSON: what the report, lint and migrations read."""
    out: dict[str, str] = {}
    if result.design is not None:
        out[f"{key} design"] = result.design.model_dump_json(exclude={"model", "decisions"}, warnings="error")
        out[f"{key} decisions"] = "\n".join(repr(d) for d in result.design.decisions)
    if result.catalog is not None:
        out[f"{key} catalog"] = result.catalog.model_dump_json()
    return out


def compare(before: dict[str, str], after: dict[str, str]) -> list[str]:
    problems = [f"missing now: {k}" for k in before if k not in after]
    problems += [f"new: {k}" for k in after if k not in before]
    for key in before.keys() & after.keys():
        if before[key] != after[key]:
            diff = difflib.unified_diff(before[key].splitlines(), after[key].splitlines(), "before", "after",
                                        lineterm="", n=1)
            problems.append(f"differs: {key}\n" + "\n".join(list(diff)[:30]))
    return sorted(problems)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("save", "compare"):
        print(__doc__)
        return 2
    quick = "--quick" in argv
    path = Path(argv[1])
    if argv[0] == "save":
        snap = snapshot(quick)
        path.write_text(json.dumps(snap), encoding="utf-8")
        print(f"saved {len(snap)} artifacts to {path}")
        return 0
    problems = compare(json.loads(path.read_text(encoding="utf-8")), snapshot(quick))
    for p in problems:
        print(p)
    print(f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
