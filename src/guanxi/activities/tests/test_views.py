"""Follow-up pages: the recent list, logging from the customer page, editing one's own, files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guanxi.activities.models import FollowUp, FollowUpAttachment
from guanxi.core.system import SYSTEM
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db

LIST = reverse("activities:list")


def test_list_shows_only_follow_ups_of_visible_customers(company, login, make_customer, make_follow_up):
    make_follow_up(company.alice, make_customer(company.alice), "阿里斯的跟进")
    assert_matrix(company, lambda user: "阿里斯的跟进" in login(user).get(LIST).content.decode(),
                  ALICE_RECORD_VISIBLE)
    assert login(company.erin).get(LIST).status_code == 403


def test_list_filters_by_kind_and_author(company, login, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    make_follow_up(company.alice, customer, "王芳的电话", kind="call")
    make_follow_up(company.carol, customer, "经理的拜访", kind="visit")
    client = login(company.carol)
    by_kind = client.get(LIST, {"kind": "visit"}).content.decode()
    assert "经理的拜访" in by_kind and "王芳的电话" not in by_kind
    by_author = client.get(LIST, {"author": company.alice.pk}).content.decode()
    assert "王芳的电话" in by_author and "经理的拜访" not in by_author


@pytest.mark.parametrize(("params", "message"), [
    ({"kind": "telepathy"}, "This kind of follow-up does not exist."),
    ({"author": "1 OR 1=1"}, "Choose an author from the list."),
    ({"cursor": "garbage"}, "This page link is no longer valid"),
])
def test_list_with_bad_filters_says_so(company, login, params, message):
    response = login(company.alice).get(LIST, params)
    assert response.status_code == 200 and message in response.content.decode()


def test_list_pages_by_keyset(company, login, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    for i in range(53):
        make_follow_up(company.alice, customer, f"第{i}次", hours_ago=i + 1)
    client = login(company.alice)
    first = client.get(LIST).context
    assert len(first["items"]) == 50 and first["page"].next_cursor
    second = client.get(LIST, {"cursor": first["page"].next_cursor}, headers={"HX-Request": "true",
                                                                             "HX-Target": "results"})
    body = second.content.decode()
    assert "<html" not in body
    assert all(f"第{i}次" in body for i in (50, 51, 52)) and "第49次" not in body


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow(company, login, make_customer, make_follow_up,
                                        django_assert_max_num_queries, rows):
    customer = make_customer(company.alice)
    contact = customer_services.contact_create(actor=SYSTEM, customer=customer, data={"name": "联系人"})
    for i in range(rows):
        follow_up = make_follow_up(company.alice, customer, f"第{i}次", contact=contact)
        FollowUpAttachment.objects.create(follow_up=follow_up, file=SimpleUploadedFile("a.txt", b"a"), name="a.txt",
                                          size=1)
    client = login(company.carol)
    client.get(LIST)
    with django_assert_max_num_queries(8):  # +1: the ids of the viewer's customer pools
        response = client.get(LIST)
    assert len(response.context["items"]) == rows


def test_logging_from_the_customer_page_with_attachments(company, login, make_customer):
    customer = make_customer(company.alice)
    contact = customer_services.contact_create(actor=SYSTEM, customer=customer, data={"name": "张总"})
    client = login(company.alice)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="log-follow-up"' in page and "Write a follow-up" in page
    form = client.get(reverse("activities:create", args=[customer.pk]), HTTP_HX_REQUEST="true",
                      HTTP_HX_TARGET="follow-up-form-slot").content.decode()
    assert 'enctype="multipart/form-data"' in form and "张总" in form and "<html" not in form
    response = client.post(reverse("activities:create", args=[customer.pk]), {
        "fu-kind": "visit", "fu-content": "上门演示", "fu-contact": contact.pk,
        "fu-next_follow_up_at": "2099-01-01T10:00",
        "fu-attachments": [SimpleUploadedFile("纪要.txt", "会议纪要".encode()), SimpleUploadedFile("b.txt", b"b")],
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk]) + "#timeline"
    follow_up = FollowUp.objects.get()
    assert follow_up.author == company.alice and follow_up.contact == contact and follow_up.kind == "visit"
    assert sorted(a.name for a in follow_up.attachments.all()) == ["b.txt", "纪要.txt"]
    customer.refresh_from_db()
    assert customer.last_contacted_at is not None and customer.next_follow_up_at.year == 2099
    timeline = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "上门演示" in timeline and "纪要.txt" in timeline


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"fu-content": ""}, "content", "This field is required."),
    ({"fu-content": "x" * 2_000_000}, "content", "Ensure this value has at most 10000 characters"),
    ({"fu-content": "时间", "fu-occurred_at": "not a time"}, "occurred_at", "Enter a valid date/time."),
    ({"fu-content": "将来", "fu-occurred_at": "2099-01-01T10:00"}, "occurred_at", "cannot be in the future"),
    ({"fu-content": "类型", "fu-kind": "<script>"}, "kind", "Select a valid choice."),
])
def test_bad_follow_up_input_shows_errors_and_saves_nothing(company, login, make_customer, data, field, message):
    customer = make_customer(company.alice)
    response = login(company.alice).post(reverse("activities:create", args=[customer.pk]), {"fu-kind": "call", **data})
    assert response.status_code == 400
    assert message in " ".join(str(e) for e in response.context["form"].errors[field])
    assert not FollowUp.objects.exists()


def test_more_than_ten_files_are_refused(company, login, make_customer):
    customer = make_customer(company.alice)
    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(11)]
    response = login(company.alice).post(reverse("activities:create", args=[customer.pk]),
                                         {"fu-kind": "call", "fu-content": "多文件", "fu-attachments": files})
    assert response.status_code == 400
    assert "Attach at most 10 files." in response.content.decode()
    assert not FollowUp.objects.exists()


def test_a_contact_of_another_customer_is_refused_on_the_form(company, login, make_customer):
    customer = make_customer(company.alice, "甲")
    other = make_customer(company.alice, "乙")
    stranger = customer_services.contact_create(actor=SYSTEM, customer=other, data={"name": "乙方"})
    response = login(company.alice).post(reverse("activities:create", args=[customer.pk]),
                                         {"fu-kind": "call", "fu-content": "电话", "fu-contact": stranger.pk})
    assert response.status_code == 400 and "contact" in response.context["form"].errors
    assert not FollowUp.objects.exists()


def test_logging_on_an_out_of_scope_customer_is_not_found(company, login, make_customer):
    customer = make_customer(company.alice)
    response = login(company.dave).post(reverse("activities:create", args=[customer.pk]),
                                        {"fu-kind": "call", "fu-content": "越权"})
    assert response.status_code == 404
    assert not FollowUp.objects.exists()
    assert login(company.erin).post(reverse("activities:create", args=[customer.pk]),
                                    {"fu-kind": "call", "fu-content": "无权"}).status_code == 403


def test_script_in_a_follow_up_is_shown_escaped(company, login, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    make_follow_up(company.alice, customer, "<script>alert('x')</script>")
    client = login(company.alice)
    for url in [LIST, reverse("customers:detail", args=[customer.pk])]:
        body = client.get(url).content.decode()
        assert "<script>alert('x')" not in body and "&lt;script&gt;" in body


def test_author_edits_and_deletes_their_own_follow_up(company, login, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    follow_up = make_follow_up(company.alice, customer, "原内容")
    client = login(company.alice)
    assert client.get(reverse("activities:edit", args=[follow_up.pk])).status_code == 200
    response = client.post(reverse("activities:edit", args=[follow_up.pk]), {
        "fu-kind": "meeting", "fu-content": "改后内容", "fu-occurred_at": "2024-05-01T09:00"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.content == "改后内容" and follow_up.kind == "meeting"
    client.post(reverse("activities:delete", args=[follow_up.pk]), {"next": "list"})
    assert not FollowUp.objects.filter(pk=follow_up.pk).exists()


def test_edit_and_delete_permission_matrix(company, login, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    by_carol = make_follow_up(company.carol, customer, "经理的记录")
    url = reverse("activities:edit", args=[by_carol.pk])
    statuses = {name: login(user).get(url).status_code for name, user in company.cast().items()}
    assert statuses == {"alice": 403, "bob": 404, "carol": 200, "dave": 404, "erin": 403, "root": 200}
    for user in (company.alice, company.bob, company.dave, company.erin):
        login(user).post(reverse("activities:delete", args=[by_carol.pk]))
        login(user).post(url, {"fu-kind": "call", "fu-content": "篡改"})
    assert FollowUp.objects.get(pk=by_carol.pk).content == "经理的记录"


def test_edit_links_show_only_where_allowed(company, login, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    by_carol = make_follow_up(company.carol, customer, "经理的记录")
    by_alice = make_follow_up(company.alice, customer, "自己的记录")
    body = login(company.alice).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("activities:edit", args=[by_alice.pk]) in body
    assert reverse("activities:edit", args=[by_carol.pk]) not in body


def test_attachments_download_only_for_those_who_see_the_customer(company, login, make_customer):
    from guanxi.activities import services

    customer = make_customer(company.alice)
    follow_up = services.follow_up_create(actor=company.alice, customer=customer, data={"content": "合同"},
                                          files=[SimpleUploadedFile("合同.pdf", b"%PDF contract")])
    attachment = follow_up.attachments.get()
    url = reverse("activities:attachment", args=[attachment.pk])
    response = login(company.alice).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF contract"
    assert "attachment" in response["Content-Disposition"]
    assert login(company.dave).get(url).status_code == 404
    customer_services.customer_delete(actor=SYSTEM, customer=Customer.objects.get(pk=customer.pk))
    assert login(company.alice).get(url).status_code == 404
