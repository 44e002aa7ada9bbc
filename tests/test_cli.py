"""The command line as a user runs it: a real subprocess, exit codes, what is written where."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "course_platform.sdl"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from schemac.cli import main; main()", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def test_version_and_help(tmp_path: Path) -> None:
    assert run("--version", cwd=tmp_path).stdout.startswith("schemac ")
    for cmd in ("build", "check", "report", "explain"):
        res = run(cmd, "--help", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert "Usage" in res.stdout


def test_build_writes_only_into_its_folder_and_says_so(tmp_path: Path) -> None:
    res = run("build", str(EXAMPLE), "--target", "postgres", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "schemac-out" / "postgres"
    written = sorted(p.name for p in out.iterdir())
    assert {"schema.sql", "queries.sql"} <= set(written)
    for name in ("schema.sql", "queries.sql"):
        assert f"wrote {Path('schemac-out') / 'postgres' / name}" in res.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schemac-out"]
    again = run("build", str(EXAMPLE), "--target", "postgres", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # its own files may be rewritten


def test_build_never_overwrites_a_users_file(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "schema.sql").write_text("-- my hand-written schema\n")
    res = run("build", str(EXAMPLE), "-t", "postgres", "-o", str(out), cwd=tmp_path)
    assert res.returncode == 2
    assert "not written by schemac" in res.stderr
    assert (out / "schema.sql").read_text() == "-- my hand-written schema\n"


def test_build_to_stdout(tmp_path: Path) -> None:
    res = run("build", str(EXAMPLE), "-t", "postgres", "-o", "-", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "CREATE TABLE" in res.stdout
    assert list(tmp_path.iterdir()) == []


def test_errors_exit_1_with_location_code_and_caret(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sdl"
    bad.write_text("entity A {\n  x strng\n}\n")
    res = run("build", str(bad), "-t", "postgres", cwd=tmp_path)
    assert res.returncode == 1
    assert "bad.sdl:2:5: error[SC0101]: unknown type `strng`; did you mean `string`?" in res.stderr
    assert "  x strng\n  |     ^^^^^" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "schemac-out").exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("build", "nope.sdl", "-t", "postgres", cwd=tmp_path).returncode == 2
    assert run("build", str(EXAMPLE), "-t", "oracle", cwd=tmp_path).returncode == 2
    assert run("build", str(EXAMPLE), cwd=tmp_path).returncode == 2


def test_check_is_clean_on_the_example(tmp_path: Path) -> None:
    res = run("check", str(EXAMPLE), cwd=tmp_path)
    assert res.returncode == 0, res.stderr


def test_build_does_not_import_drivers_or_other_targets() -> None:
    code = ("import sys; from pathlib import Path; from schemac.build import build; "
            f"build(Path({str(EXAMPLE)!r}), 'postgres'); "
            "bad = [m for m in ('boto3', 'pymongo', 'psycopg', 'pymysql', 'botocore', 'mongomock') "
            "if m in sys.modules]; print(bad)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_explain_codes_and_rules(tmp_path: Path) -> None:
    res = run("explain", "SC0101", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("SC0101 (error): unknown type")
    lint = run("explain", "SC0301", cwd=tmp_path)
    assert lint.returncode == 0 and "integer-ids-exposed" in lint.stdout and "D02" in lint.stdout
    assert run("explain", "SC9999", cwd=tmp_path).returncode == 2
