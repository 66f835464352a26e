"""Target periods: their dates, which one "now" falls in (in the reader's time zone), bad parts."""

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.errors import DomainError
from guanxi.sales.targets.periods import Period, current_periods, periods_of_year

UTC = dt.UTC


@pytest.mark.parametrize("kind,index,start,end", [
    ("month", 2, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),   # leap year
    ("month", 12, dt.date(2024, 12, 1), dt.date(2024, 12, 31)),
    ("quarter", 1, dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("quarter", 2, dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
    ("quarter", 4, dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
    ("year", 1, dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
])
def test_a_period_runs_from_its_first_to_its_last_day(kind, index, start, end):
    period = Period.of(kind, 2024, index)
    assert (period.start, period.end) == (start, end)


def test_the_last_day_of_a_quarter_belongs_to_it_and_the_next_day_to_the_next():
    assert Period.containing("quarter", dt.date(2025, 3, 31)) == Period.of("quarter", 2025, 1)
    assert Period.containing("quarter", dt.date(2025, 4, 1)) == Period.of("quarter", 2025, 2)
    assert Period.containing("month", dt.date(2025, 1, 31)) == Period.of("month", 2025, 1)


def test_now_is_read_in_shanghai_time(settings):
    # 2025-03-31 17:30 UTC is 2025-04-01 01:30 in Shanghai: April, the second quarter.
    moment = dt.datetime(2025, 3, 31, 17, 30, tzinfo=UTC)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert current_periods(moment) == [Period.of("month", 2025, 4), Period.of("quarter", 2025, 2),
                                       Period.of("year", 2025)]
    # A minute before Shanghai's midnight it is still March.
    assert current_periods(dt.datetime(2025, 3, 31, 15, 59, tzinfo=UTC))[0] == Period.of("month", 2025, 3)


def test_a_user_in_another_time_zone_sees_their_own_date():
    moment = dt.datetime(2025, 12, 31, 17, 30, tzinfo=UTC)
    with timezone.override("Europe/London"):
        assert current_periods(moment)[2] == Period.of("year", 2025)
    assert current_periods(moment)[2] == Period.of("year", 2026)


def test_periods_of_a_year_in_order():
    assert [p.index for p in periods_of_year("month", 2025)] == list(range(1, 13))
    assert [p.end for p in periods_of_year("quarter", 2025)][-1] == dt.date(2025, 12, 31)


@pytest.mark.parametrize("kind,year,index,field", [
    ("month", 2025, 13, "period_index"),
    ("month", 2025, 0, "period_index"),
    ("quarter", 2025, 5, "period_index"),
    ("year", 2025, 2, "period_index"),
    ("week", 2025, 1, "period_kind"),
    ("month", 1999, 1, "year"),
    ("month", 2101, 1, "year"),
])
def test_impossible_periods_are_refused_on_the_wrong_part(kind, year, index, field):
    with pytest.raises(DomainError) as caught:
        Period.of(kind, year, index)
    assert list(caught.value.errors) == [field]


def test_labels_read_in_both_languages():
    from django.utils import translation

    with translation.override("en"):
        assert Period.of("quarter", 2025, 1).label == "2025 Q1"
        assert Period.of("month", 2025, 3).label == "March 2025"
    with translation.override("zh-hans"):
        assert Period.of("quarter", 2025, 1).label == "2025年第1季度"
        assert Period.of("month", 2025, 3).label == "2025年3月"
