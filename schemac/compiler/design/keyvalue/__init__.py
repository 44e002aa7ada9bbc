"""The key-value family (DynamoDB): its layout. The planner comes with the DynamoDB target (issue 14); until
it is registered in `design.PLANNERS`, designing for this family is the SC0400 diagnostic."""
