"""The look-ups and caches made cheaper for compile time keep their meaning: a cache never answers for a
replaced source, candidates leave by identity, ties keep the first candidate, placeholders renumber as
before, column specs are copied only when renamed."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from schemac.backends import get_backend
from schemac.backends.sql.columns import ColumnSpec
from schemac.backends.sql.context import Context
from schemac.backends.sql.statements import _ordered, _renumber
from schemac.backends.sql.tables import _fitted
from schemac.compiler.design.context import Ctx
from schemac.compiler.design.model import Capabilities
from schemac.compiler.design.needs import Candidate, Segment, Want, memo_property
from schemac.compiler.design.relational.indexes import _Builder, _drop
from schemac.compiler.model import Field, FieldKind, KeyPart, Model
from schemac.compiler.pipeline import compile_model

ROOT = Path(__file__).resolve().parent.parent


def _model(name: str = "helpdesk") -> Model:
    comp = compile_model(ROOT / "examples" / f"{name}.sdl")
    assert comp.model is not None
    return comp.model


# -- memo_property ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Box:
    items: tuple[int, ...]
    calls: list[int] = dataclasses.field(default_factory=list, compare=False, repr=False)

    @memo_property
    def total(self) -> int:
        self.calls.append(1)
        return sum(self.items)


def test_memo_property_computes_once_per_instance_on_a_frozen_dataclass() -> None:
    box = _Box((1, 2, 3))
    assert box.total == 6 and box.total == 6
    assert len(box.calls) == 1
    other = _Box((4,), box.calls)
    assert other.total == 4 and len(box.calls) == 2  # not shared between instances
    assert isinstance(_Box.total, memo_property)
    with pytest.raises(dataclasses.FrozenInstanceError):
        box.items = ()  # type: ignore[misc]


def test_memo_property_leaves_equality_hashing_and_replace_alone() -> None:
    box = _Box((1, 2))
    fresh = _Box((1, 2))
    assert box.total == 3
    assert box == fresh and hash(box) == hash(fresh) and repr(box) == repr(fresh)
    changed = dataclasses.replace(box, items=(5,))
    assert changed.total == 5  # a replaced instance computes its own value


def test_wants_and_segments_derive_their_keys_from_their_own_fields() -> None:
    seg = Segment(kind="set", parts=(KeyPart(field="a"), KeyPart(field="b")))
    assert seg.fields == ("a", "b") and seg.field_set == frozenset({"a", "b"})
    want = Want(source="q", kind="query", role="root", entity="E", segments=(seg,))
    assert want.eq_fields == frozenset({"a", "b"}) and [p.field for p in want.parts] == ["a", "b"]
    later = dataclasses.replace(want, segments=(Segment(kind="seq", parts=(KeyPart(field="c"),)),))
    assert later.eq_fields == frozenset() and [p.field for p in later.parts] == ["c"]
    assert want.eq_fields == frozenset({"a", "b"})


# -- IR and design-context look-ups -----------------------------------------------------------------------------


def test_model_entity_raises_key_error_for_an_unknown_name_and_follows_a_copy() -> None:
    model = _model()
    first = model.entities[0]
    assert model.entity(first.name) is first
    with pytest.raises(KeyError) as err:
        model.entity("NoSuchEntity")
    assert err.value.args == ("NoSuchEntity",)
    renamed = first.model_copy(update={"name": "Renamed"})
    copy = model.model_copy(update={"entities": (renamed, *model.entities[1:])})
    assert copy.entity("Renamed") is renamed  # the memo of the original is not used for the copy
    with pytest.raises(KeyError):
        copy.entity(first.name)
    assert model.entity(first.name) is first


def test_model_entity_keeps_the_first_of_two_entities_with_one_name() -> None:
    model = _model()
    first = model.entities[0]
    twin = first.model_copy(update={"doc": "the second one"})
    doubled = model.model_copy(update={"entities": (first, twin, *model.entities[1:])})
    assert doubled.entity(first.name) is first
    ctx = Ctx(model=doubled, caps=Capabilities(family="relational"), target="postgres")
    assert ctx.entity(first.name) is first


def test_design_context_entity_index_follows_the_model_it_is_given() -> None:
    model = _model()
    ctx = Ctx(model=model, caps=Capabilities(family="relational"), target="postgres")
    for e in model.entities:
        assert ctx.entity(e.name) is model.entity(e.name)
    with pytest.raises(KeyError):
        ctx.entity("NoSuchEntity")
    first = model.entities[0]
    changed = first.model_copy(update={"doc": "replaced"})
    ctx.model = model.model_copy(update={"entities": (changed, *model.entities[1:])})
    assert ctx.entity(first.name) is changed  # the planner replaces `ctx.model`: no stale answer
    assert ctx.rows(first.name) == ctx.rows(first.name)


def test_entity_field_memo_is_rebuilt_when_fields_are_replaced() -> None:
    e = _model().entities[0]
    assert e.field(e.fields[0].name) is e.fields[0]
    extra = Field(name="zz_extra", kind=FieldKind.SCALAR, span=e.span)
    grown = e.model_copy(update={"fields": (*e.fields, extra)})
    assert grown.field("zz_extra") is extra and e.field("zz_extra") is None


# -- index candidates -------------------------------------------------------------------------------------------


def _candidate(seq: int, entity: str = "E", field: str = "a") -> Candidate:
    return Candidate(entity=entity, parts=(KeyPart(field=field),), origin="access_pattern", seq=seq)


def test_a_candidate_leaves_by_identity_even_after_an_equal_one() -> None:
    twin, c = _candidate(0), _candidate(0)
    assert twin == c and twin is not c
    items = [twin, c, _candidate(1)]
    _drop(items, c)
    assert items[0] is twin and len(items) == 2 and all(x is not c for x in items)
    with pytest.raises(ValueError):
        _drop(items, c)


def test_the_best_candidate_is_the_first_of_the_lowest_rank() -> None:
    rng = random.Random(7)
    b = _Builder(Ctx(model=_model(), caps=Capabilities(family="relational"), target="postgres"))
    for trial in range(300):
        cands = [_candidate(i) for i in range(rng.randint(0, 8))]
        for c in cands:  # ranks as the planner memoises them; None: does not serve
            c.ranks[0] = None if rng.random() < 0.3 else tuple(rng.randint(0, 2) for _ in range(3))
        scored = [(c.ranks[0], c) for c in cands if c.ranks[0] is not None]
        expected = min(scored, key=lambda rc: rc[0])[1] if scored else None
        assert b.best(0, cands) is expected, trial


# -- SQL emit ---------------------------------------------------------------------------------------------------


def _renumber_before(sql: str, order: list[str], declared: list[str], first: str | None) -> tuple[str, list[str]]:
    unique = list(dict.fromkeys(order))
    wanted = _ordered(unique, declared, first)
    new_number = {unique.index(n) + 1: wanted.index(n) + 1 for n in unique}
    return re.sub(r"\$(\d+)\b", lambda m: f"${new_number[int(m.group(1))]}", sql), wanted


def test_placeholders_renumber_as_the_list_scan_did() -> None:
    rng = random.Random(11)
    for _ in range(500):
        names = [f"p{i}" for i in range(rng.randint(1, 12))]
        order = [rng.choice(names) for _ in range(rng.randint(1, 15))]
        unique = list(dict.fromkeys(order))
        sql = " AND ".join(f"c{k} = ${unique.index(n) + 1}" for k, n in enumerate(order)) + " LIMIT $10x"
        declared = rng.sample(names, len(names))
        first = rng.choice([None, *names])
        assert _renumber(sql, order, declared, first) == _renumber_before(sql, order, declared, first)


def test_a_column_spec_is_copied_only_when_its_name_is_shortened() -> None:
    model = _model()
    backend = get_backend("postgres")
    from schemac.compiler.design import design

    designed, _ = design(model, backend.capabilities, "postgres")
    assert designed is not None
    options = backend.options()
    ctx = Context(designed, options, backend.dialect.configured(options))  # type: ignore[attr-defined]
    f = model.entities[0].fields[0]
    short = ColumnSpec("short_name", sa.Integer(), False, f, None)
    assert _fitted(ctx, short) is short
    long = ColumnSpec("x" * 100, sa.Integer(), False, f, None)
    fitted = _fitted(ctx, long)
    assert fitted is not long and len(fitted.name.encode()) <= 63 and fitted.name == ctx.namer.fit(long.name)
    assert dataclasses.replace(fitted, name=long.name) == long
