"""Diagnostics of the SQL backend: SC0410-SC0423.

Most guard the gap between MariaDB 10.11 (where the MySQL output is tested) and MySQL 8, which rejects
some DDL that MariaDB silently accepts (shared/reference/engines.md §2.3).
"""

from __future__ import annotations

from schemac.diagnostics import Severity, register

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: tuple[tuple[str, Severity, str, str], ...] = (
    ("SC0420", W, "{target}: query `{query}` cannot use the full-text index on `{table}` under row-level "
                  "security; it reads the tenant's rows through a tenant index and filters them",
     "PostgreSQL applies a row-level security policy before any condition that calls a function that is not "
     "LEAKPROOF on a column, and the full-text condition calls two (to_tsvector and ts_match_vq, the `@@`), "
     "so the GIN index is not used. A superuser who accepts that they reveal nothing but their results can "
     "run ALTER FUNCTION to_tsvector(regconfig, text) LEAKPROOF and ALTER FUNCTION ts_match_vq(tsvector, "
     "tsquery) LEAKPROOF (the plan tests check that the index is then used); otherwise keep each tenant's "
     "rows few or serve search from a search engine."),
    ("SC0410", E, "{target}: column `{table}.{column}` of type {type} has a literal default, which MySQL 8 "
                  "rejects",
     "MySQL 8 accepts a default on TEXT, BLOB and JSON columns only as an expression: DEFAULT ('x'). "
     "MariaDB accepts the literal, so a test on MariaDB alone would not catch it."),
    ("SC0411", E, "{target}: index `{index}` has the TEXT/BLOB column `{column}` without a prefix length",
     "MySQL 8 rejects a TEXT or BLOB key part without a prefix length (ER 1170); a unique key cannot use "
     "a prefix without changing its meaning. Declare the field as string(n) to index it whole."),
    ("SC0412", E, "{target}: index `{index}` is {bytes} bytes long; InnoDB keys hold at most {limit}",
     "utf8mb4 takes 4 bytes per character in a key: string(n) costs 4n bytes. MariaDB turns a too-long key "
     "into a prefix key with only a note; MySQL 8 rejects it (ER 1071)."),
    ("SC0413", E, "{target}: index `{index}` has {parts} key parts; InnoDB allows at most {limit}",
     "MySQL and MariaDB reject keys of more than 16 columns (ER 1070)."),
    ("SC0421", E, "{target}: table `{table}` needs {keys} keys (its primary key, unique keys and the indexes "
                  "the design chose for {patterns} access patterns); MySQL and MariaDB take at most {limit} per "
                  "table",
     "InnoDB rejects a table's key past the 64th, the primary key included (ER 1069: too many keys). The "
     "design gives an access pattern its own index when no other index serves it; give such patterns a "
     "shared leading filter (an equality both use, then their own columns), or a low `rate` where reading "
     "more rows per call is acceptable (a low-rate pattern may use an index that narrows it only partly), or "
     "split the entity."),
    ("SC0422", E, "{target}: a row of `{table}` may take {bytes} bytes; MySQL and MariaDB take at most {limit} "
                  "(widest: {columns})",
     "MySQL counts every column's maximum size towards a 65,535-byte row limit (ER 1118): a string(n) takes 4n "
     "bytes in utf8mb4, a text, JSON or bytes column only the pointer to where it is stored. Declare long "
     "strings as `text`, shorten them, or move rarely read fields into an owned entity."),
    ("SC0423", W, "{target}: `{entity}` would be the table `{wanted}`, which another table already has: it "
                  "is `{name}`",
     "Table names come from entity names (snake case, plural), so two entities can ask for one table: `Person` "
     "and `People` both make `people`. The later one in creation order gets a numbered name; give one of them "
     "@table(\"...\") to choose a name that says what it holds."),
    ("SC0414", W, "{target}: `{entity}.{field}` cannot null only its reference column on delete; its foreign "
                  "key is the reference alone, so it does not stop a reference into another tenant",
     "The design asked for ON DELETE SET NULL (column) on a composite tenant key, which only PostgreSQL 15+ "
     "has; the key keeps the reference column alone. The application must check the tenant."),
    ("SC0415", W, "{target}: `{entity}.{field}` is maintained by triggers, but `{child}` rows removed by a "
                  "foreign-key cascade from `{owner}` do not fire triggers",
     "InnoDB does not fire triggers for rows changed by foreign-key actions, so a counter drifts when its "
     "children disappear through a cascade from another parent. schemac normally makes such a key ON DELETE "
     "RESTRICT and deletes the children from a BEFORE DELETE trigger on the parent (those deletes fire the "
     "children's triggers; decisions.md says so under SC-DEN-01). It keeps the native cascade, and warns, "
     "where a trigger would have to update a table the delete is using (MySQL ER 1442): a self-reference, or "
     "an aggregate over another table of the cascade chain. Recount after such deletes, or delete the "
     "children first."),
    ("SC0416", I, "{target}: query `{query}` reads `{include}` with a second statement `{statement}`",
     "MySQL 8 has no ordered JSON_ARRAYAGG and neither engine lets a correlated derived table apply ORDER BY "
     "and LIMIT per parent, so an ordered to-many include is a second query by parent ids, and a bounded one "
     "(`limit n`) a second query run once per parent: ORDER BY ... LIMIT n reads n rows of the child's index."),
    ("SC0417", E, "{target}: {what} is not supported: {why}",
     "The SQL backend cannot express this construct; the message says what to change."),
    ("SC0418", I, "{target}: index `{index}`: covering columns {columns} {action}",
     "InnoDB has no INCLUDE: covering columns become trailing key parts while the key stays within 16 "
     "parts and 3072 bytes (REL-I04); otherwise they are left out."),
    ("SC0419", I, "{target}: index `{index}`: the partial-index predicate on {columns} becomes key columns",
     "MySQL and MariaDB have no partial indexes: the constant predicate's columns lead the key instead, "
     "which serves the same queries at the cost of indexing every row (REL-I05)."),
)


def register_codes() -> None:
    for code, severity, template, explanation in CODES:
        register(code, severity, template, explanation)


register_codes()
