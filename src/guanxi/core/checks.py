"""`guanxi check`: besides Django's own checks, is this installation able to run?"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import connection


@register("guanxi")
def data_directory_writable(app_configs, **kwargs):
    if not os.access(settings.DATA_DIR, os.W_OK):
        return [Error(f"The data directory {settings.DATA_DIR} is not writable.", id="guanxi.E001",
                      hint="Set GUANXI_DATA_DIR to a directory the server's user can write.")]
    return []


@register("guanxi", deploy=True)
def database_reachable(app_configs, **kwargs):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means the same to an operator
        return [Error(f"The database cannot be reached: {exc}", id="guanxi.E002",
                      hint="Check GUANXI_DATABASE_URL.")]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
        if mode.lower() != "wal":
            return [Warning(f"SQLite journal mode is {mode}, not WAL.", id="guanxi.W001")]
    return []
