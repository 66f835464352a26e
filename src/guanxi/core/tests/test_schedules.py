"""Clock-driven work: due schedules run once per minute whichever worker looks first, failures are
recorded without stopping the others, and the pools' return sweep is one of them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from guanxi.core import schedules
from guanxi.core.models import JobStatus, ScheduledRun
from guanxi.settings import clock_time

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def registered(monkeypatch):
    """Only the schedules a test registers, whatever the installed apps registered."""
    monkeypatch.setattr(schedules, "_SCHEDULES", {})
    calls: list[tuple[str, dt.datetime]] = []

    def add(name, fails=False, **cron):
        def run(now):
            calls.append((name, now))
            if fails:
                raise RuntimeError("the mail server is down")
            return {"seen": name}

        schedules.register_schedule(name, title=name, when=name, run=run, **cron)

    return add, calls


def test_a_schedule_runs_in_its_minute_of_local_time(registered, settings):
    add, calls = registered
    settings.TIME_ZONE = "Asia/Shanghai"
    add("nightly", hour="2", minute="0")
    # 18:00 UTC is 02:00 in Shanghai.
    runs = schedules.run_due(dt.datetime(2026, 3, 1, 18, 0, 30, tzinfo=dt.UTC))
    assert [r.name for r in runs] == ["nightly"] and runs[0].status == JobStatus.DONE
    assert runs[0].result == {"seen": "nightly"}
    assert calls[0][1] == dt.datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)
    assert schedules.run_due(dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)) == []  # 10:00 there


def test_a_minute_is_run_by_one_worker_only(registered):
    add, calls = registered
    add("every-minute", minute="*")
    now = dt.datetime(2026, 3, 1, 9, 15, 5, tzinfo=dt.UTC)
    first = schedules.run_due(now)
    # A second worker's scheduler looks at the same minute a few seconds later.
    second = schedules.run_due(now + dt.timedelta(seconds=20))
    assert len(first) == 1 and second == [] and len(calls) == 1
    assert len(schedules.run_due(now + dt.timedelta(minutes=1))) == 1
    assert ScheduledRun.objects.filter(name="every-minute").count() == 2


def test_a_failing_schedule_is_recorded_and_the_others_still_run(registered):
    add, calls = registered
    add("broken", fails=True, minute="*")
    add("fine", minute="*")
    runs = {r.name: r for r in schedules.run_due(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))}
    assert runs["broken"].status == JobStatus.FAILED
    assert "the mail server is down" in runs["broken"].error
    assert runs["fine"].status == JobStatus.DONE
    assert {name for name, _when in calls} == {"broken", "fine"}


def test_the_pool_sweep_runs_every_night_at_the_configured_time(company, settings):
    from guanxi.customers.models import Customer

    found = {s.name: s for s in schedules.schedules()}
    sweep = found["customers.pool_sweep"]
    hour, minute = settings.POOL_SWEEP_AT
    local = dt.datetime(2026, 3, 2, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))
    assert sweep.due(local.replace(tzinfo=None)) and not sweep.due((local + dt.timedelta(hours=1)).replace(tzinfo=None))
    runs = [r for r in schedules.run_due(local) if r.name == "customers.pool_sweep"]
    assert len(runs) == 1 and runs[0].status == JobStatus.DONE, runs[0].error
    assert set(runs[0].result) == {"returned", "warned", "newly_warned", "lifted"}
    assert runs[0].result["returned"] <= Customer.objects.count()


def test_a_wrong_clock_time_names_its_variable():
    assert clock_time("02:30", "GUANXI_POOL_SWEEP_AT") == (2, 30)
    for wrong in ("2", "25:00", "02:60", "two"):
        with pytest.raises(ImproperlyConfigured, match="GUANXI_POOL_SWEEP_AT"):
            clock_time(wrong, "GUANXI_POOL_SWEEP_AT")


def test_admins_see_every_job_by_status_and_the_scheduled_work(company, login):
    from django.urls import reverse

    from guanxi.core.models import Job

    Job.objects.create(kind="imports.run", owner=company.alice, status=JobStatus.FAILED, error="文件损坏",
                       attempts=3)
    Job.objects.create(kind="imports.run", owner=company.bob, status=JobStatus.DONE)
    schedules.run_due(dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC))  # 02:00 in Shanghai: the sweep
    root = login(company.root)
    page = root.get(reverse("web:jobs")).content.decode()
    assert "Scheduled work" in page and "Customer pool return sweep" in page and "Daily at 02:00" in page
    failed = root.get(reverse("web:jobs"), {"status": "failed"}).content.decode()
    assert "文件损坏" in failed and str(company.alice) in failed and str(company.bob) not in failed
    # A seller sees only their own jobs, and no scheduled work.
    seller = login(company.bob).get(reverse("web:jobs"), {"status": "failed"}).content.decode()
    assert "Scheduled work" not in seller and "文件损坏" not in seller
