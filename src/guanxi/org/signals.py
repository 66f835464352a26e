"""Sign-ins and failed sign-ins are audit events; Django's auth signals are where they surface."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from guanxi.core import audit


@receiver(user_logged_in, dispatch_uid="guanxi_audit_login")
def audit_login(sender, request, user, **kwargs):
    audit.record(user, "auth.login", user)


@receiver(user_logged_out, dispatch_uid="guanxi_audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, "auth.logout", user)


@receiver(user_login_failed, dispatch_uid="guanxi_audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(None, "auth.login_failed", None, extra={"username": username}, object_repr=username)
