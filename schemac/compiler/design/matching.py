"""Does an index serve a need? Strictly (the pattern's full key), loosely (a low-rate pattern's scan is
bounded by the index's leading equality columns), or as a foreign key's supporting index (REL-I08)."""

from __future__ import annotations

from schemac.compiler.design.context import LOW_RATE_MAX_SCAN, Ctx
from schemac.compiler.design.estimates import matched_rows
from schemac.compiler.design.needs import Candidate, FkNeed, Need, Segment, Want
from schemac.compiler.model import KeyPart


def _live_ok(ctx: Ctx, c: Candidate, w: Want) -> bool:
    """A live-only index is partial where the target allows: it cannot serve a read of deleted rows."""
    return w.live or not c.live_only or not ctx.caps.partial_indexes


def counts_from_heap(ctx: Ctx, c: Candidate, w: Want) -> bool:
    """A count of live rows through an index over every row visits the heap for each row to read its
    deleted_at (REL-I05): a partial live-row index answers it from the index alone."""
    return w.counts and w.live and ctx.caps.partial_indexes and not c.live_only


def serves(ctx: Ctx, c: Candidate, w: Want) -> bool:
    if c.entity != w.entity or c.method != w.method or not _live_ok(ctx, c, w) or counts_from_heap(ctx, c, w):
        return False
    if c.method == "fulltext":
        return c.fields == tuple(p.field for p in w.parts)
    if c.unique and w.eq_fields.issuperset(c.fields) and c.where_keys <= w.where_keys:
        return True  # one row at most: the other predicates are checked on it
    if c.where_keys != w.where_keys:
        return False
    pos = 0
    fields = c.fields
    for seg in w.segments:
        end = pos + len(seg.parts)
        if end > len(fields) or not _segment_matches(seg, c.parts[pos:end], fields[pos:end]):
            return False
        pos = end
    return True


def _segment_matches(seg: Segment, chunk: tuple[KeyPart, ...], names: tuple[str, ...]) -> bool:
    """Does `chunk` (with field names `names`) of an index's key serve `seg`? Both are as long as `seg`."""
    if seg.kind == "set":
        return set(names) == seg.field_set
    if names != seg.fields:
        return False
    same = all(a.descending == b.descending for a, b in zip(chunk, seg.parts, strict=True))
    flipped = all(a.descending != b.descending for a, b in zip(chunk, seg.parts, strict=True))
    return same or flipped  # an index is read backwards as easily as forwards


def loose_scan(ctx: Ctx, c: Candidate, w: Want) -> float | None:
    """For a low-rate pattern: the rows it would scan through the equality columns leading `c`, or None
    when `c` cannot bound its scan (or bounds it above LOW_RATE_MAX_SCAN rows for a non-batch pattern)."""
    if not w.low_rate or c.entity != w.entity or c.method != "btree" or w.method != "btree":
        return None
    if not _live_ok(ctx, c, w) or not c.where_keys <= w.where_keys:
        return None
    k = 0
    for p in c.parts:
        if p.field not in w.eq_fields:
            break
        k += 1
    if k == 0:
        return None
    e = ctx.entity(c.entity)
    scanned = matched_rows(ctx, e, c.fields[:k], c.where)
    return scanned if scanned <= LOW_RATE_MAX_SCAN or w.batch else None


def covers_fk(ctx: Ctx, c: Candidate, n: FkNeed) -> bool:
    if c.entity != n.entity or c.method != "btree" or c.where:
        return False
    if c.fields[:len(n.columns)] != n.columns:
        return False
    # A live-only index holds every row on targets without partial indexes (plain index, or a unique
    # emulated with a trailing generated column); elsewhere it is partial, which is enough only when the
    # parent is soft-deleted (its rows are retired by an UPDATE, FK checks run only in purge jobs).
    return not c.live_only or not ctx.caps.partial_indexes or n.parent_soft


def rank(ctx: Ctx, c: Candidate, need: Need) -> tuple[int, ...] | None:
    """How well `c` meets `need` (lower is better), or None when it does not."""
    if isinstance(need, FkNeed):
        return (0, len(c.parts), c.seq) if covers_fk(ctx, c, need) else None
    if serves(ctx, c, need):
        return (0, 0 if c.primary else 1, len(c.parts) + len(c.include), c.seq)
    scanned = loose_scan(ctx, c, need)
    return (1, round(scanned), len(c.parts), c.seq) if scanned is not None else None
