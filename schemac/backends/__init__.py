"""Backends: pure functions from a Design to artifacts. One narrow contract, one explicit registry.

A backend never reads or writes files, prints or parses; the CLI writes what `emit` returns. Backends are
imported lazily so that `schemac build --target postgres` imports nothing another target needs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

from schemac.diagnostics import Diagnostic

if TYPE_CHECKING:
    from schemac.compiler.design.model import Capabilities, Design


class BuildOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pg_version: int = 15
    strict: bool = False


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the output folder
    text: str


@dataclass
class EmitResult:
    artifacts: list[Artifact] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Backend(Protocol):
    name: str
    capabilities: Capabilities

    def emit(self, design: Design, options: BuildOptions) -> EmitResult: ...


# target name -> module exposing `BACKEND`
BACKENDS: dict[str, str] = {
    "postgres": "schemac.backends.sql.postgres",
    "mysql": "schemac.backends.sql.mysql",
}


def get_backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise ValueError(f"unknown target {name!r}; known targets: {', '.join(sorted(BACKENDS))}")
    return importlib.import_module(BACKENDS[name]).BACKEND  # type: ignore[no-any-return]
