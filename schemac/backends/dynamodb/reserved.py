"""DynamoDB reserved words are not checked against entity names: every attribute in a generated expression
goes through ExpressionAttributeNames (`#status`), so no name needs quoting."""

from __future__ import annotations

RESERVED_WORDS: frozenset[str] = frozenset()
