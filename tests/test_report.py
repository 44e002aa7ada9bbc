"""The design report: every section for every example on every SQL target, determinism, a self-contained
HTML page with an SVG diagram, and the computed parts (DDL read-back, projections, ranking) in isolation.

Builds come from `tests/test_report_support.py`: the real pipeline when it works, else a stand-in design."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from schemac.backends import Artifact, BuildOptions
from schemac.build import BuildResult, emit_compiled
from schemac.compiler.design.model import Growth
from schemac.compiler.naming import pascal
from schemac.compiler.pipeline import compile_text
from schemac.report import SECTIONS, build_report, render_report
from schemac.report.facts import gather
from schemac.report.migration import playbook_for
from schemac.report.text import add_months, count, rate
from tests.helpers.report_support import (
    EXAMPLES,
    ROOT,
    TARGETS,
    fake_build,
    fake_catalog,
    fake_design,
    fake_schema,
    report_build,
)

TODAY = date(2025, 1, 15)
CASES = [pytest.param(path, target, id=f"{path.stem}-{target}") for path in EXAMPLES for target in TARGETS]
_builds: dict[tuple[Path, str], BuildResult] = {}


def built(path: Path, target: str) -> BuildResult:
    key = (path, target)
    if key not in _builds:
        _builds[key] = report_build(path, target)
    return _builds[key]


def test_every_example_is_covered() -> None:
    assert {p.stem for p in EXAMPLES} >= {"course_platform", "commerce", "helpdesk"}


# -- sections ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "target"), CASES)
def test_markdown_has_every_section(path: Path, target: str) -> None:
    result = built(path, target)
    text = render_report(result, today=TODAY)
    headings = re.findall(r"^## (\d)\. (.+)$", text, re.MULTILINE)
    assert headings == [(str(i), title) for i, (_, title) in enumerate(SECTIONS, 1)]
    model = result.design.model
    section = _sections(text)
    # 1. entities: a row per entity and a Mermaid erDiagram naming each
    assert "```mermaid\nerDiagram" in section[1]
    for e in model.entities:
        assert f"| **{e.name}** |" in section[1]
        assert re.search(rf"^  {e.name} {{$", section[1], re.MULTILINE)
    # 2. the schema artifact, verbatim, in a code block
    schema = next(a.text for a in result.artifacts if a.path == "schema.sql")
    assert schema.strip() in section[2]
    # 3. every index plan, with what it serves
    assert len(re.findall(r"^\| \d+ \| `", section[3], re.MULTILINE)) == len(result.design.relational.indexes)
    # 5. every access pattern with its SDL and how it is served
    for p in (*model.queries, *model.writes):
        assert f"### `{p.name}` (" in section[5]
    assert section[5].count("- SDL: `") == len(model.queries) + len(model.writes)
    assert section[5].count("- Served by: ") == len(model.queries) + len(model.writes)
    # 6. the eight mistakes, each avoided or appearing
    assert len(re.findall(r"^\| [1-8] \| .+ \| (avoided|\*\*appears\*\*) \|", section[6], re.MULTILINE)) == 8
    # 7. expand / migrate / contract and the target's own online forms
    for phase in ("**Expand**", "**Migrate**", "**Contract**"):
        assert phase in section[7]
    # 8. dated thresholds, 9. up to three takeaways
    assert re.search(r"^\| \d{4}-\d\d-\d\d \| ", section[8], re.MULTILINE)
    assert 1 <= len(re.findall(r"^\d\. ", section[9], re.MULTILINE)) <= 3


def _sections(text: str) -> dict[int, str]:
    parts = re.split(r"^## (\d)\. .+$", text, flags=re.MULTILINE)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize(("path", "target"), CASES)
def test_patterns_show_their_generated_statement(path: Path, target: str) -> None:
    result = built(path, target)
    assert result.catalog is not None and result.catalog.statements
    text = render_report(result, today=TODAY)
    for stmt in result.catalog.statements:
        if stmt.pattern is not None:  # an expiry purge is no access pattern (SC-EXP-01)
            assert stmt.text in text, stmt.name


@pytest.mark.parametrize(("path", "target"), CASES)
def test_report_and_queries_name_the_same_index(path: Path, target: str) -> None:
    """The index the report says serves a read pattern is the one queries.sql names in the statement's
    summary (`; index X`): the plan tests check that name against EXPLAIN on PostgreSQL and on MariaDB."""
    result = built(path, target)
    queries = next((a.text for a in result.artifacts if a.path == "queries.sql"), "")
    notes = {m.group(1): m.group(2) for m in re.finditer(r"^-- name: (\w+) .*\n-- .*; index (\S+)$", queries,
                                                          re.MULTILINE)}
    report = build_report(result, today=TODAY)
    compared = 0
    for row in report.access.queries:
        note = notes.get(pascal(row.name))
        if note is not None and row.index_name is not None:
            compared += 1
            assert row.index_name == note, f"{row.name}: the report says {row.index_name}, queries.sql {note}"
    assert compared or not notes


@pytest.mark.parametrize(("path", "target"), CASES)
def test_html_has_every_section_and_one_box_per_entity(path: Path, target: str) -> None:
    result = built(path, target)
    page = render_report(result, html=True, today=TODAY)
    assert page.startswith("<!DOCTYPE html>")
    for anchor, title in SECTIONS:
        assert f'<h2 id="{anchor}">' in page and title in page
    assert page.count("<svg") == 1
    names = re.findall(r'<g class="entity" id="svg-entity-(\w+)"', page)
    tables = result.design.relational.stored(result.design.model).entities  # junction tables too
    assert sorted(names) == sorted(e.name for e in tables)
    drawn = re.findall(r'<g class="relation (?:owner|reference)"', page)
    assert len(drawn) == sum(1 for e in tables for f in e.references
                             if f.origin.value != "tenant")


@pytest.mark.parametrize(("path", "target"), CASES)
def test_html_is_self_contained(path: Path, target: str) -> None:
    page = render_report(built(path, target), html=True, today=TODAY)
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page, re.IGNORECASE)
    assert not re.search(r"\b(src|srcset|xlink:href)\s*=", page, re.IGNORECASE)
    assert not re.search(r"@import|url\(", page)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))


# -- determinism ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "target"), CASES)
def test_rendering_is_deterministic(path: Path, target: str) -> None:
    result = built(path, target)
    assert render_report(result, today=TODAY) == render_report(result, today=TODAY)
    assert render_report(result, html=True, today=TODAY) == render_report(result, html=True, today=TODAY)


def test_a_fresh_build_renders_the_same() -> None:
    path = ROOT / "examples" / "course_platform.sdl"
    first = render_report(report_build(path, "postgres"), today=TODAY)
    assert render_report(report_build(path, "postgres"), today=TODAY) == first


def test_dates_follow_today() -> None:
    result = fake_build(ROOT / "examples" / "course_platform.sdl", "postgres")
    early = render_report(result, today=date(2025, 1, 15))
    late = render_report(result, today=date(2026, 3, 1))
    assert "as of 2025-01-15" in early and "as of 2026-03-01" in late
    assert "2026-07-15" in early and "2027-09-01" in late  # the 18-month horizon from each day
    assert "as of " + date.today().isoformat() in render_report(result)


def test_months_are_calendar_months() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 15), 18) == date(2026, 7, 15)
    assert add_months(date(2025, 1, 15), 0.5) == date(2025, 1, 30)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("source", [
    "model tiny {}\nentity Note {\n  body text\n}\n",
    "model tiny { tenant Org }\nentity Org { name string(10) }\nentity Tag @global {\n  name string(5)\n"
    "  unique (name)\n}\n",
])
def test_a_minimal_model_renders(source: str, target: str) -> None:
    """No volumes, rates or access patterns: every section still renders, and says what it lacks."""
    comp = compile_text(source, "tiny.sdl")
    assert comp.model is not None
    try:
        result = emit_compiled(comp, target, BuildOptions())
    except ImportError:
        design = fake_design(comp.model, target)
        result = BuildResult(comp, [Artifact("schema.sql", fake_schema(design))], design, fake_catalog(design))
    text = render_report(result, today=TODAY)
    assert len(re.findall(r"^## \d\. ", text, re.MULTILINE)) == 9
    assert "No decision has a measurable effect" in text
    assert render_report(result, html=True, today=TODAY).count('<g class="entity"') == len(comp.model.entities)


def test_a_build_without_design_is_refused() -> None:
    result = fake_build(ROOT / "examples" / "course_platform.sdl", "postgres")
    with pytest.raises(ValueError, match="design"):
        render_report(BuildResult(result.compilation, result.artifacts, None))


# -- content computed from a known design ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course() -> BuildResult:
    return fake_build(ROOT / "examples" / "course_platform.sdl", "postgres")


def test_patterns_name_the_emitted_index(course: BuildResult) -> None:
    report = build_report(course, today=TODAY)
    row = next(p for p in report.access.queries if p.name == "student_courses")
    assert row.index_name == "enrollments_organization_id_student_id_created_at_idx"
    assert row.statement_name == "StudentCourses" and row.sql and "FROM enrollments" in row.sql
    text = render_report(course, today=TODAY)
    assert "- Served by: index `enrollments_organization_id_student_id_created_at_idx` (organization_id, student_id, " \
           "created_at DESC)" in text
    lookup = next(p for p in report.access.queries if p.name == "user_by_email")
    assert lookup.expected_rows == "1"


def test_aggregates_show_their_write_cost(course: BuildResult) -> None:
    report = build_report(course, today=TODAY)
    (agg,) = report.decisions.aggregates
    assert agg.column == "enrollments.lessons_completed"
    assert agg.definition == "count(Progress where completed_at is not null)"
    assert agg.mechanism == "trigger on progress"
    assert agg.extra_writes == "300/s" and agg.amplification.startswith("x2.0 row writes per Progress write")
    assert agg.children_per_parent == pytest.approx(5_000_000 / 900_000)


def test_growth_thresholds_are_projected(course: BuildResult) -> None:
    report = build_report(course, today=TODAY)
    enrollments = [r for r in report.revisit.rows if r.subject == "enrollments"]
    # 0 rows today + 50k/month: 1M rows after 20 months
    assert [(r.trigger, r.date) for r in enrollments] == [("1M rows", add_months(TODAY, 20).isoformat())]
    progress = [r for r in report.revisit.rows if r.subject == "progress"]  # 5M, no growth: by the horizon
    assert [(r.trigger, r.when) for r in progress] == [("1M rows", "by the horizon (no growth declared)")]
    horizon = next(r for r in report.revisit.rows if r.subject == "all tables")
    assert horizon.date == add_months(TODAY, 18).isoformat() == report.revisit.horizon_date


def test_partitioning_threshold_is_dated_and_uses_the_designs_note() -> None:
    comp = compile_text("model m { horizon 12 months }\nentity Event @append_only {\n  kind string(20)\n"
                        "  volume 2M + 1M/month\n}\n", "m.sdl")
    assert comp.model is not None
    design = fake_design(comp.model, "postgres")
    note = "range-partition by created_at (monthly) past 10M rows"
    design = design.model_copy(update={"growth": (Growth(entity="Event", rows_at_horizon=14e6, row_bytes=60,
                                                         table_bytes=14e6 * 60, index_bytes=14e6 * 30,
                                                         revisit=note),)})
    built_ = BuildResult(comp, [Artifact("schema.sql", fake_schema(design))], design, fake_catalog(design))
    report = build_report(built_, today=TODAY)
    rows = {r.trigger: r for r in report.revisit.rows if r.subject == "events"}
    assert rows["1M rows"].when == "already at today's volume"
    assert rows["10M rows"].date == add_months(TODAY, 8).isoformat() and rows["10M rows"].action == note
    assert "100M rows" not in rows  # month 98: beyond the lookahead of twice the horizon (24 months)
    assert report.revisit.sizes[0].note == note


def test_takeaways_are_ranked_by_effect(course: BuildResult) -> None:
    report = build_report(course, today=TODAY)
    assert len(report.takeaways) == 3
    assert len({t.kind for t in report.takeaways}) == 3
    effects = [t.effect for t in report.takeaways]
    assert effects == sorted(effects, reverse=True)


def test_migration_lists_the_largest_tables_with_online_forms(course: BuildResult) -> None:
    report = build_report(course, today=TODAY)
    assert [t.table for t in report.migration.online] == ["progress", "quiz_attempts", "enrollments"]
    progress = report.migration.online[0]
    assert any(s.startswith("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS progress_") for s in progress.statements)
    assert report.migration.session == ("SET lock_timeout = '5s';", "SET statement_timeout = '15min';")


def test_mysql_gets_online_ddl_not_concurrently() -> None:
    report = build_report(fake_build(ROOT / "examples" / "course_platform.sdl", "mysql"), today=TODAY)
    statements = [s for t in report.migration.online for s in t.statements]
    assert statements and all("CONCURRENTLY" not in s for s in statements)
    assert any(s.endswith("ALGORITHM=INPLACE, LOCK=NONE;") for s in statements)
    assert report.migration.playbook == "MySQL"


def test_playbooks_are_looked_up_by_target_then_family(course: BuildResult, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from schemac.backends import get_backend
    from schemac.report import facts as facts_mod

    facts = gather(course, TODAY)
    assert playbook_for(facts).name == "PostgreSQL"
    facts.target = "mysql"
    assert playbook_for(facts).name == "MySQL"  # the backend's own playbook
    without = dataclasses.replace(get_backend("mysql"), playbook=None)  # a target that brings none
    monkeypatch.setattr(facts_mod, "get_backend", lambda name: without)
    assert playbook_for(facts).name == "PostgreSQL"  # the relational family's default


def test_mistakes_checklist_without_the_lint_package(course: BuildResult, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_lint(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("schemac.compiler.check"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_lint)
    commerce = build_report(fake_build(ROOT / "examples" / "commerce.sdl", "postgres"), today=TODAY)
    assert commerce.mistakes.checked_by.startswith("the report itself")
    status = {m.key: m.status for m in commerce.mistakes.rows}
    assert status["keys"] == "appears" and status["audit"] == "avoided"  # ids bigint; audit on, Customer @audited
    keys = next(m for m in commerce.mistakes.rows if m.key == "keys")
    assert keys.findings[0].location == "examples/commerce.sdl:4"  # the `ids bigint` line
    assert status["json"] == "avoided"  # Product.specs is never filtered, ordered or grouped by
    platform = build_report(course, today=TODAY)
    assert {m.status for m in platform.mistakes.rows} == {"avoided"}


def test_mistakes_checklist_uses_lint_findings_when_available(course: BuildResult) -> None:
    pytest.importorskip("schemac.compiler.check")
    commerce = build_report(fake_build(ROOT / "examples" / "commerce.sdl", "postgres"), today=TODAY)
    assert commerce.mistakes.checked_by.startswith("the lint rules")
    keys = next(m for m in commerce.mistakes.rows if m.key == "keys")
    assert keys.status == "appears" and "SC0301" in keys.codes
    assert all(re.fullmatch(r"examples/commerce\.sdl:\d+", f.location) for f in keys.findings)


# -- the catalog the backend returns beside the text ---------------------------------------------------------


@pytest.mark.parametrize("target", ["postgres", "mysql"])
def test_catalog_is_deterministic_and_complete(course: BuildResult, target: str) -> None:
    """Two builds give the same catalog; every table, index and statement in it points at its text."""
    one, two = built(ROOT / "examples" / "course_platform.sdl", target), built(ROOT / "examples" /
                                                                             "course_platform.sdl", target)
    assert one.catalog is not None and one.catalog.model_dump_json() == two.catalog.model_dump_json()
    cat = one.catalog
    texts = {a.path: a.text.splitlines() for a in one.artifacts}
    for t in cat.containers:
        assert t.location is not None and t.name in texts["schema.sql"][t.location.line - 1], t.name
    for k in cat.keys:  # a CREATE INDEX names it; a key inside CREATE TABLE is where its table is
        assert k.location is not None
        assert k.name in texts["schema.sql"][k.location.line - 1] or k.location == cat.tables[k.container].location
    for s in cat.statements:
        assert s.location is not None and texts["queries.sql"][s.location.line - 1].startswith(f"-- name: {s.name} ")
        assert [p.name for p in s.params] == [x.split()[0] for x in
                                             s.text.split("-- params: ", 1)[1].split("\n")[0].split(", ")] \
            if s.params else "-- params:" not in s.text
    realised = {p for k in cat.keys for p in k.plans}
    assert realised == {i for i, plan in enumerate(one.design.relational.indexes) if plan.origin != "primary"}  # type: ignore[union-attr]
    assert {t.entity for t in cat.containers if t.role in ("entity", "junction")} == \
        {e.name for e in one.design.model.entities}  # type: ignore[union-attr]


def test_catalog_keeps_what_mysql_adds(course: BuildResult) -> None:
    cat = built(ROOT / "examples" / "helpdesk.sdl", "mysql").catalog
    assert cat is not None
    assert {k.name for k in cat.keys if k.primary} == {"PRIMARY"}
    assert any(t.generated for t in cat.containers)  # the live-row key column
    assert all(k.method == "fulltext" for k in cat.keys if "search" in k.name)
    assert {t.container for t in cat.triggers} <= {t.name for t in cat.containers}


def test_report_reads_index_names_from_the_catalog(course: BuildResult) -> None:
    assert course.catalog is not None
    old = "enrollments_organization_id_student_id_created_at_idx"
    keys = tuple(k.model_copy(update={"name": "ix_feed"}) if k.name == old else k for k in course.catalog.keys)
    renamed = course.catalog.model_copy(update={"keys": keys})
    report = build_report(BuildResult(course.compilation, course.artifacts, course.design, renamed), today=TODAY)
    row = next(p for p in report.access.queries if p.name == "student_courses")
    assert row.index_name == "ix_feed"


def test_markdown_fences_outlast_backticks_in_code() -> None:
    from schemac.report import fence

    assert fence("a ``` b", "sql").startswith("````sql\n")
    assert fence("plain").startswith("```\n")
    assert count(1_500_000) == "1.5M" and count(950) == "950" and rate(1 / 60) == "1/min"
