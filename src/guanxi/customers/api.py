"""REST API operations of this app."""

from ninja import Router

router = Router()
