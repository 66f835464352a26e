"""`guanxi token create|list|revoke`: personal API tokens from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError
from guanxi.core.system import SYSTEM
from guanxi.org import selectors, services
from guanxi.org.models import User


class Command(BaseCommand):
    help = "Create, list or revoke a user's personal API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a token and print its secret once")
        create.add_argument("--user", required=True, help="user name")
        create.add_argument("--name", default="cli", help="what the token is for")
        create.add_argument("--days", type=int, default=90, help="days until it expires; 0 for never")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("--user", required=True, help="user name")
        revoke = sub.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['verb']}")(options)
        except DomainError as exc:
            details = [m for messages in exc.errors.values() for m in messages]
            raise CommandError(" ".join([str(exc.message), *details]) if details else str(exc.message)) from None

    def _user(self, username: str) -> User:
        user = User.objects.filter(username__iexact=(username or "").strip()).first()
        if user is None:
            raise CommandError(_("There is no user named “%(name)s”.") % {"name": username})
        return user

    def _create(self, options) -> None:
        user = self._user(options["user"])
        days = options["days"] or None
        token, secret = services.token_create(actor=SYSTEM, user=user, name=options["name"], expires_in_days=days)
        expires = token.expires_at.date().isoformat() if token.expires_at else _("never")
        self.stderr.write(_("Token %(id)s “%(name)s” for %(user)s, expires %(expires)s. "
                            "The secret below is shown only this once:")
                          % {"id": token.pk, "name": token.name, "user": user.username, "expires": expires})
        self.stdout.write(secret)

    def _list(self, options) -> None:
        user = self._user(options["user"])
        tokens = list(selectors.token_list(actor=SYSTEM, user=user))
        if not tokens:
            self.stdout.write(_("%(user)s has no tokens.") % {"user": user.username})
            return
        for token in tokens:
            status = _("revoked") if token.revoked_at else _("active") if token.is_usable else _("expired")
            expires = token.expires_at.date().isoformat() if token.expires_at else _("never")
            used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "—"
            expires_label, used_label = _("expires"), _("last used")
            self.stdout.write(f"{token.pk}\t{token.prefix}…\t{token.name}\t{status}\t"
                              f"{expires_label} {expires}\t{used_label} {used}")

    def _revoke(self, options) -> None:
        try:
            token = selectors.token_get(actor=SYSTEM, id=options["id"])
        except DomainError:
            raise CommandError(_("There is no token with id %(id)s.") % {"id": options["id"]}) from None
        if token.revoked_at:
            self.stdout.write(_("Token %(id)s was revoked already.") % {"id": token.pk})
            return
        services.token_revoke(actor=SYSTEM, token=token)
        self.stdout.write(self.style.SUCCESS(_("Token %(id)s “%(name)s” of %(user)s is revoked.")
                                             % {"id": token.pk, "name": token.name, "user": token.user.username}))
