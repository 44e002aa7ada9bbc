"""Every write, a plain insert included, has a WritePlan whose WriteCost counts what it writes: index entries,
the triggers that run with it (updated_at, audit, maintained aggregates, history), the parents it keeps up to
date and the copies it leaves, per call and at its declared rate; decisions.md renders the same numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.backends import get_backend
from schemac.compiler.design import design as run_design
from schemac.compiler.design.explain import render_decisions
from schemac.compiler.design.model import Design
from schemac.compiler.pipeline import build, compile_text
from schemac.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
TARGETS = ("postgres", "mysql")

MODEL = """model shop {
  tenant Store
  audit on
}
entity Store { name string(50) }
entity Customer {
  email email @unique
  orders int = count(Order)
  spent money = sum(Order.total)
  open_orders int = count(Order where status = open)
}
entity Order @audited @versioned {
  customer Customer
  code string(20) @unique
  total money
  status enum(open, paid) = open
  index (customer, status)
}
entity Event @append_only {
  customer Customer
  kind string(20)
}
write place_order {
  insert Order
  rate 20/s
}
write change_order {
  update Order by (id)
  rate 5/s
}
write cancel_order {
  delete Order by (code)
}
write upsert_customer {
  upsert Customer by (email)
  rate 1/min
}
write log_event {
  insert Event
  rate 100/s
}
"""


def _design(text: str, target: str) -> Design:
    comp = compile_text(text, "t.sdl")
    assert comp.model is not None, [render(d, comp.sources) for d in comp.diagnostics]
    designed, _ = run_design(comp.model, get_backend(target).capabilities, target)
    return designed


def _entries(d: Design, entity: str) -> int:
    return 1 + sum(1 for ix in d.indexes if ix.entity == entity and ix.origin != "primary")


@pytest.mark.parametrize("target", TARGETS)
def test_an_insert_costs_its_indexes_triggers_counters_and_copies(target: str) -> None:
    d = _design(MODEL, target)
    plan = d.write("place_order")
    assert plan is not None and plan.op == "insert" and plan.entity == "Order"
    c = plan.cost
    assert c.index_entries == _entries(d, "Order") and len(c.indexes) == c.index_entries - 1
    assert all(d.indexes[i].entity == "Order" for i in c.indexes)
    assert c.maintained == ("Customer.orders", "Customer.spent", "Customer.open_orders")
    assert c.copies == ("audit_log row",)  # an insert supersedes no version: no history row
    assert c.rows == 1 + 3 + 1
    assert not any(t.startswith("updated_at") for t in c.triggers)
    assert c.rate_per_s == 20 and c.rows_per_s == 100 and c.index_entries_per_s == 20 * c.index_entries


@pytest.mark.parametrize("target", TARGETS)
def test_an_update_sets_updated_at_keeps_history_and_only_value_aggregates(target: str) -> None:
    d = _design(MODEL, target)
    c = d.write("change_order").cost  # type: ignore[union-attr]
    # a count without a condition does not change when a row is rewritten; a sum and a filtered count do
    assert c.maintained == ("Customer.spent", "Customer.open_orders")
    assert c.copies == ("audit_log row", "Order history row")
    updated_at = [t for t in c.triggers if t.startswith("updated_at")]
    assert updated_at == (["updated_at (ON UPDATE column)"] if target == "mysql" else ["updated_at"])
    assert c.rows == 1 + 2 + 2


def test_a_soft_delete_is_an_update_and_an_append_only_insert_is_cheap() -> None:
    d = _design(MODEL, "postgres")
    delete = d.write("cancel_order")
    assert delete is not None and delete.index is not None  # found by its unique code
    assert delete.cost.rate_per_s is None and delete.cost.rows_per_s is None
    assert "Customer.orders" in delete.cost.maintained  # live children only are counted
    assert any(t.startswith("updated_at") for t in delete.cost.triggers)
    event = d.write("log_event").cost  # type: ignore[union-attr]
    assert (event.rows, event.triggers, event.copies) == (1, (), ())
    assert event.index_entries == _entries(d, "Event")


def test_decisions_md_renders_the_numbers() -> None:
    d = _design(MODEL, "postgres")
    md = render_decisions(d)
    c = d.write("place_order").cost  # type: ignore[union-attr]
    assert f"| place_order | insert Order |   | 5 | {c.index_entries} |" in md
    assert f"| 20/s | 100 | {20 * c.index_entries} |" in md
    line = next(x for x in md.splitlines() if x.startswith("- `SC-PAT-03` **place_order**"))
    assert f"{c.index_entries} index entries" in line and "at 20/s: 100 row writes/s" in line


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_write_of_every_example_is_accounted_for(path: Path, target: str) -> None:
    result = build(path, target)
    assert result.design is not None
    d = result.design
    md = next(a.text for a in result.artifacts if a.path == "decisions.md")
    assert [w.write for w in d.writes] == [w.name for w in d.model.writes]
    for w in d.model.writes:
        plan = d.write(w.name)
        assert plan is not None and plan.op == w.op and plan.cost.index_entries >= 1
        assert [x.rule for x in d.decisions if x.subject == f"write {w.name}"].count("SC-PAT-03") == 1
        assert f"| {w.name} | {w.op} {w.entity} |" in md
