"""setup.js and queries.js of every example are JavaScript that node accepts (`node --check`): what mongosh
would load. node is installed by scripts/test.sh; a machine without it fails here, naming the fix."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.mongo_cases import artifacts, example_cases


@pytest.mark.parametrize("example", example_cases())
@pytest.mark.parametrize("script", ["setup.js", "queries.js"])
def test_node_accepts(example: str, script: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run scripts/test.sh, which installs nodejs", pytrace=False)
    text = artifacts(example).texts[script]
    assert text.strip(), f"{example} {script} is empty"
    path = tmp_path / script
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{example} {script}:\n{done.stderr}"


def test_node_refuses_broken_javascript(tmp_path: Path) -> None:
    """The check is real: a script with a syntax error is refused."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run scripts/test.sh, which installs nodejs", pytrace=False)
    path = tmp_path / "broken.js"
    path.write_text("db.createCollection('x', {validator: {$jsonSchema: {}}\n", encoding="utf-8")
    done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0 and "SyntaxError" in done.stderr
