"""What a worker process of a big import runs: reading and validating chunks of rows (running.Preparer)
while the main process writes. Imports nothing from Django at module level: a fresh (spawned) process
unpickles these functions before Django is set up."""

from __future__ import annotations

import os
from typing import Any

_preparer: Any = None


def start(entity: str, mapping: list[str], custom: dict, language: str) -> None:
    """Runs first in each worker process."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.utils import translation

    from .registry import importable
    from .running import Preparer

    global _preparer
    translation.activate(language)
    found = importable(entity)
    if found is None:
        raise LookupError(entity)
    _preparer = Preparer(found, mapping, custom)


def prepare(rows: list) -> list[tuple]:
    """What running.PREPARED names of each row, in order."""
    from .running import PREPARED

    return [tuple(getattr(row, name) for name in PREPARED) for row in _preparer.prepare(rows)]
