"""Work that runs by the clock: the nightly pool sweep, reminders, digests.

Apps register what runs when (`register_schedule`, from `AppConfig.ready()`). One Huey periodic task
looks every minute for schedules due in that minute, in the installation's time zone. Every worker
runs Huey's scheduler (the one inside `guanxi serve`, or each `guanxi worker` on Redis), so a run is
claimed by inserting its (schedule, minute) row: the unique constraint lets exactly one worker have
it, on SQLite and PostgreSQL alike. Each run is recorded with its outcome for the admins' jobs page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .models import JobStatus, ScheduledRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    name: str
    title: Any
    # When, as people read it ("daily at 02:00"), and as Huey's crontab checks it.
    when: Any
    due: Callable[[dt.datetime], bool]
    run: Callable[[dt.datetime], Any]


_SCHEDULES: dict[str, Schedule] = {}


def register_schedule(name: str, *, title: Any, when: Any, run: Callable[[dt.datetime], Any],
                      minute: str = "0", hour: str = "*", day: str = "*", month: str = "*",
                      day_of_week: str = "*") -> None:
    """`run(now)` does the work for the minute `now` (local time); it must be safe to run again for the
    same minute. Its return value, if a dict, is kept as the run's result. The crontab fields are
    Huey's (and cron's) syntax, read in settings.TIME_ZONE."""
    due = crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)
    _SCHEDULES[name] = Schedule(name=name, title=title, when=when, due=due, run=run)


def schedules() -> list[Schedule]:
    return list(_SCHEDULES.values())


def run_due(now: dt.datetime | None = None) -> list[ScheduledRun]:
    """Run every schedule due in the minute of `now` that no worker has claimed yet; the runs made here."""
    minute = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
    # Huey's crontab compares the fields of a naive time; this one is the local wall clock.
    wall = minute.replace(tzinfo=None)
    made = []
    for schedule in _SCHEDULES.values():
        if not schedule.due(wall):
            continue
        run = _claim(schedule.name, minute)
        if run is not None:
            made.append(_execute(schedule, run, minute))
    return made


def _claim(name: str, minute: dt.datetime) -> ScheduledRun | None:
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(name=name, slot=minute)
    except IntegrityError:
        return None  # another worker has this minute


def _execute(schedule: Schedule, run: ScheduledRun, minute: dt.datetime) -> ScheduledRun:
    try:
        result = schedule.run(minute)
    except Exception as exc:
        # One failing schedule never stops the others; admins see the error on the jobs page.
        log.exception("scheduled work %s failed", schedule.name)
        run.status, run.error = JobStatus.FAILED, f"{exc.__class__.__name__}: {exc}"[:2000]
    else:
        run.status = JobStatus.DONE
        run.result = result if isinstance(result, dict) else {}
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "result", "finished_at"])
    return run


def last_runs(limit: int = 5) -> list[tuple[Schedule, list[ScheduledRun]]]:
    """Each schedule with its latest runs, newest first, for the admins' page: one query per schedule."""
    return [(s, list(ScheduledRun.objects.filter(name=s.name).order_by("-slot")[:limit])) for s in schedules()]


@db_periodic_task(crontab(), name="guanxi.schedules")
def tick() -> None:
    run_due()
