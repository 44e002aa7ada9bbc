"""Adding a backend stays local: a target that lives only under tests/toy_backend/ builds and reports
through the registry, with no edit anywhere else (the registry line is the monkeypatch below)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schemac import backends
from schemac.build import build, options_for
from schemac.report import render_report

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "examples" / "course_platform.sdl"


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(backends.BACKENDS, "toy", "tests.toy_backend")  # the one registry line
    return "toy"


def test_a_backend_under_tests_builds_and_reports(toy: str) -> None:
    result = build(COURSE, toy)
    assert result.ok, [str(d) for d in result.diagnostics]
    assert [a.path for a in result.artifacts] == ["containers.txt", "requests.txt", "decisions.md"]
    assert result.catalog is not None and result.catalog.target == toy
    text = render_report(result, today=date(2026, 1, 1))
    assert "on ToyDB" in text and "containers.txt" in text
    assert "enrollment_by_" in text  # index names come from the toy catalog
    assert "find enrollment limit 25" in text  # each pattern shows the toy's request


def test_its_options_and_playbook_come_from_its_package(toy: str) -> None:
    assert options_for(toy, page_size=7, pg_version=18).model_dump() == {"strict": False, "page_size": 7}
    result = build(COURSE, toy, options_for(toy, page_size=7))
    assert "find enrollment limit 7" in result.artifacts[1].text
    assert "ToyDB" in render_report(result, today=date(2026, 1, 1), html=True)


def test_its_reserved_words_join_the_lint(toy: str) -> None:
    assert backends.reserved_words()["ToyDB"] == frozenset({"bucket"})
    assert toy in backends.target_names()


def test_capabilities_forbid_unknown_keys() -> None:
    from pydantic import ValidationError

    from schemac.compiler.design.model import Capabilities

    with pytest.raises(ValidationError):
        Capabilities(family="relational", fulltext_under_rlz=False)  # type: ignore[call-arg]
    assert Capabilities(family="relational", fulltext_under_rls=False).fulltext_under_rls is False


@pytest.mark.parametrize("target", ["postgres", "mysql"])
def test_dialect_limits_are_read_from_the_capabilities(target: str) -> None:
    backend = backends.get_backend(target)
    caps, dialect = backend.capabilities, backend.dialect  # type: ignore[attr-defined]
    assert dialect.capabilities is caps
    assert (dialect.max_identifier, dialect.partial_indexes, dialect.include_columns, dialect.row_level_security,
            dialect.set_null_columns, dialect.max_index_columns, dialect.max_key_bytes, dialect.fulltext_under_rls,
            dialect.identifier_in_bytes) == \
        (caps.max_identifier, caps.partial_indexes, caps.include_columns, caps.row_level_security,
         caps.fk_set_null_columns, caps.max_index_columns, caps.max_key_bytes, caps.fulltext_under_rls,
         caps.identifier_in_bytes)


@pytest.mark.parametrize("target", ["postgres", "mysql"])
def test_every_backend_package_has_the_same_modules(target: str) -> None:
    import importlib

    package = backends.BACKENDS[target]
    for module, name in (("capabilities", "CAPABILITIES"), ("capabilities", "TITLE"), ("capabilities", "ARTIFACTS"),
                         ("options", "Options"), ("playbooks", "PLAYBOOK"), ("reserved", "RESERVED_WORDS")):
        assert hasattr(importlib.import_module(f"{package}.{module}"), name), (module, name)


def test_pg_version_is_postgres_own_option() -> None:
    assert "pg_version" not in backends.BuildOptions.model_fields
    assert options_for("postgres", pg_version=18).pg_version == 18  # type: ignore[attr-defined]
    assert "pg_version" not in options_for("mysql", pg_version=18).model_dump()


def test_cli_targets_come_from_the_registry() -> None:
    from schemac.cli import Target

    assert [t.value for t in Target] == backends.target_names()
