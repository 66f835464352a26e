"""The home page's target cards: my progress this month, quarter and year; my team's ranking."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.core.testing import assert_matrix
from guanxi.sales.targets.home import home_card
from guanxi.sales.targets.periods import current_periods

from .factories import make_contract, make_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_period(company, set_target):
    """Targets for now; alice signed 60,000 today and received 10,000 of it."""
    month, quarter, year = current_periods()
    c = company
    set_target(c.alice, 100_000, "month", month.year, month.index)
    set_target(c.alice, 300_000, "quarter", quarter.year, quarter.index)
    set_target(c.alice, 1_200_000, "year", year.year)
    set_target(c.alice, 50_000, "month", month.year, month.index, metric="received")
    set_target(c.bob, 20_000, "month", month.year, month.index)
    set_target(c.dave, 10_000, "month", month.year, month.index)
    today = timezone.localdate()
    contract = make_contract(c.alice, 60_000, today)
    make_contract(c.bob, 30_000, today)
    make_payment(contract, 10_000, today, by=c.root)
    return c


def main(html: str) -> str:
    return html.split('<main class="page">', 1)[1].split("</main>", 1)[0]


def test_my_targets_show_this_month_quarter_and_year(this_period, login):
    page = main(login(this_period.alice).get("/").content.decode())
    assert "My targets" in page
    assert "60,000.00 / 100,000.00 CNY" in page         # this month, 60%
    assert "60,000.00 / 300,000.00 CNY" in page         # this quarter, 20%
    assert "60,000.00 / 1,200,000.00 CNY" in page       # this year, 5%
    assert "10,000.00 / 50,000.00 CNY" in page          # received this month
    assert 'aria-valuenow="60"' in page and 'aria-valuenow="20"' in page and 'aria-valuenow="5"' in page
    assert "40,000.00 CNY to go" in page
    assert "Team ranking" not in page                   # a seller sees only their own
    assert 'class="card card-link" href="/customers/"' in page   # the home page's links stay


def test_a_manager_sees_the_team_ranking_of_this_month(this_period, login):
    page = main(login(this_period.carol).get("/").content.decode())
    ranking = page.split("Team ranking this month", 1)[1]
    assert ranking.index("李强") < ranking.index("王芳")  # bob 150% before alice 60%
    assert "150.0%" in ranking and "60.0%" in ranking
    assert "赵磊" not in ranking                          # another department
    assert "No target set." in page                      # carol herself has none


def test_who_sees_the_cards(this_period, login):
    assert_matrix(this_period, lambda u: "My targets" in main(login(u).get("/").content.decode()),
                  {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False, "root": True})
    assert_matrix(this_period, lambda u: "Team ranking" in main(login(u).get("/").content.decode()),
                  {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True})


def test_the_card_follows_shanghai_dates(company, set_target):
    # 2025-06-30 16:30 UTC is already 1 July in Shanghai: the third quarter.
    set_target(company.alice, 1000, "quarter", 2025, 3)
    set_target(company.alice, 2000, "quarter", 2025, 2)
    card = home_card(company.alice, now=dt.datetime(2025, 6, 30, 16, 30, tzinfo=dt.UTC))
    assert card is not None
    quarter = card["groups"][1]
    assert quarter["period"].index == 3
    assert [p.target.amount for p in quarter["rows"]] == [Decimal("1000.00")]


def test_the_home_page_costs_a_bounded_number_of_queries(this_period, login, django_assert_max_num_queries):
    client = login(this_period.carol)
    client.get("/")
    # Session, user, roles, department; my targets and a sum per measure; the team's, likewise.
    with django_assert_max_num_queries(10):
        client.get("/")
