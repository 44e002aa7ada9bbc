"""Design rule ids of the document and key-value families and of the cost model: (id, title, explanation).

MongoDB (`MDB-*`), DynamoDB (`DDB-*`) and capacity and cost formulas (`COST-*`), told in schemac's words
from shared/reference/nosql-design-rules.md. `schemac.design_rules` merges them into `RULE_IDS`; the
relational rules and schemac's own are there. Pure data.
"""

from __future__ import annotations

NOSQL_RULES: tuple[tuple[str, str, str], ...] = (
    # -- MongoDB: embed or reference ----------------------------------------------------------------------
    ("MDB-E01", "Embed one-to-one and contained values",
     "A value that belongs to exactly one parent and is read with it, such as an address in a contact, is "
     "embedded as a subdocument rather than stored apart."),
    ("MDB-E02", "Embed one-to-few",
     "When a parent has at most a couple of hundred children that are shown with the parent and never read on "
     "their own, they are embedded as an array of subdocuments: one read and one atomic write."),
    ("MDB-E03", "Reference one-to-many",
     "When children number in the hundreds or thousands, or are read on their own, they live in their own "
     "collection, referenced by an array of ids in the parent (only while it stays small) or by a parent id in "
     "each child."),
    ("MDB-E04", "Reference unbounded children from the child",
     "When a parent can have an unbounded number of children (events, logs, comments), each child stores its "
     "parent's id and is indexed by (parent, sort); an array inside the parent would grow without bound "
     "towards the 16 MiB document limit and make every update slower."),
    ("MDB-E05", "Many-to-many by reference",
     "A many-to-many is an array of ids on the side that is bounded or read most; duplicating the other side's "
     "data is only for data that rarely changes."),
    ("MDB-E06", "Own collection for what is read on its own",
     "An entity that is often queried by itself gets its own collection, even when copies of it are also "
     "embedded elsewhere."),
    ("MDB-E07", "Copy by read/write ratio",
     "A field read far more often than it changes can be copied into the documents that show it (an extended "
     "reference); a field that changes often stays referenced."),
    ("MDB-E08", "Guard the worst-case document size",
     "Before embedding a child set, compute the largest document it can produce (fixed fields plus the most "
     "children times a child's size); refuse to embed when it can approach 16 MiB, and warn well before."),
    ("MDB-E09", "Embed what must change atomically",
     "A write to one document is atomic, so a parent and children that must change together are best "
     "embedded; otherwise they need a multi-document transaction."),
    ("MDB-E10", "Few $lookup stages on hot reads",
     "A hot read that needs several $lookup joins is a design smell; joins done by the application with good "
     "indexes and projections are acceptable."),
    # -- MongoDB: patterns ----------------------------------------------------------------------------------
    ("MDB-P01", "Extended reference",
     "On a hot many-to-one read (an order showing its customer), copy the few frequently read, rarely "
     "changing fields of the one side into the many side, and keep the reference id."),
    ("MDB-P02", "Subset pattern",
     "When a parent has many children but the common read shows only a few (the ten newest reviews), keep "
     "those few embedded in the parent and the full set in its own collection."),
    ("MDB-P03", "Computed pattern",
     "Derived values that are read often (totals, counts, averages) are computed when written, or on a "
     "schedule, and stored."),
    ("MDB-P04", "Bucket pattern, or a time series collection",
     "Streams of measurements are grouped by source and time window with count and sum fields; on MongoDB 5.0+ "
     "a time series collection does this instead (not both)."),
    ("MDB-P05", "Outlier pattern",
     "When most parents have a few children but some have a huge number, embed up to a cap, flag the overflow, "
     "and keep the rest in overflow documents."),
    ("MDB-P06", "Attribute pattern",
     "Many similar optional fields that are searched or sorted become an array of {k, v} pairs with one "
     "compound index on the key and the value."),
    ("MDB-P07", "Polymorphic pattern",
     "Entities of different shapes that are queried together share one collection with a type field, and the "
     "validator has one branch per type."),
    ("MDB-P08", "Schema versioning",
     "Documents carry a schema version and are migrated lazily when read or written."),
    ("MDB-P09", "Niche patterns",
     "Approximation (counters that tolerate error), tree and document-versioning patterns exist for their "
     "particular needs."),
    # -- MongoDB: indexes -----------------------------------------------------------------------------------
    ("MDB-I01", "Equality, sort, range in compound indexes",
     "Compound index keys list the equality fields first, then the sort fields in the query's direction, then "
     "the range fields; `$ne`, `$nin` and regular expressions count as ranges. The same order serves paginated "
     "SQL reads (REL-I02)."),
    ("MDB-I02", "Sorting on part of an index",
     "A sort can use index keys after the first only when the query fixes every key before them by equality; "
     "otherwise MongoDB sorts in memory, within a 100 MB limit."),
    ("MDB-I03", "Merge prefix indexes",
     "A non-unique index whose keys are a prefix of another is redundant; every index costs writes, and a "
     "collection holds at most 64."),
    ("MDB-I04", "No compound index over two arrays",
     "A compound index cannot cover two fields that are both arrays in one document; inserts that would need "
     "it fail once the index exists."),
    ("MDB-I05", "Partial indexes for sparse subsets",
     "A partialFilterExpression indexes only the documents that match it, with a limited set of operators "
     "(equality, `$exists: true`, comparisons, `$type`, `$and`); a query uses it only when its own filter "
     "implies the index's."),
    ("MDB-I06", "Unique and optional",
     "A plain unique index stores a missing field as null, so only one document could lack it; a unique "
     "optional field gets a partial index on documents that have the field."),
    ("MDB-I07", "Unique among live documents",
     "Under soft delete, a unique index is partial on `deletedAt: null` (which matches missing or null); "
     "`$exists: false` is not allowed in a partial filter."),
    ("MDB-I08", "TTL indexes",
     "Documents that expire get a TTL index on a date field; the server removes them about a minute or more "
     "after they expire."),
    ("MDB-I09", "Covered queries",
     "A query that returns only indexed fields (and leaves out `_id`) is answered from the index alone; an "
     "array field in a multikey index cannot be covered."),
    # -- MongoDB: validators ------------------------------------------------------------------------------
    ("MDB-V01", "The $jsonSchema keywords MongoDB accepts",
     "Validators use JSON Schema draft 4 plus `bsonType`; only the keywords MongoDB lists are accepted."),
    ("MDB-V02", "Nothing else in a validator",
     "`$ref`, `$schema`, `default`, `format`, the `integer` type and any keyword from later drafts (`const`, "
     "`$defs`, `propertyNames`, ...) are rejected; schemac inlines or translates them before emitting."),
    ("MDB-V03", "bsonType for BSON types",
     "Types are written with `bsonType` (`objectId`, `date`, `decimal`, `int`, `long`, ...), never "
     "`type: \"integer\"`."),
    ("MDB-V04", "Exclusive bounds are booleans",
     "In MongoDB's draft-4 validators `exclusiveMinimum` and `exclusiveMaximum` are true or false and modify "
     "`minimum` and `maximum`; they are not numbers."),
    ("MDB-V05", "additionalProperties needs _id",
     "A validator with `additionalProperties: false` must list `_id`, or every insert fails; a nullable field "
     "allows both null and its type."),
    ("MDB-V06", "Validation level and action",
     "`validationLevel` (strict, moderate, off) says which writes are checked; `validationAction` (error, warn) "
     "what happens to an invalid one."),
    ("MDB-V07", "Emitting and tightening validators",
     "Validators are set when a collection is created and changed with collMod; on a populated collection, "
     "tighten in steps (moderate and warn, fix the data, then strict and error)."),
    # -- MongoDB: what Relational Migrator does -------------------------------------------------------------
    ("MDB-M01", "Migrator default: a collection per table",
     "MongoDB's Relational Migrator starts with one collection per table, the same shape as the tables, and "
     "turns every foreign key into a reference."),
    ("MDB-M02", "Migrator recommended schema",
     "The user marks the main entities; the one-to-many relations of the other tables are embedded into them."),
    ("MDB-M03", "Migrator embedded array",
     "Each row of a child table becomes an element of an array in the parent document found through the "
     "foreign key."),
    ("MDB-M04", "Migrator embedded document",
     "The row on the one side of a foreign key is nested into the document that holds the key: an extended "
     "reference of the parent in the child."),
    ("MDB-M05", "Migrator type mapping",
     "Column types get default BSON types, and each nullable field is either stored as null or left out."),
    ("MDB-M06", "schemac's document mapping",
     "A link table without fields of its own becomes an array of references on its bounded side; a bounded "
     "child set with no patterns of its own is embedded; a small, rarely changing lookup table is copied into "
     "the documents that use it; everything else is its own collection with references."),
    # -- DynamoDB: access patterns ------------------------------------------------------------------------
    ("DDB-A01", "Every access pattern is a key operation, never a Scan",
     "Each pattern maps to GetItem (the full key), BatchGetItem, or a Query with equality on the partition key "
     "and at most one sort-key condition. A Scan reads the whole table and filters afterwards; a pattern that "
     "cannot be mapped gets an index or a diagnostic."),
    ("DDB-A02", "Filters only on small item collections",
     "A filter expression runs after the read: it does not lower the capacity consumed and the 1 MB page limit "
     "applies before it. Extra predicates are filters only when the key already narrows the read to a few "
     "items; otherwise they become part of a key."),
    ("DDB-A03", "A declared order is a sort key",
     "DynamoDB returns a Query's items only in sort-key order (forwards or backwards), so a pattern's order "
     "must be the sort key of the table or index that serves it."),
    ("DDB-A04", "Paginate results that can be large",
     "A Query returns at most 1 MB per call; a pattern whose result can be larger, or is unbounded, reads page "
     "by page with a declared page size and the last evaluated key."),
    ("DDB-A05", "One range condition per key",
     "A key condition compares the sort key once; a second range goes into a composite sort key or a second "
     "index."),
    ("DDB-A06", "Maintained aggregate items",
     "Counts, sums and top-N lists over many items are kept in an aggregate item, updated in the write's "
     "transaction or from the stream, and read through an index."),
    ("DDB-A07", "Strong reads from the table or an LSI",
     "Global secondary indexes are eventually consistent; a pattern that needs strongly consistent reads is "
     "served by the table or a local secondary index."),
    # -- DynamoDB: keys and item collections --------------------------------------------------------------
    ("DDB-K01", "Generic key names and type prefixes",
     "Tables that hold several entity types use generic key attributes (PK, SK, GSI1PK, ...) and prefix values "
     "with the type (`USER#<id>`), so keys of different types never collide."),
    ("DDB-K02", "Partition keys with many evenly used values",
     "A partition key needs many values with evenly spread traffic (a user or device id), not a status or a "
     "day."),
    ("DDB-K03", "Hierarchies in a composite sort key",
     "A hierarchy queried at several levels becomes a sort key `A#B#C` read with begins_with at each level."),
    ("DDB-K04", "Composite keys that sort correctly",
     "String keys sort by bytes: numbers in them are zero-padded, timestamps are ISO 8601 in UTC, and ids that "
     "must sort by creation are time-ordered (UUIDv7, ULID)."),
    ("DDB-K05", "Key length limits",
     "A partition key value holds at most 2048 bytes and a sort key value 1024; key templates are checked "
     "against these limits."),
    ("DDB-K06", "Changing a key is a delete and a put",
     "UpdateItem cannot change a key attribute; moving an item (re-parenting) deletes and re-creates it in one "
     "transaction."),
    ("DDB-K07", "Latest version plus history",
     "The current version is kept under a `v0_` sort key and revisions under `v1_`, `v2_`, ..., so the latest "
     "is one read."),
    ("DDB-K08", "Parent and children in one item collection",
     "When a parent is read with its children, they share the partition key and the children sort under a "
     "prefix, so one Query returns both, at lower cost than two calls."),
    # -- DynamoDB: relationships --------------------------------------------------------------------------
    ("DDB-R01", "Children as an attribute of the parent",
     "Children that are never queried by their own values and stay well under the 400 KB item limit can be a "
     "list or map attribute of the parent."),
    ("DDB-R02", "Copy parent data onto children",
     "Parent fields needed with each child, if they rarely change, are copied onto the child items."),
    ("DDB-R03", "Composite key and Query",
     "Parent and children fetched together by the parent's id share its partition key (DDB-K08)."),
    ("DDB-R04", "Secondary index and Query",
     "When a child is also read by its own id, parent and children share a secondary index key instead."),
    ("DDB-R05", "Hierarchical sort key",
     "A one-to-many over several levels uses a composite sort key (DDB-K03)."),
    ("DDB-R06", "Adjacency list for many-to-many",
     "Each edge is an item in the source's partition (`A#id`, `B#id`, with the edge's own attributes), and an "
     "inverted index serves the other direction."),
    ("DDB-R07", "Copy rarely changing target fields onto edges",
     "When a list of edges must show fields of their targets, only rarely changing fields are copied, and "
     "kept up to date by a transaction or the stream."),
    # -- DynamoDB: secondary indexes ----------------------------------------------------------------------
    ("DDB-I01", "Global indexes by default",
     "Secondary indexes are global unless a pattern needs strong consistency on another sort key and the "
     "item collection provably stays under 10 GB; local indexes exist only from table creation."),
    ("DDB-I02", "Overloaded global indexes",
     "Several entity types share generic global indexes (GSI1PK/GSI1SK, ...) instead of one index per "
     "attribute, within the 20-index default."),
    ("DDB-I03", "Sparse indexes for small subsets",
     "An item is in an index only when it has the index's key attributes; writing them only on the items a "
     "pattern wants (open orders) keeps the index small and cheap."),
    ("DDB-I04", "Projections",
     "An index projects keys only, the attributes the patterns return, or whole items; ALL roughly doubles "
     "storage and write cost. A global index cannot fetch attributes it did not project."),
    ("DDB-I05", "Hot global index keys",
     "A global index partition has the same throughput limits as a table partition, and a throttled index "
     "throttles writes to the table; hot index keys are sharded like table keys."),
    ("DDB-I06", "Index keys are not unique",
     "Values of a secondary index key need not be unique; uniqueness cannot come from an index."),
    ("DDB-I07", "Multi-attribute index keys",
     "Newer APIs accept up to four partition and four sort attributes per global index; synthetic "
     "concatenated keys remain the portable default."),
    # -- DynamoDB: hot keys ---------------------------------------------------------------------------------
    ("DDB-H01", "Per-key throughput check",
     "Each key's peak writes and reads, in capacity units, are compared with a partition's limits (1,000 write "
     "and 3,000 read units per second) with headroom, for the table and every index."),
    ("DDB-H02", "Write sharding",
     "A key over the limit is spread over S suffixes (`key.1` to `key.S`); a suffix computed from another "
     "attribute keeps single-item reads possible, a random one makes reads query every shard."),
    ("DDB-H03", "Sharded index for global queries",
     "\"Every item in state X in a time range\" across the table reads a global index keyed by a small shard "
     "number and a `state#time` sort key, with one query per shard."),
    ("DDB-H04", "No increasing value as the only partition key",
     "A timestamp or a day as the sole partition key of a write-heavy pattern puts all current writes on one "
     "key."),
    ("DDB-H05", "Interleave bulk loads",
     "Bulk loads sorted by partition key are interleaved across keys instead of writing one key's items in a "
     "row."),
    # -- DynamoDB: time series, expiry, large items, streams ------------------------------------------------
    ("DDB-T01", "One table per period for hot time series",
     "A high-volume time series that is written and read mostly in the current period gets a table per "
     "period: the next one created ahead, old ones turned down to minimal capacity and later archived."),
    ("DDB-T02", "Expiry with TTL",
     "Items that expire carry a TTL attribute (epoch seconds); deletion can lag by days, so reads that must not "
     "see expired items filter them."),
    ("DDB-T03", "Items over 400 KB",
     "An item that can exceed 400 KB is compressed, split into several items under one partition key, or "
     "stored in S3 with a pointer."),
    ("DDB-T04", "Keeping copies in step",
     "Copied fields and aggregates follow their source through the stream (idempotent consumers) or, for "
     "fan-outs of at most 100 items, a transaction."),
    # -- DynamoDB: uniqueness and transactions ----------------------------------------------------------------
    ("DDB-U01", "Unique values with guard items",
     "Only the primary key is unique; a unique non-key value gets a marker item written in the same "
     "transaction as the entity, guarded by attribute_not_exists."),
    ("DDB-U02", "Transaction limits",
     "A transaction touches at most 100 distinct items and 4 MB, each item once, and costs two write units per "
     "item."),
    # -- DynamoDB: CreateTable -----------------------------------------------------------------------------
    ("DDB-X01", "Attribute definitions match the keys exactly",
     "CreateTable rejects attribute definitions that are not used by a key of the table or an index, and "
     "keys whose attributes are not defined."),
    ("DDB-X02", "Key schema order",
     "A key schema is one HASH element, or HASH then RANGE; a local index's HASH is the table's partition key."),
    ("DDB-X03", "Billing mode and throughput go together",
     "On-demand tables take no provisioned throughput; provisioned tables need it on the table and every "
     "global index."),
    ("DDB-X04", "No empty index lists",
     "Index lists are left out when empty rather than sent as []."),
    ("DDB-X05", "Every index has a projection",
     "Each index declares its projection; NonKeyAttributes only with INCLUDE (up to 20 per index, 100 in "
     "all)."),
    ("DDB-X06", "On-demand by default",
     "Unknown or spiky load is billed on demand; provisioned capacity only when declared rates are steady and "
     "the cost model says it is cheaper."),
    ("DDB-X07", "Creation order and follow-up calls",
     "Tables with secondary indexes are created one at a time; TTL is switched on by a separate call after "
     "creation; the stream view type is chosen once."),
    # -- cost and capacity ----------------------------------------------------------------------------------
    ("COST-01", "DynamoDB capacity per pattern",
     "Reads cost one unit per 4 KB read (half for eventual, double in a transaction); writes one unit per KB, "
     "plus the writes to every index the item is in; multiplied by the pattern's rate."),
    ("COST-02", "DynamoDB storage",
     "Items plus 100 bytes of overhead each, plus every index's entries (an ALL projection about doubles it)."),
    ("COST-03", "On-demand or provisioned",
     "From configurable unit prices: on demand costs about 3.5 times a fully used provisioned unit, so "
     "provisioned pays off only above roughly 30% average utilisation."),
    ("COST-04", "Hot-key shards",
     "The number of shards is the key's peak units divided by the partition limit times the headroom "
     "(DDB-H01)."),
    ("COST-05", "Local index item collections",
     "With a local index, the items of one partition key and their index entries must stay under 10 GB, with "
     "headroom."),
    ("COST-06", "MongoDB document size and index budget",
     "Worst-case document sizes follow MDB-E08; a collection should have no more indexes than it has distinct "
     "query shapes, and never more than 64."),
)
