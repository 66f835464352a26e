"""API schemas of the organisation: users, departments, roles, custom field definitions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import Id, InSchema, Position, QuerySchema, absent
from guanxi.core.models import CustomFieldKind
from guanxi.core.permissions import all_actions, modules
from guanxi.core.scopes import DataScope

Text80 = Annotated[str, Field(max_length=80)]


class UserRef(Schema):
    """A person named on a record (owner, author, team member)."""

    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class DepartmentRef(Schema):
    id: int
    name: str


class RoleRef(Schema):
    id: int
    name: str


# -- users --


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    phone: str
    department: DepartmentRef | None
    manager: UserRef | None
    roles: list[RoleRef]
    is_active: bool
    is_superuser: bool
    language: str
    time_zone: str
    date_joined: dt.datetime
    last_login: dt.datetime | None


class MeOut(UserOut):
    """The signed-in user, with what their roles let them do."""

    actions: list[str] = Field(description="Actions the user's roles grant, e.g. customers.edit.")
    scopes: dict[str, DataScope] = Field(description="Effective data scope per module.")

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return sorted(a.code for a in all_actions() if obj.has_action(a.code))

    @staticmethod
    def resolve_scopes(obj) -> dict[str, str]:
        return {m: s for m in modules() if (s := obj.scope_for(m)) is not None}


class UserQuery(QuerySchema):
    q: str = Field("", max_length=100, description="Part of the user name, name, email or phone.")
    department: Id | None = Field(None, description="Department id; includes its sub-departments.")
    active: bool | None = None


class UserIn(InSchema):
    username: str = Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str = Field(min_length=1, max_length=128)
    display_name: Text80 = ""
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    department_id: Id | None = None
    manager_id: Id | None = None
    role_ids: list[Id] = Field(default_factory=list, max_length=100)
    is_superuser: bool = False


class UserPatch(InSchema):
    display_name: Text80 = absent()
    email: str = absent(max_length=254)
    phone: str = absent(max_length=32)
    department_id: Id | None = None
    manager_id: Id | None = None
    language: str = absent(max_length=10)
    time_zone: str = absent(max_length=64)
    role_ids: list[Id] = absent(max_length=100)


# -- departments --


class DepartmentOut(Schema):
    id: int
    name: str
    parent_id: int | None
    depth: int
    position: int


class DepartmentIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    parent_id: Id | None = None
    position: Position = 0


class DepartmentPatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    parent_id: Id | None = None
    position: Position = absent()


# -- roles --


class RoleOut(Schema):
    id: int
    name: str
    description: str
    actions: list[str]
    scopes: dict[str, str]
    require_2fa: bool


ActionCode = Annotated[str, Field(max_length=64)]
ModuleName = Annotated[str, Field(max_length=40)]


class RoleIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=255)
    actions: list[ActionCode] = Field(default_factory=list, max_length=500)
    scopes: dict[ModuleName, DataScope] = Field(default_factory=dict, max_length=100)
    require_2fa: bool = False


class RolePatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    description: str = absent(max_length=255)
    actions: list[ActionCode] = absent(max_length=500)
    scopes: dict[ModuleName, DataScope] = absent(max_length=100)
    require_2fa: bool = absent()


class ActionOut(Schema):
    code: str
    label: str


class ModuleOut(Schema):
    module: str
    label: str
    actions: list[ActionOut]


class ScopeOut(Schema):
    value: str
    label: str


class PermissionsOut(Schema):
    """What a role can grant: actions per module and the data scopes."""

    modules: list[ModuleOut]
    scopes: list[ScopeOut]


# -- custom field definitions --


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    kind: CustomFieldKind
    choices: list[str]
    required: bool
    position: int
    is_active: bool


class CustomFieldQuery(QuerySchema):
    entity: str = Field("", max_length=64, description="e.g. customers.customer or customers.contact")
    include_inactive: bool = Field(False, description="Also deactivated fields (custom field managers only).")


Choice = Annotated[str, Field(max_length=80)]


class CustomFieldIn(InSchema):
    entity: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=80)
    kind: CustomFieldKind
    choices: list[Choice] = Field(default_factory=list, max_length=200)
    required: bool = False
    position: Position = 0


class CustomFieldPatch(InSchema):
    label: str = absent(min_length=1, max_length=80)
    choices: list[Choice] = absent(max_length=200)
    required: bool = absent()
    position: Position = absent()
    is_active: bool = absent()
