"""Golden files per example x target: tests/golden/<example>/<target>/<artifact>.

`pytest --update-golden` (or `bash scripts/test.sh --update-golden`) rewrites them. A missing golden
file fails, and so does a stale one that the build no longer produces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.backends import BACKENDS, BuildOptions
from schemac.build import build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [(ex, target) for ex in EXAMPLES for target in sorted(BACKENDS)]


def _artifacts(example: Path, target: str) -> dict[str, str]:
    result = build(example, target, BuildOptions())
    errors = [d for d in result.diagnostics if d.is_error]
    assert result.ok, f"{example.name} does not build for {target}: {errors}"
    return {a.path: a.text for a in result.artifacts}


@pytest.mark.parametrize(("example", "target"), CASES, ids=[f"{e.stem}-{t}" for e, t in CASES])
def test_golden(example: Path, target: str, update_golden: bool) -> None:
    produced = _artifacts(example, target)
    folder = GOLDEN / example.stem / target
    if update_golden:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            if stale.name not in produced:
                stale.unlink()
        for name, text in produced.items():
            (folder / name).write_text(text, encoding="utf-8")
        return
    assert folder.is_dir(), f"no golden files for {example.stem}/{target}: run pytest --update-golden"
    existing = {p.name for p in folder.iterdir()}
    missing = sorted(set(produced) - existing)
    stale = sorted(existing - set(produced))
    assert not missing, f"golden files missing (run pytest --update-golden): {missing}"
    assert not stale, f"stale golden files no longer produced: {stale}"
    for name, text in produced.items():
        expected = (folder / name).read_text(encoding="utf-8")
        assert text == expected, f"{example.stem}/{target}/{name} differs from its golden file"


@pytest.mark.parametrize(("example", "target"), CASES, ids=[f"{e.stem}-{t}" for e, t in CASES])
def test_output_is_byte_identical_across_runs(example: Path, target: str) -> None:
    assert _artifacts(example, target) == _artifacts(example, target)
