"""Approval pages: the inbox and its boxes, deciding in place with HTMX, a request's page, the panel
on a record's page, and the flow admin pages."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.automation import services
from guanxi.automation.choices import RequestStatus, TaskStatus
from guanxi.automation.models import ApprovalFlow, ApprovalRequest, ApprovalTask
from guanxi.core.testing import assert_matrix

from .conftest import ENTITY, submit

pytestmark = pytest.mark.django_db

INBOX = reverse("automation:inbox")
FLOWS = reverse("automation:flow_list")
NOBODY_BUT_ROOT = {"alice": False, "bob": False, "carol": False, "dave": False, "erin": False, "root": True}


@pytest.fixture
def manager_flow(make_flow):
    return make_flow([{"kind": "manager"}], name="经理审批")


@pytest.fixture
def waiting(company, big_customer, manager_flow):
    """alice's customer waits for carol."""
    return submit(actor=company.alice, record=big_customer, comment="请尽快")


def htmx(client: Client, url: str, data: dict, target: str):
    return client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)


# -- the inbox --


def test_each_box_shows_the_right_people_the_request(company, login, waiting):
    def shows(box):
        return lambda user: "杭州云栖科技有限公司" in login(user).get(INBOX, {"box": box}).content.decode()

    assert_matrix(company, shows("waiting"), {"alice": False, "bob": False, "carol": True, "dave": False,
                                               "erin": False, "root": False})
    assert_matrix(company, shows("submitted"), {"alice": True, "bob": False, "carol": False, "dave": False,
                                                 "erin": False, "root": False})
    services.approval_decide(actor=company.carol, request=waiting, decision="approve")
    assert_matrix(company, shows("decided"), {"alice": False, "bob": False, "carol": True, "dave": False,
                                               "erin": False, "root": False})
    assert_matrix(company, shows("waiting"), {n: False for n in company.cast()})


def test_inbox_counts_link_and_inline_form(company, login, waiting):
    page = login(company.carol).get(INBOX).content.decode()
    assert reverse("customers:detail", args=[waiting.object_id]) in page
    assert reverse("automation:decide", args=[waiting.pk]) in page
    assert f'hx-target="#request-{waiting.pk}"' in page
    assert "请尽快" in page and "预算" in page and "150000" in page
    tabs = page.split('aria-label="Approval boxes"', 1)[1].split("</nav>", 1)[0]
    assert "Waiting for me (1)" in tabs
    assert "Decided by me (0)" in tabs


def test_an_unknown_box_or_cursor_is_a_clear_message(company, login, waiting):
    response = login(company.carol).get(INBOX, {"box": "spam"})
    assert response.status_code == 200 and "Choose one of the boxes" in response.content.decode()
    response = login(company.carol).get(INBOX, {"cursor": "not-a-cursor"})
    assert response.status_code == 200 and "no longer valid" in response.content.decode()


def test_inbox_needs_sign_in(client):
    assert client.get(INBOX).status_code == 302


def test_inbox_query_count_does_not_grow_with_rows(company, login, make_customer, manager_flow):
    client = login(company.carol)
    client.get(INBOX)
    counts = []
    for n in (2, 8):
        for i in range(n):
            customer = make_customer(company.alice, f"客户{n}-{i}", custom={"budget": "1"})
            submit(actor=company.alice, record=customer)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(INBOX)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts


# -- deciding --


def test_approve_in_place_replaces_the_row(company, login, waiting, hook_calls):
    response = htmx(login(company.carol), reverse("automation:decide", args=[waiting.pk]),
                    {"decision": "approve", "comment": "同意", "box": "waiting"}, f"request-{waiting.pk}")
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith(f'<tr id="request-{waiting.pk}"')
    assert "You approved" in row and "Approved" in row
    assert reverse("automation:decide", args=[waiting.pk]) not in row
    assert ApprovalRequest.objects.get().status == RequestStatus.APPROVED
    assert hook_calls.names() == ["approved"]


def test_reject_without_comment_in_place_shows_the_error_and_changes_nothing(company, login, waiting):
    response = htmx(login(company.carol), reverse("automation:decide", args=[waiting.pk]),
                    {"decision": "reject", "comment": ""}, f"request-{waiting.pk}")
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    assert ApprovalRequest.objects.get().status == RequestStatus.PENDING


def test_plain_form_decision_redirects_back_and_errors_stay_on_the_page(company, login, waiting):
    client = login(company.carol)
    url = reverse("automation:decide", args=[waiting.pk])
    response = client.post(url, {"decision": "return", "comment": "", "next": "/customers/"})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    response = client.post(url, {"decision": "return", "comment": "<b>补充</b>", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("automation:request", args=[waiting.pk])
    page = client.get(response.url).content.decode()
    assert "&lt;b&gt;补充&lt;/b&gt;" in page and "<b>补充</b>" not in page
    assert ApprovalRequest.objects.get().status == RequestStatus.RETURNED


def test_deciding_twice_says_someone_decided_first(company, login, waiting):
    client = login(company.carol)
    url = reverse("automation:decide", args=[waiting.pk])
    client.post(url, {"decision": "approve"})
    response = client.post(url, {"decision": "reject", "comment": "晚了"})
    assert response.status_code == 409
    assert "decided this step meanwhile" in response.content.decode()
    assert ApprovalRequest.objects.get().status == RequestStatus.APPROVED


def test_only_the_approver_may_decide(company, login, waiting):
    statuses = {}
    for name, user in company.cast().items():
        if name != "carol":
            statuses[name] = login(user).post(reverse("automation:decide", args=[waiting.pk]),
                                               {"decision": "approve"}).status_code
    # alice and root can see the request (submitter, record in scope) but it is not their turn
    assert statuses == {"alice": 403, "bob": 404, "dave": 404, "erin": 404, "root": 403}
    assert ApprovalTask.objects.get().status == TaskStatus.PENDING


def test_decide_and_withdraw_need_post(company, login, waiting):
    client = login(company.carol)
    assert client.get(reverse("automation:decide", args=[waiting.pk])).status_code == 405
    assert client.get(reverse("automation:withdraw", args=[waiting.pk])).status_code == 405


def test_withdraw_from_the_request_page(company, login, waiting, hook_calls):
    url = reverse("automation:withdraw", args=[waiting.pk])
    assert login(company.carol).post(url).status_code == 403
    page = login(company.alice).get(reverse("automation:request", args=[waiting.pk])).content.decode()
    assert url in page
    response = login(company.alice).post(url)
    assert response.status_code == 302
    assert ApprovalRequest.objects.get().status == RequestStatus.WITHDRAWN
    response = login(company.alice).post(url, follow=True)
    assert "already decided" in response.content.decode()


def test_request_page_matrix(company, login, waiting):
    url = reverse("automation:request", args=[waiting.pk])
    statuses = {name: login(user).get(url).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 200, "bob": 404, "carol": 200, "dave": 404, "erin": 404, "root": 200}
    page = login(company.carol).get(url).content.decode()
    assert "Your decision" in page and "请尽快" in page and "经理审批" in page
    assert login(company.carol).get(reverse("automation:request", args=[999999])).status_code == 404


def test_pages_speak_chinese(company, waiting):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(company.carol)
    page = client.get(INBOX).content.decode()
    assert "待我审批" in page and "同意" in page and "驳回" in page and "退回" in page


# -- the panel on a record's page --


def panel(user, record) -> str:
    request = RequestFactory().get("/customers/1/")
    request.user = user
    return Template("{% load approvals %}{% approval_panel record %}").render(
        Context({"request": request, "record": record, "csrf_token": "token"}))


def test_panel_shows_the_step_the_approvers_and_the_viewers_turn(company, big_customer, waiting):
    decide = reverse("automation:decide", args=[waiting.pk])
    withdraw = reverse("automation:withdraw", args=[waiting.pk])
    for_carol = panel(company.carol, big_customer)
    assert "Step 1 of 1" in for_carol and "陈经理" in for_carol and decide in for_carol
    assert 'name="next" value="/customers/1/"' in for_carol and withdraw not in for_carol
    for_alice = panel(company.alice, big_customer)
    assert decide not in for_alice and withdraw in for_alice and "请尽快" in for_alice
    assert panel(company.bob, big_customer).strip() == ""  # cannot see the customer
    services.approval_decide(actor=company.carol, request=waiting, decision="reject", comment="预算不实")
    after = panel(company.alice, big_customer)
    assert "Rejected" in after and "预算不实" in after and decide not in after


def test_panel_before_any_submission_and_for_records_without_approval(company, big_customer, approvable):
    assert "Not submitted for approval yet." in panel(company.alice, big_customer)
    assert panel(company.alice, company.alice).strip() == ""


# -- flow admin --


def test_flow_pages_only_for_flow_admins(company, login, manager_flow):
    urls = [FLOWS, reverse("automation:flow_create") + f"?entity={ENTITY}",
            reverse("automation:flow_edit", args=[manager_flow.pk])]
    def opens(url: str):
        return lambda user: login(user).get(url).status_code == 200

    for url in urls:
        assert_matrix(company, opens(url), NOBODY_BUT_ROOT)
    assert login(company.carol).post(reverse("automation:flow_delete", args=[manager_flow.pk])).status_code == 403
    assert ApprovalFlow.objects.exists()


def test_flow_list_describes_conditions_and_steps_and_warns_of_broken_steps(company, login, manager_then_finance,
                                                                            finance):
    finance.delete()
    page = login(company.root).get(FLOWS).content.decode()
    assert "预算 ≥ 100000" in page
    assert "Submitter&#x27;s manager" in page and "财务复核" in page
    assert "Step 2 has no approver any more" in page


def flow_post(steps: list[dict], conditions: list[dict], **flow) -> dict:
    data = {"flow-name": flow.get("name", "新流程"), "flow-position": flow.get("position", "0"),
            "flow-is_active": "on", "cond-TOTAL_FORMS": str(len(conditions)), "cond-INITIAL_FORMS": "0",
            "step-TOTAL_FORMS": str(len(steps)), "step-INITIAL_FORMS": "0"}
    if "version" in flow:
        data["flow-version"] = str(flow["version"])
    for i, c in enumerate(conditions):
        data.update({f"cond-{i}-{k}": v for k, v in c.items()})
    for i, s in enumerate(steps):
        data.update({f"step-{i}-{k}": v for k, v in s.items()})
    return data


def test_create_a_flow_with_the_form(company, login, approvable, finance):
    url = reverse("automation:flow_create") + f"?entity={ENTITY}"
    data = flow_post([{"kind": "role", "role": str(finance.pk), "ORDER": "2"}, {"kind": "manager", "ORDER": "1"},
                      {"kind": ""}],
                     [{"fact": "budget", "operator": "gte", "value": "100000"}, {"fact": "", "value": ""}],
                     name="大额")
    response = login(company.root).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    flow = ApprovalFlow.objects.get()
    assert (flow.entity, flow.name, flow.is_active) == (ENTITY, "大额", True)
    assert flow.conditions == [{"fact": "budget", "operator": "gte", "value": "100000"}]
    assert list(flow.steps.values_list("kind", flat=True)) == ["manager", "role"]


@pytest.mark.parametrize("steps, conditions, message", [
    ([], [], "Add at least one step"),
    ([{"kind": "user"}], [], "Choose the person who approves this step."),
    ([{"kind": "role"}], [], "Choose the role whose holders approve this step."),
    ([{"kind": "manager"}], [{"fact": "budget", "operator": "gt", "value": "很多"}], "Enter a number"),
    ([{"kind": "manager"}], [{"fact": "profit", "operator": "gt", "value": "1"}], "Select a valid choice"),
])
def test_a_bad_flow_form_shows_the_error_and_saves_nothing(company, login, approvable, steps, conditions, message):
    url = reverse("automation:flow_create") + f"?entity={ENTITY}"
    response = login(company.root).post(url, flow_post(steps, conditions))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApprovalFlow.objects.exists()


def test_edit_a_flow_and_refuse_a_stale_form(company, login, manager_flow):
    url = reverse("automation:flow_edit", args=[manager_flow.pk])
    client = login(company.root)
    page = client.get(url).content.decode()
    assert 'value="经理审批"' in page
    data = flow_post([{"kind": "user", "user": str(company.bob.pk)}], [], name="改名", version=1)
    assert client.post(url, data).status_code == 302
    manager_flow.refresh_from_db()
    assert manager_flow.name == "改名" and list(manager_flow.steps.values_list("user__username", flat=True)) == ["bob"]
    response = client.post(url, flow_post([{"kind": "manager"}], [], name="旧页面", version=1))
    assert response.status_code == 400 and "Someone else changed" in response.content.decode()
    assert ApprovalFlow.objects.get().name == "改名"


def test_delete_a_flow(company, login, manager_flow):
    response = login(company.root).post(reverse("automation:flow_delete", args=[manager_flow.pk]))
    assert response.status_code == 302
    assert not ApprovalFlow.objects.exists()


def test_new_flow_asks_for_the_record_type_first(company, login, approvable):
    page = login(company.root).get(reverse("automation:flow_create")).content.decode()
    assert f"?entity={ENTITY.replace('.', '.')}" in page and "客户" in page


def test_flow_list_query_count_does_not_grow(company, login, make_flow, finance):
    client = login(company.root)
    client.get(FLOWS)
    counts = []
    for n in (2, 8):
        for i in range(n):
            make_flow([{"kind": "user", "user": company.bob}, {"kind": "role", "role": finance}],
                      [{"fact": "budget", "operator": "gt", "value": str(i)}], name=f"流程{n}-{i}", position=i)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(FLOWS).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
