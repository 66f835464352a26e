"""Reads of the duplicate review, bounded by the reviewer's data scope: a group shows only when every
live member is a record the reviewer may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from guanxi.core.errors import NotFound
from guanxi.core.paging import Page, keyset_page
from guanxi.core.permissions import require

from . import records
from .choices import DuplicateEntity, GroupStatus, ScanStatus
from .models import DuplicateGroup, DuplicateMember, DuplicateScan

ORDERING = ["-score", "-id"]


def duplicate_scan_latest(*, actor) -> DuplicateScan | None:
    """The scan whose groups are under review: the last one that finished."""
    require(actor, "dataquality.scan")
    return DuplicateScan.objects.filter(status=ScanStatus.DONE).order_by("-id").first()


def duplicate_scan_get(*, actor, id: int) -> DuplicateScan:
    """Any scan, with its job: scans are not records of anyone's, so every reviewer may follow them."""
    require(actor, "dataquality.scan")
    scan = DuplicateScan.objects.select_related("job").filter(pk=id).first()
    if scan is None:
        raise NotFound()
    return scan


def duplicate_scan_running(*, actor) -> DuplicateScan | None:
    require(actor, "dataquality.scan")
    return DuplicateScan.objects.filter(status=ScanStatus.RUNNING).select_related("job").first()


def _in_reach(qs: QuerySet, actor, entity: str) -> QuerySet:
    """Groups none of whose live members lies outside the actor's scope."""
    live = records.live(entity).filter(pk=OuterRef("object_id"))
    seen = records.visible(entity, actor).filter(pk=OuterRef("object_id"))
    hidden = DuplicateMember.objects.filter(group=OuterRef("pk")).filter(Exists(live)).exclude(Exists(seen))
    return qs.filter(entity=entity).exclude(Exists(hidden))


def duplicate_group_list(*, actor, entity: str = DuplicateEntity.CUSTOMER,
                         status: str = GroupStatus.OPEN) -> QuerySet[DuplicateGroup]:
    """Groups of the latest scan the actor may review, surest first."""
    scan = duplicate_scan_latest(actor=actor)
    if scan is None or entity not in DuplicateEntity.values:
        return DuplicateGroup.objects.none()
    qs = DuplicateGroup.objects.filter(scan=scan, status=status).select_related("dismissed_by")
    return _in_reach(qs, actor, entity)


def duplicate_group_page(*, actor, entity: str, status: str, cursor: str | None, limit: int = 50) -> Page:
    return keyset_page(duplicate_group_list(actor=actor, entity=entity, status=status), ORDERING, cursor, limit)


def duplicate_group_get(*, actor, id: int) -> DuplicateGroup:
    """One group of the latest scan, open or dismissed; NotFound when any live member is out of reach."""
    scan = duplicate_scan_latest(actor=actor)
    group = DuplicateGroup.objects.filter(pk=id, scan=scan).first() if scan else None
    if group is None or not _in_reach(DuplicateGroup.objects.filter(pk=id), actor, group.entity).exists():
        raise NotFound()
    return group


def duplicate_group_members(*, actor, groups: list[DuplicateGroup], fields: bool = True
                            ) -> dict[int, list[records.Member]]:
    """The members of each group as the actor may see them, one query per kind of record; `fields`
    adds what the side-by-side view shows of each."""
    shown: dict[int, list[records.Member]] = {}
    for entity in DuplicateEntity.values:
        ids = {g.pk: g.member_ids for g in groups if g.entity == entity}
        if ids:
            shown.update(records.members(entity, ids, actor, fields=fields))
    return shown
