"""The many-to-many model the relation tests share: tickets tagged through `Tag[]`, a read through the
relation, and the writes that link and unlink (tests/test_m2m_design.py, tests/test_m2m_nosql_links.py)."""

from __future__ import annotations

TICKET_TAGS = """model m {
  tenant Org
}
entity Org { name text }
entity Tag {
  name string(20)
}
entity Ticket {
  subject text
  tags Tag[]
}
query ticket_tags {
  from Ticket
  where id = ?
  include tags (name)
}
write tag_ticket {
  insert TicketTags
}
write untag_ticket {
  delete TicketTags by (ticket, tag)
}
"""
