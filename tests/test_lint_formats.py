"""Machine-readable diagnostics: stable JSON and SARIF 2.1.0 (structure checked against the required fields
of the SARIF schema, without downloading it)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from schemac.backends import reserved_words
from schemac.compiler.check import RULES, run_checks
from schemac.compiler.pipeline import compile_model
from schemac.diagnostics import Diagnostic, Severity, Span
from schemac.formats import to_json, to_sarif
from tests.helpers.lint import build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "lint" / "bad_blog.sdl"
JSON_KEYS = {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "help", "rule_name"}


def fixture_diags(monkeypatch: Any) -> tuple[list[Diagnostic], dict[str, str]]:
    monkeypatch.chdir(ROOT)  # spans name files relative to the working folder, as the CLI shows them
    comp = compile_model(Path("tests/fixtures/lint/bad_blog.sdl"))
    assert comp.model is not None
    _, catalog = build(comp.model, "postgres")  # the names it emits, for the rules that judge them
    return run_checks(comp.model, None, None, comp.sources, reserved=reserved_words(), catalog=catalog), comp.sources


# -- JSON ----------------------------------------------------------------------------------------------------


def test_json_lists_every_finding_with_the_documented_keys(monkeypatch: Any) -> None:
    diags, sources = fixture_diags(monkeypatch)
    items = json.loads(to_json(diags, sources))
    assert len(items) == len(diags) > 10
    for item in items:
        assert set(item) == JSON_KEYS
        assert item["file"] == "tests/fixtures/lint/bad_blog.sdl"
        assert item["rule_name"] == RULES[item["code"]].name
        assert item["severity"] in ("error", "warning", "info")
        assert item["line"] <= item["end_line"] and item["column"] >= 1
    first = items[0]
    assert (first["code"], first["line"]) == ("SC0323", 8)


def test_json_is_stable_whatever_the_input_order(monkeypatch: Any) -> None:
    diags, sources = fixture_diags(monkeypatch)
    text = to_json(diags, sources)
    shuffled = list(diags)
    random.Random(7).shuffle(shuffled)
    assert to_json(shuffled, sources) == text
    assert text.endswith("\n")
    # keys are sorted within each object
    for obj in re.findall(r"\{[^{}]*\}", text):
        keys = re.findall(r'^\s*"(\w+)":', obj, flags=re.M)
        assert keys == sorted(keys)


def test_json_handles_findings_without_a_span_and_other_codes() -> None:
    diags = [Diagnostic("SC0101", Severity.ERROR, "unknown type `strng`", None, help=None)]
    (item,) = json.loads(to_json(diags, {}))
    assert item["file"] is None and item["line"] is None and item["rule_name"] is None


# -- SARIF ---------------------------------------------------------------------------------------------------

SARIF_LEVELS = {"none", "note", "warning", "error"}


def check_sarif(log: dict[str, Any]) -> None:
    """The SARIF 2.1.0 schema's required properties and the constraints code-scanning tools rely on."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].startswith("https://") and "sarif" in log["$schema"]
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "schemac"
    assert "informationUri" not in driver  # optional in SARIF; the project has no published home yet
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for r in rules:
        assert r["id"] and r["name"]
        for key in ("shortDescription", "fullDescription", "help"):
            assert isinstance(r[key]["text"], str) and r[key]["text"]
        assert r["defaultConfiguration"]["level"] in SARIF_LEVELS
    for res in run["results"]:
        assert res["level"] in SARIF_LEVELS
        assert res["message"]["text"]
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        for loc in res.get("locations", []):
            phys = loc["physicalLocation"]
            uri = phys["artifactLocation"]["uri"]
            assert not re.match(r"^[a-z]+:", uri) and not uri.startswith("/"), "a relative reference"
            region = phys["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
            assert region["endLine"] >= region["startLine"] and region["endColumn"] >= 1


def test_sarif_has_the_required_structure(monkeypatch: Any) -> None:
    diags, _ = fixture_diags(monkeypatch)
    log = json.loads(to_sarif(diags, RULES))
    check_sarif(log)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(RULES)
    assert len(run["results"]) == len(diags)
    by_rule = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert by_rule["SC0301"]["name"] == "integer-ids-exposed"
    assert "D02" in by_rule["SC0301"]["properties"]["references"]
    assert by_rule["SC0336"]["defaultConfiguration"]["level"] == "error"
    assert by_rule["SC0322"]["defaultConfiguration"]["level"] == "note"


def test_sarif_results_point_at_the_source(monkeypatch: Any) -> None:
    diags, _ = fixture_diags(monkeypatch)
    run = json.loads(to_sarif(diags, RULES))["runs"][0]
    (res,) = [r for r in run["results"] if r["ruleId"] == "SC0337"]
    assert res["level"] == "warning" and "`order`" in res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "tests/fixtures/lint/bad_blog.sdl", "uriBaseId": "%SRCROOT%"}
    assert loc["region"]["startLine"] == 30 and loc["region"]["startColumn"] == 3
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["SC0336"] == "error" and levels["SC0322"] == "note"


def test_sarif_describes_codes_outside_the_lint_rules_and_is_stable() -> None:
    diags = [Diagnostic("SC0101", Severity.ERROR, "unknown type `strng`", Span("a b.sdl", 3, 9, 3, 14)),
             Diagnostic("SC0322", Severity.INFO, "x", Span("a b.sdl", 1, 1, 1, 2), help="add a check")]
    text = to_sarif(diags, RULES.values())
    log = json.loads(text)
    check_sarif(log)
    rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "SC0101" in rules
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["SC0322", "SC0101"]  # by file, line
    assert results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b.sdl"
    assert results[0]["properties"]["help"] == "add a check"
    assert to_sarif(list(reversed(diags)), RULES.values()) == text
