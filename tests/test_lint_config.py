"""Lint configuration (`[tool.schemac]` in pyproject.toml / schemac.toml) and `// schemac: ignore` comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.compiler.check import ConfigError, LintConfig, load_config, run_checks
from schemac.compiler.check.config import parse_config
from schemac.diagnostics import Diagnostic, Severity, Span
from tests.helpers.lint import compile_ok, lint, stub_design

ITEM = "entity Item {\n  unit_price money\n  weight_kg int\n}\n"  # SC0322 on line 2


def codes(diags: list[Diagnostic]) -> list[tuple[int, str]]:
    return [(d.span.line, d.code) for d in diags if d.span]


# -- finding the configuration -------------------------------------------------------------------------------


def test_nearest_pyproject_with_a_schemac_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.schemac.severity]\nSC0322 = "error"\nnatural-key-not-unique = "off"\n\n'
        "[tool.schemac.lint]\nmax_fanout = 500\nnatural_keys = [\"iban\"]\n")
    model = tmp_path / "models" / "deep" / "shop.sdl"
    model.parent.mkdir(parents=True)
    model.write_text(ITEM)
    config = load_config(model)
    assert config.path == tmp_path / "pyproject.toml"
    assert config.severity == {"SC0322": Severity.ERROR, "SC0323": None}
    assert config.max_fanout == 500 and config.natural_keys == ("iban",)
    assert config.is_off("SC0323") and not config.is_off("SC0322")


def test_pyproject_without_a_schemac_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "schemac.toml").write_text('[severity]\nSC0301 = "info"\n')
    sub = tmp_path / "app"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert load_config(sub).path == tmp_path / "schemac.toml"
    assert load_config(sub).severity == {"SC0301": Severity.INFO}


def test_schemac_toml_wins_in_the_same_folder_and_accepts_a_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.schemac.severity]\nSC0301 = "error"\n')
    (tmp_path / "schemac.toml").write_text('[tool.schemac.severity]\nSC0301 = "warning"\n')
    assert load_config(tmp_path).severity == {"SC0301": Severity.WARNING}


def test_no_configuration_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.sdl")
    assert config.severity == {} and config.path is None and config.max_index_columns == 4


@pytest.mark.parametrize(("text", "message"), [
    ('[tool.schemac.severity]\nSC0322 = "loud"\n', "expected one of"),
    ('[tool.schemac.severity]\nnatural-key-not-uniq = "off"\n', "did you mean `natural-key-not-unique`"),
    ('[tool.schemac.severity]\nSC9999 = "off"\n', "unknown rule `SC9999`"),
    ("[tool.schemac.lint]\nmax_fanot = 3\n", "did you mean `max_fanout`"),
    ("[tool.schemac.lint]\nmax_fanout = 0\n", "whole number"),
    ("[tool.schemac.lint]\nnatural_keys = \"iban\"\n", "list of field names"),
    ("[tool.schemac\n", "invalid TOML"),
])
def test_bad_configuration_is_a_config_error_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert message in str(err.value) and "pyproject.toml" in str(err.value)


# -- applying it ---------------------------------------------------------------------------------------------


def test_apply_regrades_and_drops_only_configured_codes() -> None:
    span = Span("m.sdl", 1, 1, 1, 2)
    diags = [Diagnostic("SC0322", Severity.INFO, "a", span), Diagnostic("SC0323", Severity.WARNING, "b", span),
             Diagnostic("SC0101", Severity.ERROR, "c", span)]
    config = parse_config({"severity": {"SC0322": "error", "SC0323": "off"}})
    out = config.apply(diags)
    assert [(d.code, d.severity) for d in out] == [("SC0322", Severity.ERROR), ("SC0101", Severity.ERROR)]
    assert config.apply(out) == out  # idempotent


def test_run_checks_applies_severity_and_thresholds() -> None:
    assert [d.severity for d in lint(ITEM) if d.code == "SC0322"] == [Severity.INFO]
    upgraded = lint(ITEM, config=parse_config({"severity": {"numeric-without-check": "warning"}}))
    assert [d.severity for d in upgraded if d.code == "SC0322"] == [Severity.WARNING]
    assert not [d for d in lint(ITEM, config=parse_config({"severity": {"SC0322": "off"}})) if d.code == "SC0322"]

    wide = "entity Post {\n  a int\n  b int\n  c int\n  d int\n  e int\n  index (a, b, c, d, e)\n}\n"
    assert [d for d in lint(wide) if d.code == "SC0312"]
    assert not [d for d in lint(wide, config=LintConfig(max_index_columns=5)) if d.code == "SC0312"]


def test_natural_keys_are_extensible() -> None:
    sdl = "entity Account {\n  iban_hash string(64)\n}\n"
    assert not [d for d in lint(sdl) if d.code == "SC0323"]
    assert [d for d in lint(sdl, config=LintConfig(natural_keys=("iban_hash",))) if d.code == "SC0323"]


# -- ignore comments -----------------------------------------------------------------------------------------


def test_ignore_at_the_end_of_the_flagged_line() -> None:
    assert (2, "SC0322") in codes(lint(ITEM))
    sdl = ITEM.replace("unit_price money", "unit_price money  // schemac: ignore SC0322 -- refunds are negative")
    assert codes(lint(sdl)) == []


def test_ignore_on_the_lines_above_by_name_or_code() -> None:
    sdl = ("entity Item {\n  // schemac: ignore numeric-without-check\n  // (prices are validated upstream)\n"
           "  unit_price money\n}\n")
    assert codes(lint(sdl)) == []


def test_ignore_lists_several_codes_and_only_those() -> None:
    sdl = "entity Account {\n  username string(40)\n  total_count int  // schemac: ignore SC0323, SC0322\n}\n"
    assert codes(lint(sdl)) == [(2, "SC0323")]
    sdl = "entity Account {\n  username string(40)  // schemac: ignore SC0322\n}\n"
    assert (2, "SC0323") in codes(lint(sdl))  # a different code is not silenced


def test_bare_ignore_silences_every_rule_on_the_line() -> None:
    sdl = "entity Account {\n  username string(40)  // schemac: ignore\n}\n"
    assert codes(lint(sdl)) == []


def test_ignore_file() -> None:
    sdl = "// schemac: ignore-file SC0322\n" + ITEM
    assert codes(lint(sdl)) == []


def test_a_blank_line_ends_an_ignore_comment() -> None:
    sdl = "entity Item {\n  // schemac: ignore SC0322\n\n  unit_price money\n}\n"
    found = codes(lint(sdl))
    assert (4, "SC0322") in found and (2, "SC0399") in found


def test_unknown_codes_in_ignore_comments_are_reported() -> None:
    sdl = "entity Item {\n  unit_price money  // schemac: ignore SC0999\n}\n"
    (unused,) = [d for d in lint(sdl) if d.code == "SC0399"]
    assert "SC0999" in unused.message


def test_ignore_inside_a_string_is_not_a_directive() -> None:
    sdl = 'entity Item {\n  label string(60) = "// schemac: ignore"\n  unit_price money\n}\n'
    assert (3, "SC0322") in codes(lint(sdl))


def test_ignores_of_design_rules_are_not_reported_unused_without_a_design() -> None:
    sdl = "entity Author {\n  name string(100)\n}\nentity Post {\n  author Author  // schemac: ignore SC0310\n}\n"
    assert codes(lint(sdl)) == []
    assert codes(lint(sdl, stub_design)) == []  # with a design it silences the finding
    model, sources = compile_ok(sdl)
    assert run_checks(model, None, LintConfig(), sources) == []
