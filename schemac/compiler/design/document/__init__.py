"""The document family (MongoDB): its layout. The planner comes with the MongoDB target (issue 13); until it
is registered in `design.PLANNERS`, designing for this family is the SC0400 diagnostic."""
