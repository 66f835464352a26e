"""Where the duplicate scan reads customers and contacts, and how it shows them.

They live in the customers app, which sits above this one, so that app hands its reader over at
start-up (`register_record_source`, from `guanxi/customers/duplicate_records.py`); the scan and the
review pages reach it as `records.<name>`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

_source: ModuleType | None = None


def register_record_source(module: ModuleType) -> None:
    global _source
    _source = module


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)  # the import machinery asks for __path__ and the like
    if _source is None:
        raise LookupError("no record source registered for the duplicate scan")
    return getattr(_source, name)
