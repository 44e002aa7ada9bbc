"""Diagnostics of the key-value planner (SC047x). Registered on import; the codes are stable."""

from __future__ import annotations

from schemac.diagnostics import Severity, register

NO_FULL_TEXT = "SC0470"
STRONG_ON_GSI = "SC0471"
UNBOUNDED_GROUP = "SC0472"
OVER_LIMIT = "SC0473"
NO_FOREIGN_KEYS = "SC0474"
NO_CHECKS = "SC0475"
UPDATE_MOVES_AGGREGATE = "SC0476"
COPY_NOT_REFRESHED = "SC0477"

_W, _E = Severity.WARNING, Severity.ERROR

register(NO_FULL_TEXT, _W,
         "query `{query}` is not served on DynamoDB: {reason}",
         "DynamoDB has no text index and the compiler never serves a pattern with a Scan (DEC-07). Stream the "
         "items to a search engine (OpenSearch through DynamoDB Streams or zero-ETL) and run the match there.")
register(STRONG_ON_GSI, _E,
         "query `{query}` asks for `consistency strong` but only a global secondary index ({index}) can serve "
         "it; GSIs are eventually consistent",
         "Strongly consistent reads are served by the table or a local secondary index only (DDB-A07). Read by "
         "the table's key (a guard item gives it for a unique value), or drop `consistency strong`.")
register(UNBOUNDED_GROUP, _E,
         "query `{query}` groups {entity} items ({items} at the horizon) with aggregates that cannot be kept up "
         "to date by the writes; answering it would need a Scan",
         "count and sum are maintained with ADD in the writes (aggregate items, DDB-A06), max and min only over "
         "append-only entities. Any other group reads every item per call. Mark it `batch` over a set bounded "
         "by `volume ... where`, maintain it in a stream consumer, or serve it from an analytics copy.")
register(OVER_LIMIT, _E,
         "{what} exceeds DynamoDB's limit: {value} > {limit}",
         "DynamoDB limits a table to 20 GSIs and 5 LSIs, an item to 400 KB, a partition key to 2048 bytes, a "
         "sort key to 1024 bytes and a transaction to 100 items (DDB-X*, DDB-T03, DDB-U02). Neither emulator "
         "enforces all of them, so the compiler does.")
register(NO_FOREIGN_KEYS, _W,
         "DynamoDB has no foreign keys: {count} references are not enforced; {workaround}",
         "A reference is an attribute holding the other item's id. The generated writes check the parent with a "
         "ConditionCheck where the write and the parent are in one transaction; nothing stops a later delete.")
register(NO_CHECKS, _W,
         "DynamoDB has no check constraints: {count} checks on {entities} are not enforced by the table; "
         "{workaround}",
         "Check constraints become application validation (the generated writes carry no ConditionExpression "
         "for them); a ConditionExpression can guard a single item's own attributes where needed.")
register(UPDATE_MOVES_AGGREGATE, _W,
         "write `{write}` may change {fields}, which the aggregate `{aggregate}` groups, filters or sums by, and "
         "the write cannot move the item between its groups: {why}; maintain it from a DynamoDB Streams consumer "
         "(NEW_AND_OLD_IMAGES)",
         "An update that changes what an aggregate item kept by ADD groups by reads the item first and, in one "
         "TransactWriteItems conditioned on the values read, subtracts from the old group and adds to the new one "
         "(DDB-A06). That is not possible for a max or min (a conditional write cannot be taken back) or for a "
         "sum of a field the update itself changes; a stream consumer with the old and new images can (DDB-T04).")
register(COPY_NOT_REFRESHED, _W,
         "write `{write}` changes what {copies} copy, but no key of {entity} finds the items of one {source} "
         "(by `{via}`) without a Scan: those copies are not refreshed by the write",
         "A copied attribute (DDB-R02) is refreshed by a Query of the items holding it, through the table's item "
         "collection or an index whose partition is the source's id (DDB-T04); a sparse index misses items. Serve "
         "the pattern with a follow-up read instead of the copy, add an index by `{via}`, or refresh the copies "
         "from a DynamoDB Streams consumer (NEW_AND_OLD_IMAGES).")
