"""`guanxi demo`: fill an empty database with a realistic Chinese demo company."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from guanxi.demo import loader
from guanxi.demo.company import DEMO_PASSWORD, PEOPLE
from guanxi.org.models import User


class Command(BaseCommand):
    help = _("Create a demo company: departments, roles, users, customers, contacts and follow-ups.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=2000, help=_("How many customers (default 2000)."))
        parser.add_argument("--follow-ups", type=float, default=3.0,
                            help=_("Average follow-ups per customer, 1 to 5 (default 3)."))
        parser.add_argument("--seed", type=int, default=2026, help=_("Random seed; the same seed gives the same data."))
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help=_("Processes making records for big runs (default: one per CPU)."))
        parser.add_argument("--if-empty", action="store_true",
                            help=_("Do nothing when the database already has users or customers."))
        parser.add_argument("--add-sales", action="store_true",
                            help=_("Add opportunities, quotes, contracts, leads and a customer pool to a demo "
                                   "database that has none yet."))

    def handle(self, *args, **options) -> None:
        customers, follow_ups = options["customers"], options["follow_ups"]
        if not 0 <= customers <= 10_000_000:
            raise CommandError(_("--customers must be between 0 and 10000000."))
        if not 1 <= follow_ups <= 5:
            raise CommandError(_("--follow-ups must be between 1 and 5."))
        if not loader.is_empty() and not options["add_sales"]:
            if options["if_empty"]:
                self.stdout.write(_("The database already has data; no demo data was added."))
                if User.objects.filter(username__in=[p[0] for p in PEOPLE], is_active=True).exists():
                    self._print_logins()
                return
            raise CommandError(_("The database already has data. The demo needs an empty database "
                                 "(or run with --if-empty to skip quietly)."))
        started = time.monotonic()
        verbose = options["verbosity"] > 0
        if options["add_sales"]:
            self._add_sales(options["seed"], started)
            return

        def progress(done: int, total: int) -> None:
            if verbose and (done == total or done % 50_000 < 2000):
                self.stdout.write(_("%(done)d of %(total)d customers…") % {"done": done, "total": total})

        summary = loader.seed(customers=customers, follow_ups=follow_ups, seed=options["seed"],
                              workers=max(1, options["workers"]), progress=progress)
        self.stdout.write(self.style.SUCCESS(
            _("Demo company created in %(s).1f s: %(c)d customers, %(p)d contacts, %(f)d follow-ups.")
            % {"s": time.monotonic() - started, "c": summary.customers, "p": summary.contacts,
               "f": summary.follow_ups}
        ))
        if summary.sales is not None:
            self._sales_line(summary.sales)
        self._print_logins()

    def _add_sales(self, seed: int, started: float) -> None:
        sales = loader.add_sales(seed=seed)
        if sales is None:
            self.stdout.write(_("The database already has opportunities; no sales data was added."))
            return
        self.stdout.write(self.style.SUCCESS(_("Sales data added in %(s).1f s.") % {"s": time.monotonic() - started}))
        self._sales_line(sales)

    def _sales_line(self, sales) -> None:
        self.stdout.write(
            _("%(o)d opportunities, %(q)d quotes, %(c)d contracts, %(p)d payments, %(l)d leads, "
              "%(pool)d customers in the pool.")
            % {"o": sales.opportunities, "q": sales.quotes, "c": sales.contracts, "p": sales.payments,
               "l": sales.leads, "pool": sales.pooled})

    def _print_logins(self) -> None:
        """The demo logins, also on later runs of `make run`, so nobody has to look them up."""
        self.stdout.write("")
        self.stdout.write(_("Sign in with any of these logins; the password is %(p)s") % {"p": DEMO_PASSWORD})
        for login, name, department, role, _manager, _share in PEOPLE:
            self.stdout.write(f"  {login:<10} {name}  {department} · {role}")
        host = os.environ.get("GUANXI_HOST", "127.0.0.1")
        port = os.environ.get("GUANXI_PORT", "8000")
        self.stdout.write("")
        self.stdout.write(_("Open http://%(host)s:%(port)s/ once `guanxi serve` runs.") % {"host": host, "port": port})
