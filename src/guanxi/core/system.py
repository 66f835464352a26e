"""The actor for work no person asked for in the moment: CLI setup, demo data, scheduled jobs."""

from .scopes import DataScope


class SystemActor:
    pk = None
    is_active = True
    is_authenticated = True
    is_superuser = True
    department_id = None

    def scope_for(self, module: str) -> DataScope:
        return DataScope.ALL

    def has_action(self, action: str) -> bool:
        return True

    def subordinate_ids(self) -> set[int]:
        return set()

    def department_path(self) -> None:
        return None

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()
