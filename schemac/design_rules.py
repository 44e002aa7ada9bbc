"""The design rule ids that decisions cite (`REL-I08`, `SC-PAT-01`, ...): id -> title and explanation.

    RULE_IDS["REL-I08"].title        "Index the columns of every foreign key"
    explain_rule_id("rel-i08") -> str | None

`REL-*`, `DEC-*`, `MDB-*` and `DDB-*` are the rules of shared/reference/nosql-design-rules.md, told here in
schemac's words; `SC-*` are schemac's own decisions. `schemac explain` reads this table, and
tests/test_cli_explain.py checks that every id the design stage and the backends can cite is in it.
Pure data: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemac.design_rules_nosql import NOSQL_RULES

RULE_ID = re.compile(r"\b(?:REL|MDB|DDB|DEC|COST)-[A-Z]*\d+\b|\bSC-[A-Z]+-\d+\b")


@dataclass(frozen=True, slots=True)
class RuleId:
    title: str
    explanation: str


def _ids(*rows: tuple[str, str, str]) -> dict[str, RuleId]:
    return {rid: RuleId(title, text) for rid, title, text in rows}


RULE_IDS: dict[str, RuleId] = _ids(
    # -- relational: indexes ------------------------------------------------------------------------------
    ("REL-I01", "Equality columns first, then one range column",
     "A B-tree index narrows a scan only through its leading columns: the columns compared with `=` come "
     "first, then at most one column compared with a range (`<`, `>`, `between`). Conditions on columns after "
     "the range are still checked inside the index but do not shorten the scan, and an index whose first "
     "column has no condition is read whole. schemac orders the key columns of every index it designs this way."),
    ("REL-I02", "Equality, sort, range for ordered and paginated reads",
     "When a read sorts and stops after `limit` rows, the index puts the equality columns first, then the sort "
     "columns in the query's direction (or its exact reverse), then the range column, so the database reads "
     "rows already in order and stops after the page. Without a limit and with a selective range, equality "
     "then range is better and the few rows are sorted afterwards. Both PostgreSQL and MySQL can walk a "
     "B-tree forwards or backwards."),
    ("REL-I03", "Drop an index that is a prefix of another",
     "A non-unique index whose columns are the leading columns of another index on the same table serves no "
     "query the longer one cannot, and costs every write. schemac keeps the longer index and drops the prefix; "
     "unique indexes are kept because they enforce a constraint."),
    ("REL-I04", "Covering columns for index-only reads",
     "Columns a query returns but does not search on can be stored in the index so the table itself is not "
     "visited. PostgreSQL (11+) adds them with INCLUDE (they still count toward its 32-column limit, and the "
     "gain depends on the visibility map, so it helps most on tables that change rarely). InnoDB has no "
     "INCLUDE: they become trailing key parts while the key stays within 16 parts and 3072 bytes; every "
     "InnoDB secondary index already holds the primary key."),
    ("REL-I05", "Partial indexes for a subset, and uniqueness among live rows",
     "PostgreSQL can index only the rows that match a condition (`WHERE deleted_at IS NULL`), which keeps hot "
     "subsets small and makes a unique constraint apply to live rows only, so a soft-deleted row does not block "
     "re-creating it; queries must repeat the condition to use the index. MySQL and MariaDB have no partial "
     "indexes: the same effect needs a functional or generated column that is NULL for the rows left out "
     "(NULLs never collide in a unique index)."),
    ("REL-I06", "NULLs in unique indexes",
     "Both engines treat NULLs as different from each other in a unique index, so a unique key over a nullable "
     "column accepts duplicates wherever that column is NULL. When NULL should count as a value, PostgreSQL "
     "15+ has NULLS NOT DISTINCT; elsewhere one partial unique index per nullability case does it."),
    ("REL-I07", "Bounded index keys",
     "B-tree entries have a maximum size: about 2.7 KB in PostgreSQL, 3072 bytes in InnoDB, where a utf8mb4 "
     "string(n) takes 4n bytes. Long or unbounded text in a key makes inserts fail; index a hash of the value, "
     "use full-text search, or shorten the field. Prefix indexes change the meaning of a unique key."),
    ("REL-I08", "Index the columns of every foreign key",
     "PostgreSQL does not index the referencing columns of a foreign key, so a join from the parent or a "
     "delete of a parent row scans the child table. schemac gives every foreign key an index that starts with "
     "its columns, unless another index already does. InnoDB requires such an index and would create one "
     "itself; schemac names it so both targets get the same one. Partial (live-row) indexes do not count: "
     "foreign-key checks cannot use them."),
    ("REL-I09", "Drop indexes in two steps on MySQL",
     "MySQL 8 can make an index INVISIBLE: the optimizer ignores it but writes still maintain it. Hide an "
     "index first, watch the workload, then drop it, so a wrong guess is undone instantly instead of by a "
     "rebuild."),
    # -- relational: keys and names -----------------------------------------------------------------------
    ("REL-K01", "UUIDs as the native uuid type on PostgreSQL",
     "A uuid column takes 16 bytes; the same value as text takes 36 or more and compares more slowly. "
     "PostgreSQL ids are always `uuid`, never text."),
    ("REL-K02", "Time-ordered UUIDs",
     "Random (version 4) UUIDs scatter inserts across the whole primary-key B-tree. Version 7 UUIDs start with "
     "a millisecond timestamp, so new rows land at the right edge of the index. PostgreSQL 18 generates them "
     "with uuidv7(); on older servers the application generates them."),
    ("REL-K03", "UUIDs as BINARY(16) on MySQL",
     "MySQL has no uuid type: the id is stored in BINARY(16), never CHAR(36). UUID_TO_BIN's swap flag is for "
     "version-1 UUIDs only; version-7 UUIDs are already time-first and are stored without swapping."),
    ("REL-K04", "Short, ordered primary keys on InnoDB",
     "InnoDB stores the table in primary-key order and copies the primary key into every secondary index, so a "
     "long or random key makes every index bigger and spreads inserts over the whole table. Prefer an "
     "auto-increment integer or an ordered UUID; where random external ids are required, keep a short internal "
     "key beside a unique external id."),
    ("REL-N01", "Identifiers within 63 bytes on PostgreSQL",
     "PostgreSQL cuts identifiers longer than 63 bytes (multi-byte characters count several) with only a "
     "notice, so two long generated names can become the same name. schemac caps generated names and adds a "
     "short hash when it has to shorten one."),
    ("REL-N02", "Identifiers within 64 characters on MySQL, named constraints",
     "MySQL allows 64 characters per identifier, and the names it invents for foreign keys and checks "
     "(`<table>_ibfk_1`) can exceed that on long table names. schemac names every constraint itself."),
    ("REL-N03", "One name budget for every target",
     "Generated names stay within 63 ASCII bytes, which fits both PostgreSQL and MySQL, so a model gets the "
     "same names on every target."),
    # -- relational: partitioning and tenancy ---------------------------------------------------------------
    ("REL-P01", "Partition when a table outgrows memory",
     "A table that would no longer fit in the server's memory is the usual point to partition it. The gains "
     "are queries that touch only a few recent partitions, and retention by detaching or dropping a partition "
     "instead of a bulk DELETE; time series are range-partitioned on their timestamp. schemac records when "
     "each table reaches that point at the model's horizon."),
    ("REL-P02", "Unique keys must contain the partition key",
     "On a partitioned table, PostgreSQL enforces a primary key or unique constraint only when it includes "
     "every partition-key column, and MySQL rejects one that does not (it also forbids foreign keys on "
     "partitioned InnoDB tables). A table with `unique (email)` partitioned by time therefore needs another "
     "way to enforce the unique, or no partitioning."),
    ("REL-S01", "Tenant isolation with row-level security",
     "On PostgreSQL every tenant-scoped table enables and forces row-level security with a policy that "
     "compares the tenant column with the session's tenant setting, for reads (USING) and for new rows (WITH "
     "CHECK). With RLS on, a table without a matching policy shows nothing. Owners, superusers and BYPASSRLS "
     "roles skip the policies, so the application must connect as its own role. Every tenant-scoped index "
     "leads with the tenant column. Targets without RLS rely on the tenant filter in every generated "
     "statement."),
    # -- choosing a family --------------------------------------------------------------------------------
    ("DEC-01", "Relational when the questions are not all known",
     "When access patterns are not fully known in advance, or the model asks ad hoc or analytic questions, a "
     "relational database is the default: normalised tables answer new questions later, while a key-value "
     "store answers only the few query shapes it was designed for."),
    ("DEC-02", "Key-value when every hot pattern is a key lookup",
     "When every frequent access pattern is addressed by a key, fan-outs are bounded or paginated, and the "
     "workload needs predictable low latency at high or spiky scale, a key-value store such as DynamoDB fits: "
     "it is fast because it supports only a few query shapes of known cost."),
    ("DEC-03", "Relational for joins, large transactions and many uniques",
     "Reads that join many entities, transactions over more than about a hundred rows, foreign keys, or "
     "uniqueness on several non-key fields call for a relational database: DynamoDB has no joins or foreign "
     "keys, enforces uniqueness only on its key, and caps a transaction at 100 items."),
    ("DEC-04", "Document store for hierarchies that are still queried widely",
     "Data made of parents that contain bounded sets of children read together, that still needs secondary "
     "queries on many fields, or whose shape varies, suits a document database: embedding makes the whole "
     "aggregate one read and one atomic write while indexes keep ad hoc queries possible."),
    ("DEC-05", "Flag multi-hop graph traversals",
     "Real-time traversals of second- or third-degree relationships are a graph database's job; schemac "
     "says so instead of forcing them into adjacency lists on a key-value store."),
    ("DEC-06", "One DynamoDB table per bounded context",
     "Entities fetched together in one request share a table (as item collections); data with very different "
     "access patterns, high-volume time series, or different throughput and backup needs get their own."),
    ("DEC-07", "Scoring the families",
     "Key-value is rejected when a declared pattern would need a full scan (unless it is a batch job); "
     "document is penalised when an embedded child set could make a document too large; relational wins ties "
     "because it is the easiest to evolve. The reasons are reported."),
    # -- schemac's own decisions --------------------------------------------------------------------------
    ("SC-KEY-01", "Declared unique constraints",
     "Every `unique (...)` of the model, and the uniques schemac adds (link entities, natural keys), becomes a "
     "unique index over exactly those fields. Under soft delete it applies to live rows only (then the "
     "decision cites REL-I05)."),
    ("SC-KEY-02", "Declared indexes",
     "An `index (...)` written in the model is created as written, even when no access pattern needs it; the "
     "design stage does not drop or reorder it."),
    ("SC-TEN-01", "Composite tenant foreign keys",
     "In a multi-tenant model a reference is a foreign key over (tenant, reference) to (tenant, id) of the "
     "parent, which needs a unique (tenant, id) on the parent. Foreign-key checks ignore row-level security, "
     "so only the composite key stops a row from pointing into another tenant. Where a target cannot null one "
     "column of a composite key, the key is the reference alone and the generated writes check the tenant."),
    ("SC-FTS-01", "Full-text search",
     "A field marked @search gets the target's full-text index (GIN over a tsvector on PostgreSQL, FULLTEXT "
     "on MySQL), and queries with `matches` are served by it where the target and row-level security allow."),
    ("SC-DEN-01", "Maintained aggregates",
     "A field whose default is a count, sum, min or max over children is stored in the parent and kept up to "
     "date when children change (by triggers where the target has them, otherwise by every generated write), "
     "so reads do not aggregate. The decision gives the write rate this adds to the parent."),
    ("SC-PAT-01", "Read by primary key, or a full scan",
     "A query whose filter is the entity's whole key reads one row through the primary key and needs no other "
     "index. A query with nothing an index can be keyed on reads every row; that is reported as SC0404."),
    ("SC-PAT-02", "How a write finds its row",
     "An update, upsert or delete `by` some fields finds its row through the primary key or a unique index on "
     "exactly those fields; the decision names which."),
    ("SC-FK-01", "References without foreign keys",
     "On a target that cannot enforce foreign keys, every reference is checked by the generated writes; "
     "hand-written writes must check it too (SC0409)."),
    ("SC-DEL-01", "Soft delete",
     "With `deletes soft`, entities get `deleted_at`; deletes set it, every generated read filters live rows, "
     "and unique constraints apply to live rows only, so a deleted row does not block re-creating it."),
    ("SC-AUD-01", "Audit log",
     "With `audit on`, entities marked @audited get their changes recorded in one audit_log table (who, when, "
     "what changed), written by triggers where the target has them."),
    ("SC-GDPR-01", "Erasure of personal data",
     "For every entity with @pii fields the design chooses how to erase a person: delete the row, or "
     "anonymise the personal fields in place when other rows must keep referring to it; the audit log is "
     "scrubbed of those values as well."),
    ("SC-DEN-02", "A hot parent's deltas table",
     "When the writes that change a maintained aggregate arrive faster than one parent row can take updates "
     "(each update holds the row's lock until commit), the design proposes appending deltas to a side table "
     "and rolling them into the parent periodically; reads add the pending deltas. The decision gives the "
     "updates per second per parent row that triggered it."),
    ("SC-DEL-02", "Reads through references to soft-deleted rows",
     "A join reads a soft-deleted row the way the reference's ON DELETE would have left it after a real "
     "delete: a cascading reference hides the referencing row, a set-null reference reads as empty, and a "
     "restricting reference is historical (an order line keeps its product's name). Required references "
     "are inner joins, optional ones left joins."),
    ("SC-KEY-03", "Opaque keys compare byte for byte",
     "Strings in primary or unique keys that are not human text (slugs, codes, SKUs, tokens, idempotency "
     "keys) compare exactly on every target: a binary collation where the target's default is "
     "case-insensitive, so two keys that differ only in case or accents are two keys everywhere."),
    ("SC-KEY-04", "Emails compare case-insensitively",
     "An `email` field is unique and looked up without regard to case on every target: a case-insensitive "
     "collation whose equality can still use the index (also under row-level security)."),
    ("SC-KEY-05", "Natural primary keys for append-only and link entities",
     "An append-only entity or a link (every field a reference, with a unique over them) that nothing names by "
     "id (no reference, query, write, erasure routine or history) is keyed by its unique, tenant first, its "
     "fields ordered for the hottest read: no id column, no second index, and no updated_at when no write "
     "updates it. The surrogate stays, and the decision says why, when anything needs the id, under soft "
     "delete, when no unique over required fields exists, or where the key clusters the table (InnoDB) and "
     "the natural key is estimated larger there (REL-K04)."),
    ("SC-PAT-03", "What a write costs",
     "Every write gets its cost: the rows and index entries it writes per call, the triggers that run with it "
     "(updated_at, audit, maintained aggregates, history) and the copies it keeps, per call and at its "
     "declared rate."),
    ("SC-STAT-01", "Statistics on correlated columns",
     "Where patterns filter on the tenant together with a reference (which determines the tenant), PostgreSQL "
     "gets functional-dependency statistics on those columns, so the planner does not multiply their "
     "selectivities and estimate one row where a parent has hundreds. Targets without extended statistics get "
     "a decision saying their estimates stay independent."),
    ("SC-CON-01", "Optimistic check on updates",
     "A whole-row update of one row takes the version (or updated_at) it read and changes nothing when another "
     "writer moved it since, so it cannot silently undo a concurrent change to another column; a partial update "
     "writes only its listed fields and goes without the check."),
    ("SC-BKT-01", "Time buckets as ranges",
     "A bucket predicate (`quarter(placed_at) = ?`) becomes a half-open range on the plain field "
     "(`placed_at >= ? AND placed_at < ? + 3 months`), so an ordinary index on the field serves it; `group` and "
     "`select` buckets are the bucket's first instant in UTC (ISO weeks, Monday first)."),
    ("SC-SUM-01", "Grouped reads over buckets",
     "A grouped read over time buckets is computed per read through the index that serves its filter, unless "
     "the rows it aggregates per second (rows per call x rate) make a maintained summary worth its extra "
     "writes; the decision gives the numbers."),
    ("SC-UNI-01", "Reads over several entities",
     "`from A | B` is one statement: a UNION ALL of one branch per entity, each served by its own index, "
     "stopping after the limit, tagged with the entity's name, under one order and limit."),
    ("SC-UPD-01", "Partial updates",
     "An update that lists its fields sets only those (and what the compiler maintains); its plan names the "
     "written fields an index or a maintained aggregate reads; one that touches no indexed column is a "
     "heap-only (HOT) update candidate on PostgreSQL."),
    ("SC-EXP-01", "Expiry",
     "An `@expires` field gets a batched purge statement, an index leading with the field (not the tenant: "
     "the purge runs across tenants) and advice on how often to run it and with what batch, from the rows "
     "that expire per second. Expiry is a hard delete even under soft delete; audit triggers record it."),
    ("SC-M2M-01", "Many-to-many as a junction table",
     "`tags Tag[]` is a relation of the model, not a column. A relational target stores its links in a "
     "junction table named after the owner and the field (`TicketTags`, table `tickets_tags`): the tenant "
     "where the owner is scoped, a reference to each side (both ON DELETE CASCADE) and `created_at`, keyed by "
     "(tenant,) owner side, target side so a pair is stored once; the reverse direction gets its own index "
     "(REL-I08). Document and key-value targets store the same relation as id arrays or adjacency items."),
    ("SC-VOL-01", "Assumed volume",
     "An entity without a `volume` is assumed to hold a default number of rows; every estimate that depends "
     "on it (rows per lookup, sizes, growth) is only as good as that guess. Declare `volume` to replace it."),
)


RULE_IDS.update(_ids(*NOSQL_RULES))


def explain_rule_id(key: str) -> str | None:
    """`REL-I08: <title>` and its explanation, for `schemac explain REL-I08`; None when unknown."""
    rid = key.strip().upper()
    entry = RULE_IDS.get(rid)
    if entry is None:
        return None
    return f"{rid}: {entry.title}\n\n{entry.explanation}\n"
