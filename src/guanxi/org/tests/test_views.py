"""Organisation pages: profile, tokens and the in-app admin pages, their guards and bad input."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from guanxi.core.models import AuditEvent, CustomFieldDefinition
from guanxi.core.testing import assert_matrix
from guanxi.org import services
from guanxi.org.models import ApiToken, Department, Role, User

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>'; DROP TABLE org_user; --"
HUGE = "长" * 3_000_000


def can_open(client_of, path):
    def check(user) -> bool:
        status = client_of(user.username).get(path).status_code
        assert status in (200, 403), status
        return status == 200

    return check


# -- permission matrix of every admin page --

ADMINS_ONLY = {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True}


@pytest.mark.parametrize("path", ["/org/departments/", "/org/departments/new/", "/org/users/", "/org/users/new/",
                                  "/org/roles/", "/org/roles/new/", "/org/custom-fields/",
                                  "/org/custom-fields/new/", "/org/audit/"])
def test_admin_pages_are_for_admins_only(company, client_of, path):
    assert_matrix(company, can_open(client_of, path), ADMINS_ONLY)


@pytest.mark.parametrize(
    ("action", "path"),
    [("org.manage_departments", "/org/departments/"), ("org.manage_users", "/org/users/"),
     ("org.manage_roles", "/org/roles/"), ("org.manage_custom_fields", "/org/custom-fields/"),
     ("org.view_audit", "/org/audit/")],
)
def test_each_admin_page_opens_with_exactly_its_own_action(company, client_of, action, path):
    role = Role.objects.create(name="HR", actions=[action])
    company.erin.roles.add(role)
    assert client_of("erin").get(path).status_code == 200
    others = {"/org/departments/", "/org/users/", "/org/roles/", "/org/custom-fields/", "/org/audit/"} - {path}
    assert {client_of("erin").get(p).status_code for p in others} == {403}


def test_admin_writes_without_the_action_are_refused_and_change_nothing(company, client_of):
    bob = client_of("bob")
    assert bob.post("/org/departments/new/", {"name": "黑客部"}).status_code == 403
    assert bob.post(f"/org/departments/{company.sales2.pk}/delete/").status_code == 403
    assert bob.post(f"/org/users/{company.alice.pk}/deactivate/").status_code == 403
    assert bob.post(f"/org/users/{company.alice.pk}/password/", {"password": "Hei-Ke-2026-pw"}).status_code == 403
    assert bob.post(f"/org/roles/{company.seller_role.pk}/", {"name": "x", "actions": ["org.manage_users"]}
                    ).status_code == 403
    assert not Department.objects.filter(name="黑客部").exists()
    assert User.objects.get(pk=company.alice.pk).is_active
    assert "org.manage_users" not in Role.objects.get(pk=company.seller_role.pk).actions


def test_admin_pages_need_sign_in(db):
    response = Client().get("/org/users/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_admin_menu_shows_only_granted_pages(company, client_of):
    html = client_of("root").get("/profile/").content.decode()
    assert "/org/users/" in html and "/org/audit/" in html
    assert "/org/users/" not in client_of("alice").get("/profile/").content.decode()


# -- profile --


def test_profile_shows_name_department_roles(company, client_of):
    response = client_of("alice").get("/profile/")
    html = response.content.decode()
    assert "王芳" in html and "销售一部" in html and "销售" in html
    assert "/profile/password/" in html


def test_preferences_are_saved(company, client_of):
    client = client_of("alice")
    response = client.post("/profile/preferences/", {"language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    alice = User.objects.get(pk=company.alice.pk)
    assert (alice.language, alice.time_zone) == ("en", "Europe/Berlin")
    assert 'lang="en"' in client.get("/profile/").content.decode()


@pytest.mark.parametrize("data", [{"language": "fr", "time_zone": ""}, {"language": "", "time_zone": "Mars/Olympus"},
                                  {"language": HOSTILE, "time_zone": HUGE[:10000]}])
def test_bad_preferences_are_refused(company, client_of, data):
    response = client_of("alice").post("/profile/preferences/", data)
    assert response.status_code == 400
    assert response.context["preferences_form"].errors
    alice = User.objects.get(pk=company.alice.pk)
    assert (alice.language, alice.time_zone) == ("", "")


# -- personal API tokens --


def test_token_secret_is_shown_once_and_works(company, client_of):
    client = client_of("alice")
    response = client.post("/profile/tokens/", {"name": "ERP 同步", "expires_in_days": "30"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret in response.content.decode()
    token = ApiToken.objects.get(user=company.alice)
    assert token.name == "ERP 同步"
    assert token.expires_at is not None
    assert token.expires_at.date() == (timezone.now() + dt.timedelta(days=30)).date()
    assert secret not in client.get("/profile/").content.decode()
    assert services.token_authenticate(secret) == company.alice
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_token_without_expiry(company, client_of):
    client_of("alice").post("/profile/tokens/", {"name": "报表", "expires_in_days": ""})
    assert ApiToken.objects.get(user=company.alice).expires_at is None


@pytest.mark.parametrize("data", [{"name": "", "expires_in_days": "30"}, {"name": "x", "expires_in_days": "0"},
                                  {"name": "x", "expires_in_days": "99999"}, {"name": "x", "expires_in_days": "abc"},
                                  {"name": HUGE, "expires_in_days": "30"}])
def test_bad_token_input_creates_nothing(company, client_of, data):
    response = client_of("alice").post("/profile/tokens/", data)
    assert response.status_code == 400
    assert response.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_revoked_token_stops_working(company, client_of):
    token, secret = services.token_create(actor=company.alice, user=company.alice, name="脚本")
    response = client_of("alice").post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert services.token_authenticate(secret) is None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_nobody_revokes_someone_elses_token_from_their_profile(company, client_of):
    token, secret = services.token_create(actor=company.alice, user=company.alice, name="脚本")
    assert client_of("bob").post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client_of("root").post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client_of("alice").post("/profile/tokens/999999/revoke/").status_code == 404
    assert services.token_authenticate(secret) == company.alice


def test_token_list_shows_only_own_tokens(company, client_of):
    services.token_create(actor=company.alice, user=company.alice, name="alice-token")
    services.token_create(actor=company.bob, user=company.bob, name="bob-token")
    html = client_of("alice").get("/profile/").content.decode()
    assert "alice-token" in html and "bob-token" not in html


# -- departments --


def test_department_tree_create_rename_move(company, client_of):
    root = client_of("root")
    response = root.post("/org/departments/new/", {"name": "华东大区", "parent": company.sales.pk, "position": "2"})
    assert response.status_code == 302
    east = Department.objects.get(name="华东大区")
    assert east.parent == company.sales and east.path.startswith(company.sales.path)
    root.post(f"/org/departments/{east.pk}/", {"name": "华东区", "parent": company.hq.pk, "position": "0"})
    east.refresh_from_db()
    assert (east.name, east.parent, east.depth) == ("华东区", company.hq, 1)
    tree = [d.name for d in root.get("/org/departments/").context["departments"]]
    assert tree.index("总部") < tree.index("华东区")
    assert AuditEvent.objects.filter(action="department.updated", object_id=str(east.pk)).exists()


def test_moving_a_department_moves_its_subtree(company, client_of):
    client_of("root").post(f"/org/departments/{company.sales.pk}/", {"name": "销售部", "parent": "", "position": "0"})
    sales1 = Department.objects.get(pk=company.sales1.pk)
    assert sales1.path.startswith(Department.objects.get(pk=company.sales.pk).path)
    assert sales1.depth == 1


def test_department_cannot_move_under_itself(company, client_of):
    response = client_of("root").post(f"/org/departments/{company.sales.pk}/",
                                      {"name": "销售部", "parent": company.sales1.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["parent"]
    assert Department.objects.get(pk=company.sales.pk).parent == company.hq


def test_deleting_a_non_empty_department_is_refused_clearly(company, client_of):
    response = client_of("root").post(f"/org/departments/{company.sales1.pk}/delete/", follow=True)
    assert Department.objects.filter(pk=company.sales1.pk).exists()
    text = response.content.decode()
    assert "was not deleted" in text or "未删除" in text


def test_deleting_an_empty_department(company, client_of):
    empty = services.department_create(actor=company.root, name="临时组", parent=company.sales)
    client_of("root").post(f"/org/departments/{empty.pk}/delete/")
    assert not Department.objects.filter(pk=empty.pk).exists()


@pytest.mark.parametrize("data", [{"name": ""}, {"name": "   "}, {"name": HUGE}, {"name": "部", "parent": "abc"},
                                  {"name": "部", "parent": "999999"}, {"name": "部", "position": "-1"}])
def test_bad_department_input_keeps_what_was_typed(company, client_of, data):
    count = Department.objects.count()
    response = client_of("root").post("/org/departments/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert Department.objects.count() == count


def test_hostile_department_name_is_stored_as_text_and_escaped(company, client_of):
    client = client_of("root")
    client.post("/org/departments/new/", {"name": HOSTILE[:80]})
    assert Department.objects.filter(name=HOSTILE[:80]).exists()
    html = client.get("/org/departments/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_editing_a_deleted_department_is_not_found(company, client_of):
    empty = services.department_create(actor=company.root, name="临时组")
    services.department_delete(actor=company.root, department=empty)
    assert client_of("root").post(f"/org/departments/{empty.pk}/", {"name": "x"}).status_code == 404


def test_department_list_query_count(company, client_of, django_assert_max_num_queries):
    for i in range(20):
        services.department_create(actor=company.root, name=f"组{i}", parent=company.sales2)
    client = client_of("root")
    with django_assert_max_num_queries(12):
        assert client.get("/org/departments/").status_code == 200


# -- users --


def test_user_list_searches_and_filters(company, client_of):
    client = client_of("root")
    names = {u.username for u in client.get("/org/users/", {"q": "王芳"}).context["users"]}
    assert names == {"alice"}
    names = {u.username for u in client.get("/org/users/", {"department": company.sales.pk}).context["users"]}
    assert names == {"alice", "bob", "carol", "dave", "erin"}
    services.user_deactivate(actor=company.root, user=company.bob)
    names = {u.username for u in client.get("/org/users/", {"active": "no"}).context["users"]}
    assert names == {"bob"}


def test_user_list_bad_filters_do_not_break_the_page(company, client_of):
    client = client_of("root")
    for params in ({"department": "abc"}, {"active": "maybe"}, {"q": HOSTILE}, {"cursor": "not-a-cursor"},
                   {"q": "x" * 20000}):
        assert client.get("/org/users/", params).status_code == 200


def test_user_list_pages_by_cursor_with_bounded_queries(company, client_of, django_assert_max_num_queries):
    for i in range(60):
        services.user_create(actor=company.root, username=f"seller{i:02d}", password="Xiao-Shou-2026!",
                             department=company.sales2, roles=[company.seller_role])
    client = client_of("root")
    with django_assert_max_num_queries(12):
        first = client.get("/org/users/")
    assert len(first.context["users"]) == 50
    cursor = first.context["page"].next_cursor
    second = client.get("/org/users/", {"cursor": cursor})
    seen = {u.pk for u in first.context["users"]} | {u.pk for u in second.context["users"]}
    assert len(seen) == User.objects.count()


def test_create_user_with_roles_and_manager(company, client_of):
    response = client_of("root").post("/org/users/new/", {
        "username": "frank", "display_name": "钱峰", "email": "frank@example.cn", "phone": "13912345678",
        "department": company.sales2.pk, "manager": company.carol.pk, "roles": [company.seller_role.pk],
        "password": "Qian-Feng-2026!",
    })
    assert response.status_code == 302
    frank = User.objects.get(username="frank")
    assert (frank.display_name, frank.department, frank.manager) == ("钱峰", company.sales2, company.carol)
    assert list(frank.roles.all()) == [company.seller_role]
    client = Client()
    client.post("/login/", {"username": "frank", "password": "Qian-Feng-2026!"})
    assert client.session.get("_auth_user_id") == str(frank.pk)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"username": "alice"}, "username"), ({"username": "ALICE"}, "username"), ({"username": ""}, "username"),
     ({"username": "has space!"}, "username"), ({"email": "not-an-email"}, "email"), ({"phone": "12345"}, "phone"),
     ({"phone": HOSTILE}, "phone"), ({"password": "123"}, "password"), ({"password": "frank2026"}, None),
     ({"department": "999999"}, "department"), ({"manager": "abc"}, "manager"), ({"roles": ["999999"]}, "roles"),
     ({"display_name": HUGE}, "display_name")],
)
def test_bad_user_input_creates_nothing_and_keeps_what_was_typed(company, client_of, change, field):
    data = {"username": "frank", "display_name": "钱峰", "email": "frank@example.cn", "phone": "13912345678",
            "department": company.sales2.pk, "password": "Qian-Feng-2026!", **change}
    count = User.objects.count()
    response = client_of("root").post("/org/users/new/", data)
    if field is None:  # a password like the user name is refused by the similarity check only sometimes
        return
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert User.objects.count() == count
    if field != "display_name":
        assert "钱峰" in response.content.decode()


def test_edit_user(company, client_of):
    response = client_of("root").post(f"/org/users/{company.bob.pk}/", {
        "display_name": "李强强", "email": "bob@example.cn", "phone": "", "department": company.sales2.pk,
        "manager": "", "roles": [company.manager_role.pk],
    })
    assert response.status_code == 302
    bob = User.objects.get(pk=company.bob.pk)
    assert (bob.display_name, bob.department, bob.manager) == ("李强强", company.sales2, None)
    assert list(bob.roles.all()) == [company.manager_role]
    event = AuditEvent.objects.get(action="user.updated", object_id=str(bob.pk))
    assert event.changes["roles"] == [["销售"], ["销售经理"]]


def test_a_manager_cannot_report_to_their_own_report(company, client_of):
    response = client_of("root").post(f"/org/users/{company.carol.pk}/", {
        "display_name": "陈经理", "department": company.sales1.pk, "manager": company.alice.pk,
        "roles": [company.manager_role.pk],
    })
    assert response.status_code == 400
    assert response.context["form"].errors["manager"]
    assert User.objects.get(pk=company.carol.pk).manager is None


def test_user_edit_of_a_missing_user_is_not_found(company, client_of):
    assert client_of("root").get("/org/users/999999/").status_code == 404


def test_admin_resets_a_password(company, client_of):
    client = client_of("root")
    assert client.post(f"/org/users/{company.bob.pk}/password/", {"password": "123"}).status_code == 400
    assert client.post(f"/org/users/{company.bob.pk}/password/", {"password": "Xin-Mi-Ma-2026"}).status_code == 302
    other = Client()
    other.post("/login/", {"username": "bob", "password": "Xin-Mi-Ma-2026"})
    assert other.session.get("_auth_user_id") == str(company.bob.pk)


def test_deactivation_ends_sessions_and_tokens_and_offers_the_customer_transfer(company, client_of):
    alice_browser = Client()
    alice_browser.post("/login/", {"username": "alice", "password": "Guanxi-test-2026!"})
    assert alice_browser.get("/profile/").status_code == 200
    token, secret = services.token_create(actor=company.alice, user=company.alice, name="脚本")
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200

    response = client_of("root").post(f"/org/users/{company.alice.pk}/deactivate/", follow=True)

    assert f"/customers/?owner={company.alice.pk}" in response.content.decode()
    assert alice_browser.get("/profile/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert not any(s.get_decoded().get("_auth_user_id") == str(company.alice.pk) for s in Session.objects.all())


def test_reactivation(company, client_of):
    client = client_of("root")
    client.post(f"/org/users/{company.alice.pk}/deactivate/")
    client.post(f"/org/users/{company.alice.pk}/reactivate/")
    assert User.objects.get(pk=company.alice.pk).is_active


def test_admin_cannot_deactivate_themselves(company, client_of):
    response = client_of("root").post(f"/org/users/{company.root.pk}/deactivate/", follow=True)
    assert User.objects.get(pk=company.root.pk).is_active
    assert response.status_code == 200


# -- roles --


def test_role_matrix_shows_every_module_and_saves_actions_and_scopes(company, client_of):
    client = client_of("root")
    page = client.get("/org/roles/new/")
    modules = [row["module"] for row in page.context["matrix"]]
    assert {"customers", "activities", "org"} <= set(modules)
    response = client.post("/org/roles/new/", {
        "name": "客服", "description": "售后", "require_2fa": "on",
        "actions": ["customers.view", "activities.view", "activities.create"],
        "scope_customers": "department_tree", "scope_activities": "self",
    })
    assert response.status_code == 302
    role = Role.objects.get(name="客服")
    assert role.actions == ["activities.create", "activities.view", "customers.view"]
    assert role.scopes == {"customers": "department_tree", "activities": "self"}
    assert role.require_2fa


def test_role_edit_round_trip_keeps_the_ticks(company, client_of):
    page = client_of("root").get(f"/org/roles/{company.seller_role.pk}/")
    customers = next(row for row in page.context["matrix"] if row["module"] == "customers")
    ticked = {a["code"] for a in customers["actions"] if a["checked"]}
    assert ticked == {"customers.view", "customers.create", "customers.edit", "customers.delete", "customers.export"}
    assert customers["scope"] == "self"


@pytest.mark.parametrize(
    ("data", "where"),
    [({"name": "", "actions": ["customers.view"]}, "name"), ({"name": "销售"}, "name"),
     ({"name": "新角色", "actions": ["customers.view", "customers.fly"]}, "__all__"),
     ({"name": "新角色", "scope_customers": "galaxy"}, "__all__"), ({"name": HUGE}, "name")],
)
def test_bad_role_input_saves_nothing_and_keeps_the_ticks(company, client_of, data, where):
    count = Role.objects.count()
    response = client_of("root").post("/org/roles/new/", {"actions": ["customers.view"], **data})
    assert response.status_code == 400
    assert where in response.context["form"].errors
    assert Role.objects.count() == count
    customers = next(row for row in response.context["matrix"] if row["module"] == "customers")
    assert any(a["checked"] for a in customers["actions"])


def test_role_list_query_count(company, client_of, django_assert_max_num_queries):
    for i in range(15):
        services.role_save(actor=company.root, name=f"角色{i}", actions=["customers.view"], scopes={})
    client = client_of("root")
    with django_assert_max_num_queries(8):
        assert client.get("/org/roles/").status_code == 200


def test_delete_role(company, client_of):
    role = services.role_save(actor=company.root, name="临时", actions=[], scopes={})
    client_of("root").post(f"/org/roles/{role.pk}/delete/")
    assert not Role.objects.filter(pk=role.pk).exists()


# -- custom fields --


def test_custom_field_create_edit_deactivate(company, client_of):
    client = client_of("root")
    response = client.post("/org/custom-fields/new/", {
        "entity": "customers.customer", "key": "region", "label": "大区", "kind": "choice",
        "choices": "华东\n华南\n\n华北\n华东", "required": "on", "position": "1",
    })
    assert response.status_code == 302
    field = CustomFieldDefinition.objects.get(key="region")
    assert field.choices == ["华东", "华南", "华北"] and field.required
    client.post(f"/org/custom-fields/{field.pk}/", {"label": "销售大区", "choices": "华东\n西南", "position": "2"})
    field.refresh_from_db()
    assert (field.label, field.choices, field.required) == ("销售大区", ["华东", "西南"], False)
    client.post(f"/org/custom-fields/{field.pk}/deactivate/")
    field.refresh_from_db()
    assert not field.is_active
    html = client.get("/org/custom-fields/").content.decode()
    assert "销售大区" in html
    client.post(f"/org/custom-fields/{field.pk}/reactivate/")
    field.refresh_from_db()
    assert field.is_active


@pytest.mark.parametrize(
    ("change", "field"),
    [({"entity": "sales.rocket"}, "entity"), ({"key": "has space"}, "key"), ({"key": ""}, "key"),
     ({"kind": "colour"}, "kind"), ({"kind": "choice", "choices": ""}, "choices"), ({"label": ""}, "label"),
     ({"label": HUGE}, "label"), ({"position": "-3"}, "position"), ({"key": "industry"}, "key")],
)
def test_bad_custom_field_input_creates_nothing(company, client_of, change, field):
    from guanxi.core import services as core_services

    core_services.custom_field_create(actor=company.root, entity="customers.customer", key="industry",
                                      label="行业", kind="text")
    data = {"entity": "customers.customer", "key": "budget", "label": "预算", "kind": "number", **change}
    response = client_of("root").post("/org/custom-fields/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert CustomFieldDefinition.objects.count() == 1


# -- audit log --


def test_audit_log_shows_changes_address_and_request_id(company, client_of):
    client = client_of("root")
    client.post(f"/org/users/{company.bob.pk}/", {"display_name": "李强强", "department": company.sales1.pk,
                                                  "roles": [company.seller_role.pk]},
                HTTP_X_REQUEST_ID="req-audit-1")
    response = client.get("/org/audit/", {"action": "user."})
    html = response.content.decode()
    assert "李强" in html and "李强强" in html and "→" in html
    assert "127.0.0.1" in html and "req-audit-1" in html
    assert all(row["event"].action.startswith("user.") for row in response.context["events"])


def test_audit_log_filters(company, client_of):
    services.department_create(actor=company.root, name="审计部")
    services.user_update(actor=company.root, user=company.bob, data={"display_name": "李强强"})
    client = client_of("root")
    events = client.get("/org/audit/", {"actor": "root", "record": f"org.user:{company.bob.pk}"}).context["events"]
    assert [row["event"].action for row in events] == ["user.updated"]
    today = timezone.localdate().isoformat()
    assert len(client.get("/org/audit/", {"date_from": today, "date_to": today}).context["events"]) == 3
    assert client.get("/org/audit/", {"date_to": "2000-01-01"}).context["events"] == []
    assert [r["event"].action for r in client.get("/org/audit/", {"record": "审计"}).context["events"]] == [
        "department.created"]


def test_audit_log_bad_filters_do_not_break_the_page(company, client_of):
    client = client_of("root")
    for params in ({"date_from": "yesterday"}, {"cursor": "%%%"}, {"actor": HOSTILE}, {"record": "x" * 50000}):
        assert client.get("/org/audit/", params).status_code == 200


def test_audit_log_is_newest_first_and_pages_by_cursor(company, client_of, django_assert_max_num_queries):
    for i in range(70):
        services.department_create(actor=company.root, name=f"组{i}")
    client = client_of("root")
    with django_assert_max_num_queries(12):
        first = client.get("/org/audit/")
    items = [row["event"] for row in first.context["events"]]
    assert len(items) == 50
    assert [(e.created_at, e.pk) for e in items] == sorted(((e.created_at, e.pk) for e in items), reverse=True)
    second = client.get("/org/audit/", {"cursor": first.context["page"].next_cursor})
    rest = [row["event"] for row in second.context["events"]]
    assert len(rest) == AuditEvent.objects.count() - 50 and not {e.pk for e in rest} & {e.pk for e in items}
