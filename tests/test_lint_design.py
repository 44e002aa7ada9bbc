"""Lint rules against the real design stage (`schemac.compiler.design.design`) and the relational backends'
capabilities: the examples stay clean (beyond the allow-lists), the model-only rules do not depend on the
design, and the design rules see what the real design plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.backends import Backend, reserved_words
from schemac.compiler.check import RULES, run_checks
from schemac.compiler.design.model import Design
from schemac.compiler.model import Model
from schemac.compiler.pipeline import compile_model
from schemac.diagnostics import Severity
from tests.helpers.lint import ALLOWED, EXAMPLE_FILES, FIXTURE_FILES, FIXTURES, DesignFactory, example_findings

# Findings that only the real design produces: (example file, code, subject in the message) -> why it stays.
ALLOWED_WITH_DESIGN: dict[tuple[str, str, str], str] = {}


def relational_targets() -> list[str]:
    from schemac.backends import BACKENDS

    found = []
    for name in BACKENDS:
        try:
            backend = _backend(name)
        except ImportError:
            continue  # a backend not written yet
        if backend.capabilities.family == "relational":
            found.append(name)
    assert "postgres" in found
    return found


def _backend(name: str) -> Backend:
    from schemac.backends import get_backend

    return get_backend(name)


def real_design(target: str) -> DesignFactory:
    from schemac.compiler.design import design

    def make(model: Model) -> Design:
        designed, _ = design(model, _backend(target).capabilities, target)
        return designed

    return make


def test_examples_with_the_real_design_are_clean_beyond_the_allow_lists() -> None:
    allowed = {**ALLOWED, **ALLOWED_WITH_DESIGN}
    used = set()
    problems = []
    for target in relational_targets():
        for path in EXAMPLE_FILES:
            for d in example_findings(path, target=target):
                if d.severity is Severity.INFO:
                    continue
                key = next((k for k in allowed if k[0] == path.name and k[1] == d.code and k[2] in d.message),
                           None)
                if key is None:
                    problems.append(f"{target}: {d.span}: {d.code} {d.message}")
                else:
                    used.add(key)
    assert problems == []
    assert sorted(set(ALLOWED_WITH_DESIGN) - used) == [], "allow-list entries that no longer occur: remove them"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixtures_with_the_real_design_keep_their_model_findings(path: Path) -> None:
    """Rules that do not read the design find the same things with or without one."""
    comp = compile_model(path)
    assert comp.model is not None
    without = {(d.span, d.code) for d in run_checks(comp.model, None, None, comp.sources,
                      reserved=reserved_words())}
    with_design = run_checks(comp.model, real_design("postgres")(comp.model), None, comp.sources,
                      reserved=reserved_words())
    model_rules = {(d.span, d.code) for d in with_design if not RULES[d.code].needs_design}
    assert _model_only(model_rules) == _model_only(without)


def _model_only(found: set[tuple[object, str]]) -> set[tuple[object, str]]:
    """Leaves out the rules that read the design's indexes when given one (else the declared indexes)."""
    from schemac.compiler.check.sdl12 import READS_DESIGN_WHEN_GIVEN

    return {x for x in found if x[1] not in READS_DESIGN_WHEN_GIVEN}


def test_real_design_plans_what_the_design_rules_check() -> None:
    """The real design indexes foreign keys, serves every pattern and plans erasure, so those rules stay quiet
    on the ledger fixture, while its growth rule still fires."""
    comp = compile_model(FIXTURES / "bad_ledger_design.sdl")
    assert comp.model is not None
    found = {d.code for d in run_checks(comp.model, real_design("postgres")(comp.model), None, comp.sources,
                      reserved=reserved_words())}
    assert {"SC0310", "SC0345", "SC0356"}.isdisjoint(found)
    assert "SC0350" in found
