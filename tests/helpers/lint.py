"""Lint test helpers, shared by tests/test_lint.py, test_lint_design.py and test_lint_config.py: compile
and lint a text, a hand-built stub Design, the annotated fixtures and the examples with their allowed findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemac.backends import reserved_words
from schemac.catalog import Catalog
from schemac.compiler.check import LintConfig, run_checks
from schemac.compiler.design.decisions import Erasure
from schemac.compiler.design.model import (
    Capabilities,
    Decision,
    Design,
    ErasurePlan,
    Growth,
    IndexPlan,
    Operation,
    PatternPlan,
    RelationalAccess,
    RelationalLayout,
    Subject,
)
from schemac.compiler.model import KeyPart, Model, Query
from schemac.compiler.pipeline import Compilation, compile_model, compile_text
from schemac.diagnostics import Diagnostic, Diagnostics, Severity

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lint"
EXAMPLES = ROOT / "examples"

DesignFactory = Callable[[Model], Design]


# -- compile, lint, a stub design --------------------------------------------------------------------------------


def compile_ok(sdl: str, file: str = "case.sdl") -> tuple[Model, dict[str, str]]:
    comp = compile_text(sdl, file)
    errors = [d for d in comp.diagnostics if d.severity is Severity.ERROR]
    assert comp.model is not None and not errors, [d.message for d in errors]
    return comp.model, comp.sources


def lint(sdl: str, design: DesignFactory | None = None, config: LintConfig | None = None,
         mutate: Callable[[Model], Model] | None = None, target: str | None = None) -> list[Diagnostic]:
    """The findings for `sdl`: with a stub `design` (or none), or, given a `target`, with the real design and
    the catalog of what that target's backend emitted."""
    model, sources = compile_ok(sdl)
    if mutate is not None:
        model = mutate(model)
    if target is not None:
        built, catalog = build(model, target)
        return run_checks(model, built, config or LintConfig(), sources, reserved=reserved_words(target=target),
                          catalog=catalog)
    return run_checks(model, design(model) if design else None, config or LintConfig(), sources,
                      reserved=reserved_words())


def build(model: Model, target: str) -> tuple[Design, Catalog]:
    """The real design of `model` for `target` and the catalog its backend emitted."""
    from schemac.build import emit_compiled, options_for

    result = emit_compiled(Compilation(model, Diagnostics()), target, options_for(target))
    assert result.design is not None and result.catalog is not None, [d.message for d in result.diagnostics]
    return result.design, result.catalog


def stub_design(model: Model, *, index_refs: bool = False, serve: bool | set[str] = False,
                tiebreak: bool = True, revisit_over: float = 10e6, erase: bool = False) -> Design:
    """A hand-built Design: by default primary keys only (no FK indexes, patterns unserved unless by id),
    growth past `revisit_over` rows flagged for revisiting, no erasure plans. `serve` (all, or the queries
    named) gives patterns an index: equality fields, then the order, then `id` unless not `tiebreak`."""
    indexes: list[IndexPlan] = []
    if index_refs:
        for e in model.entities:
            tenant = (KeyPart(field=e.tenant_field.name),) if e.tenant_field else ()
            for f in e.references:
                lead = () if f.origin.value == "tenant" else tenant
                indexes.append(IndexPlan(entity=e.name, parts=(*lead, KeyPart(field=f.name)),
                                         origin="foreign_key"))
    patterns: list[tuple[PatternPlan, RelationalAccess]] = []
    for q in model.queries:
        by_pk = bool(q.where) and all(p.steps == ("id",) for p in q.where)
        index = None
        if (serve is True or (isinstance(serve, set) and q.name in serve)) and not by_pk:
            e = model.entity(q.entity)
            tenant = [KeyPart(field=e.tenant_field.name)] if e.tenant_field else []
            eq = [p.field for p in q.where if p.is_local and p.op in ("=", "in")]
            sort = [k.field for k in q.order if k.entities]
            parts = tenant + [KeyPart(field=x) for x in (*eq, *sort)]
            indexes.append(IndexPlan(entity=q.entity, parts=tuple(parts), origin="access_pattern",
                                     serves=(q.name,)))
            index = len(indexes) - 1
            order = (*sort, "id") if tiebreak else tuple(sort)
            patterns.append(_plan(q, Operation.INDEX_SCAN, index=index, equality=tuple(eq), sort=order))
            continue
        patterns.append(_plan(q, Operation.PRIMARY_KEY_LOOKUP if by_pk else Operation.FULL_SCAN, by_primary_key=by_pk,
                              why="stub design"))
    growth = []
    for e in model.entities:
        rows = e.volume.at_horizon
        if e.volume.declared:
            revisit = f"partition by created_at past {revisit_over:,.0f} rows" if rows > revisit_over else None
            growth.append(Growth(entity=e.name, rows_at_horizon=rows, row_bytes=200, table_bytes=rows * 200,
                                 index_bytes=rows * 60, revisit=revisit))
    erasure = [ErasurePlan(entity=e.name, action="anonymise", fields=tuple(f.name for f in e.fields if f.pii))
               for e in model.entities if erase and any(f.pii for f in e.fields)]
    decisions = tuple(Decision(rule="SC-GDPR-01", subject=Subject.of_entity(p.entity), choice="stub erasure",
                               why="stub design", payload=Erasure(action=p.action, fields=p.fields))
                      for p in erasure)
    layout = RelationalLayout(indexes=tuple(indexes), access=tuple(a for _, a in patterns), erasure=tuple(erasure))
    return Design(model=model, target="postgres", capabilities=Capabilities(family="relational"), layout=layout,
                  patterns=tuple(p for p, _ in patterns), growth=tuple(growth), decisions=decisions)


def _plan(q: Query, op: Operation, *, index: int | None = None, by_primary_key: bool = False,
          equality: tuple[str, ...] = (), sort: tuple[str, ...] = (),
          why: str = "") -> tuple[PatternPlan, RelationalAccess]:
    plan = PatternPlan(query=q.name, entity=q.entity, operation=op, equality=equality, sort=sort, why=why)
    return plan, RelationalAccess(query=q.name, index=index, by_primary_key=by_primary_key, equality=equality,
                                  sort=sort)


def marked_lines(sdl: str, marker: str = "//!") -> set[int]:
    return {i for i, line in enumerate(sdl.splitlines(), start=1) if line.rstrip().endswith(marker)}


FIXTURE_FILES = sorted(FIXTURES.glob("bad_*.sdl"))


# (example file, code, subject named in the message) -> why it stays
ALLOWED: dict[tuple[str, str, str], str] = {
    ("commerce.sdl", "SC0301", "Customer"): "commerce chose `ids bigint` (one shop, one database); Customer ids "
        "are a parameter of save_review: the example shows the bigint choice and the warning that comes with it.",
    ("commerce.sdl", "SC0301", "Category"): "as above: category_products takes a Category id",
    ("commerce.sdl", "SC0301", "Product"): "as above: product_reviews, save_review... take Product ids",
    ("commerce.sdl", "SC0301", "Order"): "as above: update_order_status takes an Order id",
}

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.sdl"))


def example_findings(path: Path, design: DesignFactory | None = None, target: str | None = None
                     ) -> list[Diagnostic]:
    """An example's findings: without a design, with a stub one, or with `target`'s real design and catalog."""
    comp = compile_model(path)
    assert comp.model is not None and comp.ok
    if target is not None:
        built, catalog = build(comp.model, target)
        return run_checks(comp.model, built, LintConfig(), comp.sources, reserved=reserved_words(target=target),
                          catalog=catalog)
    return run_checks(comp.model, design(comp.model) if design else None, LintConfig(), comp.sources,
                      reserved=reserved_words())
