"""Prove a front-end change is behaviour-preserving: snapshot what the front end produces, compare later.

    python bench/equivalence.py save /tmp/before.pkl     # before the change
    python bench/equivalence.py compare /tmp/before.pkl  # after: exit 1 and a report on any difference
    python bench/equivalence.py save /tmp/lark.pkl --no-fast   # parse with Lark only (no fast path)
    python bench/equivalence.py save /tmp/old.pkl --src /tmp/old-checkout   # another copy of schemac

A snapshot holds, for every case, the syntax tree (`repr`, spans included), every diagnostic (code,
severity, message, span, notes, help) and a type-exact deep dump of the IR: every pydantic node with its
class, field values (int vs float, tuple vs list, enum member vs str all distinguished) and fields_set.
The cases are the examples and the SDL 1.2 model tests/fixtures/sdl12/model.sdl (every §5.2 construct:
buckets, `from A | B`, partial writes, `@expires`) through `compile_model`, synthetic models of several sizes
and seeds, and thousands of mutants of those files (each line deleted, duplicated, cut short or with a misspelt word),
so the error paths (syntax errors, unknown names, hints) are compared as well as the happy path.
"""

from __future__ import annotations

import enum
import os
import pickle
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# --src DIR: take `schemac` from another checkout (e.g. a copy of the code before a change); the cases (the
# examples, the synthetic models) always come from this one
SRC = Path(sys.argv[sys.argv.index("--src") + 1]).resolve() if "--src" in sys.argv else ROOT
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(ROOT / "bench"))

from pydantic import BaseModel  # noqa: E402
from synth import generate  # noqa: E402

from schemac.compiler.pipeline import Compilation, compile_model, compile_text  # noqa: E402
from schemac.compiler.syntax import parse  # noqa: E402
from schemac.diagnostics import Diagnostics  # noqa: E402

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def deep(obj: Any) -> Any:
    """A type-exact, comparable rendering of an IR value."""
    if isinstance(obj, BaseModel):
        fields = tuple((name, deep(getattr(obj, name))) for name in type(obj).model_fields)
        return (type(obj).__name__, fields, tuple(sorted(obj.model_fields_set)))
    if isinstance(obj, enum.Enum):
        return (type(obj).__name__, obj.value)
    if isinstance(obj, tuple | list):
        return (type(obj).__name__, tuple(deep(x) for x in obj))
    if isinstance(obj, dict):
        return ("dict", tuple((deep(k), deep(v)) for k, v in obj.items()))
    return (type(obj).__name__, repr(obj))


def _diags(diags: Diagnostics) -> tuple[Any, ...]:
    return tuple((d.code, str(d.severity), d.message, repr(d.span), repr(d.notes), d.help) for d in diags)


def _record(comp: Compilation, tree: str) -> dict[str, Any]:
    return {"ok": comp.ok, "diagnostics": _diags(comp.diagnostics),
            "model": deep(comp.model) if comp.model is not None else None,
            "dump": repr(comp.model.model_dump()) if comp.model is not None else None, "tree": tree}


def _text_case(text: str, file: str) -> dict[str, Any]:
    tree = repr(parse(text, file, Diagnostics()))
    return _record(compile_text(text, file), tree)


def mutants(text: str) -> list[str]:
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        out.append("\n".join(lines[:i] + lines[i + 1:]))  # deleted
        out.append("\n".join(lines[:i + 1] + lines[i:]))  # duplicated
        cut = line.rstrip()[: max(1, len(line.rstrip()) * 2 // 3)]
        out.append("\n".join([*lines[:i], cut, *lines[i + 1:]]))  # cut short
        words = list(_WORD.finditer(line))
        for k, m in enumerate(words[:3]):
            w = m.group(0)
            typo = w[:-1] + "x" if k % 2 else (w[1] + w[0] + w[2:] if len(w) > 2 else w + "q")
            out.append("\n".join([*lines[:i], line[:m.start()] + typo + line[m.end():], *lines[i + 1:]]))
    return out


def snapshot(quick: bool = False) -> dict[str, dict[str, Any]]:
    os.chdir(ROOT)  # the examples are compiled by their path relative to the repository
    cases: dict[str, dict[str, Any]] = {}
    examples = [*sorted((ROOT / "examples").glob("*.sdl")), ROOT / "tests" / "fixtures" / "sdl12" / "model.sdl"]
    for p in examples:
        rel = p.relative_to(ROOT)
        comp = compile_model(rel)
        text = p.read_text(encoding="utf-8")
        cases[f"example:{rel}"] = _record(comp, repr(parse(text, str(rel), Diagnostics())))
    for n, seed in [(2, 0), (10, 0), (10, 1), (60, 2), (250, 0), (250, 3)]:
        cases[f"synth:{n}:{seed}"] = _text_case(generate(n, seed), f"synth_{n}_{seed}.sdl")
    sources = [(p.name, p.read_text(encoding="utf-8")) for p in examples]
    sources.append(("synth_8.sdl", generate(8, 5)))
    for name, text in sources:
        for k, mutant in enumerate(mutants(text)):
            if quick and k % 7:
                continue
            cases[f"mutant:{name}:{k}"] = _text_case(mutant, name)
    return cases


def compare(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for key in sorted(set(before) | set(after)):
        if key not in before or key not in after:
            problems.append(f"{key}: only in {'after' if key not in before else 'before'}")
            continue
        for part in ("ok", "diagnostics", "tree", "dump", "model"):
            if before[key][part] != after[key][part]:
                problems.append(f"{key}: {part} differs")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in ("save", "compare"):
        print(__doc__)
        return 2
    quick = "--quick" in argv
    if "--no-fast" in argv:
        from schemac.compiler import syntax

        syntax._fast_path = lambda: False  # type: ignore[assignment]
    cases = snapshot(quick)
    target = Path(argv[2])
    if argv[1] == "save":
        target.write_bytes(pickle.dumps(cases))
        failing = sum(1 for c in cases.values() if not c["ok"])
        print(f"saved {len(cases)} cases ({failing} with errors) to {target}")
        return 0
    before = pickle.loads(target.read_bytes())
    if quick:
        before = {k: v for k, v in before.items() if k in cases}
    problems = compare(before, cases)
    for line in problems[:50]:
        print(line)
    print(f"{len(cases)} cases compared: {'IDENTICAL' if not problems else f'{len(problems)} differences'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
