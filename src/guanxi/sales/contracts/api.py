"""REST API of this app: the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Router

router = Router()
