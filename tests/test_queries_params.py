"""One parameter order per pattern on every target (issue 10, item 21): for every example, each statement
that both targets generate names the same parameters in the same order on PostgreSQL and MySQL, each once.
The only difference allowed is a parameter one target needs and the other has not: the key of a MySQL
insert (the application supplies UUIDv7 bytes where PostgreSQL has a column default). MySQL's placeholders
are `%(name)s` (pyformat), documented in queries.sql's header."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.build import build
from tests.helpers.sqldata import parse_queries

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))


def _statements(path: Path, target: str) -> tuple[str, dict[str, list[str]]]:
    result = build(path, target)
    text = next(a.text for a in result.artifacts if a.path == "queries.sql")
    return text, {s.name: [p.name for p in s.params] for s in parse_queries(text)}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_params_name_each_parameter_once_in_the_same_order(path: Path) -> None:
    _, pg = _statements(path, "postgres")
    header, my = _statements(path, "mysql")
    assert "%(name)s" in header.split("\n\n")[0], "queries.sql's header documents the placeholder style"
    assert set(pg) <= set(my), f"statements missing on MySQL: {set(pg) - set(my)}"
    for name in pg:
        assert len(set(my[name])) == len(my[name]), f"{name}: a MySQL parameter is listed twice: {my[name]}"
        both = [p for p in my[name] if p in pg[name]]
        only_mysql = [p for p in my[name] if p not in pg[name]]
        assert both == pg[name], f"{name}: PostgreSQL {pg[name]} against MySQL {my[name]}"
        assert only_mysql in ([], ["id"]), f"{name}: MySQL-only parameters {only_mysql}"
