"""`paused_gc`: run a compiler phase with Python's cyclic garbage collector paused.

A phase allocates hundreds of thousands of small, long-lived objects (tokens, syntax nodes, IR nodes) and
frees almost none; every few hundred allocations CPython's collector would walk the young ones, and every
so often all of them, which made compile time grow faster than the model (2.5x the work at 1,000 entities).
The phases create no reference cycles worth collecting early, so the collector is paused for their duration
and resumed (if it was running) when they return, where it collects whatever cyclic garbage there is.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """A context manager (and, as `@paused_gc()`, a decorator); nests."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
