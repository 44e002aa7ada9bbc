"""The test tree's own rules: test files never import each other (shared helpers live in tests/helpers/ or
tests/conftest.py), and every engine of the engine suite is a fixture parameter with its facts as data."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.engines import ENGINE_NAMES
from tests.helpers.engine import ENGINES, MARIADB, POSTGRES, EngineExample

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_test_files_do_not_import_each_other() -> None:
    offenders = {f"{path.relative_to(TESTS.parent)} imports {m}" for path in sorted(TESTS.rglob("*.py"))
                 for m in _imported_modules(path) if m.startswith("tests.test_")}
    assert not offenders, "move what is shared to tests/helpers/ (or a conftest fixture):\n" + "\n".join(
        sorted(offenders))


def test_the_guard_sees_an_import_of_a_test_file(tmp_path: Path) -> None:
    path = tmp_path / "test_x.py"
    path.write_text("from tests.test_lint import lint\nimport tests.test_plans\n", encoding="utf-8")
    assert {"tests.test_lint", "tests.test_plans"} <= _imported_modules(path)


def test_every_engine_is_an_example_class_with_its_facts() -> None:
    """The conftest fixture's parameters are ENGINES' keys; each names its facts and its server's fixture."""
    assert tuple(ENGINES) == ENGINE_NAMES
    for name, (cls, server_fixture) in ENGINES.items():
        assert issubclass(cls, EngineExample) and cls.facts.name == name and server_fixture.endswith("_server")
    assert POSTGRES.row_level_security and not MARIADB.row_level_security  # MariaDB: the tenant parameter only
    assert (POSTGRES.target, MARIADB.target) == ("postgres", "mysql")
