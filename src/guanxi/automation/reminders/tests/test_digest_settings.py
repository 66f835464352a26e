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
