"""The toy target's migration advice."""

from __future__ import annotations

from schemac.backends.playbook import Operation, Phase, Playbook

PLAYBOOK = Playbook(
    name="ToyDB", session=(), session_why="toy containers never lock",
    online_index_label="add key",
    operations=(Operation("index", "Add a key", "nothing waits", "add it any time"),),
    phases=(Phase("expand", ("Add new members.",)), Phase("migrate", ("Copy {largest} in {batches} batches.",)),
            Phase("contract", ("Drop old members.",))),
)
