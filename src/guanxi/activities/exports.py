"""The follow-up list (跟进记录) as an export: the list page's kind and author filters, its selector
(follow-ups of customers in the user's scope), newest first."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from guanxi.core.errors import DomainError
from guanxi.dataquality.exports.registry import DATETIME, NUMBER, Column, register_export

from . import selectors
from .choices import FollowUpKind

# The list page's order; keyset paging needs it to end in the primary key.
ORDERING = ["-occurred_at", "-id"]
MAX_ID = 2**63 - 1


@dataclass
class FollowUpExportFilters:
    """What the follow-up list page filters by, refused with the same messages when malformed."""

    kind: str = ""
    author: int | None = None

    ordering = ORDERING

    @classmethod
    def from_query(cls, params) -> FollowUpExportFilters:
        errors: dict[str, list[str]] = {}
        kind = str(params.get("kind") or "").strip()
        author = str(params.get("author") or "").strip()
        if kind and kind not in FollowUpKind.values:
            errors["kind"] = [_("This kind of follow-up does not exist.")]
        if author and (not author.isdigit() or int(author) > MAX_ID):
            errors["author"] = [_("Choose an author from the list.")]
        if errors:
            raise DomainError("invalid_filter", _("Some filters are not valid."), errors)
        return cls(kind=kind, author=int(author) if author else None)


def _rows(*, actor, filters: FollowUpExportFilters):
    return selectors.follow_up_list(actor=actor, kind=filters.kind, author_id=filters.author)


def follow_up_columns(actor) -> list[Column]:
    return [
        Column(gettext_lazy("ID"), lambda f: f.pk, NUMBER),
        Column(gettext_lazy("Time"), lambda f: f.occurred_at, DATETIME),
        Column(pgettext_lazy("follow-up", "Kind"), lambda f: f.get_kind_display()),
        Column(gettext_lazy("Customer"), lambda f: f.customer.name),
        Column(gettext_lazy("Contact"), lambda f: f.contact.name if f.contact_id else ""),
        Column(gettext_lazy("Author"), lambda f: str(f.author or "")),
        Column(gettext_lazy("What happened"), lambda f: f.content),
        Column(gettext_lazy("Next follow-up"), lambda f: f.next_follow_up_at, DATETIME),
        # Attachments come from the selector's prefetch: one query per chunk.
        Column(gettext_lazy("Attachments"), lambda f: ", ".join(a.name for a in f.attachments.all())),
    ]


def register() -> None:
    register_export(
        "follow_ups", title=gettext_lazy("Follow-ups"), action="activities.export", audit_action="follow_up.exported",
        filters_from_query=FollowUpExportFilters.from_query, rows=_rows, columns=follow_up_columns,
        filter_labels={"kind": pgettext_lazy("follow-up", "Kind"), "author": gettext_lazy("Author")},
    )
