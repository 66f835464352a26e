"""Writes of pipelines (销售流程), their stages and the lost-reason list, for `opportunities.manage_pipelines`.

Every pipeline keeps exactly one won stage and at least one lost stage among its active stages,
so any opportunity can be closed either way. A won stage always means 100 % and a lost stage 0 %.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core import audit, events
from guanxi.core.errors import DomainError
from guanxi.core.permissions import require
from guanxi.core.records import validate
from guanxi.core.system import SYSTEM

from .. import errors
from ..choices import StageKind
from ..models import LostReason, Opportunity, Pipeline, Stage, StageChange

MANAGE = "opportunities.manage_pipelines"

# The stages a new pipeline starts with; names are translated into the language active when it is created.
DEFAULT_STAGES = [
    (gettext_noop("Initial contact"), 10, StageKind.OPEN),
    (gettext_noop("Needs confirmed"), 25, StageKind.OPEN),
    (gettext_noop("Proposal and quote"), 50, StageKind.OPEN),
    (gettext_noop("Negotiation"), 75, StageKind.OPEN),
    (gettext_noop("Won"), 100, StageKind.WON),
    (gettext_noop("Lost"), 0, StageKind.LOST),
]
DEFAULT_LOST_REASONS = [
    gettext_noop("Price too high"),
    gettext_noop("Chose a competitor"),
    gettext_noop("No budget"),
    gettext_noop("The need went away"),
    gettext_noop("No response"),
]
STAGE_FIELDS = ["name", "probability", "kind", "is_active", "position"]
PIPELINE_FIELDS = ["name", "is_default", "is_active", "position"]


def _invalid(field: str, message: str, code: str = "invalid") -> DomainError:
    return DomainError(code, _("Please correct the errors below."), {field: [message]})


def _fixed_probability(stage: Stage) -> None:
    if stage.kind == StageKind.WON:
        stage.probability = 100
    elif stage.kind == StageKind.LOST:
        stage.probability = 0


def _check_rules(stages: list[Stage]) -> None:
    """Exactly one won and at least one lost stage among the active ones, and at least one open stage."""
    active = [s for s in stages if s.is_active]
    won = sum(1 for s in active if s.kind == StageKind.WON)
    lost = sum(1 for s in active if s.kind == StageKind.LOST)
    opened = sum(1 for s in active if s.kind == StageKind.OPEN)
    if won != 1:
        raise DomainError(errors.PIPELINE_RULES, _("A pipeline needs exactly one won stage."))
    if lost < 1:
        raise DomainError(errors.PIPELINE_RULES, _("A pipeline needs at least one lost stage."))
    if opened < 1:
        raise DomainError(errors.PIPELINE_RULES, _("A pipeline needs at least one open stage."))


def _create_default_stages(pipeline: Pipeline) -> None:
    Stage.objects.bulk_create([
        Stage(pipeline=pipeline, name=_(name), probability=probability, kind=kind, position=i)
        for i, (name, probability, kind) in enumerate(DEFAULT_STAGES)
    ])


def _free_name(name: str) -> str:
    """`name`, or `name (2)`, `name (3)`… when a pipeline is already called that."""
    candidate, n = name, 1
    while Pipeline.objects.filter(name=candidate).exists():
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def _usable_default() -> Pipeline | None:
    return Pipeline.objects.filter(is_active=True).order_by("-is_default", "position", "id").first()


def pipeline_default() -> Pipeline:
    """The pipeline new opportunities go into; creates one with the usual stages (in the active language)
    and the usual lost reasons when there is no active pipeline yet."""
    found = _usable_default()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            pipeline = Pipeline.objects.create(name=_free_name(_("Sales pipeline")), is_default=True)
            _create_default_stages(pipeline)
            if not LostReason.objects.exists():
                LostReason.objects.bulk_create([LostReason(name=_(name), position=i)
                                                for i, name in enumerate(DEFAULT_LOST_REASONS)])
            audit.record(SYSTEM, "pipeline.created", pipeline)
    except IntegrityError:
        # Another request created it at the same moment.
        found = _usable_default()
        if found is None:
            raise
        return found
    return pipeline


# -- pipelines --


def pipeline_create(*, actor, name: str, is_default: bool = False) -> Pipeline:
    """A new pipeline starts with the usual stages; rename, add or remove them afterwards."""
    require(actor, MANAGE)
    pipeline = Pipeline(name=(name or "").strip(), is_default=is_default)
    validate(pipeline)
    if Pipeline.objects.filter(name=pipeline.name).exists():
        raise _invalid("name", _("A pipeline with this name already exists."))
    pipeline.position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    with transaction.atomic():
        if is_default:
            Pipeline.objects.filter(is_default=True).update(is_default=False)
        pipeline.save()
        _create_default_stages(pipeline)
        audit.record(actor, "pipeline.created", pipeline, {"name": [None, pipeline.name]})
    events.emit("pipeline.created", {"id": pipeline.pk})
    return pipeline


def pipeline_update(*, actor, pipeline: Pipeline, data: dict[str, Any]) -> Pipeline:
    require(actor, MANAGE)
    unknown = set(data) - set(PIPELINE_FIELDS)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = audit.snapshot(pipeline, list(data))
    for key, value in data.items():
        setattr(pipeline, key, value.strip() if isinstance(value, str) else value)
    validate(pipeline)
    if Pipeline.objects.filter(name=pipeline.name).exclude(pk=pipeline.pk).exists():
        raise _invalid("name", _("A pipeline with this name already exists."))
    if pipeline.is_default and not pipeline.is_active:
        raise _invalid("is_active", _("The default pipeline stays active; make another pipeline the default first."))
    changes = audit.diff(before, audit.snapshot(pipeline, list(data)))
    with transaction.atomic():
        if pipeline.is_default:
            Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
        pipeline.save(update_fields=list(data))
        audit.record(actor, "pipeline.updated", pipeline, changes)
    return pipeline


def pipeline_delete(*, actor, pipeline: Pipeline) -> None:
    """Only a pipeline no opportunity ever used; otherwise deactivate it."""
    require(actor, MANAGE)
    if Opportunity.objects.filter(pipeline=pipeline).exists():
        raise DomainError(errors.IN_USE, _("Opportunities use this pipeline; deactivate it instead."))
    if pipeline.is_default:
        raise DomainError(errors.IN_USE, _("Make another pipeline the default before deleting this one."))
    with transaction.atomic():
        audit.record(actor, "pipeline.deleted", pipeline, extra={"name": pipeline.name})
        pipeline.delete()


# -- stages --


def _pipeline_stages(pipeline: Pipeline) -> list[Stage]:
    return list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id"))


def _check_stage_name(stage: Stage) -> None:
    clash = Stage.objects.filter(pipeline_id=stage.pipeline_id, name=stage.name).exclude(pk=stage.pk).first()
    if clash is not None:
        message = _("This pipeline already has a stage with this name.") if clash.is_active else _(
            "This pipeline has an inactive stage with this name; choose another name.")
        raise _invalid("name", message)


def stage_create(*, actor, pipeline: Pipeline, name: str, probability: int = 0, kind: str = StageKind.OPEN,
                 position: int | None = None) -> Stage:
    """A new stage goes last among the open stages unless a position is given."""
    require(actor, MANAGE)
    stages = _pipeline_stages(pipeline)
    stage = Stage(pipeline=pipeline, name=(name or "").strip(), probability=probability, kind=kind)
    _fixed_probability(stage)
    validate(stage, exclude=["position"])
    _check_stage_name(stage)
    _check_rules([*stages, stage])
    if position is None:
        open_positions = [s.position for s in stages if s.kind == StageKind.OPEN]
        position = (max(open_positions) + 1) if open_positions and kind == StageKind.OPEN else (
            max([s.position for s in stages], default=-1) + 1)
    stage.position = position
    with transaction.atomic():
        # Make room so the stages after it keep their order.
        Stage.objects.filter(pipeline=pipeline, position__gte=position).exclude(pk=stage.pk).update(
            position=F("position") + 1)
        stage.save()
        audit.record(actor, "stage.created", stage, audit.diff({}, audit.snapshot(stage, STAGE_FIELDS)),
                     timeline=pipeline)
    return stage


def stage_update(*, actor, stage: Stage, data: dict[str, Any]) -> Stage:
    """Rename, re-weigh, change the kind of, or deactivate a stage.

    A new probability applies at once to the stage's opportunities that have no probability of
    their own. The kind and the active flag change only while no opportunity is in the stage,
    since an opportunity's status follows its stage's kind.
    """
    require(actor, MANAGE)
    allowed = ["name", "probability", "kind", "is_active"]
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = audit.snapshot(stage, allowed)
    old_kind, old_active = stage.kind, stage.is_active
    for key, value in data.items():
        setattr(stage, key, value.strip() if isinstance(value, str) else value)
    _fixed_probability(stage)
    validate(stage)
    _check_stage_name(stage)
    occupied = Opportunity.objects.filter(stage=stage).exists()
    if occupied and (stage.kind != old_kind or (old_active and not stage.is_active)):
        raise DomainError(errors.STAGE_IN_USE, _("Opportunities are in this stage; move them to another stage "
                                                 "first (delete the stage to be offered that)."))
    others = [s for s in _pipeline_stages(stage.pipeline) if s.pk != stage.pk]
    _check_rules([*others, stage])
    after = audit.snapshot(stage, allowed)
    changes = audit.diff(before, after)
    with transaction.atomic():
        stage.save(update_fields=allowed)
        if "probability" in changes:
            Opportunity.objects.filter(stage=stage, probability_overridden=False).update(
                probability=stage.probability)
        audit.record(actor, "stage.updated", stage, changes, timeline=stage.pipeline)
    return stage


def stage_reorder(*, actor, pipeline: Pipeline, stage_ids: list[int]) -> list[Stage]:
    """Put the pipeline's stages in the order of `stage_ids`, which must name each of them once."""
    require(actor, MANAGE)
    stages = {s.pk: s for s in _pipeline_stages(pipeline)}
    if sorted(stage_ids) != sorted(stages) or len(set(stage_ids)) != len(stage_ids):
        raise _invalid("stage_ids", _("List every stage of this pipeline once."))
    ordered = [stages[pk] for pk in stage_ids]
    before = [s.name for s in sorted(stages.values(), key=lambda s: (s.position, s.pk))]
    for i, stage in enumerate(ordered):
        stage.position = i
    with transaction.atomic():
        Stage.objects.bulk_update(ordered, ["position"])
        audit.record(actor, "pipeline.stages_reordered", pipeline, {"stages": [before, [s.name for s in ordered]]})
    return ordered


def stage_delete(*, actor, stage: Stage, move_to: Stage | None = None) -> int:
    """Delete a stage, first moving its opportunities (also those in the recycle bin) to `move_to`.

    A stage named in some opportunity's history is kept as inactive, so the history still reads
    right; otherwise it is deleted. Returns how many opportunities were moved.
    """
    require(actor, MANAGE)
    pipeline = stage.pipeline
    others = [s for s in _pipeline_stages(pipeline) if s.pk != stage.pk]
    _check_rules(others)
    occupants = list(Opportunity.objects.filter(stage=stage).select_related("stage"))
    if occupants and move_to is None:
        raise DomainError(errors.STAGE_IN_USE, _("%(n)d opportunities are in this stage. Choose a stage to move "
                                                 "them to.") % {"n": len(occupants)},
                          {"move_to": [_("Choose a stage to move the opportunities to.")]})
    if occupants and move_to is not None:
        if move_to.pk == stage.pk or move_to.pipeline_id != pipeline.pk or not move_to.is_active:
            raise _invalid("move_to", _("Choose another active stage of the same pipeline."))
        if move_to.kind != stage.kind:
            raise _invalid("move_to", _("Choose a stage of the same kind, so the opportunities keep their status."))
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    with transaction.atomic():
        if occupants and move_to is not None:
            Opportunity.objects.filter(stage=stage).update(stage=move_to, stage_entered_at=now)
            Opportunity.objects.filter(stage=move_to, probability_overridden=False).exclude(
                probability=move_to.probability).update(probability=move_to.probability)
            StageChange.objects.bulk_create([
                StageChange(opportunity=o, from_stage=stage, to_stage=move_to, changed_by_id=actor_id,
                            changed_at=now, seconds_in_previous=_seconds_since(o, now))
                for o in occupants
            ], batch_size=1000)
            audit.record_many([audit.build(actor, "opportunity.moved", o, {"stage": [stage.name, move_to.name]})
                               for o in occupants])
        in_history = StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
        if in_history:
            stage.is_active = False
            stage.save(update_fields=["is_active"])
        audit.record(actor, "stage.deleted", stage, extra={"name": stage.name, "moved": len(occupants)},
                     timeline=pipeline)
        if not in_history:
            stage.delete()
    for o in occupants:
        events.emit("opportunity.moved", {"id": o.pk, "stage": move_to.pk if move_to else None})
    return len(occupants)


def _seconds_since(opportunity: Opportunity, now) -> int:
    entered = opportunity.stage_entered_at or opportunity.created_at
    return max(0, int((now - entered).total_seconds())) if entered else 0


# -- lost reasons --


def lost_reason_create(*, actor, name: str, position: int = 0) -> LostReason:
    require(actor, MANAGE)
    reason = LostReason(name=(name or "").strip(), position=position)
    validate(reason)
    if LostReason.objects.filter(name=reason.name).exists():
        raise _invalid("name", _("This lost reason is already on the list."))
    with transaction.atomic():
        reason.save()
        audit.record(actor, "lost_reason.created", reason)
    return reason


def lost_reason_update(*, actor, reason: LostReason, data: dict[str, Any]) -> LostReason:
    require(actor, MANAGE)
    allowed = ["name", "is_active", "position"]
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = audit.snapshot(reason, list(data))
    for key, value in data.items():
        setattr(reason, key, value.strip() if isinstance(value, str) else value)
    validate(reason)
    if LostReason.objects.filter(name=reason.name).exclude(pk=reason.pk).exists():
        raise _invalid("name", _("This lost reason is already on the list."))
    with transaction.atomic():
        reason.save(update_fields=list(data))
        audit.record(actor, "lost_reason.updated", reason, audit.diff(before, audit.snapshot(reason, list(data))))
    return reason


def lost_reason_delete(*, actor, reason: LostReason) -> bool:
    """Deletes a reason no opportunity gave; one in use is deactivated instead. True when deleted."""
    require(actor, MANAGE)
    with transaction.atomic():
        if Opportunity.objects.filter(lost_reason=reason).exists():
            reason.is_active = False
            reason.save(update_fields=["is_active"])
            audit.record(actor, "lost_reason.updated", reason, {"is_active": [True, False]})
            return False
        audit.record(actor, "lost_reason.deleted", reason, extra={"name": reason.name})
        reason.delete()
    return True
