"""`guanxi pool-sweep`: the daily return of customers to their pools (公海自动回收), and owners' notices."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.customers.pool.sweep import BATCH_SIZE, pool_sweep


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“%(value)s” is not a date and time like 2026-01-31T02:00.") % {"value": value}) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Return customers past their pool's rules to the pool and put owners on notice before it happens."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=_moment, default=None,
                            help="run as of this time (ISO 8601; the server's time zone if none is given)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="customers per transaction")

    def handle(self, *args, **options):
        if options["batch_size"] < 1 or options["batch_size"] > 10_000:
            raise CommandError(_("The batch size must be between 1 and 10000."))
        result = pool_sweep(now=options["now"], batch_size=options["batch_size"])
        self.stdout.write(_("Returned to the pool: %(returned)d. On notice: %(warned)d (new: %(new)d). "
                            "Notices lifted: %(lifted)d.") % {"returned": result.returned, "warned": result.warned,
                                                             "new": result.newly_warned, "lifted": result.lifted})
