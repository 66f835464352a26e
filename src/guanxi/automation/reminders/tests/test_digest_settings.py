"""Each person chooses whether and when their daily digest comes, on a page and through the API;
nobody reaches anyone else's."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.automation.reminders.models import Digest
from guanxi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PAGE = reverse("reminders:digest")


def token_client(user) -> Client:
    from guanxi.org.services import token_create

    _token, secret = token_create(actor=user, user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})


def test_the_page_shows_the_default_and_saves_a_new_time(company, login):
    client = login(company.alice)
    page = client.get(PAGE).content.decode()
    assert "Daily digest" in page and 'value="08:30" selected' in page
    response = client.post(PAGE, {"enabled": "on", "at": "18:15"})
    assert response.status_code == 302
    digest = Digest.objects.get(user=company.alice)
    assert (digest.enabled, digest.at) == (True, dt.time(18, 15))
    assert AuditEvent.objects.filter(action="digest.updated", actor=company.alice).exists()
    client.post(PAGE, {"at": "07:00"})  # the box unticked: no digest
    assert Digest.objects.get(user=company.alice).enabled is False
    # Bob's digest is his own.
    assert not Digest.objects.filter(user=company.bob, at=dt.time(18, 15)).exists()


def test_a_time_off_the_list_is_refused_and_nothing_changes(company, login):
    client = login(company.alice)
    response = client.post(PAGE, {"enabled": "on", "at": "18:07"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert Digest.objects.get(user=company.alice).at == dt.time(8, 30)


def test_the_page_needs_a_signed_in_person(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_api_reads_and_changes_my_digest_only(company):
    api = token_client(company.bob)
    assert api.get("/api/v1/reminders/digest").json() == {"enabled": True, "at": "08:30:00", "last_sent_on": None}
    answer = api.put("/api/v1/reminders/digest", json.dumps({"enabled": False, "at": "09:45"}),
                     content_type="application/json")
    assert answer.status_code == 200 and answer.json()["at"] == "09:45:00"
    assert Digest.objects.get(user=company.bob).enabled is False
    refused = api.put("/api/v1/reminders/digest", json.dumps({"enabled": True, "at": "09:50"}),
                      content_type="application/json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "invalid" and "quarter hour" in body["errors"]["at"][0]
    assert Digest.objects.get(user=company.bob).at == dt.time(9, 45)
    bad = api.put("/api/v1/reminders/digest", json.dumps({"enabled": "maybe", "at": "soon"}),
                  content_type="application/json")
    assert bad.status_code == 422
    assert Client().get("/api/v1/reminders/digest").status_code == 401


SETTINGS = reverse("reminders:settings")


def test_admins_change_the_limits_and_the_next_run_uses_them(company, login, make_customer):
    from guanxi.automation.reminders import services
    from guanxi.customers.models import Customer

    client = login(company.root)
    page = client.get(SETTINGS).content.decode()
    assert "Grade A: days without contact" in page and 'value="7"' in page
    values = {name: getattr(services.reminder_settings(), name) for name in services.LIMIT_FIELDS}
    response = client.post(SETTINGS, {**values, "not_contacted_a": 3})
    assert response.status_code == 302 and services.thresholds()["not_contacted_days"]["A"] == 3
    assert AuditEvent.objects.filter(action="reminder_settings.updated").exists()
    customer = make_customer(company.bob, "北京华信精密机械有限公司", grade="A")
    morning = dt.datetime(2026, 3, 10, 0, 0, tzinfo=dt.UTC)
    three_days = dt.datetime(2026, 3, 7, 10, 0, tzinfo=dt.UTC)
    Customer.objects.filter(pk=customer.pk).update(last_contacted_at=three_days)
    assert services.reminders_run(morning)["customers.not_contacted"] == 1


def test_limits_out_of_range_are_refused_and_nothing_changes(company, login):
    from guanxi.automation.reminders import services

    client = login(company.root)
    values = {name: getattr(services.reminder_settings(), name) for name in services.LIMIT_FIELDS}
    response = client.post(SETTINGS, {**values, "contract_ending_days": 0})
    assert response.status_code == 400 and "greater than or equal to 1" in response.content.decode()
    api = token_client(company.root)
    refused = api.patch("/api/v1/reminder-settings", json.dumps({"instalment_due_days": 5000}),
                        content_type="application/json")
    assert refused.status_code == 400 and refused.json()["errors"]["instalment_due_days"]
    assert services.reminder_settings().limits() == {
        "not_contacted_days": {"A": 7, "B": 14, "C": 30, "D": 60, "": 30},
        "contract_ending_days": 30, "instalment_due_days": 3}
    changed = api.patch("/api/v1/reminder-settings", json.dumps({"instalment_due_days": 5}),
                        content_type="application/json")
    assert changed.status_code == 200 and changed.json()["instalment_due_days"] == 5


def test_only_admins_with_the_right_reach_the_limits(company, login):
    assert login(company.bob).get(SETTINGS).status_code == 403
    api = token_client(company.bob)
    assert api.get("/api/v1/reminder-settings").status_code == 403
    assert api.patch("/api/v1/reminder-settings", json.dumps({"not_contacted_a": 1}),
                     content_type="application/json").status_code == 403
