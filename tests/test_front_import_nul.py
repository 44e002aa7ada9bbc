"""A NUL byte in an `import` path is a located diagnostic (SC0005 at the path, exit 1), not a crash (exit 70)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from schemac.compiler.pipeline import compile_model

MODEL = "model m {}\nentity A {\n  x int\n}\n"


@pytest.mark.parametrize(("before", "path"), [
    ("", "a\0b.sdl"), ("", "\0"), (MODEL, "other.sdl\0"), ("// first\n\n", "\0/etc/passwd"),
])
def test_nul_in_an_import_path_is_located(tmp_path: Path, before: str, path: str) -> None:
    main = tmp_path / "main.sdl"
    main.write_text(before + f'import "{path}"\n' + ("" if before == MODEL else MODEL), encoding="utf-8")
    comp = compile_model(main)
    [d] = [d for d in comp.diagnostics if d.is_error]
    line = before.count("\n") + 1
    assert (d.code, d.span.line, d.span.col, d.span.end_col) == ("SC0005", line, 8, 8 + len(path) + 2)  # type: ignore
    assert "NUL byte" in d.message and "\0" not in d.message


def test_nul_in_a_nested_import_names_the_importing_file(tmp_path: Path) -> None:
    (tmp_path / "main.sdl").write_text('import "lib.sdl"\n' + MODEL, encoding="utf-8")
    (tmp_path / "lib.sdl").write_text('entity B {\n  y int\n}\nimport "x\0.sdl"\n', encoding="utf-8")
    comp = compile_model(tmp_path / "main.sdl")
    [d] = [d for d in comp.diagnostics if d.is_error]
    assert d.span is not None and (Path(d.span.file).name, d.span.line) == ("lib.sdl", 4)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_command_line_exits_1_with_the_caret(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "main.sdl").write_text('import "a\0b.sdl"\n' + MODEL, encoding="utf-8")
    res = subprocess.run([sys.executable, "-c", "from schemac.cli import main; main()", "check", "main.sdl",
                          "--format", fmt], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    if fmt == "json":
        [d] = json.loads(res.stdout)
        assert (d["code"], d["file"], d["line"], d["column"]) == ("SC0005", "main.sdl", 1, 8)
    else:
        assert "main.sdl:1:8: error[SC0005]" in res.stderr and "^^^" in res.stderr
