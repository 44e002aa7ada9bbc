"""MongoDB has no reserved words for collection or field names; `$`-prefixed keys and dots in keys are
refused, and schemac never makes them (document keys are snake_case field names)."""

from __future__ import annotations

RESERVED_WORDS: frozenset[str] = frozenset()
