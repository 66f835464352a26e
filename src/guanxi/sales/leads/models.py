"""Leads (线索): capture, assignment, the lead pool, and conversion into customers."""

from __future__ import annotations

from django.db import models  # noqa: F401
