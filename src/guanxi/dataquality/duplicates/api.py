"""API of this app."""

from ninja import Router

router = Router(tags=["duplicates"])
