"""The SQL test helpers themselves (tests/helpers/sqldata.py)."""

from __future__ import annotations

from tests.helpers.sqldata import parse_queries


def test_parse_queries_reads_names_kinds_and_params() -> None:
    text = ("-- header\n\n-- name: StudentCourses :many\n-- a note\n"
            "-- params: organization_id UUID, after_id UUID NULL, price NUMERIC(19,4)\nSELECT 1;\n")
    [stmt] = parse_queries(text)
    assert (stmt.name, stmt.kind, stmt.sql, stmt.notes) == ("StudentCourses", ":many", "SELECT 1", ["a note"])
    assert [(p.name, p.type, p.nullable) for p in stmt.params] == [
        ("organization_id", "UUID", False), ("after_id", "UUID", True), ("price", "NUMERIC(19,4)", False)]
