"""The state one emission shares: the design, options, dialect, diagnostics and the name registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemac.backends.sql.dialect import SqlDialect
from schemac.backends.sql.naming import Namer
from schemac.compiler.model import Model
from schemac.diagnostics import Diagnostics, Span

if TYPE_CHECKING:
    from schemac.backends import BuildOptions
    from schemac.compiler.design.model import Design


@dataclass
class Context:
    design: Design
    options: BuildOptions
    dialect: SqlDialect
    diags: Diagnostics = field(default_factory=Diagnostics)
    namer: Namer = field(init=False)

    def __post_init__(self) -> None:
        self.namer = Namer(self.dialect.max_identifier, in_bytes=self.dialect.identifier_in_bytes)

    @property
    def model(self) -> Model:
        """The model as the relational layout stores it: its entities, then the junction tables."""
        return self.design.relational.stored(self.design.model)

    def report(self, code: str, span: Span | None, **fields: object) -> None:
        self.diags.report(code, span, target=self.dialect.name, **fields)
