"""Small models and engine helpers for the tests of maintained aggregates (tests/test_trig_*.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

COUNTERS_SDL = """\
model counters {
  ids bigint
}
entity Account {
  name    string(20)
  posted  int = count(Entry)
  total   int = sum(Entry.amount)
  top     int? = max(Entry.amount)
}
entity Entry {
  account  Account
  amount   int
}
"""

# Line is counted on Customer (another parent) and cascades from Order; Note cascades from Line (nested
# owners) and is counted on Customer and on Line (the reference being cascaded).
CASCADE_SDL = """\
model cascade {
  ids bigint
}
entity Customer {
  name   string(20)
  lines  int = count(Line)
  spent  int = sum(Line.amount)
  notes  int = count(Note)
}
entity Order {
  customer  Customer
  lines     int = count(Line)
}
entity Line {
  order     Order @on_delete(cascade)
  customer  Customer
  amount    int
  notes     int = count(Note)
}
entity Note {
  line      Line @on_delete(cascade)
  customer  Customer
  body      string(20)
}
"""


def write_model(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.sdl"
    path.write_text(text, encoding="utf-8")
    return path


def run_together(jobs: list[Callable[[threading.Barrier], None]], timeout: float = 60.0) -> list[BaseException]:
    """Run each job in its own thread, all released at once; the errors they raised. A job still running
    after `timeout` seconds is reported as an error (the waits are bounded)."""
    barrier = threading.Barrier(len(jobs), timeout=timeout)
    errors: list[BaseException] = []

    def wrap(job: Callable[[threading.Barrier], None]) -> None:
        try:
            job(barrier)
        except BaseException as err:  # reported to the test
            errors.append(err)

    threads = [threading.Thread(target=wrap, args=(job,), daemon=True) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    errors += [TimeoutError(f"{t.name} still running after {timeout}s") for t in threads if t.is_alive()]
    return errors


def truth(rows: list[tuple[Any, ...]]) -> dict[Any, tuple[int, int]]:
    """(count, sum) per parent key from (parent key, amount) pairs."""
    out: dict[Any, tuple[int, int]] = {}
    for key, amount in rows:
        n, s = out.get(key, (0, 0))
        out[key] = (n + 1, s + amount)
    return out
