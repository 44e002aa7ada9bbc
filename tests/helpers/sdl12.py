"""SDL 1.2 (§5.2) lint cases, shared by tests/test_lint.py (every rule: a triggering and a clean input, `//!`
marking the lines a finding must be on) and tests/test_sdl12_lint.py (the rules' finer behaviour)."""

from __future__ import annotations

ORDERS = ("entity Rep {\n  name string(100)\n}\n"
          "entity Order {\n  rep Rep\n  placed_at timestamp\n  total money\n  volume 2M\n}\n")
FEED = ("entity Customer {\n  name string(100)\n}\n"
        "entity Invoice {\n  customer Customer\n  volume {invoices}\n}\n"
        "entity Payment {\n  customer Customer\n  volume {payments}\n}\n"
        "query activity {\n  from Invoice | Payment  //{mark}\n  where customer = ?\n  order created_at desc\n"
        "  limit 50\n}\n")
LOANS = ("entity Loan {\n  title string(100)\n  returned_at timestamp?\n}\n"
         "query loans {\n  from Loan\n  where title = ?\n  select title{extra}\n}\n"
         "write return_loan {\n  update Loan (returned_at) by (id)  //{mark}\n}\n")
SESSIONS = ("entity Session @hard_delete {\n  token string(64)\n  expires_at timestamp @expires\n}\n"
            "entity Login {\n  session Session{attr}  //{mark}\n}\n")

# code -> (bad, good)
LINT_CASES: dict[str, tuple[str, str]] = {
    "SC0360": (ORDERS + "query rep_quarter {\n  from Order\n  where rep = ? and quarter(placed_at) = ?  //!\n"
                        "  select sum(total) as revenue\n}\n",
               ORDERS.replace("  volume 2M", "  index (rep, placed_at)\n  volume 2M")
               + "query rep_quarter {\n  from Order\n  where rep = ? and quarter(placed_at) = ?\n"
                 "  select sum(total) as revenue\n}\n"),
    "SC0361": (FEED.replace("{invoices}", "5M").replace("{payments}", "20k").replace("{mark}", "!"),
               FEED.replace("{invoices}", "5M").replace("{payments}", "1M").replace("  //{mark}", "")),
    "SC0362": (LOANS.replace("{extra}", "").replace("{mark}", "!"),
               LOANS.replace("{extra}", ", returned_at").replace("  //{mark}", "")),
    "SC0363": (SESSIONS.replace("{attr}", "").replace("{mark}", "!"),
               SESSIONS.replace("{attr}", " @owner").replace("  //{mark}", "")),
}
