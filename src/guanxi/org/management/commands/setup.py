"""`guanxi setup`: create the first administrator, asking for what is not given."""

from __future__ import annotations

import getpass
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError
from guanxi.core.system import SYSTEM
from guanxi.org import services
from guanxi.org.models import User


class Command(BaseCommand):
    help = "Create the first administrator (superuser). Prompts unless --no-input is given."

    def add_arguments(self, parser):
        parser.add_argument("--username", help="user name of the administrator")
        parser.add_argument("--email", default=None, help="email address")
        parser.add_argument("--name", default=None, help="display name")
        parser.add_argument("--password", default=None,
                            help="password (prefer the GUANXI_ADMIN_PASSWORD environment variable)")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive",
                            help="never prompt; fail if something is missing")

    def handle(self, *args, **options):
        interactive = options["interactive"] and not (options["username"] and self._password(options))
        username = options["username"] or (self._ask(_("User name"), "admin") if interactive else "")
        if not username:
            raise CommandError(_("Give --username (or run without --no-input to be asked)."))
        if User.objects.filter(username__iexact=username.strip()).exists():
            self.stdout.write(self.style.WARNING(
                _("A user named “%(name)s” exists already; nothing was changed.") % {"name": username.strip()}))
            return
        email = options["email"] if options["email"] is not None else (
            self._ask(_("Email (optional)"), "") if interactive else "")
        name = options["name"] if options["name"] is not None else (
            self._ask(_("Name (optional)"), "") if interactive else "")
        password = self._password(options)
        attempts = 0
        while True:
            if not password:
                if not interactive:
                    raise CommandError(_("Give the password in GUANXI_ADMIN_PASSWORD or --password."))
                password = self._ask_password()
            try:
                user = services.user_create(actor=SYSTEM, username=username, password=password, email=email or "",
                                            display_name=name or "", is_superuser=True)
            except DomainError as exc:
                problems = [f"{field}: {m}" if field != "__all__" else m
                            for field, messages in exc.errors.items() for m in messages] or [str(exc.message)]
                attempts += 1
                if interactive and set(exc.errors) == {"password"} and attempts < 3:
                    for problem in problems:
                        self.stderr.write(problem)
                    password = ""
                    continue
                raise CommandError("\n".join(problems)) from None
            break
        self.stdout.write(self.style.SUCCESS(
            _("Administrator “%(name)s” was created. Sign in at /login/.") % {"name": user.username}))

    @staticmethod
    def _password(options) -> str:
        return options["password"] or os.environ.get("GUANXI_ADMIN_PASSWORD", "")

    def _ask(self, label: str, default: str) -> str:
        prompt = f"{label} [{default}]: " if default else f"{label}: "
        try:
            answer = input(prompt).strip()
        except EOFError:
            raise CommandError(_("No answer on standard input; give --username and the password instead.")) from None
        return answer or default

    def _ask_password(self) -> str:
        while True:
            try:
                first = getpass.getpass(_("Password: "))
                second = getpass.getpass(_("Password (again): "))
            except EOFError:
                raise CommandError(_("Give the password in GUANXI_ADMIN_PASSWORD or --password.")) from None
            if first and first == second:
                return first
            self.stderr.write(_("The passwords were empty or differ; try again."))
