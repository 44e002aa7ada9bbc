"""Scale in the document design: document sizes at the horizon (SC0442 past the guard), shard-key proposals
with their arithmetic, and the writes' transactions."""

from __future__ import annotations

from pathlib import Path

from schemac.backends.mongodb.capabilities import CAPABILITIES
from schemac.compiler.design import design
from schemac.compiler.design.document.layout import DocumentLayout
from schemac.compiler.design.model import Design
from schemac.compiler.pipeline import compile_model, compile_text
from schemac.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parent.parent


def _text(sdl: str) -> tuple[Design, list[Diagnostic]]:
    comp = compile_text(sdl)
    assert comp.model is not None, [x.message for x in comp.diagnostics]
    d, diags = design(comp.model, CAPABILITIES, "mongodb")
    assert d is not None and isinstance(d.layout, DocumentLayout)
    return d, diags


def test_a_subset_too_large_for_a_document_is_reported() -> None:
    d, diags = _text("""
model m {
  deletes hard
}
entity Post {
  title string(100)
  volume 1k
}
entity Note {
  post Post @owner
  body text
  volume 50M
}
query post_page {
  from Post
  where id = ?
  include Note (order created_at desc, limit 20000)
  rate 100/s
}
""")
    assert [x.code for x in diags if x.code == "SC0442"] == ["SC0442"]
    sizes = [x.payload for x in d.decisions if x.payload.kind == "document_size" and x.payload.collection == "posts"]
    assert sizes and sizes[0].worst_bytes > 2 * 2**20


def test_shard_key_proposals_carry_their_arithmetic() -> None:
    model = compile_model(ROOT / "examples" / "helpdesk.sdl").model
    d, _ = design(model, CAPABILITIES, "mongodb")  # type: ignore[arg-type]
    assert d is not None and isinstance(d.layout, DocumentLayout)
    proposals = {x.payload.collection: x for x in d.decisions if x.payload.kind == "shard_proposal"}
    sessions = proposals["sessions"]
    assert sessions.payload.keys == (("workspace_id", 1), ("_id", "hashed"))
    assert sessions.payload.documents == 14_440_000
    assert sessions.payload.chunks == -(-sessions.payload.bytes // (128 * 2**20))
    assert "128 MiB" in sessions.why and "not needed at the horizon" in sessions.why
    coll = d.layout.collection("sessions")
    assert coll is not None and coll.shard_key is not None
    small = d.layout.collection("workspaces")
    assert small is not None and small.shard_key is None


def test_writes_of_several_documents_are_transactions() -> None:
    model = compile_model(ROOT / "examples" / "helpdesk.sdl").model
    d, _ = design(model, CAPABILITIES, "mongodb")  # type: ignore[arg-type]
    assert d is not None and isinstance(d.layout, DocumentLayout)
    for w in d.layout.writes:
        assert w.transaction == (len(w.steps) > 1), w.write
    add = next(w for w in d.layout.writes if w.write == "add_comment")
    roles = [s.role for s in add.steps]
    assert roles[:2] == ["own", "subset"] and "counter" in roles
    subset = add.steps[1]
    assert subset.push_slice == (50, (("created_at", 1),))  # the first 50 by created_at stay in the ticket
    plan = d.write("add_comment")
    assert plan is not None and plan.cost.rows == len(add.steps)
