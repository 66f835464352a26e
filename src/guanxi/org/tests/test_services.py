"""Organisation services and selectors: guards, validation, two-factor, deactivation, audit queries."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.testing import assert_matrix
from guanxi.org import selectors, services
from guanxi.org.models import ApiToken, User

pytestmark = pytest.mark.django_db

ADMINS_ONLY = {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True}


def allowed(call):
    def check(user) -> bool:
        try:
            call(user)
        except Forbidden:
            return False
        return True

    return check


@pytest.mark.parametrize("read", [
    lambda u: selectors.department_tree(actor=u),
    lambda u: list(selectors.user_list(actor=u)),
    lambda u: list(selectors.role_list(actor=u)),
    lambda u: list(selectors.custom_field_list(actor=u)),
    lambda u: selectors.audit_page(actor=u, filters=selectors.AuditFilters(), cursor=None),
])
def test_admin_reads_need_their_action(company, read):
    assert_matrix(company, allowed(read), ADMINS_ONLY)


def test_someone_elses_tokens_are_hidden_unless_managing_users(company):
    token, _secret = services.token_create(actor=company.alice, user=company.alice, name="脚本")
    assert selectors.token_get(actor=company.alice, id=token.pk) == token
    assert selectors.token_get(actor=company.root, id=token.pk) == token
    with pytest.raises(NotFound):
        selectors.token_get(actor=company.bob, id=token.pk)
    with pytest.raises(Forbidden):
        selectors.token_list(actor=company.bob, user=company.alice)


def test_missing_records_are_not_found(company):
    for get in (selectors.department_get, selectors.user_get, selectors.role_get, selectors.custom_field_get):
        with pytest.raises(NotFound):
            get(actor=company.root, id=987654)


def test_user_filters_include_sub_departments_and_status(company):
    services.user_deactivate(actor=company.root, user=company.dave)
    found = selectors.user_list(actor=company.root, filters=selectors.UserFilters(department=company.sales,
                                                                                  active=True))
    assert {u.username for u in found} == {"alice", "bob", "carol", "erin"}


@pytest.mark.parametrize("phone", ["12345", "abc", "+86 1" + "3" * 50, "<b>138</b>"])
def test_invalid_phone_is_refused_on_create_and_update(company, phone):
    with pytest.raises(DomainError) as exc:
        services.user_create(actor=company.root, username="frank", password="Qian-Feng-2026!", phone=phone)
    assert "phone" in exc.value.errors
    assert not User.objects.filter(username="frank").exists()
    with pytest.raises(DomainError):
        services.user_update(actor=company.root, user=company.bob, data={"phone": phone})
    assert User.objects.get(pk=company.bob.pk).phone == ""


def test_valid_phone_is_kept(company):
    user = services.user_create(actor=company.root, username="frank", password="Qian-Feng-2026!",
                                phone="139 1234 5678")
    assert user.phone == "139 1234 5678"


def test_manager_loop_is_refused(company):
    with pytest.raises(DomainError) as exc:
        services.user_update(actor=company.root, user=company.carol, data={"manager": company.bob})
    assert "manager" in exc.value.errors
    assert User.objects.get(pk=company.carol.pk).manager is None


def test_deactivation_ends_database_sessions_and_revokes_tokens(company, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    session = SessionStore()
    session["_auth_user_id"] = str(company.alice.pk)
    session.create()
    _token, secret = services.token_create(actor=company.alice, user=company.alice, name="脚本")
    services.user_deactivate(actor=company.root, user=company.alice)
    assert not SessionStore().exists(str(session.session_key))
    assert services.token_authenticate(secret) is None
    assert ApiToken.objects.get(user=company.alice).revoked_at is not None
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.extra["tokens_revoked"] == 1


# -- two-factor --


def test_two_factor_enrolment_keeps_one_pending_secret(company):
    first = services.two_factor_begin(actor=company.alice)
    assert services.two_factor_begin(actor=company.alice) == first
    second = services.two_factor_begin(actor=company.alice, restart=True)
    assert second != first and not TOTPDevice.objects.filter(pk=first.pk).exists()
    assert services.two_factor_device(user=company.alice) is None


def test_two_factor_confirm_needs_the_right_code_and_own_device(company, totp_code):
    device = services.two_factor_begin(actor=company.alice)
    with pytest.raises(NotFound):
        services.two_factor_confirm(actor=company.bob, device=device, token=totp_code(device))
    with pytest.raises(DomainError) as exc:
        services.two_factor_confirm(actor=company.alice, device=device, token="12ab")
    assert "token" in exc.value.errors
    services.two_factor_confirm(actor=company.alice, device=device, token=totp_code(device))
    assert services.two_factor_device(user=company.alice) == device


def test_two_factor_verify_throttles_guessing(company, enrolled, totp_code):
    device = enrolled(company.alice)
    with pytest.raises(DomainError):
        services.two_factor_verify(user=company.alice, token="000000" if totp_code(device) != "000000" else "111111")
    with pytest.raises(DomainError) as exc:
        services.two_factor_verify(user=company.alice, token=totp_code(device))  # right code, but too soon
    assert "token" in exc.value.errors


def test_two_factor_disable_by_someone_else_needs_manage_users(company, enrolled):
    enrolled(company.alice)
    with pytest.raises(Forbidden):
        services.two_factor_disable(actor=company.bob, user=company.alice)
    assert services.two_factor_device(user=company.alice) is not None
    services.two_factor_disable(actor=company.root, user=company.alice)
    assert services.two_factor_device(user=company.alice) is None
