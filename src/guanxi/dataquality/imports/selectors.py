"""Every read of imports: a user's own imports and templates, and the preview of a file's first rows
as the run would take them in (nothing is written)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from guanxi.core.errors import NotFound
from guanxi.core.permissions import require

from . import running
from .cells import text as cell_text
from .choices import ImportStatus, RowAction
from .models import Import, MappingTemplate
from .registry import Importable
from .services import importable_for

PREVIEW_ROWS = 20
MAX_PREVIEW_ROWS = 200
# A cell shown in the preview is cut to this many characters; the run reads it whole.
CELL_SHOWN = 200


def import_list(*, actor) -> QuerySet[Import]:
    """The imports the actor uploaded, newest first; an administrator sees everyone's."""
    require(actor, "dataquality.import")
    imports = Import.objects.select_related("owner", "job")
    if getattr(actor, "is_superuser", False):
        return imports
    return imports.filter(owner_id=actor.pk)


def import_get(*, actor, id: int) -> Import:
    found = import_list(actor=actor).filter(pk=id).first()
    if found is None:
        raise NotFound()
    return found


def template_list(*, actor, entity: str | None) -> QuerySet[MappingTemplate]:
    """The actor's saved mappings, of one entity or (None) of all."""
    require(actor, "dataquality.import")
    templates = MappingTemplate.objects.filter(owner_id=actor.pk)
    return templates if entity is None else templates.filter(entity=entity)


def template_get(*, actor, id: int) -> MappingTemplate:
    require(actor, "dataquality.import")
    found = MappingTemplate.objects.filter(owner_id=actor.pk, pk=id).first()
    if found is None:
        raise NotFound()
    return found


def earlier_imports(*, actor, data_import: Import) -> list[Import]:
    """The actor's earlier imports of the very same file: its rows will be recognised, not written twice."""
    return list(import_list(actor=actor).filter(file_hash=data_import.file_hash, entity=data_import.entity)
                .exclude(pk=data_import.pk).exclude(status=ImportStatus.DRAFT)[:5])


@dataclass
class PreviewRow:
    number: int
    cells: list[str]
    action: str
    action_label: str
    reason: str
    errors: dict[str, list[str]]
    matches: list[dict[str, Any]]


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    total_rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # action → rows among those previewed


def _shown(value: Any) -> str:
    text = cell_text(value)
    return text if len(text) <= CELL_SHOWN else text[:CELL_SHOWN] + "…"


def import_preview(*, actor, data_import: Import, limit: int = PREVIEW_ROWS) -> Preview:
    """The first `limit` rows, checked and matched as the run would, with what each would do."""
    if data_import.owner_id != getattr(actor, "pk", None) and not getattr(actor, "is_superuser", False):
        raise NotFound()
    target: Importable = importable_for(actor, data_import.entity)
    limit = max(1, min(limit, MAX_PREVIEW_ROWS))
    runner = running.Runner(data_import, target, actor)
    rows = list(runner.rows(limit=limit))
    runner.check(rows)
    labels = dict(RowAction.choices)
    preview = Preview(total_rows=data_import.total_rows, counts=dict(Counter(str(r.action) for r in rows)))
    for row in rows:
        preview.rows.append(PreviewRow(
            number=row.number, cells=[_shown(c) for c in row.cells], action=str(row.action),
            action_label=str(labels.get(row.action, "")), reason=runner.describe(row),
            errors={runner.labels.get(k, k): v for k, v in row.errors.items()},
            matches=[m.as_dict() for m in row.matches],
        ))
    return preview
