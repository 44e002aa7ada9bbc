"""The design report on a document target (MongoDB): every section renders from the catalog and the
family-neutral plans, in the family's words (collections and fields, JavaScript requests), with the indexes
the backend emitted, each pattern's serving index, and what the document layout embeds, copies and computes.
Relational reports keep their words (their output is unchanged by the family-aware sections)."""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

import pytest

from schemac.backends import get_backend, target_names
from schemac.build import BuildResult, build
from schemac.report import SECTIONS, build_report, render_report
from schemac.report.text import WORDS, anchor
from tests.helpers.mongo_artifacts import mongo_artifacts

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = tuple(p.stem for p in sorted((ROOT / "examples").glob("*.sdl")))
TODAY = date(2026, 12, 1)


@functools.cache
def mongo_build(example: str) -> BuildResult:
    result = build(ROOT / "examples" / f"{example}.sdl", "mongodb")
    assert result.ok and result.design is not None, [str(d) for d in result.diagnostics]
    return result


@functools.cache
def markdown(example: str) -> str:
    return render_report(mongo_build(example), today=TODAY)


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("html", [False, True])
def test_report_renders_for_mongodb(example: str, html: bool) -> None:
    text = render_report(mongo_build(example), html=html, today=TODAY)
    for _anchor, title in SECTIONS:
        assert title in text
    assert "language-sql" not in text and "```sql" not in text, "a MongoDB report shows no SQL"
    assert "javascript" in text
    if not html:
        assert "| Entity | Collection |" in text and "| # | Index | Collection | Fields |" in text
        assert "DDL" not in text.split("## 3.")[0], "the schema is a setup script, not DDL"


@pytest.mark.parametrize("example", EXAMPLES)
def test_indexes_and_serving_come_from_the_catalog(example: str) -> None:
    """Every emitted index is listed with the patterns it serves; each read is served by the index that
    queries.json names (or by `_id`)."""
    art = mongo_artifacts(example)
    report = build_report(mongo_build(example), today=TODAY)
    listed = {(i.table, i.name): {s.name for s in i.serves} for i in report.access.indexes}
    for c in art.collections["collections"]:
        for ix in c.get("indexes") or []:
            assert (c["name"], ix["name"]) in listed, f"{c['name']}.{ix['name']} is not in the report"
    served = {p.name: p for p in report.access.queries}
    for pattern in art.patterns:
        row = served[pattern["name"]]
        if pattern["index"] not in (None, "_id_"):
            assert row.index_name == pattern["index"], f"{pattern['name']}: {row.served_by}"
            assert pattern["name"] in listed[(pattern["collection"], pattern["index"])]
        assert row.sql, f"{pattern['name']}: the report shows no request"


def test_stored_shapes_say_what_is_embedded_copied_and_computed() -> None:
    report = build_report(mongo_build("commerce"), today=TODAY)
    shapes = {(s.subject, s.kind): s.storage for s in report.decisions.storage}
    assert shapes[("LineItem in Order", "embed")].startswith("array orders.line_items")
    assert "products.reviews" in shapes[("Review in Product", "subset")]
    assert "(name, price, sku)" in shapes[("Product in LineItem", "extended reference")]
    assert ("Order.total", "computed") in shapes
    assert any(kind == "bucket" for _subject, kind in shapes)
    assert any(kind == "versioned" for _subject, kind in shapes)


def test_embedded_entities_live_in_their_parents() -> None:
    """An embedded entity is shown inside its parent's documents, never as a collection of its own."""
    report = build_report(mongo_build("commerce"), today=TODAY)
    tables = {e.name: e.table for e in report.entities.rows}
    assert tables["LineItem"] == "orders.line_items" and tables["Payment"] == "orders.payments"
    assert {t.table for t in report.migration.tables}.isdisjoint({"orders.line_items", "orders.payments"})
    assert not any("trigger" in a for a in report.migration.aggregates), "MongoDB keeps counters in its writes"


def test_every_family_has_its_words() -> None:
    families = {get_backend(t).capabilities.family for t in target_names()}
    assert families <= set(WORDS)
    assert WORDS["relational"].container == "table" and WORDS["document"].container == "collection"


def test_relational_report_keeps_its_words() -> None:
    text = render_report(build(ROOT / "examples" / "course_platform.sdl", "postgres"), today=TODAY)
    assert "| Entity | Table |" in text and "```sql" in text and "DDL" in text


def test_anchors_of_patterns_resolve() -> None:
    text = markdown("helpdesk")
    links = set(re.findall(r"\(#(pattern-[a-z0-9-]+)\)", text))
    assert links
    for link in links:
        assert f'<a id="{link}">' in text, link
    assert anchor("pattern-team_queue") == "pattern-team-queue"
