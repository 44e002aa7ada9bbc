"""Unit tests of the SQL backend that need no database: names, the type maps, determinism, diagnostics
and what each dialect may and may not emit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from schemac.backends import BuildOptions, EmitResult, get_backend
from schemac.backends.sql.naming import Namer, shorten
from schemac.backends.sql.types import MYSQL_TYPES, PG_TYPES
from schemac.build import options_for
from schemac.compiler.design import design
from schemac.compiler.design.model import IndexPlan
from schemac.compiler.model import KeyPart, Scalar, ScalarKind
from schemac.compiler.pipeline import compile_text
from schemac.diagnostics import REGISTRY
from tests.helpers.sqldata import (
    EXAMPLE_IDS,
    EXAMPLES,
    ROOT,
    artifact,
    build_example,
    many_keys_model,
    parse_queries,
    wide_row_model,
)

TARGETS = ("postgres", "mysql")


# --- names ----------------------------------------------------------------------------------------------


def test_shorten_keeps_names_that_fit() -> None:
    assert shorten("users_organization_id_email_key", 63) == "users_organization_id_email_key"


def test_shorten_caps_at_63_bytes_with_a_stable_hash() -> None:
    name = "enrollments_" + "_".join(["organization_id", "student_id", "course_id", "created_at"] * 2) + "_idx"
    short = shorten(name, 63)
    assert len(short.encode()) == 63 and short == shorten(name, 63)
    assert short[:20] == name[:20] and short != shorten(name + "x", 63)


def test_shorten_counts_bytes_for_postgres_and_characters_for_mysql() -> None:
    name = "ü" * 40  # 80 bytes, 40 characters
    assert len(shorten(name, 63).encode()) <= 63
    assert shorten(name, 64, in_bytes=False) == name


def test_namer_disambiguates_repeats() -> None:
    namer = Namer(63, in_bytes=True)
    assert [namer.unique("t", "a", "idx") for _ in range(3)] == ["t_a_idx", "t_a_idx_2", "t_a_idx_3"]


def test_table_and_column_names_follow_the_conventions() -> None:
    schema = artifact(build_example(ROOT / "examples/helpdesk.sdl", "postgres"), "schema.sql")
    for table in ("users", "sla_policies", "teams_members", "tickets_tags", "audit_log"):
        assert f"CREATE TABLE {table} (" in schema
    assert "requester_id UUID NOT NULL" in schema
    platform = artifact(build_example(ROOT / "examples/course_platform.sdl", "postgres"), "schema.sql")
    assert "CREATE TABLE quiz_attempts (" in platform and "CREATE TABLE progress (" in platform


def test_long_entity_names_give_names_within_the_limits() -> None:
    long = "VeryLongEntityNameForTestingTheIdentifierLimitsOfTheGeneratedSchema"
    text = (f"model m {{ tenant Org }}\nentity Org {{ name string(10) }}\n"
            f"entity {long} {{ some_rather_long_field_name string(20) @unique @index\n"
            f"  another_quite_long_field_name string(20) @index }}\n")
    for target, limit in (("postgres", 63), ("mysql", 64)):
        schema = _emit_text(text, target)[0]
        words = {w.strip("`,;") for line in schema.splitlines() if not line.startswith("--")
                 for w in line.replace("(", " ").replace(".", " ").split()}
        assert "very_long_entity_name_for_testing_the_identifier_limits_of_the_generated_schemas" not in words
        long_words = [w for w in words if "very_long" in w]
        assert len(long_words) >= 4 and all(len(w.encode()) <= limit for w in long_words), long_words


# --- types --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("kind", list(ScalarKind), ids=[k.value for k in ScalarKind])
def test_type_map_covers_every_scalar_kind(target: str, kind: ScalarKind) -> None:
    types = {"postgres": PG_TYPES, "mysql": MYSQL_TYPES}[target]
    scalar = Scalar(kind=kind, length=40, precision=10, scale=2, values=("a", "bcd"))
    type_ = types[kind](scalar)
    dialect = get_backend(target).dialect.ddl_dialect  # type: ignore[attr-defined]
    assert dialect.type_compiler_instance.process(type_)
    assert set(types) == set(ScalarKind)


# --- determinism ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", EXAMPLES, ids=EXAMPLE_IDS)
def test_emit_is_deterministic(path: Path, target: str) -> None:
    first = [(a.path, a.text) for a in build_example(path, target).artifacts]
    second = [(a.path, a.text) for a in build_example(path, target).artifacts]
    assert first == second and [p for p, _ in first] == ["schema.sql", "queries.sql", "decisions.md"]


def test_emit_is_byte_identical_across_processes() -> None:
    script = ("import hashlib, sys\nfrom pathlib import Path\nfrom schemac.build import build\n"
              "for ex in sorted(Path('examples').glob('*.sdl')):\n"
              "    for t in ('postgres', 'mysql'):\n"
              "        for a in build(ex, t).artifacts:\n"
              "            print(ex.stem, t, a.path, hashlib.sha256(a.text.encode()).hexdigest())\n")
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1


# --- diagnostics and dialect rules ----------------------------------------------------------------------------


def test_backend_codes_are_registered() -> None:
    for n in range(410, 420):
        assert f"SC0{n}" in REGISTRY


def _emit(text: str, target: str, indexes: tuple[IndexPlan, ...] | None = None,
          options: BuildOptions | None = None) -> EmitResult:
    comp = compile_text(text)
    assert comp.ok, [d.message for d in comp.diagnostics]
    backend = get_backend(target)
    designed, _ = design(comp.model, backend.capabilities, target)  # type: ignore[arg-type]
    if indexes is not None:
        layout = designed.relational.model_copy(update={"indexes": designed.relational.indexes + indexes})
        designed = designed.model_copy(update={"layout": layout})
    return backend.emit(designed, options or BuildOptions())


def _emit_text(text: str, target: str, indexes: tuple[IndexPlan, ...] | None = None,
               options: BuildOptions | None = None) -> tuple[str, str, list[str]]:
    result = _emit(text, target, indexes, options)
    schema, queries = (a.text for a in result.artifacts)
    return schema, queries, [d.code for d in result.diagnostics]


def _plan(entity: str, *fields: str, unique: bool = False) -> IndexPlan:
    return IndexPlan(entity=entity, parts=tuple(KeyPart(field=f) for f in fields), unique=unique,
                     origin="declared")


def test_mysql_rejects_a_text_column_in_a_unique_key() -> None:
    text = "model m {}\nentity Note { body text }\n"
    _, _, codes = _emit_text(text, "mysql", (_plan("Note", "body", unique=True),))
    assert "SC0411" in codes


def test_mysql_indexes_a_text_column_by_prefix() -> None:
    text = "model m {}\nentity Note { body text }\n"
    schema, _, codes = _emit_text(text, "mysql", (_plan("Note", "body"),))
    assert "body(191)" in schema and "SC0411" not in codes


def test_mysql_reports_keys_over_3072_bytes_and_16_parts() -> None:
    fields = "\n".join(f"  f{i} string(200)" for i in range(17))
    text = f"model m {{}}\nentity Wide {{\n{fields}\n}}\n"
    _, _, codes = _emit_text(text, "mysql", (_plan("Wide", *(f"f{i}" for i in range(17))),))
    assert "SC0412" in codes and "SC0413" in codes
    _, _, pg_codes = _emit_text(text, "postgres", (_plan("Wide", *(f"f{i}" for i in range(17))),))
    assert not {"SC0412", "SC0413"} & set(pg_codes)


def test_mysql_reports_a_table_with_more_keys_than_innodb_takes() -> None:
    """64 keys per table, the primary key included (ER 1069): one index per access pattern on 64 different
    columns is one too many; on PostgreSQL it is not an error (tests/test_mysql_engine.py applies both sides)."""
    found = [d for d in _emit(many_keys_model(64), "mysql").diagnostics if d.code == "SC0421"]
    assert len(found) == 1 and "`items` needs 65 keys" in found[0].message and "at most 64" in found[0].message
    assert found[0].span is not None and found[0].span.line == 2
    _, _, at_limit = _emit_text(many_keys_model(63), "mysql")
    assert "SC0421" not in at_limit
    _, _, pg_codes = _emit_text(many_keys_model(64), "postgres")
    assert "SC0421" not in pg_codes


def test_mysql_reports_rows_over_65535_bytes() -> None:
    """Every column's maximum size counts, a string(n) 4n bytes plus its length prefix, TEXT by its pointer;
    the edge is the one MariaDB 10.11 enforces (tests/test_mysql_engine.py applies both sides)."""
    over = wide_row_model(277)
    _, _, codes = _emit_text(over, "mysql")
    assert "SC0422" in codes
    _, _, fits = _emit_text(wide_row_model(276), "mysql")
    _, _, as_text = _emit_text(over.replace("  f0 string(255)", "  f0 text"), "mysql")
    _, _, pg_codes = _emit_text(over, "postgres")
    assert "SC0422" not in fits and "SC0422" not in as_text and "SC0422" not in pg_codes


@pytest.mark.parametrize("target", TARGETS)
def test_two_entities_asking_for_one_table_name_are_told(target: str) -> None:
    text = "model m {}\nentity Person {\n  n int\n}\nentity People {\n  m int\n}\n"
    (d,) = [d for d in _emit(text, target).diagnostics if d.code == "SC0423"]
    assert "`People` would be the table `people`" in d.message and "it is `people_2`" in d.message
    assert d.span is not None and d.span.line == 5
    renamed = text.replace("entity People {", 'entity People @table("people_groups") {')
    _, _, codes = _emit_text(renamed, target)
    assert "SC0423" not in codes


def test_mysql_text_defaults_are_expressions() -> None:
    text = 'model m {}\nentity Note { body text = "none"\n  doc json? }\n'
    schema, _, codes = _emit_text(text, "mysql")
    assert "DEFAULT ('none')" in schema and "SC0410" not in codes


def test_mysql_literal_text_default_is_reported() -> None:
    from schemac.backends.sql.context import Context
    from schemac.backends.sql.limits import check_limits
    from schemac.backends.sql.tables import build_layout

    comp = compile_text("model m {}\nentity Note { body text }\n")
    backend = get_backend("mysql")
    designed, _ = design(comp.model, backend.capabilities, "mysql")  # type: ignore[arg-type]
    ctx = Context(designed, BuildOptions(), backend.dialect)  # type: ignore[attr-defined]
    layout = build_layout(ctx)
    layout.of("Note").table.c.body.server_default = sa.DefaultClause(sa.text("'x'"))
    check_limits(ctx, layout)
    assert [d.code for d in ctx.diags] == ["SC0410"]


@pytest.mark.parametrize("path", EXAMPLES, ids=EXAMPLE_IDS)
def test_mysql_output_stays_within_mysql8_and_mariadb(path: Path) -> None:
    result = build_example(path, "mysql")
    text = "\n".join(line for line in (artifact(result, "schema.sql") + artifact(result, "queries.sql")).splitlines()
                     if not line.startswith("--"))
    for forbidden in ("utf8mb4_0900", "INVISIBLE", "uuid_to_bin", "VALUES(", " AS new", "RETURNING", "((lower"):
        assert forbidden.lower() not in text.lower()
    assert "ENGINE=InnoDB CHARSET=utf8mb4" in text and "COLLATE utf8mb4_unicode_ci" in text


def test_postgres_uuid_defaults_follow_the_version() -> None:
    text = "model m {}\nentity Note { body text }\n"
    pg15 = _emit_text(text, "postgres")[0]
    pg18 = _emit_text(text, "postgres", options=options_for("postgres", pg_version=18))[0]
    assert "DEFAULT uuid_generate_v7()" in pg15 and "CREATE OR REPLACE FUNCTION uuid_generate_v7()" in pg15
    assert "DEFAULT uuidv7()" in pg18 and "uuid_generate_v7" not in pg18
    uuid4 = _emit_text("model m { ids uuid4 }\nentity Note { body text }\n", "postgres")[0]
    assert "DEFAULT gen_random_uuid()" in uuid4
    bigint = _emit_text("model m { ids bigint }\nentity Note { body text }\n", "postgres")[0]
    assert "BIGINT GENERATED BY DEFAULT AS IDENTITY" in bigint


@pytest.mark.parametrize("path", EXAMPLES, ids=EXAMPLE_IDS)
def test_postgres_statements_take_the_tenant_first(path: Path) -> None:
    result = build_example(path, "postgres")
    model = result.design.model  # type: ignore[union-attr]
    tenant = next((e.tenant_field.name + "_id" for e in model.entities if e.tenant_field), None)
    for stmt in parse_queries(artifact(result, "queries.sql")):
        numbers = [int(n) for n in re.findall(r"\$(\d+)", stmt.sql)]
        assert sorted(set(numbers)) == list(range(1, len(stmt.params) + 1)), stmt.name
        if tenant is not None and not stmt.name.startswith("Purge"):  # an expiry purge runs across tenants
            assert stmt.params[0].name == tenant, stmt.name


def test_mysql_cascades_that_would_bypass_a_counter_are_done_by_a_trigger() -> None:
    text = ("model m {}\nentity Board { name string(10)\n  card_count int = count(Card) }\n"
            "entity Lane { name string(10) }\n"
            "entity Card { board Board\n  lane Lane @owner }\n")
    schema, _, codes = _emit_text(text, "mysql")
    assert "SC0415" not in codes
    assert "REFERENCES lanes (id) ON DELETE RESTRICT" in schema
    assert "CREATE TRIGGER lanes_cascade_del BEFORE DELETE ON lanes FOR EACH ROW" in schema
    assert "DELETE FROM cards WHERE lane_id = OLD.id;" in schema
    schema, _, codes = _emit_text(text, "postgres")
    assert "SC0415" not in codes and "REFERENCES lanes (id) ON DELETE CASCADE" in schema


def _covering_plan() -> IndexPlan:
    return IndexPlan(entity="Note", parts=(KeyPart(field="owner"), KeyPart(field="rank", descending=True)),
                     include=("title",), origin="declared")


NOTE_MODEL = ("model m {}\nentity Note { owner string(40)\n  rank int\n  title string(100)\n"
              "  state enum(draft, live) }\n")


def test_postgres_index_include_desc_and_partial_predicate() -> None:
    where = compile_text("model m {}\nentity Note { state enum(draft, live) }\n"
                         "query live_notes { from Note; where state = live }\n").model.queries[0].where
    partial = IndexPlan(entity="Note", parts=(KeyPart(field="rank"),), where=where, live_only=True,
                        origin="declared")
    schema = _emit_text(NOTE_MODEL, "postgres", (_covering_plan(), partial))[0]
    assert "ON notes (owner, rank DESC) INCLUDE (title) WHERE deleted_at IS NULL" not in schema
    assert "ON notes (owner, rank DESC) INCLUDE (title);" in schema
    assert "ON notes (rank) WHERE state = 'live' AND deleted_at IS NULL;" in schema


def test_mysql_covering_columns_and_partial_predicates_become_key_parts() -> None:
    where = compile_text("model m {}\nentity Note { state enum(draft, live) }\n"
                         "query live_notes { from Note; where state = live }\n").model.queries[0].where
    partial = IndexPlan(entity="Note", parts=(KeyPart(field="rank"),), where=where, origin="declared")
    schema, _, codes = _emit_text(NOTE_MODEL, "mysql", (_covering_plan(), partial))
    assert "ON notes (owner, `rank` DESC, title);" in schema
    assert "ON notes (state, `rank`);" in schema
    assert {"SC0418", "SC0419"} <= set(codes)


def test_mysql_live_row_uniqueness_uses_a_generated_column() -> None:
    schema = _emit_text("model m {}\nentity Note { slug string(40) @unique }\n", "mysql")[0]
    assert "live_key SMALLINT GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN 1 END) STORED" in schema
    assert "CREATE UNIQUE INDEX notes_slug_key ON notes (slug, live_key);" in schema
    pg = _emit_text("model m {}\nentity Note { slug string(40) @unique }\n", "postgres")[0]
    assert "CREATE UNIQUE INDEX notes_slug_key ON notes (slug) WHERE deleted_at IS NULL;" in pg


def test_keyset_pagination_shapes() -> None:
    text = ("model m { tenant Org }\nentity Org { name string(10) }\n"
            "entity Post { title string(40)\n  due timestamp? }\n"
            "query recent { from Post; where title = ?; order created_at desc; limit 20 }\n"
            "query due { from Post; where title = ?; order due; limit 20 }\n")
    pg = {q.name: q for q in parse_queries(_emit_text(text, "postgres")[1])}
    assert list(pg) == ["Recent", "RecentNext", "Due", "DueNext"]
    assert "$3" not in pg["Recent"].sql and not pg["Recent"].params[2:]  # the first page: no cursor
    assert "(posts.created_at, posts.id) < ($3::TIMESTAMP WITH TIME ZONE, $4::UUID)" in pg["RecentNext"].sql
    assert [p.name for p in pg["RecentNext"].params] == ["org_id", "title", "after_created_at", "after_id"]
    assert not any(p.nullable for p in pg["RecentNext"].params)
    # a NULL-able sort key: one row comparison over COALESCE(due, 'infinity'), which the index holds
    assert "(coalesce(posts.due, 'infinity'), posts.id) > (coalesce($3::TIMESTAMP WITH TIME ZONE, 'infinity')" \
        in pg["DueNext"].sql and "ORDER BY coalesce(posts.due, 'infinity'), posts.id" in pg["DueNext"].sql
    my = {q.name: q for q in parse_queries(_emit_text(text, "mysql")[1])}
    assert "(posts.created_at < %(after_created_at)s OR posts.created_at = %(after_created_at)s AND " \
        "posts.id < %(after_id)s)" in my["RecentNext"].sql  # MariaDB reads a row comparison as a filter
    assert [p.name for p in my["RecentNext"].params] == ["org_id", "title", "after_created_at", "after_id"]
    assert "posts.due <=> %(after_due)s" in my["DueNext"].sql  # MySQL: no expression index, NULLs key by key
