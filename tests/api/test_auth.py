"""API authentication: personal tokens, browser sessions with CSRF, and who is refused."""

import datetime as dt
import json

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import ApiToken
from guanxi.org.services import token_create, token_revoke, user_deactivate

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def bearer(secret: str, **kwargs) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"}, **kwargs)


def test_valid_token_authenticates_and_is_marked_used(company):
    token, secret = token_create(actor=company.alice, user=company.alice, name="脚本")
    response = bearer(secret).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer ", "Bearer gx_not-a-real-token", "Bearer sk_live_wrong_prefix",
    "Bearer " + "gx_" + "a" * 5000, "Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer gx_\x00",
])
def test_missing_or_wrong_credentials_are_401(company, header):
    client = Client(headers={"Authorization": header}) if header is not None else Client()
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_revoked_token_is_401(company):
    token, secret = token_create(actor=company.alice, user=company.alice, name="旧电脑")
    token_revoke(actor=company.alice, token=token)
    assert bearer(secret).get(ME).status_code == 401


def test_expired_token_is_401(company):
    token, secret = token_create(actor=company.alice, user=company.alice, name="短期", expires_in_days=1)
    assert bearer(secret).get(ME).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(secret).get(ME).status_code == 401


def test_deactivated_users_token_is_401_even_if_not_revoked(company):
    token, secret = token_create(actor=company.alice, user=company.alice, name="脚本")
    type(company.alice).objects.filter(pk=company.alice.pk).update(is_active=False)
    assert bearer(secret).get(ME).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is None  # refused for the user, not because of the token


def test_deactivation_revokes_tokens_and_ends_sessions(company):
    _token, secret = token_create(actor=company.alice, user=company.alice, name="脚本")
    browser = Client()
    browser.force_login(company.alice)
    assert browser.get(ME).status_code == 200
    user_deactivate(actor=company.root, user=company.alice)
    assert bearer(secret).get(ME).status_code == 401
    assert browser.get(ME).status_code == 401


def test_wrong_token_does_not_fall_back_to_the_session(company):
    client = Client(headers={"Authorization": "Bearer gx_wrong"})
    client.force_login(company.alice)
    assert client.get(ME).status_code == 401


def test_session_reads_work_without_csrf(company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.alice)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_session_write_without_csrf_token_is_refused(company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.alice)
    response = client.post("/api/v1/customers", json.dumps({"name": "跨站请求"}), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not Customer.objects.exists()


def test_session_write_with_csrf_token_is_accepted(company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.alice)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post("/api/v1/customers", json.dumps({"name": "页面里建的"}), content_type="application/json",
                           headers={"X-CSRFToken": secret})
    assert response.status_code == 201
    assert Customer.objects.get().owner == company.alice


def test_token_writes_need_no_csrf_token(company):
    _token, secret = token_create(actor=company.alice, user=company.alice, name="脚本")
    response = bearer(secret, enforce_csrf_checks=True).post(
        "/api/v1/customers", json.dumps({"name": "脚本建的"}), content_type="application/json")
    assert response.status_code == 201


def test_unverified_session_of_a_role_requiring_two_factor_gets_no_data(company):
    company.seller_role.require_2fa = True
    company.seller_role.save(update_fields=["require_2fa"])
    client = Client()
    client.force_login(company.alice)
    response = client.get("/api/v1/customers")
    assert response.status_code in (401, 403)
    assert "items" not in response.json()


def test_messages_follow_the_browser_language_without_a_user(company):
    chinese = Client(headers={"Accept-Language": "zh-hans"}).get(ME)
    english = Client(headers={"Accept-Language": "en"}).get(ME)
    assert chinese.json()["message"] == "请先登录，或提供有效的 API 令牌。"
    assert english.json()["message"] == "Sign in or send a valid API token."


def test_token_users_get_messages_in_their_chosen_language(company):
    type(company.alice).objects.filter(pk=company.alice.pk).update(language="en")
    _token, secret = token_create(actor=company.alice, user=company.alice, name="脚本")
    client = Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "zh-hans"})
    response = client.post("/api/v1/customers", json.dumps({"name": "某公司", "bogus": 1}),
                           content_type="application/json")
    assert response.json()["message"] == "Please correct the errors below."
