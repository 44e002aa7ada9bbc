"""What a target can express: the flags and limits the design stage reads (and a backend's dialect derives
its limits from). A module of its own, so that reading a backend's capabilities loads no design stage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Capabilities(BaseModel):
    """What a target can express. Data, read by the design stage: no `if target == ...` outside backends.
    Unknown keys are an error (a misspelt or retired flag must not be dropped silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: Literal["relational", "document", "key_value"]
    partial_indexes: bool = False
    include_columns: bool = False  # INCLUDE (...) covering columns
    descending_indexes: bool = True
    row_level_security: bool = False
    foreign_keys: bool = True
    triggers: bool = True
    json_aggregation: bool = False  # json_agg / JSON_ARRAYAGG for one-to-many includes
    full_text: bool = True
    transactions: bool = True
    max_identifier: int = 63
    identifier_in_bytes: bool = True  # the limit counts UTF-8 bytes (PostgreSQL), else characters (MySQL)
    max_index_columns: int = 32
    max_key_bytes: int | None = None
    # `ON DELETE SET NULL (col)`: null only some columns of a composite foreign key (PostgreSQL 15+)
    fk_set_null_columns: bool = False
    # a full-text match can use its index under row-level security (PostgreSQL's `@@` is not LEAKPROOF, so
    # the policy's filter runs first and the full-text index is not used: SC0420)
    fulltext_under_rls: bool = True
    updated_at_by_column: bool = False  # `ON UPDATE CURRENT_TIMESTAMP` instead of a trigger
    # text compares case- and accent-insensitively by default (MySQL's utf8mb4_unicode_ci); PostgreSQL's
    # default collation is deterministic, and its emails get a case-insensitive ICU collation
    case_insensitive_text: bool = False
    # AFTER ... FOR EACH STATEMENT triggers that see the statement's rows (transition tables, PostgreSQL 10+)
    statement_triggers: bool = False
    # rows changed by ON DELETE CASCADE / SET NULL fire their table's triggers (not on InnoDB)
    fk_actions_fire_triggers: bool = True
    # CREATE STATISTICS: the planner can be told that columns are correlated (PostgreSQL 10+)
    extended_statistics: bool = False
    # a partitioned table may have foreign keys, from and to it (PostgreSQL 12+; not InnoDB)
    partition_foreign_keys: bool = True
    # an update that changes no indexed column can stay on its heap page without new index entries
    # (PostgreSQL's heap-only tuples); InnoDB updates secondary indexes only for changed columns anyway
    hot_updates: bool = False
    # an auto-increment column must be the first column of some index (InnoDB)
    identity_leads_index: bool = False
    # the primary key is the clustered index and every secondary index stores it (InnoDB, REL-K04)
    clustered_primary_key: bool = False
