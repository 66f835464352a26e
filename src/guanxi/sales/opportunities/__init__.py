"""Opportunities (商机): pipelines with stages, product lines, stage history, the kanban board."""
