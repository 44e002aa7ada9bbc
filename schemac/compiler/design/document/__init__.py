"""The document family (MongoDB): its layout (layout.py) and planner (planner.py), registered in
`design.PLANNERS` under "document"."""
