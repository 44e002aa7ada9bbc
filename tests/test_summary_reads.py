"""A grouped read answered from its maintained summary table (SC-SUM-01): the design's estimate of the rows one
call reads is the summary's groups in the window, the catalog files the summary table's primary key as the key
that serves the read, and the report names that key and that table (tests/test_report_explain.py runs it on
PostgreSQL and checks the plan reads it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.compiler.pipeline import compile_model, compile_text
from schemac.report import build_report
from tests.helpers.lint import build

ROOT = Path(__file__).resolve().parents[1]

HOT = """model shop {
  horizon 2 years
}
entity Sale {
  region  enum(north, south, east, west)
  channel enum(web, store)
  amount  money
  volume  5M
}
query {name} {
  from   Sale
  where  {where}
  group  {group}
  select sum(amount) as revenue, count(*) as sales
  rate   5/s
}
"""


def _rows(name: str, where: str, group: str) -> float | None:
    comp = compile_text(HOT.replace("{name}", name).replace("{where}", where).replace("{group}", group), "s.sdl")
    assert comp.model is not None, [d.message for d in comp.diagnostics]
    design, _ = build(comp.model, "postgres")
    assert design.relational.summary(name) is not None, "a hot grouped read gets a summary table"
    return next(p.expected_rows for p in design.patterns if p.query == name)


@pytest.mark.parametrize(("where", "group", "rows"), [
    # 24 months = 24 month buckets, a third under a range; 4 regions
    ("month(created_at) between ? and ?", "month(created_at), region", 8 * 4),
    # the region fixed by equality: one value
    ("month(created_at) between ? and ? and region = ?", "month(created_at), region", 8),
    # no range on the bucket: every bucket of the horizon; 4 regions x 2 channels
    ("region = ?", "year(created_at), region, channel", 2 * 2),
])
def test_a_summary_read_expects_its_groups_in_the_window(where: str, group: str, rows: float) -> None:
    assert _rows("sales_by", where, group) == pytest.approx(rows)


def test_the_catalog_and_the_report_name_the_summary_key() -> None:
    from schemac.build import emit_compiled, options_for

    comp = compile_model(ROOT / "examples" / "commerce.sdl")
    for target in ("postgres", "mysql"):
        result = emit_compiled(comp, target, options_for(target))
        assert result.catalog is not None
        (key,) = [k for k in result.catalog.keys if "quarterly_revenue" in k.serves]
        assert key.primary and key.container == "quarterly_revenue_summary"
        summary = result.catalog.tables[key.container]
        assert summary.role == "summary" and summary.entity == "Order"
        (row,) = [r for r in build_report(result).access.queries if r.name == "quarterly_revenue"]
        assert (row.table, row.served_kind) == ("quarterly_revenue_summary", "primary key")
        assert row.index_name == key.name and row.expected_rows == "20"
