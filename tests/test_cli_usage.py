"""What a new user meets at the command line (issue 10, items 16 and 21): help text, usage errors in the
machine formats, and `report -o` re-run on its own output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers.cli import ROOT, run

EXAMPLE = ROOT / "examples" / "course_platform.sdl"


@pytest.mark.parametrize("command", ["build", "check"])
def test_help_shows_strict_as_a_flag_and_file_as_file(command: str, tmp_path: Path) -> None:
    res = run(command, "--help", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert re.search(rf"Usage: schemac {command} \[OPTIONS\] FILE\b", res.stdout), res.stdout
    strict = next(line for line in res.stdout.splitlines() if line.lstrip("│ ").startswith("--strict"))
    assert re.search(r"--strict\s{2,}Treat warnings", strict), strict  # no <bool>, BOOLEAN or --no-strict
    assert "<bool>" not in res.stdout and "{file}" not in res.stdout and "<path>" not in res.stdout


def test_top_level_help_links_the_language_reference(tmp_path: Path) -> None:
    res = run("--help", cwd=tmp_path)
    assert "docs/language.md" in res.stdout
    assert (ROOT / "docs" / "language.md").is_file()


def _one_diagnostic(res, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert res.returncode == 2, res.stderr
    items = json.loads(res.stdout)
    assert [d["code"] for d in items] == [code], items
    return items[0]


@pytest.mark.parametrize("args, code", [
    (["missing.sdl"], "SC0005"),
    (["."], "SC0005"),
    ([str(EXAMPLE), "--target", "oracle"], "SC0502"),
    ([], "SC0502"),
    ([str(EXAMPLE), "--bogus"], "SC0502"),
])
@pytest.mark.parametrize("spelling", [["--format", "json"], ["-f", "json"], ["--format=json"], ["-fjson"]])
def test_check_json_reports_usage_errors_on_stdout(args: list[str], code: str, spelling: list[str],
                                                   tmp_path: Path) -> None:
    res = run("check", *args, *spelling, cwd=tmp_path)
    item = _one_diagnostic(res, code)
    assert item["severity"] == "error" and item["message"]


def test_check_sarif_reports_a_missing_file(tmp_path: Path) -> None:
    res = run("check", "missing.sdl", "-f", "sarif", cwd=tmp_path)
    assert res.returncode == 2
    sarif = json.loads(res.stdout)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["SC0005"]


def test_check_json_reports_a_bad_configuration(tmp_path: Path) -> None:
    model = tmp_path / "m.sdl"
    model.write_text(EXAMPLE.read_text())
    (tmp_path / "schemac.toml").write_text("[severity]\nno-such-rule = 'off'\n")
    item = _one_diagnostic(run("check", str(model), "-f", "json", cwd=tmp_path), "SC0501")
    assert "no-such-rule" in item["message"]


def test_text_usage_errors_stay_on_stderr(tmp_path: Path) -> None:
    res = run("check", "missing.sdl", cwd=tmp_path)
    assert res.returncode == 2 and res.stdout == "" and "no such file" in res.stderr


def test_report_reruns_on_its_own_output_but_never_overwrites_a_users_file(tmp_path: Path) -> None:
    first = run("report", str(EXAMPLE), "-t", "postgres", "-o", "design.md", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    text = (tmp_path / "design.md").read_text()
    again = run("report", str(EXAMPLE), "-t", "postgres", "-o", "design.md", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "design.md").read_text() == text
    (tmp_path / "notes.md").write_text("mine\n")
    clash = run("report", str(EXAMPLE), "-t", "postgres", "-o", "notes.md", cwd=tmp_path)
    assert clash.returncode == 2 and "not written by schemac" in clash.stderr
    assert (tmp_path / "notes.md").read_text() == "mine\n"
    forced = run("report", str(EXAMPLE), "-t", "postgres", "-o", "notes.md", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and (tmp_path / "notes.md").read_text() != "mine\n"
    sub = run("report", str(EXAMPLE), "-t", "postgres", "-o", "out/r.html", "--html", cwd=tmp_path)
    assert sub.returncode == 0, sub.stderr
    assert (tmp_path / "out" / "r.html").is_file()


def test_report_output_folder_can_also_hold_a_build(tmp_path: Path) -> None:
    assert run("build", str(EXAMPLE), "-t", "postgres", "-o", "out", cwd=tmp_path).returncode == 0
    assert run("report", str(EXAMPLE), "-t", "postgres", "-o", "out/report.md", cwd=tmp_path).returncode == 0
    assert run("build", str(EXAMPLE), "-t", "postgres", "-o", "out", cwd=tmp_path).returncode == 0
    assert run("report", str(EXAMPLE), "-t", "postgres", "-o", "out/report.md", cwd=tmp_path).returncode == 0
