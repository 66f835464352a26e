"""The "My targets" card of the home page: the signed-in person's progress this month, quarter
and year, and for managers their team's ranking this month."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from . import scopes
from .choices import Metric
from .periods import current_periods
from .progress import ranked, target_progress

PERIOD_TITLES = [_("This month"), _("This quarter"), _("This year")]
RANKING_SIZE = 10


def home_card(actor, *, now: dt.datetime | None = None) -> dict | None:
    """What the card shows, or None for someone who may not see targets at all."""
    if not actor.has_action("targets.view"):
        return None
    periods = current_periods(now)
    mine = target_progress(actor=actor, periods=periods, subject="user", user_ids=[actor.pk])
    groups = [{"title": title, "period": period, "rows": [p for p in mine if p.period == period]}
              for title, period in zip(PERIOD_TITLES, periods, strict=True)]
    ranking = None
    if scopes.reads_team(actor):
        team = ranked(target_progress(actor=actor, periods=periods[:1], subject="user"))
        ranking = []
        for metric in Metric:
            rows = [p for p in team if p.target.metric == metric]
            if rows:
                ranking.append({"metric": metric.label, "rows": rows[:RANKING_SIZE], "more": len(rows) > RANKING_SIZE})
    return {"groups": groups, "ranking": ranking, "month": periods[0]}
