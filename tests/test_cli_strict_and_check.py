"""`build --strict`, `check` across targets, and lint in `build` (issue 10, items 17 and 20)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import EXAMPLES, ROOT, run

HELPDESK = ROOT / "examples" / "helpdesk.sdl"  # mysql warns: no row-level security (SC0401)

# A model whose only target-specific finding is on MySQL (no RLS) and whose lint finds a warning.
MODEL = """\
model shop {
  tenant Org
}
entity Org {
  name string(80)
}
entity Item {
  title string(80)
  price int
}
query items_by_title {
  from  Item
  where title = ?
  order title
  limit 20
}
"""


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sdl"
    path.write_text(MODEL)
    return path


def test_build_strict_fails_on_a_target_warning_and_writes_nothing(tmp_path: Path) -> None:
    plain = run("build", str(HELPDESK), "-t", "mysql", "-o", "plain", "--no-lint", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "warning[SC0401]" in plain.stderr
    strict = run("build", str(HELPDESK), "-t", "mysql", "-o", "strict", "--strict", cwd=tmp_path)
    assert strict.returncode == 1
    assert "error[SC0401]" in strict.stderr
    assert not (tmp_path / "strict").exists()
    stdout = run("build", str(HELPDESK), "-t", "mysql", "-o", "-", "--strict", cwd=tmp_path)
    assert stdout.returncode == 1 and stdout.stdout == ""


def test_build_strict_matches_check_strict(tmp_path: Path) -> None:
    for target in ("postgres", "mysql"):
        build = run("build", str(HELPDESK), "-t", target, "-o", "-", "--strict", cwd=tmp_path)
        check = run("check", str(HELPDESK), "-t", target, "--strict", cwd=tmp_path)
        assert build.returncode == check.returncode == 1, (target, build.stderr, check.stderr)


def test_check_without_target_reports_what_build_reports(tmp_path: Path) -> None:
    check = run("check", str(HELPDESK), "-f", "json", cwd=tmp_path)
    found = {(d["code"], d["message"]) for d in json.loads(check.stdout)}
    for target in ("postgres", "mysql"):
        build = run("build", str(HELPDESK), "-t", target, "-o", "-", "--no-lint", cwd=tmp_path)
        codes = {line.split("[", 1)[1].split("]", 1)[0] for line in build.stderr.splitlines()
                 if "[SC0" in line}
        assert codes, build.stderr
        assert codes <= {code for code, _ in found}, (target, codes)
    messages = [m for _, m in found]
    assert len(messages) == len(set(messages)), "each finding once"


def test_check_notes_which_target_a_finding_is_for(tmp_path: Path) -> None:
    res = run("check", str(HELPDESK), cwd=tmp_path)
    block = res.stderr.split("warning[SC0401]", 1)[1].split("\n/", 1)[0]
    assert "= note: for mysql only" in block


def test_check_uses_the_configured_target(model: Path) -> None:
    both = run("check", str(model), "-f", "json", cwd=model.parent)
    assert "SC0401" in {d["code"] for d in json.loads(both.stdout)}
    (model.parent / "schemac.toml").write_text('target = "postgres"\n')
    configured = run("check", str(model), "-f", "json", cwd=model.parent)
    assert "SC0401" not in {d["code"] for d in json.loads(configured.stdout)}
    flag = run("check", str(model), "-f", "json", "-t", "mysql", cwd=model.parent)
    assert "SC0401" in {d["code"] for d in json.loads(flag.stdout)}


def test_a_bad_configured_target_is_a_usage_error(model: Path) -> None:
    (model.parent / "schemac.toml").write_text('target = "postgress"\n')
    text = run("check", str(model), cwd=model.parent)
    assert text.returncode == 2 and "did you mean `postgres`" in text.stderr
    machine = run("check", str(model), "-f", "json", cwd=model.parent)
    assert machine.returncode == 2
    assert [d["code"] for d in json.loads(machine.stdout)] == ["SC0501"]


def test_build_prints_lint_and_no_lint_silences_it(model: Path) -> None:
    check = run("check", str(model), "-t", "postgres", "-f", "json", cwd=model.parent)
    lint = {d["code"] for d in json.loads(check.stdout) if d["code"].startswith("SC03")}
    assert lint, check.stdout
    build = run("build", str(model), "-t", "postgres", "-o", "-", cwd=model.parent)
    assert build.returncode == 0, build.stderr
    assert all(f"[{code}]" in build.stderr for code in lint)
    quiet = run("build", str(model), "-t", "postgres", "-o", "-", "--no-lint", cwd=model.parent)
    assert quiet.returncode == 0 and not any(f"[{code}]" in quiet.stderr for code in lint)
    assert quiet.stdout == build.stdout


def test_lint_silenced_in_the_config_stays_silent_in_build(model: Path) -> None:
    check = run("check", str(model), "-t", "postgres", "-f", "json", cwd=model.parent)
    lint = sorted({d["code"] for d in json.loads(check.stdout) if d["code"].startswith("SC03")})
    table = "".join(f'{code} = "off"\n' for code in lint)
    (model.parent / "schemac.toml").write_text(f"[severity]\n{table}")
    build = run("build", str(model), "-t", "postgres", "-o", "-", cwd=model.parent)
    assert not any(f"[{code}]" in build.stderr for code in lint), build.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_check_json_and_sarif_stay_parseable_on_every_example(example: Path, tmp_path: Path) -> None:
    res = run("check", str(example), "-f", "json", cwd=tmp_path)
    items = json.loads(res.stdout)
    assert all(set(d) == {"code", "severity", "message", "file", "line", "column", "end_line", "end_column",
                          "help", "rule_name"} for d in items)
    sarif = json.loads(run("check", str(example), "-f", "sarif", cwd=tmp_path).stdout)
    ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} <= ids


def test_a_strict_collector_makes_warnings_reported_elsewhere_errors() -> None:
    from schemac.diagnostics import Diagnostic, Diagnostics, Severity

    warning = Diagnostic("SC0401", Severity.WARNING, "w", None)
    info = Diagnostic("SC0416", Severity.INFO, "i", None)
    strict, lenient = Diagnostics(strict=True), Diagnostics()
    strict.extend([warning, info])
    lenient.extend([warning, info])
    assert [d.severity for d in strict] == [Severity.ERROR, Severity.INFO] and strict.has_errors
    assert [d.severity for d in lenient] == [Severity.WARNING, Severity.INFO] and not lenient.has_errors
