"""MongoDB's online-migration playbook: which change blocks what, and the safe form to use instead."""

from __future__ import annotations

from schemac.backends.playbook import Operation, Phase, Playbook

PLAYBOOK = Playbook(
    name="MongoDB",
    session=(),
    session_why="mongosh commands take no session settings; index builds yield to reads and writes (4.2+)",
    online_index_label="createIndexes (optimized build, 4.2+)",
    operations=(
        Operation("index", "Add an index",
                  "the build holds an exclusive lock only at its start and end, but reads the whole collection",
                  "createIndexes on a replica set builds on all members at once (4.4+); run it off-peak and "
                  "watch the build with $currentOp",
                  'db.getCollection("{table}").createIndexes([{{key: {{{columns}}}, name: "{name}"{where}{ttl}}}]);'),
        Operation("unique", "Add a unique index",
                  "the build fails at the end when existing documents collide",
                  "find duplicates first with an aggregate ($group by the key, count > 1), fix them, then build",
                  'db.getCollection("{table}").createIndexes('
                  '[{{key: {{{columns}}}, name: "{name}", unique: true{where}{ttl}}}]);'),
        Operation("check", "Tighten a validator",
                  "collMod with validationLevel strict refuses updates of documents that no longer pass",
                  "collMod with validationLevel moderate, fix the existing documents, then strict (MDB-V07)",
                  'db.runCommand({{collMod: "{table}", validationLevel: "moderate"}});'),
        Operation("drop_index", "Drop an index", "queries that used it fall back to another index or a scan",
                  "hide it first (collMod hidden: true), watch the slow log, then drop it",
                  'db.runCommand({{collMod: "{table}", index: {{name: "{name}", hidden: true}}}});'),
    ),
    phases=(
        Phase("expand", ("add the new fields and indexes; writers write both shapes",)),
        Phase("migrate", ("backfill {largest} ({largest_rows} documents) in batches of {batch_size} by _id",)),
        Phase("contract", ("stop writing the old shape; $unset the old fields; tighten the validator",)),
    ),
    forms={"online": "createIndexes", "constraint_form": "collMod validator (moderate)",
           "validate_form": "collMod validationLevel strict", "drop_form": "hide, then dropIndex",
           "not_null_form": "required in the $jsonSchema, moderate first"},
    where_form=", partialFilterExpression: {where}",
    ttl_form=", expireAfterSeconds: {seconds}",
)
