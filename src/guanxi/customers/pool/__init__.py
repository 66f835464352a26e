"""The customer pool (公海): pools and their rules, claiming, returning, assigning and the daily return sweep.

Models live in `customers.models` (CustomerPool, PoolRule, OwnershipEvent); this package holds the
reads (`selectors`), writes (`services`), the sweep (`sweep`) and who belongs to which pool (`membership`).
"""
