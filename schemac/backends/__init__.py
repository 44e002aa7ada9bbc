"""Backends: pure functions from a Design to artifacts and a catalog. One narrow contract, one explicit
registry.

A backend never reads or writes files, prints or parses; the CLI writes what `emit` returns. Backends are
imported lazily so that `schemac build --target postgres` imports nothing another target needs.

Every backend is a package with the same modules: `capabilities` (CAPABILITIES, TITLE, ARTIFACTS),
`options` (its Options model), `playbooks` (PLAYBOOK), `reserved` (RESERVED_WORDS) and `backend`
(BACKEND, which joins them and is the only one that loads the emitter). Adding a target is a package and
one line in `BACKENDS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

from schemac.diagnostics import Diagnostic

if TYPE_CHECKING:
    from schemac.backends.playbook import Playbook
    from schemac.catalog import Catalog
    from schemac.compiler.design.model import Capabilities, Design


class BuildOptions(BaseModel):
    """The options every target shares; a backend's own `Options` model extends it (PostgreSQL adds
    `pg_version`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strict: bool = False


@dataclass(frozen=True)
class ArtifactNames:
    """Which emitted file holds the schema and which the named statements (or requests)."""

    schema: str
    schema_language: str
    queries: str | None = None
    queries_language: str = ""


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the output folder
    text: str


@dataclass
class EmitResult:
    artifacts: list[Artifact] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # What was emitted, as structure: read by the report, lint and migrations. A backend gives it, or a
    # `describe` that makes it on first use (`described()`), so that writing files alone never pays for it.
    catalog: Catalog | None = None
    describe: Callable[[], Catalog] | None = field(default=None, repr=False, compare=False)

    def described(self) -> Catalog | None:
        if self.catalog is None and self.describe is not None:
            self.catalog = self.describe()
        return self.catalog


class Backend(Protocol):
    name: str
    title: str  # "PostgreSQL"
    capabilities: Capabilities
    options: type[BuildOptions]
    artifacts: ArtifactNames
    reserved_words: frozenset[str]
    playbook: Playbook | None

    def emit(self, design: Design, options: BuildOptions) -> EmitResult: ...


# target name -> its package (`<package>.backend` exposes `BACKEND`)
BACKENDS: dict[str, str] = {
    "postgres": "schemac.backends.postgres",
    "mysql": "schemac.backends.mysql",
    "mongodb": "schemac.backends.mongodb",
    "dynamodb": "schemac.backends.dynamodb",
}


def target_names() -> list[str]:
    """The registered targets, in registry order."""
    return list(BACKENDS)


def get_backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise ValueError(f"unknown target {name!r}; known targets: {', '.join(sorted(BACKENDS))}")
    return importlib.import_module(f"{BACKENDS[name]}.backend").BACKEND  # type: ignore[no-any-return]


def reserved_words(family: str = "relational", target: str | None = None) -> dict[str, frozenset[str]]:
    """Each registered target's reserved words by its title (for the reserved-word lint rule); only `target`'s
    when given (lint judges the names one target emitted)."""
    out: dict[str, frozenset[str]] = {}
    for name, package in BACKENDS.items():  # data modules only: the emitters stay unloaded
        if target is not None and name != target:
            continue
        caps = importlib.import_module(f"{package}.capabilities")
        words = importlib.import_module(f"{package}.reserved").RESERVED_WORDS
        if caps.CAPABILITIES.family == family and words:
            out[caps.TITLE] = words
    return out
