"""Statuses of an import and what its rows do when they match existing records."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("import status", "Not started")
    QUEUED = "queued", pgettext_lazy("import status", "Queued")
    RUNNING = "running", pgettext_lazy("import status", "Running")
    DONE = "done", pgettext_lazy("import status", "Done")
    FAILED = "failed", pgettext_lazy("import status", "Failed")


class DuplicateMode(models.TextChoices):
    """What a row does when it matches a record already in the CRM (or an earlier row of the file)."""

    SKIP = "skip", _("Skip the row")
    UPDATE = "update", _("Update the existing record")
    CREATE = "create", _("Create a new record anyway")


class RowAction(models.TextChoices):
    """What became of one row."""

    CREATE = "create", pgettext_lazy("import row", "Create")
    UPDATE = "update", pgettext_lazy("import row", "Update")
    SKIP = "skip", pgettext_lazy("import row", "Skip")
    FAIL = "fail", pgettext_lazy("import row", "Error")
