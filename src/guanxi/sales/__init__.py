"""Sales (销售): leads, opportunities and pipelines, products, quotes, contracts and receivables, targets.

Each area is its own Django app with its own tables and migrations; they depend on customers,
activities and automation, never the other way round.
"""
