"""The family-neutral design core: planners by family, pattern and write plans, typed decisions, and that
nothing reads a decision's prose back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from schemac.compiler.check import LintConfig, run_checks
from schemac.compiler.design import PLANNERS, design, render_decisions
from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Decision, Erasure, Partitioning, Subject, Volume
from schemac.compiler.design.document.layout import Collection, DocumentLayout
from schemac.compiler.design.model import Capabilities, Design, Operation, PatternPlan, RelationalLayout
from schemac.compiler.model import Model
from schemac.compiler.pipeline import compile_model, compile_text
from schemac.report.decisions import DecisionRow

ROOT = Path(__file__).resolve().parent.parent
PG = Capabilities(family="relational", partial_indexes=True, include_columns=True, row_level_security=True,
                  json_aggregation=True, fk_set_null_columns=True)
MYSQL = Capabilities(family="relational", json_aggregation=False, triggers=True, max_identifier=64)


def _example(name: str) -> Model:
    comp = compile_model(ROOT / "examples" / f"{name}.sdl")
    assert comp.model is not None
    return comp.model


def _design(name: str, caps: Capabilities = PG) -> Design:
    d, _ = design(_example(name), caps, "postgres")
    assert d is not None
    return d


# -- planners by family ---------------------------------------------------------------------------------------


def test_relational_is_the_only_registered_planner() -> None:
    assert {"relational"} <= set(PLANNERS) <= {"relational", "document", "key_value"}
    assert isinstance(_design("helpdesk").layout, RelationalLayout)


def test_a_registered_planner_is_chosen_by_family(monkeypatch: pytest.MonkeyPatch) -> None:
    def document(ctx: Ctx) -> Design:
        coll = tuple(Collection(name=e.name.lower(), entities=(e.name,)) for e in ctx.model.entities)
        plans = tuple(PatternPlan(query=q.name, entity=q.entity, operation=Operation.FIND,
                                  structure=q.entity.lower()) for q in ctx.model.queries)
        return Design(model=ctx.model, target=ctx.target, capabilities=ctx.caps,
                      layout=DocumentLayout(collections=coll), patterns=plans, decisions=tuple(ctx.decisions))

    monkeypatch.setitem(PLANNERS, "document", document)
    d, diags = design(_example("commerce"), Capabilities(family="document"), "mongodb")
    assert d is not None and not diags
    assert isinstance(d.layout, DocumentLayout) and d.layout.collections
    with pytest.raises(TypeError):
        _ = d.relational
    text = render_decisions(d)  # renders without relational tables
    assert "## Indexes" not in text and "## Access patterns" in text


# -- pattern and write plans ----------------------------------------------------------------------------------


def test_pattern_plans_are_family_neutral() -> None:
    d = _design("commerce")
    plan = d.pattern("customer_orders")
    assert plan is not None
    assert plan.operation is Operation.INDEX_SCAN
    assert plan.structure == "Order(customer, created_at desc, id desc)"
    assert plan.equality == ("customer",) and plan.round_trips == 1
    assert plan.cost.rows_examined == plan.expected_rows and plan.cost.rcu is None
    access = d.relational.pattern("customer_orders")
    assert access is not None and d.relational.indexes[access.index or 0].entity == "Order"


def test_second_queries_count_as_round_trips() -> None:
    d = _design("commerce", PG.model_copy(update={"json_aggregation": False}))
    plan = d.pattern("order_detail")
    assert plan is not None and plan.operation is Operation.INDEX_SCAN
    assert plan.round_trips == 3  # the order, then its line items, then its payments


def test_every_write_has_a_plan_with_its_extra_writes() -> None:
    d = _design("course_platform")
    assert [w.write for w in d.writes] == [w.name for w in d.model.writes]
    record = d.write("record_progress")
    assert record is not None and record.operation is not None
    assert record.extra.counters == 1  # Enrollment.lessons_completed
    assert record.extra.triggers >= 1 and record.extra.index_entries >= 1
    without = _design("course_platform", PG.model_copy(update={"triggers": False})).write("record_progress")
    assert without is not None and without.extra.counters == 1 and without.extra.triggers == 0
    inserts = [w for w in d.writes if w.op == "insert"]
    assert inserts and all(w.operation is None and not w.equality for w in inserts)


# -- typed decisions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("subject", "text"), [
    (Subject.of_model("shop"), "model shop"),
    (Subject.of_entity("Order"), "entity Order"),
    (Subject.of_field("Post", "comments"), "field Post.comments"),
    (Subject.of_reference("Order", "customer"), "reference Order.customer"),
    (Subject.of_index("Order", "Order(customer, created_at desc)"), "index Order(customer, created_at desc)"),
    (Subject.of_pattern("customer_orders"), "query customer_orders"),
    (Subject.of_write("save"), "write save"),
])
def test_subject_text(subject: Subject, text: str) -> None:
    assert subject.text == text


def test_every_decision_is_typed() -> None:
    for name in ("course_platform", "helpdesk", "commerce"):
        for d in _design(name).decisions:
            assert d.payload.kind and d.subject.kind
            if d.subject.kind in ("entity", "field", "reference", "index"):
                assert d.subject.entity in {e.name for e in _example(name).entities}, d


def test_erasure_and_partitioning_are_payloads() -> None:
    d = _design("commerce")
    erased = {x.subject.entity: x.payload.action for x in d.decisions if isinstance(x.payload, Erasure)}
    assert erased == {p.entity: p.action for p in d.relational.erasure}
    parts = [x for x in d.decisions if isinstance(x.payload, Partitioning)]
    assert {x.subject.entity for x in parts} == {e.name for e in d.model.entities}


def test_decision_rows_carry_the_kind() -> None:
    x = Decision(rule="SC-VOL-01", subject=Subject.of_entity("Order"), payload=Volume(rows=1.0),
                 choice="volume assumed", why="w")
    row = DecisionRow.of(x)
    assert (row.subject, row.kind, row.label) == ("entity Order", "entity", "Order")


# -- lint rules read the payload, not the prose ---------------------------------------------------------------

SOFT_PII = """model m {
  compliance gdpr
}
entity Person {
  email email @pii
  volume 100M
}
"""


def _lint(decisions: tuple[Decision, ...], layout: RelationalLayout | None = None) -> set[str]:
    comp = compile_text(SOFT_PII)
    assert comp.model is not None
    d, _ = design(comp.model, PG, "postgres")
    assert d is not None
    d = d.model_copy(update={"decisions": decisions, "layout": layout or RelationalLayout()})
    return {x.code for x in run_checks(comp.model, d, LintConfig(), comp.sources)}


def test_erasure_counts_only_as_a_typed_decision() -> None:
    prose = Decision(rule="SC-GDPR-01", subject=Subject.of_entity("Person"), payload=Volume(rows=1.0),
                     choice="erasure: anonymise in place", why="erase")
    typed = prose._replace(payload=Erasure(action="anonymise", fields=("email",)))
    assert "SC0356" in _lint((prose,))
    assert "SC0356" not in _lint((typed,))


def test_partitioning_counts_only_as_a_typed_decision() -> None:
    base = Partitioning(rows=1e8, table_bytes=1e10, index_bytes=1e9)
    prose = Decision(rule="REL-P01", subject=Subject.of_entity("Person"), payload=base,
                     choice="partitioned by range (created_at)", why="w")
    typed = prose._replace(payload=base._replace(partitioned=True))
    assert "SC0350" in _lint((prose,))
    assert "SC0350" not in _lint((typed,))


# -- nothing parses decision text back ------------------------------------------------------------------------

PROSE = {"subject", "choice", "why"}
STRING_READS = {"split", "rsplit", "partition", "startswith", "endswith", "find", "index", "lower", "upper",
                "replace", "strip", "count", "casefold"}
RE_CALLS = {"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}


def _prose(node: ast.AST) -> bool:
    """Whether `node` reads a decision-like prose attribute (`d.subject`, `x.choice`, `p.why`)."""
    return any(isinstance(n, ast.Attribute) and n.attr in PROSE for n in ast.walk(node))


def _offences(tree: ast.AST) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            regex = f.attr in RE_CALLS and ((isinstance(f.value, ast.Name) and f.value.id == "re")
                                            or f.attr != "split")
            if regex and any(_prose(a) for a in node.args):
                found.append(node.lineno)
            if f.attr in STRING_READS and isinstance(f.value, ast.Attribute) and f.value.attr in PROSE:
                found.append(node.lineno)
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) \
                and any(isinstance(c, ast.Attribute) and c.attr in PROSE for c in node.comparators):
            found.append(node.lineno)
    return found


def test_no_module_parses_decision_prose() -> None:
    offences = {}
    for path in sorted((ROOT / "schemac").rglob("*.py")):
        lines = _offences(ast.parse(path.read_text(), str(path)))
        if lines:
            offences[str(path.relative_to(ROOT))] = lines
    assert not offences, offences


def test_templates_print_decisions_without_reworking_them() -> None:
    for path in (ROOT / "schemac" / "report" / "templates").glob("*.j2"):
        text = path.read_text()
        for attr in PROSE:
            assert f"{attr}|replace" not in text and f"{attr}.split" not in text, path


def test_the_prose_check_catches_the_old_readers() -> None:
    old = """
PARTITIONED.match(d.choice.lower())
d.subject.split(" ", 1)[0]
entity in d.subject.replace("`", " ").split()
re.search("erase", d.why)
"""
    assert len(_offences(ast.parse(old))) >= 4
