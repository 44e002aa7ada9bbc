"""SDL 1.2 (§5.2) diagnostic cases: every SC0216-SC0229 code, tested by tests/test_sdl12_diagnostics.py and
counted by tests/test_diagnostics.py (every front-end code has a case)."""

from __future__ import annotations

BASE = """entity Customer {
  email  email
}
entity Order {
  customer   Customer
  placed_at  timestamp
  status     string(20)
  total      money
  lines      int = count(Line)
}
entity Line {
  order  Order @owner
  qty    int
}
entity Invoice {
  customer  Customer
  status    enum(open, paid)
}
"""
# BASE has 18 lines: a case's own text starts on line 19.

# code -> (text after BASE, line, col, end col, a substring of the message, a substring of the fix)
CASES: dict[str, tuple[str, int, int, int, str, str]] = {
    "SC0216": ("entity Token {\n  expires_on  string(10) @expires\n}\n", 20, 26, 34,
               "`@expires` on `Token.expires_on` needs a date or timestamp field, but it is string",
               "date or timestamp"),
    "SC0217": ("entity Token {\n  a  timestamp @expires\n  b  date @expires\n}\n", 21, 11, 19,
               "`Token` marks a second field `@expires` (`b`; the first is `a`)", "keep `@expires` on `a`"),
    "SC0218": ("query q {\n  from Order\n  where quarter(status) = ?\n}\n", 21, 17, 23,
               "`quarter(status)` needs a date or timestamp field, but `Order.status` is string",
               "date or timestamp"),
    "SC0219": ("query q {\n  from Order\n  where quater(placed_at) = ?\n}\n", 21, 9, 15,
               "`quater` is not a time bucket; did you mean `quarter`?", "quarter(...)"),
    "SC0220": ("query q {\n  from Order\n  where month(placed_at) > ?\n}\n", 21, 9, 29,
               "`month(placed_at)` is compared with `= ?` or `between ? and ?`, not `>`", "between ? and ?"),
    "SC0221": ("query q {\n  from Order | Invoice | Order\n  where customer = ?\n}\n", 20, 26, 31,
               "`Order` is listed twice in `from`", "list `Order` once"),
    "SC0222": ("query q {\n  from Order | Invoice\n  where customer = ?\n  order placed_at desc\n}\n", 22, 9, 18,
               "`placed_at` is not a field of `Invoice`, which this `from` lists", "drop Invoice from `from`"),
    "SC0223": ("query q {\n  from Order | Invoice\n  where customer = ? and status = ?\n}\n", 21, 26, 32,
               "`status` is enum(open, paid) in `Invoice` but string in `Order`", "one type"),
    "SC0224": ("write w {\n  update Order (total, id) by (id)\n}\n", 20, 24, 26,
               "`update Order (id)`: `id` is the primary key and is never changed", "remove `id`"),
    "SC0225": ("write w {\n  update Order (lines) by (id)\n}\n", 20, 17, 22,
               "`update Order (lines)`: `lines` is maintained by schemac (count(Line) kept by the target)",
               "write the Line rows"),
    "SC0226": ("write w {\n  update Order (total, updated_at) by (id)\n}\n", 20, 24, 34,
               "`update Order (updated_at)`: `updated_at` is set by schemac (moved on every change)",
               "remove `updated_at`"),
    "SC0227": ("write w {\n  update Order (total, status, total) by (id)\n}\n", 20, 32, 37,
               "`update Order (...)`: `total` is listed twice", "list `total` once"),
    "SC0228": ("write w {\n  insert Order (total)\n}\n", 20, 17, 22,
               "`insert Order (total)`: only update and upsert take a field list", "update Order (total)"),
    "SC0229": ("entity Stock {\n  sku  string(20)\n  qty  int\n  note  text\n  unique (sku)\n}\n"
               "write w {\n  upsert Stock (qty) by (sku)\n}\n", 26, 17, 20,
               "`upsert Stock (qty)` would insert a row without `note`, which is required and has no default",
               "list `note`"),
}
