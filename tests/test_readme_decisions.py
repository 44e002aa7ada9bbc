"""The README's sample of decisions.md is true: every line it quotes is in the example's current output."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_sample_decisions_are_in_the_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What a build explains", 1)[1]
    sample = re.search(r"^```\n(.*?)^```", section, flags=re.S | re.M)
    assert sample is not None
    output = (ROOT / "tests" / "golden" / "course_platform" / "postgres" / "decisions.md").read_text(encoding="utf-8")
    lines = [line for line in sample.group(1).splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert line in output.splitlines(), line
