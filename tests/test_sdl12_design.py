"""The design stage on SDL 1.2 (no engine): each construct's plan facts and its recorded decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.backends import BuildOptions
from schemac.build import BuildResult, build, emit_compiled
from schemac.compiler.design.decisions import Summary
from schemac.compiler.design.model import Design
from schemac.compiler.pipeline import compile_text
from tests.helpers.sdl12_feed import FEED_SDL, build_feed

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("postgres", "mysql")


def _example(name: str, target: str) -> Design:
    result = build(ROOT / "examples" / f"{name}.sdl", target)
    assert result.ok and result.design is not None
    return result.design


def _rules(design: Design, kind: str, name: str) -> set[str]:
    return {d.rule for d in design.decisions if d.subject.kind == kind and d.subject.label == name}


def _text(result: BuildResult, name: str) -> str:
    return next(a.text for a in result.artifacts if a.path == name)


@pytest.mark.parametrize("target", TARGETS)
def test_every_construct_has_its_decision(target: str) -> None:
    design = build_feed(target).design
    assert design is not None
    assert {"SC-BKT-01", "SC-SUM-01"} <= _rules(design, "query", "rep_quarter_totals")
    assert "SC-UNI-01" in _rules(design, "query", "customer_activity")
    assert {"SC-UPD-01", "SC-CON-01"} <= _rules(design, "write", "set_note")
    assert "SC-EXP-01" in _rules(design, "entity", "Session")


@pytest.mark.parametrize(("target", "hot"), [("postgres", True), ("mysql", False)])
def test_a_partial_update_of_unindexed_fields_is_a_hot_candidate_where_the_target_has_them(target: str,
                                                                                          hot: bool) -> None:
    design = build_feed(target).design
    assert design is not None
    plan, keyed = design.write("set_note"), design.relational.write("set_note")
    assert plan is not None and plan.fields == ("note", "updated_at") and plan.touches == ()
    assert keyed is not None and keyed.hot_candidate is hot
    assert plan.expect is None  # no optimistic check on a partial update


@pytest.mark.parametrize("target", TARGETS)
def test_a_partial_update_names_the_indexed_and_counted_fields_it_writes(target: str) -> None:
    design = _example("helpdesk", target)
    status = design.write("set_ticket_status")
    assert status is not None and ("status", "indexed") in status.touches and ("status", "counted") in status.touches
    keyed_status = design.relational.write("set_ticket_status")
    assert keyed_status is not None and not keyed_status.hot_candidate
    description = design.write("edit_ticket_description")
    assert description is not None and description.touches == ()
    keyed = design.relational.write("edit_ticket_description")
    assert keyed is not None and keyed.hot_candidate is design.capabilities.hot_updates
    whole = design.write("update_ticket")
    assert whole is not None and whole.expect is not None  # the whole-row update keeps its check


@pytest.mark.parametrize("target", TARGETS)
def test_the_expiry_index_leads_with_the_field_not_the_tenant(target: str) -> None:
    design = _example("helpdesk", target)
    plan = design.relational.expiry_of("Session")
    assert plan is not None and plan.index is not None
    assert [p.field for p in design.relational.indexes[plan.index].parts] == ["expires_at"]
    assert not design.relational.indexes[plan.index].live_only  # expired rows are purged whether soft-deleted or not
    # ~600k rows a month expire: 14 a minute, one batch of 1,000 a minute has room to spare
    assert (plan.batch, plan.every_s) == (1000, 60) and plan.expiring_per_s == pytest.approx(600_000 / 2_592_000)


def test_a_high_expiry_rate_runs_the_purge_more_often() -> None:
    sdl = ("model m {\n  ids bigint\n}\nentity Token {\n  expires_at timestamp @expires\n"
           "  volume 1M + 2B/month\n}\n")
    comp = compile_text(sdl, "m.sdl")
    result = emit_compiled(comp, "postgres", BuildOptions())
    assert result.design is not None
    plan = result.design.relational.expiry_of("Token")
    assert plan is not None and plan.batch == 10_000
    assert plan.every_s * plan.expiring_per_s * 2 <= plan.batch  # two batches of headroom


@pytest.mark.parametrize("target", TARGETS)
def test_each_union_branch_has_its_own_index(target: str) -> None:
    design = _example("commerce", target)
    neutral = design.pattern("customer_activity")
    assert neutral is not None and [b.entity for b in neutral.branches] == ["Order", "Review", "ReturnRequest"]
    plan = design.relational.pattern("customer_activity")
    assert plan is not None and [b.entity for b in plan.branches] == ["Order", "Review", "ReturnRequest"]
    for branch in plan.branches:
        assert branch.index is not None
        index = design.relational.indexes[branch.index]
        assert index.entity == branch.entity and index.parts[0].field == "customer"
        assert [p.field for p in index.parts[1:3]] == ["created_at", "id"]


@pytest.mark.parametrize("target", TARGETS)
def test_a_bucket_predicate_is_a_range_on_the_plain_field(target: str) -> None:
    design = _example("helpdesk", target)
    plan = design.relational.pattern("weekly_intake")
    assert plan is not None and plan.index is not None
    assert [p.field for p in design.relational.indexes[plan.index].parts] == ["workspace", "team", "created_at"]


@pytest.mark.parametrize("target", TARGETS)
def test_a_hot_grouped_read_gets_a_summary_keyed_tenant_equality_bucket(target: str) -> None:
    design = build_feed(target).design
    assert design is not None
    summary = design.relational.summary("rep_quarter_totals")
    assert summary is not None
    assert summary.keys == (("shop", None), ("created_at", "quarter"), ("rep", None))
    assert summary.sums == (("revenue", "total"),) and summary.count_alias == "orders"
    assert summary.per == ("statement" if design.capabilities.statement_triggers else "row")
    # no index on invoices for it: the summary's primary key serves the read
    assert not any("rep_quarter_totals" in ix.serves for ix in design.relational.indexes)


@pytest.mark.parametrize(("select", "reason"), [
    ("max(total) as top", "cannot be kept incrementally"),
    ("sum(note_len) as n", "optional field"),
])
def test_a_hot_grouped_read_a_summary_cannot_answer_is_computed_per_read(select: str, reason: str) -> None:
    sdl = FEED_SDL.replace("select  sum(total) as revenue, count(*) as orders", f"select  {select}") \
        .replace("  note        string(40)?", "  note        string(40)?\n  note_len    int?")
    result = emit_compiled(compile_text(sdl, "feed.sdl"), "postgres", BuildOptions())
    assert result.design is not None and result.design.relational.summary("rep_quarter_totals") is None
    payload = next(d.payload for d in result.design.decisions
                   if isinstance(d.payload, Summary) and d.subject.pattern == "rep_quarter_totals")
    assert not payload.maintained and payload.reason is not None and reason in payload.reason


def test_a_cold_grouped_read_is_computed_per_read() -> None:
    design = _example("helpdesk", "postgres")
    assert design.relational.summary("weekly_intake") is None
    payload = next(d.payload for d in design.decisions
                   if isinstance(d.payload, Summary) and d.subject.pattern == "weekly_intake")
    assert not payload.maintained and payload.reason is None


@pytest.mark.parametrize("target", TARGETS)
def test_statements_of_the_new_constructs_are_emitted(target: str) -> None:
    queries = _text(build_feed(target), "queries.sql")
    for name in ("RepQuarterTotals", "CustomerActivity", "CustomerActivityNext", "SetNote", "PurgeSession"):
        assert f"-- name: {name} " in queries, name
    assert "UNION ALL" in queries and "'Invoice' AS entity" in queries
