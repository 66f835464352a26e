"""Leads (线索): capture, assignment, the lead pool, and conversion into customers."""
