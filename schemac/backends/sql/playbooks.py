"""The expand-migrate-contract phases every SQL target shares (each playbook fills in its own forms)."""

from __future__ import annotations

from schemac.backends.playbook import Phase

SQL_PHASES = (
    Phase("expand", (
        "Add new tables and nullable columns (or columns with a constant default); nothing reads them yet.",
        "Build new indexes online ({online}) before the code that needs them ships.",
        "Add new constraints without checking existing rows ({constraint_form}).",
        "Deploy code that writes both the old and the new shape (or a trigger that copies old to new).",
    )),
    Phase("migrate", (
        "Backfill in batches of {batch_size} rows by primary key, outside the DDL transaction, throttled: "
        "{largest} ({largest_rows} rows at the horizon) takes about {batches} batches.",
        "Validate what was added unchecked ({validate_form}).",
        "Switch reads to the new shape; watch errors and latency before going on.",
    )),
    Phase("contract", (
        "Stop writing the old shape, then drop its columns and indexes ({drop_form}).",
        "Make backfilled columns required ({not_null_form}).",
    )),
)
