"""Sales targets (业绩目标) per user and department, and progress against them."""

from __future__ import annotations

from django.db import models  # noqa: F401
