"""Diagnostics of the document planner (SC044x). Registered on import; the codes are stable."""

from __future__ import annotations

from schemac.diagnostics import Severity, register

UNBOUNDED_EMBED = "SC0440"
TOO_MANY_INDEXES = "SC0441"
DOCUMENT_TOO_LARGE = "SC0442"
NOT_INDEXED = "SC0443"

register(UNBOUNDED_EMBED, Severity.WARNING,
         "`{child}` is read with `{parent}` ({pattern}) but not embedded: up to {bound} children per parent "
         "({size}) {reason}; it stays its own collection, read with a second round trip",
         "An @owner child read with its parent is embedded only when its array is bounded: the children per "
         "parent at the horizon, outliers included, must stay a few hundred and the document well inside "
         "MongoDB's 16 MiB limit (MDB-E02, MDB-E04, MDB-E08). A child set that grows without bound is "
         "referenced from the child instead; add `limit N` to the include to keep a subset in the parent.")
register(TOO_MANY_INDEXES, Severity.ERROR,
         "collection `{collection}` needs {count} indexes; MongoDB allows 64 per collection",
         "MongoDB refuses a 65th index on one collection (COST-06). Merge access patterns that can share an "
         "index, or move rarely used ones to a batch job.")
register(DOCUMENT_TOO_LARGE, Severity.WARNING,
         "documents of `{collection}` may reach {size} at the horizon ({reason})",
         "MongoDB rejects documents over 16 MiB, and large documents slow every read and write of them "
         "(MDB-E08). Keep arrays bounded: a subset (`limit N` on the include) or a collection of their own.")
register(NOT_INDEXED, Severity.WARNING,
         "query `{pattern}` on `{collection}` is not served by an index: {reason}",
         "Every read access pattern must be served by an index (MDB-I01); without one MongoDB scans the "
         "collection (COLLSCAN).")
