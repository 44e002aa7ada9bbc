"""Run the command line as a user does: a real subprocess in a folder of the test's choosing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", "from schemac.cli import main; main()", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=180, env=env)
