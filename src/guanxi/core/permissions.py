"""Actions a role can grant, registered by each app, and the `require` check every service makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from .errors import Forbidden, NotFound


@dataclass(frozen=True)
class Action:
    code: str  # "<module>.<verb>", e.g. "customers.transfer"
    label: object  # lazily translated

    @property
    def module(self) -> str:
        return self.code.split(".", 1)[0]


_ACTIONS: dict[str, Action] = {}
_MODULES: dict[str, object] = {}


def register_module(module: str, label: object, actions: list[tuple[str, object]]) -> None:
    """Called from an app's `AppConfig.ready()` so roles can grant what the app offers."""
    _MODULES[module] = label
    for verb, action_label in actions:
        code = f"{module}.{verb}"
        _ACTIONS[code] = Action(code, action_label)


def all_actions() -> list[Action]:
    return list(_ACTIONS.values())


def modules() -> dict[str, object]:
    return dict(_MODULES)


def is_known_action(code: str) -> bool:
    return code in _ACTIONS


def require(actor, action: str, obj: models.Model | None = None, *, edit: bool = False) -> None:
    """Refuse unless the actor's roles grant `action` and, for a record, its data scope reaches it.

    A record out of scope raises NotFound, exactly like a missing one, so nothing leaks.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise Forbidden()
    if obj is not None:
        manager: Any = type(obj)._default_manager
        reachable = manager.editable_by(actor) if edit else manager.visible_to(actor)
        if not reachable.filter(pk=obj.pk).exists():
            if edit and manager.visible_to(actor).filter(pk=obj.pk).exists():
                raise Forbidden()
            raise NotFound()
    if not actor.has_action(action):
        raise Forbidden()
