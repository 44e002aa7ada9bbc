"""The design report: every section for every example on every SQL target, determinism, a self-contained
HTML page with an SVG diagram, and the computed parts (DDL read-back, projections, ranking) in isolation.

Builds come from `tests/test_report_support.py`: the real pipeline when it works, else a stand-in design."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from schemac.backends import Artifact, BuildOptions
from schemac.compiler.design.model import Growth
from schemac.compiler.naming import pascal
from schemac.compiler.pipeline import BuildResult, compile_text, emit_compiled
from schemac.report import SECTIONS, build_report, render_report
from schemac.report.ddl import DIALECTS, parse_named, parse_schema
from schemac.report.facts import gather
from schemac.report.migration import playbook_for
from schemac.report.text import add_months, count, rate
from tests.test_report_support import EXAMPLES, ROOT, TARGETS, fake_build, fake_design, fake_schema, report_build

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
    assert len(re.findall(r"^\| \d+ \| `", section[3], re.MULTILINE)) == len(result.design.indexes)
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
    queries = next((a.text for a in result.artifacts if a.path == "queries.sql"), "")
    named = parse_named(queries)
    text = render_report(result, today=TODAY)
    for name, stmt in named.items():
        if stmt.text and not name.startswith("Purge"):  # an expiry purge is no access pattern (SC-EXP-01)
            assert stmt.text in text, name


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
    assert sorted(names) == sorted(e.name for e in result.design.model.entities)
    drawn = re.findall(r'<g class="relation (?:owner|reference)"', page)
    assert len(drawn) == sum(1 for e in result.design.model.entities for f in e.references
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
        result = BuildResult(comp, [Artifact("schema.sql", fake_schema(design))], design)
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
    report = build_report(BuildResult(comp, [Artifact("schema.sql", fake_schema(design))], design), today=TODAY)
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


def test_playbooks_are_looked_up_by_target_then_family(course: BuildResult) -> None:
    facts = gather(course, TODAY)
    assert playbook_for(facts).name == "PostgreSQL"
    facts.target = "some_future_sql"
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


# -- reading back the emitted DDL -------------------------------------------------------------------------------

PG_DDL = """
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE TABLE "users" (
  id uuid NOT NULL,
  email text NOT NULL CHECK (email ~ '^[^;,]+$'),
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_org_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
  CONSTRAINT users_role_check CHECK (role IN ('a', 'b')),
  UNIQUE (organization_id, id)
);
CREATE UNIQUE INDEX users_email_key ON users (organization_id, email) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS users_created_idx ON public.users USING btree (organization_id, created_at DESC);
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY tenant ON users USING (organization_id = current_setting('app.tenant_id')::uuid);
"""

MY_DDL = """
CREATE TABLE `users` (
  `id` BINARY(16) NOT NULL,
  `email` VARCHAR(320) NOT NULL COMMENT 'personal, erasable',
  `email_live` VARCHAR(320) AS (CASE WHEN deleted_at IS NULL THEN email END) VIRTUAL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_email_key` (`organization_id`, `email_live`),
  KEY `users_created_idx` (`organization_id`, `created_at` DESC),
  CONSTRAINT `users_org_fk` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`)
) ENGINE=InnoDB;
DELIMITER //
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW BEGIN SET NEW.x = 1; END//
DELIMITER ;
"""


def test_postgres_ddl_is_read_back() -> None:
    cat = parse_schema(PG_DDL, DIALECTS["postgres"])
    assert set(cat.tables) == {"users"}
    names = {(i.name, i.columns, i.unique, i.primary, i.where) for i in cat.indexes}
    assert names == {("users_pkey", ("id",), True, True, ""),
                     ("users_organization_id_id_key", ("organization_id", "id"), True, False, ""),
                     ("users_email_key", ("organization_id", "email"), True, False, "deleted_at IS NULL"),
                     ("users_created_idx", ("organization_id", "created_at"), False, False, "")}
    assert next(i for i in cat.indexes if i.name == "users_created_idx").key == "organization_id, created_at DESC"
    assert [(f.name, f.ref_table) for f in cat.foreign_keys] == [("users_org_fk", "organizations")]
    assert [c.name for c in cat.checks] == ["users_role_check"]
    assert cat.triggers == {"users": ["users_touch"]} and cat.policies == {"users": ["tenant"]}
    assert cat.settings == ("app.tenant_id",)


def test_mysql_ddl_is_read_back() -> None:
    cat = parse_schema(MY_DDL, DIALECTS["mysql"])
    assert cat.primary_key("users") is not None and cat.primary_key("users").name == "PRIMARY"  # type: ignore[union-attr]
    unique = next(i for i in cat.indexes if i.name == "users_email_key")
    assert unique.columns == ("organization_id", "email_live") and unique.unique
    assert cat.tables["users"].generated == {"email_live": "VIRTUAL"}
    assert "personal, erasable" in cat.tables["users"].columns["email"]
    assert cat.triggers == {"users": ["users_touch"]}


def test_named_statements_are_split_by_name_line() -> None:
    text = "-- name: StudentCourses :many\n-- uses an index\nSELECT 1\nFROM t;\n\n-- name: Enroll :exec\nINSERT 1;\n"
    named = parse_named(text)
    assert list(named) == ["StudentCourses", "Enroll"]
    assert named["StudentCourses"].kind == "many"
    assert named["StudentCourses"].text == "-- uses an index\nSELECT 1\nFROM t;"
    assert named["Enroll"].line == 6


def test_report_reads_index_names_from_the_schema(course: BuildResult) -> None:
    renamed = [Artifact(a.path, a.text.replace("enrollments_organization_id_student_id_created_at_idx", "ix_feed"))
               for a in course.artifacts]
    report = build_report(BuildResult(course.compilation, renamed, course.design), today=TODAY)
    row = next(p for p in report.access.queries if p.name == "student_courses")
    assert row.index_name == "ix_feed"


def test_markdown_fences_outlast_backticks_in_code() -> None:
    from schemac.report import fence

    assert fence("a ``` b", "sql").startswith("````sql\n")
    assert fence("plain").startswith("```\n")
    assert count(1_500_000) == "1.5M" and count(950) == "950" and rate(1 / 60) == "1/min"
