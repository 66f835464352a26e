"""REST API of the organisation: the signed-in user, users, departments, roles, custom fields."""

from __future__ import annotations

from ninja import Query, Router, Status

from guanxi.core import customfields
from guanxi.core import services as core_services
from guanxi.core.api_paging import PageOut, PageParams, as_page, paginate
from guanxi.core.api_schemas import Id, errors, pick, pick_many
from guanxi.core.api_schemas import lazy_text as _
from guanxi.core.errors import DomainError
from guanxi.core.permissions import all_actions, modules
from guanxi.core.scopes import DataScope

from . import selectors, services
from .schemas import (
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    CustomFieldQuery,
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
    MeOut,
    PermissionsOut,
    RoleIn,
    RoleOut,
    RolePatch,
    UserIn,
    UserOut,
    UserPatch,
    UserQuery,
)

router = Router()

ROLE_ORDERING = ["name", "id"]


def _user_refs(data: dict) -> dict:
    """Turn `department_id` / `manager_id` of a body into the records the service takes."""
    out = dict(data)
    if "department_id" in out:
        out["department"] = pick(selectors.department_choices(), out.pop("department_id"), "department_id")
    if "manager_id" in out:
        out["manager"] = pick(selectors.manager_choices(), out.pop("manager_id"), "manager_id")
    return out


# -- the signed-in user --


@router.get("/me", response={200: MeOut, **errors()}, tags=["me"], summary=_("The signed-in user"))
def me(request):
    """Who the token or session belongs to, with the actions and data scopes their roles grant."""
    return request.auth


# -- users --


@router.get("/users", response={200: PageOut[UserOut], **errors(400, 403, 422)}, tags=["users"],
            summary=_("List users"))
def list_users(request, filters: Query[UserQuery], paging: Query[PageParams]):
    department = pick(selectors.department_choices(), filters.department, "department")
    page = selectors.user_page(
        actor=request.auth,
        filters=selectors.UserFilters(q=filters.q, department=department, active=filters.active),
        cursor=paging.cursor or None, limit=paging.limit,
    )
    return as_page(page)


@router.get("/users/{user_id}", response={200: UserOut, **errors(403, 404, 422)}, tags=["users"],
            summary=_("Get a user"))
def get_user(request, user_id: Id):
    return selectors.user_get(actor=request.auth, id=user_id)


@router.post("/users", response={201: UserOut, **errors(400, 403, 422)}, tags=["users"],
             summary=_("Create a user"))
def create_user(request, payload: UserIn):
    data = _user_refs(payload.model_dump())
    roles = pick_many(selectors.role_choices(), data.pop("role_ids"), "role_ids")
    user = services.user_create(actor=request.auth, roles=roles, **data)
    return Status(201, selectors.user_get(actor=request.auth, id=user.pk))


@router.patch("/users/{user_id}", response={200: UserOut, **errors(400, 403, 404, 422)}, tags=["users"],
              summary=_("Update a user"))
def update_user(request, user_id: Id, payload: UserPatch):
    user = selectors.user_get(actor=request.auth, id=user_id)
    data = _user_refs(payload.model_dump(exclude_unset=True))
    role_ids = data.pop("role_ids", None)
    roles = pick_many(selectors.role_choices(), role_ids, "role_ids") if role_ids is not None else None
    services.user_update(actor=request.auth, user=user, data=data, roles=roles)
    return selectors.user_get(actor=request.auth, id=user.pk)


@router.post("/users/{user_id}/deactivate", response={200: UserOut, **errors(400, 403, 404, 422)},
             tags=["users"], summary=_("Deactivate a user"))
def deactivate_user(request, user_id: Id):
    """Ends their sessions and revokes their API tokens at once; their records stay theirs."""
    user = selectors.user_get(actor=request.auth, id=user_id)
    services.user_deactivate(actor=request.auth, user=user)
    return selectors.user_get(actor=request.auth, id=user.pk)


@router.post("/users/{user_id}/reactivate", response={200: UserOut, **errors(400, 403, 404, 422)},
             tags=["users"], summary=_("Reactivate a user"))
def reactivate_user(request, user_id: Id):
    user = selectors.user_get(actor=request.auth, id=user_id)
    services.user_reactivate(actor=request.auth, user=user)
    return selectors.user_get(actor=request.auth, id=user.pk)


# -- departments --


@router.get("/departments", response={200: list[DepartmentOut], **errors(403)}, tags=["departments"],
            summary=_("List departments"))
def list_departments(request):
    """The whole tree in order (parents before their children); departments are few, so no paging."""
    return selectors.department_tree(actor=request.auth)


@router.get("/departments/{department_id}", response={200: DepartmentOut, **errors(403, 404, 422)},
            tags=["departments"], summary=_("Get a department"))
def get_department(request, department_id: Id):
    return selectors.department_get(actor=request.auth, id=department_id)


@router.post("/departments", response={201: DepartmentOut, **errors(400, 403, 422)}, tags=["departments"],
             summary=_("Create a department"))
def create_department(request, payload: DepartmentIn):
    parent = pick(selectors.department_choices(), payload.parent_id, "parent_id")
    department = services.department_create(actor=request.auth, name=payload.name, parent=parent,
                                            position=payload.position)
    return Status(201, department)


@router.patch("/departments/{department_id}", response={200: DepartmentOut, **errors(400, 403, 404, 422)},
              tags=["departments"], summary=_("Update a department"))
def update_department(request, department_id: Id, payload: DepartmentPatch):
    """Moving a department under another (`parent_id`) moves its whole subtree."""
    department = selectors.department_get(actor=request.auth, id=department_id)
    data = payload.model_dump(exclude_unset=True)
    parent = (pick(selectors.department_choices(), data["parent_id"], "parent_id") if "parent_id" in data
              else department.parent)
    return services.department_update(actor=request.auth, department=department,
                                      name=data.get("name", department.name), parent=parent,
                                      position=data.get("position", department.position))


@router.delete("/departments/{department_id}", response={204: None, **errors(400, 403, 404, 422)},
               tags=["departments"], summary=_("Delete an empty department"))
def delete_department(request, department_id: Id):
    department = selectors.department_get(actor=request.auth, id=department_id)
    services.department_delete(actor=request.auth, department=department)
    return Status(204, None)


# -- roles --


@router.get("/roles", response={200: PageOut[RoleOut], **errors(400, 403, 422)}, tags=["roles"],
            summary=_("List roles"))
def list_roles(request, paging: Query[PageParams]):
    return paginate(selectors.role_list(actor=request.auth), ROLE_ORDERING, paging)


@router.get("/roles/{role_id}", response={200: RoleOut, **errors(403, 404, 422)}, tags=["roles"],
            summary=_("Get a role"))
def get_role(request, role_id: Id):
    return selectors.role_get(actor=request.auth, id=role_id)


@router.post("/roles", response={201: RoleOut, **errors(400, 403, 422)}, tags=["roles"],
             summary=_("Create a role"))
def create_role(request, payload: RoleIn):
    """`actions` are codes from GET /permissions; `scopes` map a module to a data scope."""
    role = services.role_save(actor=request.auth, **payload.model_dump())
    return Status(201, role)


@router.patch("/roles/{role_id}", response={200: RoleOut, **errors(400, 403, 404, 422)}, tags=["roles"],
              summary=_("Update a role"))
def update_role(request, role_id: Id, payload: RolePatch):
    """Fields left out keep their value; `actions` and `scopes`, when sent, replace the old ones."""
    role = selectors.role_get(actor=request.auth, id=role_id)
    data = payload.model_dump(exclude_unset=True)
    merged = {name: data.get(name, getattr(role, name))
              for name in ("name", "description", "actions", "scopes", "require_2fa")}
    return services.role_save(actor=request.auth, role=role, **merged)


@router.get("/permissions", response={200: PermissionsOut, **errors(403)}, tags=["roles"],
            summary=_("Actions and data scopes a role can grant"))
def list_permissions(request):
    selectors.role_list(actor=request.auth)  # the same guard as the role list
    actions = all_actions()
    return {
        "modules": [
            {"module": module, "label": str(label),
             "actions": [{"code": a.code, "label": str(a.label)} for a in actions if a.module == module]}
            for module, label in modules().items()
        ],
        "scopes": [{"value": value, "label": str(label)} for value, label in DataScope.choices],
    }


# -- custom field definitions --


@router.get("/custom-fields", response={200: list[CustomFieldOut], **errors(400, 403, 422)},
            tags=["custom fields"], summary=_("List custom fields"))
def list_custom_fields(request, filters: Query[CustomFieldQuery]):
    """Active fields of an entity (or of all), for anyone who fills in forms; managers may ask for all."""
    if filters.entity and filters.entity not in core_services.CUSTOM_FIELD_ENTITIES:
        raise DomainError("invalid", _("Please correct the errors below."),
                          {"entity": [_("Custom fields cannot be added to this entity.")]})
    if filters.include_inactive:
        return selectors.custom_field_list(actor=request.auth, entity=filters.entity or None)
    entities = [filters.entity] if filters.entity else list(core_services.CUSTOM_FIELD_ENTITIES)
    return [d for entity in entities for d in customfields.definitions(entity)]


@router.post("/custom-fields", response={201: CustomFieldOut, **errors(400, 403, 422)}, tags=["custom fields"],
             summary=_("Create a custom field"))
def create_custom_field(request, payload: CustomFieldIn):
    definition = core_services.custom_field_create(actor=request.auth, **payload.model_dump())
    return Status(201, definition)


@router.patch("/custom-fields/{field_id}", response={200: CustomFieldOut, **errors(400, 403, 404, 422)},
              tags=["custom fields"], summary=_("Update a custom field"))
def update_custom_field(request, field_id: Id, payload: CustomFieldPatch):
    """Entity, key and kind are fixed once created, because stored values depend on them."""
    definition = selectors.custom_field_get(actor=request.auth, id=field_id)
    data = payload.model_dump(exclude_unset=True)
    merged = {name: data.get(name, getattr(definition, name))
              for name in ("label", "choices", "required", "position", "is_active")}
    return core_services.custom_field_update(actor=request.auth, definition=definition, **merged)


@router.post("/custom-fields/{field_id}/deactivate", response={200: CustomFieldOut, **errors(400, 403, 404, 422)},
             tags=["custom fields"], summary=_("Deactivate a custom field"))
def deactivate_custom_field(request, field_id: Id):
    """The field stops showing on forms; values already stored stay in the records."""
    definition = selectors.custom_field_get(actor=request.auth, id=field_id)
    core_services.custom_field_delete(actor=request.auth, definition=definition)
    definition.refresh_from_db()
    return definition
