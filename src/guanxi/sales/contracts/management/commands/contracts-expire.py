"""`guanxi contracts-expire`: mark active contracts past their end date as expired (run it nightly)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.sales.contracts.services import contract_expire_due


class Command(BaseCommand):
    help = "Mark active contracts whose end date has passed as expired; each change is audited."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to expire against, YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(_("Enter a date as YYYY-MM-DD.")) from None
        count = contract_expire_due(today=today)
        self.stdout.write(ngettext("%(n)d contract expired.", "%(n)d contracts expired.", count) % {"n": count})
