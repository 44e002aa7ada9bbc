"""Counts of live children and purges through partial indexes (issue 10 item 13b, 13c).

A count of a soft-deletable child per parent ("students per course") through the foreign key's index over
every row visits each child's heap tuple to read deleted_at; the design makes the counted reference's index
partial (live rows only) where the target has partial indexes, so the count is an index-only scan. A foreign
key covered only by such a partial index cannot be checked through it: the decision says what purging one
parent row then reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.compiler.design.decisions import IndexChoice
from schemac.compiler.design.model import Design, Subject
from tests.engines import PgServer
from tests.helpers.plan_models import build_model, load_model
from tests.helpers.plans import artifact, connect, explain_pg, parameter_sets, set_tenant
from tests.seed import parse_queries, pg_scans, query_of

COURSES = Path(__file__).resolve().parents[1] / "examples" / "course_platform.sdl"


def _enrollment_index(design: Design) -> tuple[int, object]:
    found = [(i, ix) for i, ix in enumerate(design.relational.indexes)
             if ix.entity == "Enrollment" and [p.field for p in ix.parts] == ["organization", "course"]]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(("engine", "partial"), [("postgres", True), ("mariadb", False)])
def test_counted_reference_gets_a_live_row_index(engine: str, partial: bool) -> None:
    design = build_model(COURSES, engine).design
    assert isinstance(design, Design)
    _, ix = _enrollment_index(design)
    assert ix.live_only is partial and "instructor_courses" in ix.serves  # type: ignore[attr-defined]
    label = "Enrollment(organization, course)"
    created = [d for d in design.decisions
               if d.subject == Subject.of_index("Enrollment", label) and d.payload == IndexChoice("create", label)]
    assert [d.rule for d in created] == (["REL-I05"] if partial else ["REL-I08"]), created


def test_partial_foreign_key_cover_states_the_purge_cost() -> None:
    design = build_model(COURSES, "postgres").design
    assert isinstance(design, Design)
    fk = next(d for d in design.decisions if d.subject == Subject.of_reference("Enrollment", "student"))
    assert ("purging one User row reads ~1,800 Enrollment rows through the primary key "
            "Enrollment(organization, id)") in fk.why


def test_live_count_is_an_index_only_scan(pg_server: PgServer) -> None:
    ld = load_model(pg_server, "postgres", COURSES, 200_000)
    position, _ = _enrollment_index(ld.design)
    name = ld.names[position]
    assert f"CREATE INDEX {name} ON enrollments (organization_id, course_id) WHERE deleted_at IS NULL;" in \
        artifact(ld.result, "schema.sql")
    named = next(n for n in parse_queries(artifact(ld.result, "queries.sql")) if n.name == "InstructorCourses")
    query = query_of(ld.model, named)
    assert query is not None
    for ps in parameter_sets(ld, query, named, None):
        with connect(ld) as conn:
            set_tenant(ld, conn, ps.tenant)
            scans = [s for s in pg_scans(explain_pg(conn, named, ps.values)) if s.relation == "enrollments"]
        assert [(s.node, s.index) for s in scans] == [("Index Only Scan", name)], (ps.label, scans)
