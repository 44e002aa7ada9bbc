"""The playbook the migration section uses: the target's own (each backend exports its `PLAYBOOK`, see
backends/playbook.py), else its family's. The document and key-value playbooks live here until those
backends exist and take them over.
"""

from __future__ import annotations

from schemac.backends.playbook import Operation, Phase, Playbook
from schemac.backends.postgres.playbooks import PLAYBOOK as RELATIONAL

__all__ = ["BATCH_SIZE", "FAMILY_PLAYBOOKS", "Operation", "Phase", "Playbook"]

BATCH_SIZE = 10_000

MONGODB = Playbook(
    name="MongoDB", session=(), session_why="index builds and validator changes do not block reads or writes",
    online_index_label="createIndex (hybrid build)",
    operations=(
        Operation("index", "Add an index", "builds hold an exclusive lock only at start and end",
                  "createIndex on the primary; watch replication lag; one build at a time on large "
                  "collections"),
        Operation("check", "Tighten a $jsonSchema validator", "existing documents that fail stay, "
                  "later updates to them fail", "collMod with validationLevel moderate, fix old documents, "
                  "then strict"),
    ),
    phases=(Phase("expand", ("Add new fields as optional; write both shapes.",)),
            Phase("migrate", ("Backfill in batches of {batch_size} documents: {largest} needs about {batches}.",)),
            Phase("contract", ("Stop writing the old shape; $unset it in batches.",))),
)

DYNAMODB = Playbook(
    name="DynamoDB", session=(), session_why="table changes are asynchronous and never lock items",
    online_index_label="UpdateTable (GSI backfill)",
    operations=(
        Operation("index", "Add a global secondary index", "the backfill consumes write capacity and the index "
                  "is not queryable until ACTIVE", "add one GSI at a time; provision backfill capacity"),
    ),
    phases=(Phase("expand", ("Write new attributes alongside the old ones.",)),
            Phase("migrate", ("Backfill with a parallel scan-and-update: {largest} needs about {batches} "
                              "batches of {batch_size} items.",)),
            Phase("contract", ("Stop writing the old attributes; remove them lazily on update.",))),
)

FAMILY_PLAYBOOKS: dict[str, Playbook] = {"relational": RELATIONAL, "document": MONGODB, "key_value": DYNAMODB}
