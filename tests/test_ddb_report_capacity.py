"""The DynamoDB capacity units of a design (schemac/report/capacity.py): RCU per read pattern and WCU per
write, per call and at the declared rates, and the patterns each index serves; none on other targets."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from schemac.build import build
from schemac.compiler.design.keyvalue.layout import KeySchema, KeyValueLayout, SecondaryIndex, Table
from schemac.compiler.design.model import Design
from schemac.compiler.design.plans import Cost
from schemac.report import render_report
from schemac.report.capacity import TABLE, capacity_section, units

ROOT = Path(__file__).resolve().parent.parent


@cache
def _pg_design() -> Design:
    result = build(ROOT / "examples" / "course_platform.sdl", "postgres")
    assert result.design is not None
    return result.design


def _kv_design(rcu: dict[str, float], structure: dict[str, str], wcu: dict[str, float]) -> Design:
    """course_platform's plans with a key-value layout and capacity units, as the key-value planner fills."""
    pg = _pg_design()
    layout = KeyValueLayout(table=Table(name="course_platform"), indexes=(
        SecondaryIndex(name="GSI1", kind="global", keys=KeySchema(partition_key="GSI1PK", sort_key="GSI1SK")),
        SecondaryIndex(name="LSI1", kind="local", keys=KeySchema(partition_key="PK", sort_key="LSI1SK"))))
    patterns = tuple(p.model_copy(update={"cost": Cost(rcu=rcu.get(p.query)), "structure": structure.get(p.query)})
                     for p in pg.patterns)
    writes = tuple(w.model_copy(update={"cost": w.cost._replace(wcu=wcu.get(w.write))}) for w in pg.writes)
    return pg.model_copy(update={"layout": layout, "patterns": patterns, "writes": writes, "target": "dynamodb"})


def test_no_capacity_section_on_a_relational_design() -> None:
    assert capacity_section(_pg_design()) is None


def test_units_at_declared_rates_and_patterns_per_index() -> None:
    model = _pg_design().model
    rates = {q.name: q.rate_per_s for q in model.queries}
    reads = [q.name for q in model.queries if _pg_design().pattern(q.name) is not None]
    first, second, third = reads[:3]
    design = _kv_design({first: 0.5, second: 2.0, third: 1.0}, {first: "GSI1", second: "nope", third: "LSI1"},
                        {w.write: 2.0 for w in _pg_design().writes})
    s = capacity_section(design)
    assert s is not None
    assert [r.name for r in s.reads] == [first, second, third]  # a pattern without units is left out
    by_name = {r.name: r for r in s.reads}
    assert by_name[first].structure == "GSI1" and by_name[second].structure == TABLE  # unknown -> the table
    assert by_name[first].per_s == pytest.approx(0.5 * rates[first]) if rates[first] else by_name[first].per_s is None
    assert (s.gsis, s.lsis) == (1, 1)
    assert [(i.name, i.kind, i.patterns) for i in s.indexes] == [
        (TABLE, "table", (second,)), ("GSI1", "global", (first,)), ("LSI1", "local", (third,))]
    rated_writes = [w for w in _pg_design().writes if w.cost.rate_per_s is not None]
    assert s.wcu_per_s == pytest.approx(sum(2.0 * w.cost.rate_per_s for w in rated_writes))
    assert s.rcu_per_s == pytest.approx(sum(r.per_s or 0 for r in s.reads))
    assert set(s.unrated) == {r.name for r in (*s.reads, *s.writes) if r.rate_per_s is None}


@pytest.mark.parametrize(("value", "text"), [(None, "—"), (0.5, "0.5"), (3.0, "3"), (1234.25, "1,234.2"), (0, "0")])
def test_units_print_compactly(value: float | None, text: str) -> None:
    assert units(value) == text


EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.sdl"))


@cache
def _dynamodb(example: str) -> object:
    result = build(ROOT / "examples" / f"{example}.sdl", "dynamodb")
    assert result.ok and result.design is not None, [str(d) for d in result.diagnostics]
    return result


@pytest.mark.parametrize("example", EXAMPLES)
def test_capacity_units_are_those_of_the_artifacts(example: str) -> None:
    result = _dynamodb(example)
    s = capacity_section(result.design)  # type: ignore[attr-defined]
    assert s is not None
    arts = {a.path: a.text for a in result.artifacts}  # type: ignore[attr-defined]
    patterns = {p["name"]: p for p in json.loads(arts["access_patterns.json"])["patterns"]}
    writes = {w["name"]: w for w in json.loads(arts["writes.json"])["writes"]}
    table = json.loads(arts["table.json"])
    served = {p for p, spec in patterns.items() if spec.get("operation")}
    assert {r.name for r in s.reads} == served
    for r in s.reads:
        assert r.structure == (patterns[r.name]["index"] or TABLE), r.name
    assert {w.name: w.per_call for w in s.writes} == {w.name: writes[w.name]["wcu"] for w in s.writes}
    assert all(writes[n]["op"] == "link" for n in set(writes) - {w.name for w in s.writes})  # edges: no plan
    assert s.gsis == len(table.get("GlobalSecondaryIndexes", []))
    assert s.lsis == len(table.get("LocalSecondaryIndexes", []))


@pytest.mark.parametrize("html", [False, True])
def test_the_dynamodb_report_shows_capacity_and_the_relational_one_does_not(html: bool) -> None:
    result = _dynamodb("course_platform")
    text = render_report(result, html=html, today=date(2026, 12, 6))
    assert "Capacity units at the declared rates" in text
    s = capacity_section(result.design)  # type: ignore[attr-defined]
    assert s is not None
    for r in s.reads:
        assert f"{units(r.per_call)} RCU" in text and r.name in text
    assert f"{s.totals[0]} RCU/s and {s.totals[1]} WCU/s" in text
    pg = build(ROOT / "examples" / "course_platform.sdl", "postgres")
    assert "Capacity units" not in render_report(pg, html=html, today=date(2026, 12, 6))
