"""Helpers for the DynamoDB design and emit tests (tests/test_ddb_*.py): build a model for the dynamodb
target from an example or from SDL text, and read its artifacts as JSON."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from schemac.backends import BuildOptions
from schemac.build import BuildResult, build, emit_compiled
from schemac.compiler.design.keyvalue.layout import KeyValueLayout
from schemac.compiler.pipeline import compile_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("commerce", "course_platform", "helpdesk")


@cache
def example(name: str) -> BuildResult:
    return build(ROOT / "examples" / f"{name}.sdl", "dynamodb", BuildOptions())


def from_text(text: str) -> BuildResult:
    return emit_compiled(compile_text(text, "test.sdl"), "dynamodb", BuildOptions())


def artifact(result: BuildResult, path: str) -> dict:
    return json.loads(next(a.text for a in result.artifacts if a.path == path))


def layout(result: BuildResult) -> KeyValueLayout:
    assert result.design is not None
    lay = result.design.layout
    assert isinstance(lay, KeyValueLayout)
    return lay


def codes(result: BuildResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def placeholders(text: str, sigil: str) -> set[str]:
    """`#name` or `:value` placeholders used in one expression."""
    return set(re.findall(re.escape(sigil) + r"[A-Za-z0-9_]+", text))
