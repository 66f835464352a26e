"""`guanxi setup` and `guanxi token`: the first administrator and API tokens from the command line."""

import getpass
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guanxi.core.models import AuditEvent
from guanxi.org import services
from guanxi.org.models import ApiToken, User

pytestmark = pytest.mark.django_db


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# -- setup --


def test_setup_creates_the_first_administrator(db):
    out, _err = run("setup", "--username", "admin", "--password", "Guan-Li-Yuan-2026", "--email", "it@example.cn",
                    "--no-input")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.email == "it@example.cn"
    assert admin.check_password("Guan-Li-Yuan-2026")
    assert "admin" in out
    assert AuditEvent.objects.get(action="user.created").actor is None  # the system did it


def test_setup_reads_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("GUANXI_ADMIN_PASSWORD", "Huan-Jing-Bian-Liang-1")
    run("setup", "--username", "ops", "--no-input")
    assert User.objects.get(username="ops").check_password("Huan-Jing-Bian-Liang-1")


def test_setup_refuses_politely_when_the_user_exists(company):
    out, _err = run("setup", "--username", "ROOT", "--password", "Another-Pass-2026", "--no-input")
    assert "exists" in out or "已存在" in out
    assert User.objects.filter(username__iexact="root").count() == 1
    assert not User.objects.get(username="root").check_password("Another-Pass-2026")


@pytest.mark.parametrize(("args", "needle"), [
    (["--username", "admin", "--password", "123", "--no-input"], "password"),
    (["--username", "bad name!", "--password", "Guan-Li-Yuan-2026", "--no-input"], "username"),
    (["--username", "admin", "--password", "Guan-Li-Yuan-2026", "--email", "not-mail", "--no-input"], "email"),
    (["--username", "admin", "--no-input"], "GUANXI_ADMIN_PASSWORD"),
    (["--no-input"], "--username"),
])
def test_setup_bad_input_fails_clearly_and_creates_nothing(db, monkeypatch, args, needle):
    monkeypatch.delenv("GUANXI_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError) as exc:
        run("setup", *args)
    assert needle in str(exc.value)
    assert not User.objects.exists()


def test_setup_asks_interactively(db, monkeypatch):
    monkeypatch.delenv("GUANXI_ADMIN_PASSWORD", raising=False)
    answers = iter(["boss", "boss@example.cn", "老板"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    passwords = iter(["short", "short", "Lao-Ban-Mi-Ma-2026", "Lao-Ban-Mi-Ma-2026"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(passwords))
    _out, err = run("setup")
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.display_name == "老板" and boss.check_password("Lao-Ban-Mi-Ma-2026")
    assert "password" in err.lower() or "密码" in err  # the too-short one was explained, then asked again


def test_setup_without_input_available_fails_clearly(db, monkeypatch):
    monkeypatch.delenv("GUANXI_ADMIN_PASSWORD", raising=False)

    def closed(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", closed)
    with pytest.raises(CommandError):
        run("setup")
    assert not User.objects.exists()


# -- token --


def test_token_create_prints_the_secret_once_and_it_works(company):
    out, err = run("token", "create", "--user", "alice", "--name", "ERP", "--days", "7")
    secret = out.strip()
    assert secret.startswith("gx_")
    assert services.token_authenticate(secret) == company.alice
    token = ApiToken.objects.get(user=company.alice)
    assert token.name == "ERP" and token.expires_at is not None
    assert str(token.pk) in err
    listing, _err = run("token", "list", "--user", "alice")
    assert "ERP" in listing and token.prefix in listing and secret not in listing


def test_token_without_expiry(company):
    run("token", "create", "--user", "alice", "--days", "0")
    assert ApiToken.objects.get(user=company.alice).expires_at is None


def test_token_revoke(company):
    token, secret = services.token_create(actor=company.alice, user=company.alice, name="脚本")
    out, _err = run("token", "revoke", str(token.pk))
    assert services.token_authenticate(secret) is None
    assert str(token.pk) in out
    again, _err = run("token", "revoke", str(token.pk))
    assert "already" in again or "已" in again
    assert "revoked" in run("token", "list", "--user", "alice")[0] or "已吊销" in run("token", "list", "--user",
                                                                                      "alice")[0]


@pytest.mark.parametrize("args", [
    ["create", "--user", "nobody"], ["list", "--user", "nobody"], ["revoke", "999999"],
    ["create", "--user", "alice", "--days", "-5"], ["create", "--user", "alice", "--name", "   "],
])
def test_token_bad_input_fails_clearly(company, args):
    with pytest.raises(CommandError):
        run("token", *args)
    assert not ApiToken.objects.exists()


def test_token_for_a_deactivated_user_is_refused(company):
    services.user_deactivate(actor=company.root, user=company.bob)
    with pytest.raises(CommandError):
        run("token", "create", "--user", "bob")
