"""Sign-in security: passwords, lockout, two-factor sign-in, sign-out, password change, audit."""

import importlib
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.core.models import AuditEvent
from guanxi.core.testing import PASSWORD
from guanxi.org import services
from guanxi.org.views.auth import PENDING_KEY

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
VERIFY = "/login/verify/"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def signed_in_as(client: Client):
    return client.session.get("_auth_user_id")


# -- password sign-in and audit --


def test_sign_in_with_password_is_audited_with_address(company):
    client = Client()
    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert signed_in_as(client) == str(company.alice.pk)
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == company.alice
    assert event.ip == "127.0.0.1"
    assert event.request_id


def test_wrong_password_is_refused_and_audited(company):
    client = Client()
    response = sign_in(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert "correct" in response.content.decode() or "正确" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.extra["username"] == "alice"
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_deactivated_user_cannot_sign_in(company):
    services.user_deactivate(actor=company.root, user=company.bob)
    client = Client()
    sign_in(client, "bob")
    assert signed_in_as(client) is None


def test_hostile_user_name_is_refused_and_stored_harmlessly(company):
    client = Client()
    hostile = "<script>alert(1)</script>' OR 1=1 --" + "x" * 5000
    response = sign_in(client, hostile, "whatever")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert all(len(e.extra.get("username", "")) <= 150 for e in AuditEvent.objects.filter(action="auth.login_failed"))


def test_hostile_but_short_user_name_is_audited_as_text(company):
    client = Client()
    hostile = "<script>alert(1)</script>' OR 1=1 --"
    sign_in(client, hostile, "whatever")
    assert signed_in_as(client) is None
    assert AuditEvent.objects.get(action="auth.login_failed").extra["username"] == hostile


def test_argon2_is_the_configured_hasher(company, settings):
    production = importlib.import_module("guanxi.settings")
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    services.user_set_password(actor=company.root, user=company.bob, password="Hua-Nan-2026-xyz")
    company.bob.refresh_from_db()
    assert company.bob.password.startswith("argon2")
    client = Client()
    sign_in(client, "bob", "Hua-Nan-2026-xyz")
    assert signed_in_as(client) == str(company.bob.pk)


# -- lockout --


def test_repeated_failures_lock_the_account_even_for_the_right_password(company, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong-password")
    response = sign_in(client, "alice")
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert "Too many attempts" in response.content.decode() or "尝试次数过多" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= settings.AXES_FAILURE_LIMIT


def test_lockout_is_per_user_name(company, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong-password")
    sign_in(client, "bob")
    assert signed_in_as(client) == str(company.bob.pk)


def test_a_success_before_the_limit_resets_the_count(company, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong-password")
    sign_in(client, "alice")
    client.post("/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong-password")
    sign_in(client, "alice")
    assert signed_in_as(client) == str(company.alice.pk)


# -- sign-out --


def test_sign_out_needs_post_and_is_audited(company):
    client = Client()
    sign_in(client, "alice")
    assert client.get("/logout/").status_code == 405
    assert signed_in_as(client) == str(company.alice.pk)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="auth.logout", actor=company.alice).exists()
    assert client.get("/profile/").status_code == 302


# -- password change --


def test_change_own_password_keeps_this_session_and_ends_others(company):
    here, elsewhere = Client(), Client()
    sign_in(here, "alice")
    sign_in(elsewhere, "alice")
    response = here.post("/profile/password/", {"old_password": PASSWORD, "new_password1": "Chang-Cheng-88!x",
                                                 "new_password2": "Chang-Cheng-88!x"})
    assert response.status_code == 302
    assert here.get("/profile/").status_code == 200
    assert elsewhere.get("/profile/").status_code == 302
    fresh = Client()
    sign_in(fresh, "alice", "Chang-Cheng-88!x")
    assert signed_in_as(fresh) == str(company.alice.pk)
    assert AuditEvent.objects.filter(action="user.password_changed", actor=company.alice).exists()


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field"),
    [
        ("wrong-old", "Chang-Cheng-88!x", "Chang-Cheng-88!x", "old_password"),
        (PASSWORD, "Chang-Cheng-88!x", "Chang-Cheng-99!y", "new_password2"),
        (PASSWORD, "short", "short", "new_password1"),
        (PASSWORD, "password123", "password123", "new_password1"),
        (PASSWORD, "12345678901", "12345678901", "new_password1"),
        (PASSWORD, "x" * 5000, "x" * 5000, "new_password1"),
    ],
)
def test_bad_password_change_is_refused_with_the_reason(company, client_of, old, new1, new2, field):
    client = client_of("alice")
    before = type(company.alice).objects.get(pk=company.alice.pk).password
    response = client.post("/profile/password/", {"old_password": old, "new_password1": new1, "new_password2": new2})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert type(company.alice).objects.get(pk=company.alice.pk).password == before


def test_password_change_page_needs_sign_in(db):
    response = Client().get("/profile/password/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# -- two-factor: enrolment --


def test_enrolment_shows_qr_code_and_secret_then_confirms_with_a_real_code(company, client_of, totp_code):
    client = client_of("alice")
    page = client.get("/profile/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1]
    device = TOTPDevice.objects.get(user=company.alice, confirmed=False)
    assert page.context["secret"].replace(" ", "")
    assert "otpauth://totp/Guanxi%3Aalice" in page.context["config_url"]
    # reloading the page keeps the same secret (the app may have scanned it already)
    client.get("/profile/two-factor/")
    assert TOTPDevice.objects.get(user=company.alice).pk == device.pk

    response = client.post("/profile/two-factor/", {"token": totp_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="user.two_factor_enabled", actor=company.alice).exists()
    assert client.get("/profile/").context["device"] == device


@pytest.mark.parametrize("token", ["000000", "abc123", "", "1" * 5000, "<script>1</script>"])
def test_enrolment_with_a_wrong_code_changes_nothing(company, client_of, token):
    client = client_of("alice")
    client.get("/profile/two-factor/")
    response = client.post("/profile/two-factor/", {"token": token})
    assert response.status_code == 400
    assert response.context["form"].errors["token"]
    assert not TOTPDevice.objects.filter(user=company.alice, confirmed=True).exists()
    assert "<script>1</script>" not in response.content.decode()


def test_enrolling_again_replaces_the_old_authenticator(company, client_of, enrolled, totp_code):
    old = enrolled(company.alice)
    client = client_of("alice")
    client.get("/profile/two-factor/?restart=1")
    new = TOTPDevice.objects.get(user=company.alice, confirmed=False)
    client.post("/profile/two-factor/", {"token": totp_code(new)})
    assert list(TOTPDevice.objects.filter(user=company.alice)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


# -- two-factor: sign-in --


def test_sign_in_with_a_device_needs_the_code_second(company, enrolled, totp_code):
    device = enrolled(company.alice)
    client = Client()
    response = sign_in(client, "alice", next="/profile/")
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert signed_in_as(client) is None
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    assert client.get("/profile/").status_code == 302  # not signed in by the password alone

    response = client.post(VERIFY, {"token": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == "/profile/"
    assert signed_in_as(client) == str(company.alice.pk)
    assert AuditEvent.objects.filter(action="auth.login", actor=company.alice).exists()
    assert client.get("/profile/").status_code == 200
    assert PENDING_KEY not in client.session


def test_wrong_code_is_refused_and_audited_as_a_failed_sign_in(company, enrolled, totp_code, no_otp_throttle):
    device = enrolled(company.alice)
    client = Client()
    sign_in(client, "alice")
    response = client.post(VERIFY, {"token": "123456" if totp_code(device) != "123456" else "654321"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert signed_in_as(client) is None
    assert AuditEvent.objects.get(action="auth.login_failed").extra["username"] == "alice"
    client.post(VERIFY, {"token": totp_code(device)})
    assert signed_in_as(client) == str(company.alice.pk)


def test_a_used_code_cannot_be_replayed(company, enrolled, totp_code):
    device = enrolled(company.alice)
    first = Client()
    sign_in(first, "alice")
    code = totp_code(device)
    first.post(VERIFY, {"token": code})
    assert signed_in_as(first) == str(company.alice.pk)
    second = Client()
    sign_in(second, "alice")
    second.post(VERIFY, {"token": code})
    assert signed_in_as(second) is None


def test_wrong_codes_lead_to_lockout(company, enrolled, settings, no_otp_throttle):
    enrolled(company.alice)
    client = Client()
    sign_in(client, "alice")
    statuses = [client.post(VERIFY, {"token": "000000"}).status_code for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
    assert statuses[-1] == 429
    assert signed_in_as(client) is None
    assert sign_in(Client(), "alice").status_code == 429


def test_the_code_step_expires(company, enrolled, totp_code):
    device = enrolled(company.alice)
    client = Client()
    sign_in(client, "alice")
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": time.time() - 3600}
    session.save()
    response = client.post(VERIFY, {"token": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert signed_in_as(client) is None


def test_the_code_step_without_a_password_goes_to_sign_in(db):
    response = Client().get(VERIFY)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_after_sign_in_only_local_addresses_are_followed(company, enrolled, totp_code):
    device = enrolled(company.alice)
    client = Client()
    sign_in(client, "alice", next="https://evil.example/phish")
    response = client.post(VERIFY, {"token": totp_code(device)})
    assert response["Location"] == "/"


# -- two-factor: turning it off --


def test_turning_two_factor_off_needs_the_password(company, client_of, enrolled):
    enrolled(company.alice)
    client = client_of("alice")
    response = client.post("/profile/two-factor/disable/", {"password": "wrong"})
    assert response.status_code == 400
    assert response.context["disable_form"].errors["password"]
    assert TOTPDevice.objects.filter(user=company.alice).exists()
    response = client.post("/profile/two-factor/disable/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=company.alice).exists()
    assert AuditEvent.objects.filter(action="user.two_factor_disabled").exists()
    client.post("/logout/")
    sign_in(client, "alice")
    assert signed_in_as(client) == str(company.alice.pk)


def test_admin_resets_two_factor_of_someone_who_lost_their_phone(company, client_of, enrolled):
    enrolled(company.alice)
    response = client_of("root").post(f"/org/users/{company.alice.pk}/two-factor/reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=company.alice).exists()
    assert client_of("bob").post(f"/org/users/{company.dave.pk}/two-factor/reset/").status_code == 403


# -- two-factor required by a role --


@pytest.fixture
def strict_role(company):
    company.seller_role.require_2fa = True
    company.seller_role.save()
    return company.seller_role


def test_required_two_factor_sends_to_enrolment_before_anything_else(company, client_of, strict_role, totp_code):
    client = client_of("alice")
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:two_factor_enrol"))
    assert client.get("/profile/").status_code == 302
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["required"]

    device = TOTPDevice.objects.get(user=company.alice)
    done = client.post(response["Location"], {"token": totp_code(device)})
    assert done.status_code == 302 and done["Location"] == "/customers/"
    assert client.get("/profile/").status_code == 200


def test_required_two_factor_with_a_device_asks_for_the_code(company, client_of, strict_role, enrolled, totp_code):
    device = enrolled(company.alice)
    client = client_of("alice")  # a session verified by password only
    response = client.get("/profile/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    client.post(response["Location"], {"token": totp_code(device)})
    assert client.get("/profile/").status_code == 200


def test_users_without_the_strict_role_are_not_asked(company, client_of, strict_role):
    assert client_of("carol").get("/profile/").status_code == 200


def test_required_two_factor_cannot_be_turned_off_by_the_user(company, client_of, strict_role, enrolled, totp_code):
    device = enrolled(company.alice)
    client = Client()
    sign_in(client, "alice")
    client.post(VERIFY, {"token": totp_code(device)})
    response = client.post("/profile/two-factor/disable/", {"password": PASSWORD})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=company.alice).exists()


def test_sign_out_stays_possible_while_two_factor_is_pending(company, client_of, strict_role):
    client = client_of("alice")
    assert client.post("/logout/").status_code == 302
    assert signed_in_as(client) is None


def test_django_admin_sign_in_goes_through_the_two_step_sign_in(company, enrolled, totp_code):
    device = enrolled(company.root)
    client = Client()
    response = client.get("/django-admin/login/", {"next": "/django-admin/"})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.post("/django-admin/login/", {"username": "root", "password": PASSWORD}).status_code == 302
    assert signed_in_as(client) is None
    sign_in(client, "root", next="/django-admin/")
    response = client.post(VERIFY, {"token": totp_code(device)})
    assert response["Location"] == "/django-admin/"
    assert client.get("/django-admin/").status_code == 200
