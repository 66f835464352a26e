"""The target grid: who opens it, whose rows it shows, editing a cell inline, bulk set, bad input."""

from decimal import Decimal

import pytest
from django.urls import reverse

from guanxi.core.testing import assert_matrix
from guanxi.sales.targets.models import Target

from .factories import make_contract

pytestmark = pytest.mark.django_db

GRID = reverse("targets:list")
CELL = reverse("targets:cell")
BULK = reverse("targets:bulk")
HTMX = {"HTTP_HX_REQUEST": "true"}


def grid_of(client, **params):
    params = {"year": 2025, "metric": "signed", "columns": "month", "rows": "user", "currency": "CNY", **params}
    return client.get(GRID, params)


def cell(subject, amount, *, kind="user", period_kind="month", index=3, version=None, **extra):
    data = {"subject": kind, "subject_id": subject.pk, "period_kind": period_kind, "period_index": index,
            "year": 2025, "metric": "signed", "currency": "CNY", "columns": "month", "rows": kind, "amount": amount,
            **extra}
    if version is not None:
        data["version"] = version
    return data


def test_who_opens_the_grid(managers, login):
    assert_matrix(managers, lambda u: login(u).get(GRID).status_code == 200,
                  {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True})


def test_the_grid_shows_the_people_in_the_readers_scope(managers, login, set_target):
    c = managers
    set_target(c.alice, 200_000)
    make_contract(c.alice, 50_000, __import__("datetime").date(2025, 3, 31))

    page = grid_of(login(c.carol)).content.decode()
    assert all(name in page for name in ("王芳", "李强", "陈经理"))
    assert "赵磊" not in page
    assert 'value="200000.00"' in page          # the target, editable
    assert "50,000.00 · 25.0%" in page          # its progress
    assert 'hx-post="/targets/cell/"' in page

    own = grid_of(login(c.alice)).content.decode()
    assert "王芳" in own and "李强" not in own
    assert 'hx-post' not in own and "200,000.00" in own   # a seller reads, never edits


def test_the_department_rows(managers, login, set_target):
    set_target(managers.sales1, 90_000, "quarter", 2025, 1)
    page = grid_of(login(managers.carol), rows="department", columns="quarter").content.decode()
    assert "销售一部" in page and "销售二部" not in page
    assert 'value="90000.00"' in page
    assert grid_of(login(managers.alice), rows="department").content.decode().count("销售一部") == 0


def test_the_grid_filters_refresh_only_the_results(managers, login):
    response = login(managers.carol).get(GRID, {"year": 2025, "columns": "quarter"},
                                         HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results">') and "<html" not in body
    assert ">Q4<" in body


def test_nonsense_filters_fall_back_to_the_defaults(managers, login):
    response = grid_of(login(managers.carol), year="<script>", metric="profit", columns="quarter", cursor="zzz")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in body
    assert "no longer valid" in body                 # the bad cursor, said plainly
    assert ">Q4<" in body                            # the one valid choice is kept
    assert 'value="signed" selected' in body


def test_grid_queries_do_not_grow_with_rows(managers, login, set_target, django_assert_max_num_queries):
    from django.contrib.auth import get_user_model

    for i in range(25):
        person = get_user_model().objects.create_user(username=f"s{i}", display_name=f"销售{i}",
                                                      department=managers.sales1)
        set_target(person, 1000 + i)
        set_target(person, 1000 + i, "year", 2025)
    client = login(managers.carol)
    # Session, user, roles, department, the page of people, their targets, one sum for the measure.
    with django_assert_max_num_queries(8):
        response = grid_of(client)
    assert response.content.decode().count('class="target-bar"') == 50


# -- editing one cell --


def test_a_manager_sets_a_cell_and_gets_the_cell_back(managers, login):
    response = login(managers.carol).post(CELL, cell(managers.alice, "88000"), **HTMX)
    body = response.content.decode()
    target = Target.objects.get()
    assert (target.user, target.amount, target.period_index) == (managers.alice, Decimal("88000.00"), 3)
    assert response.status_code == 200
    assert body.lstrip().startswith("<td") and 'value="88000.00"' in body and '"version": 1' in body


def test_clearing_a_cell_removes_the_target(managers, login, set_target):
    target = set_target(managers.alice, 5000)
    response = login(managers.carol).post(CELL, cell(managers.alice, "", version=target.version), **HTMX)
    assert response.status_code == 200
    assert not Target.objects.exists()


@pytest.mark.parametrize("amount,message", [("-5", "greater than zero"), ("12abc", "such as 50000"),
                                            ("<img src=x onerror=alert(1)>", "such as 50000"),
                                            ("9" * 5000, "such as 50000")])
def test_a_bad_amount_shows_in_the_cell_and_saves_nothing(managers, login, amount, message):
    response = login(managers.carol).post(CELL, cell(managers.alice, amount), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body and 'role="alert"' in body and "<img" not in body
    assert not Target.objects.exists()


def test_a_stale_cell_says_someone_else_changed_it(managers, login, set_target):
    target = set_target(managers.alice, 5000)
    client = login(managers.carol)
    client.post(CELL, cell(managers.alice, "6000", version=1), **HTMX)
    response = client.post(CELL, cell(managers.alice, "7000", version=1), **HTMX)
    assert "Someone else changed" in response.content.decode()
    assert 'value="6000.00"' in response.content.decode()   # the cell shows what is saved now
    target.refresh_from_db()
    assert target.amount == Decimal("6000.00")


def test_cell_posts_out_of_reach_or_without_the_right(managers, login):
    c = managers
    assert login(c.carol).post(CELL, cell(c.dave, "5"), **HTMX).status_code == 404
    assert login(c.alice).post(CELL, cell(c.alice, "5"), **HTMX).status_code == 403
    assert login(c.carol).post(CELL, cell(c.alice, "5", period_kind="quarter", index=5), **HTMX).status_code == 400
    assert login(c.carol).post(CELL, cell(c.alice, "5", index=13), **HTMX).status_code == 400
    assert login(c.carol).get(CELL).status_code == 405
    assert not Target.objects.exists()


def test_a_cell_without_javascript_returns_to_the_grid(managers, login):
    response = login(managers.carol).post(CELL, cell(managers.alice, "-1"))
    assert response.status_code == 302 and response.url.startswith(GRID)
    assert not Target.objects.exists()


def test_cell_matrix(managers, login):
    def can_set(user):
        before = Target.objects.count()
        login(user).post(CELL, cell(managers.bob, str(1000 + user.pk)), **HTMX)
        return Target.objects.count() > before or Target.objects.filter(amount=1000 + user.pk).exists()

    assert_matrix(managers, can_set, {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False,
                                      "root": True})


# -- bulk --


def test_bulk_sets_the_ticked_rows_in_the_chosen_columns(managers, login):
    c = managers
    data = {"year": 2025, "metric": "received", "columns": "quarter", "rows": "user", "currency": "USD",
            "ids": [c.alice.pk, c.bob.pk], "periods": ["2025-q1", "2025-q2", "2025-y1"], "amount": "12,000"}
    response = login(c.carol).post(BULK, data)
    assert response.status_code == 302
    assert Target.objects.filter(metric="received", currency="USD", amount=Decimal("12000")).count() == 6
    page = login(c.carol).get(response.url).content.decode()
    assert "6 targets set." in page


def test_bulk_with_bad_input_shows_the_errors_and_sets_nothing(managers, login):
    c = managers
    data = {"year": 2025, "columns": "month", "rows": "user", "ids": [c.alice.pk], "periods": ["2025-m1"],
            "amount": "-1"}
    response = login(c.carol).post(BULK, data)
    assert response.status_code == 400
    assert "greater than zero" in response.content.decode()
    response = login(c.carol).post(BULK, {**data, "amount": "10", "ids": []})
    assert response.status_code == 400 and "Tick at least one" in response.content.decode()
    response = login(c.carol).post(BULK, {**data, "amount": "10", "ids": [c.alice.pk, c.dave.pk]})
    assert response.status_code == 404
    response = login(c.carol).post(BULK, {**data, "amount": "10", "ids": ["x"]})
    assert response.status_code == 400
    assert not Target.objects.exists()
