"""A many-to-many link entity takes its volume from its sides (one link per row of the larger declared side),
not the 10k default, and is hard-deleted, not append-only: its rows go when a link is removed or, by
cascade, with either side."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.compiler.links import with_links
from schemac.compiler.model import Entity, Model
from schemac.compiler.pipeline import compile_model, compile_text
from schemac.diagnostics import render

ROOT = Path(__file__).resolve().parent.parent

MODEL = """model m {{
  horizon 12 months
}}
entity Ticket {{
  tags Tag[]
  watchers User[]
  {ticket_volume}
}}
entity Tag {{
  name string(20)
  volume 500
}}
entity User {{
  name string(20)
}}
"""


def _model(ticket_volume: str) -> Model:
    comp = compile_text(MODEL.format(ticket_volume=ticket_volume), "t.sdl")
    assert comp.model is not None, [render(d, comp.sources) for d in comp.diagnostics]
    return comp.model


def _junction(model: Model, name: str) -> Entity:
    e = with_links(model).entity(name)  # the links' entity shape, derived from the relation
    assert e.junction
    return e


@pytest.mark.parametrize(("decl", "rows"), [("volume 1M", 1e6), ("volume 10k + 2k/month", 10e3 + 24e3),
                                            ("volume 100", 500.0)])
def test_link_volume_is_the_larger_declared_side(decl: str, rows: float) -> None:
    link = _junction(_model(decl), "TicketTags")
    assert link.volume.declared and link.volume.at_horizon == rows


def test_growth_follows_the_larger_side() -> None:
    link = _junction(_model("volume 10k + 2k/month"), "TicketTags")
    assert (link.volume.base, link.volume.per_month) == (10e3, 2e3)


def test_no_declared_side_keeps_the_default() -> None:
    model = _model("")
    assert _junction(model, "TicketWatchers").volume.declared is False
    assert _junction(model, "TicketTags").volume.at_horizon == 500  # Tag is declared


def test_a_link_is_hard_deleted_not_append_only() -> None:
    link = _junction(_model("volume 1M"), "TicketTags")
    assert link.append_only is False and link.hard_delete is True and not link.soft_delete
    assert all(f.on_delete is not None and f.on_delete.value == "cascade" for f in link.references)


def test_helpdesk_links_in_the_design() -> None:
    from schemac.backends import get_backend
    from schemac.compiler.design import design

    model = compile_model(ROOT / "examples" / "helpdesk.sdl").model
    assert model is not None
    d, _ = design(model, get_backend("postgres").capabilities, "postgres")
    growth = {g.entity: g for g in d.growth}
    assert growth["TicketTags"].rows_at_horizon == model.entity("Ticket").volume.at_horizon
    assert growth["TeamMembers"].rows_at_horizon == model.entity("User").volume.at_horizon
    assert not [x for x in d.decisions if x.rule == "SC-VOL-01" and x.subject.label in ("TicketTags", "TeamMembers")]
