"""Pages of targets: the year grid (people or departments × months or quarters), editing one cell
inline, and setting many cells at once."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.money import Currency
from guanxi.core.paging import keyset_page
from guanxi.customers.views.common import error_page, guarded, render_listing
from guanxi.org.models import Department

from . import selectors, services
from .choices import Metric, PeriodKind, SubjectKind
from .forms import COLUMN_CHOICES, ROW_CHOICES, BulkForm, CellForm, GridForm
from .periods import Period, periods_of_year
from .progress import TargetProgress, progress_of

ROWS_PER_PAGE = 50
USER_ROW_ORDERING = ["display_name", "username", "id"]
DEPARTMENT_ROW_ORDERING = ["path", "id"]


@dataclass
class Cell:
    """One period of one row: the target there (with its progress) and any error from saving it."""

    subject: str
    subject_id: int
    name: str
    period: Period
    progress: TargetProgress | None
    error: str = ""

    @property
    def dom_id(self) -> str:
        return f"cell-{self.subject}-{self.subject_id}-{self.period.key}"


def _columns(grid: dict) -> list[Period]:
    """The grid's months or quarters, then the whole year."""
    return [*periods_of_year(grid["columns"], grid["year"]), Period(grid["year"], PeriodKind.YEAR, 1)]


def _grid_url(grid: dict) -> str:
    return reverse("targets:list") + "?" + urlencode(grid)


def _progress_by_cell(actor, grid: dict, columns: list[Period], ids: list[int]) -> dict[tuple, TargetProgress]:
    if grid["rows"] == SubjectKind.USER:
        targets = selectors.targets_in_periods(actor=actor, periods=columns, metric=grid["metric"], subject="user",
                                               user_ids=ids)
    else:
        targets = selectors.targets_in_periods(actor=actor, periods=columns, metric=grid["metric"],
                                               subject="department", department_ids=ids)
    return {(p.target.user_id or p.target.department_id, p.period): p for p in progress_of(targets)}


def _grid_context(request, grid: dict) -> dict:
    actor = request.user
    columns = _columns(grid)
    if grid["rows"] == SubjectKind.USER:
        subjects = selectors.target_user_choices(actor=actor)
        ordering = USER_ROW_ORDERING
    else:
        subjects = selectors.target_department_choices(actor=actor)
        ordering = DEPARTMENT_ROW_ORDERING
    error = None
    try:
        page = keyset_page(subjects, ordering, request.GET.get("cursor") or None, ROWS_PER_PAGE)
    except DomainError as exc:
        page, error = None, str(exc.message)
    items = page.items if page else []
    progress = _progress_by_cell(actor, grid, columns, [s.pk for s in items])
    rows = [{"subject": s, "cells": [Cell(grid["rows"], s.pk, str(s), period, progress.get((s.pk, period)))
                                     for period in columns]} for s in items]
    return {
        "grid": grid,
        "columns": columns,
        "rows": rows,
        "page": page,
        "error": error,
        "can_manage": actor.has_action("targets.manage"),
        "metric_label": Metric(grid["metric"]).label,
        "bulk_form": BulkForm(period_choices=columns) if actor.has_action("targets.manage") else None,
        "metrics": Metric.choices,
        "currencies": Currency.choices,
        "column_choices": COLUMN_CHOICES,
        "row_choices": ROW_CHOICES,
    }


@guarded("targets.view")
def target_grid(request):
    """The targets of a year, with progress; managers type into the cells to set them."""
    grid = GridForm(request.GET or None).settings()
    return render_listing(request, "targets/target_grid.html", _grid_context(request, grid))


def _subject(actor, kind: str, subject_id: int):
    """The person or department of a posted cell, among those the actor reaches; 404 otherwise."""
    choices = (selectors.target_user_choices(actor=actor) if kind == SubjectKind.USER
               else selectors.target_department_choices(actor=actor))
    subject = choices.filter(pk=subject_id).first()
    if subject is None:
        raise NotFound()
    return subject


def _message(exc: DomainError) -> str:
    return " ".join(str(m) for msgs in exc.errors.values() for m in msgs) or str(exc.message)


def _current_cell(actor, kind: str, subject, period: Period, metric: str, error: str = "") -> Cell:
    """The cell as it now stands in the database (after a save, or after a refused one)."""
    lookup = {"user_id": subject.pk} if kind == SubjectKind.USER else {"department_id": subject.pk}
    target = selectors.target_list(actor=actor).filter(
        metric=metric, year=period.year, period_kind=period.kind, period_index=period.index, **lookup).first()
    progress = progress_of([target])[0] if target is not None else None
    return Cell(kind, subject.pk, str(subject), period, progress, error)


@require_POST
@guarded("targets.manage")
def target_cell(request):
    """Save one cell typed in the grid; HTMX swaps the cell, a plain form post returns to the grid."""
    actor = request.user
    form = CellForm(request.POST)
    grid = GridForm(request.POST).settings()
    if not form.is_valid():
        return error_page(request, 400, " ".join(str(m) for msgs in form.errors.values() for m in msgs))
    data = form.cleaned_data
    try:
        period = form.period()
    except DomainError as exc:
        return error_page(request, 400, _message(exc))
    subject = _subject(actor, data["subject"], data["subject_id"])
    key = "user" if data["subject"] == SubjectKind.USER else "department"
    error = ""
    try:
        services.target_set(actor=actor, **{key: subject}, period=period, metric=data["metric"],
                            amount=data["amount"], currency=data["currency"], expected_version=data["version"])
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        error = _message(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Target saved."))
        return redirect(_grid_url(grid))
    cell = _current_cell(actor, data["subject"], subject, period, data["metric"], error)
    return render(request, "targets/target_grid.html#cell", {"cell": cell, "grid": grid, "can_manage": True})


@require_POST
@guarded("targets.manage")
def target_bulk(request):
    """Set the same target for every ticked row in every chosen column."""
    actor = request.user
    grid = GridForm(request.POST).settings()
    form = BulkForm(request.POST, period_choices=_columns(grid))
    if form.is_valid():
        ids = set(form.cleaned_data["ids"])
        by_user = grid["rows"] == SubjectKind.USER
        users = list(get_user_model().objects.filter(pk__in=ids)) if by_user else []
        departments = [] if by_user else list(Department.objects.filter(pk__in=ids))
        try:
            if len(users) + len(departments) != len(ids):
                raise NotFound()
            count = services.target_bulk_set(actor=actor, users=users, departments=departments,
                                             periods=form.chosen_periods(), metric=grid["metric"],
                                             amount=form.cleaned_data["amount"], currency=grid["currency"])
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, ngettext("%(n)d target set.", "%(n)d targets set.", count) % {"n": count})
            return redirect(_grid_url(grid))
    context = _grid_context(request, grid)
    context["bulk_form"] = form
    return render(request, "targets/target_grid.html", context, status=400)
