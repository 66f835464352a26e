"""Follow-up services: what logging one does to its customer, attachments, and refused input."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guanxi.activities import services
from guanxi.activities.models import FollowUp, FollowUpAttachment
from guanxi.core.errors import DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_logging_a_follow_up_moves_last_contacted_and_next_follow_up(company, make_customer):
    customer = make_customer(company.alice)
    occurred = timezone.now() - dt.timedelta(hours=2)
    following = timezone.now() + dt.timedelta(days=3)
    services.follow_up_create(actor=company.alice, customer=customer,
                              data={"content": "上门拜访", "kind": "visit", "occurred_at": occurred,
                                    "next_follow_up_at": following})
    customer.refresh_from_db()
    assert customer.last_contacted_at == occurred
    assert customer.next_follow_up_at == following
    assert AuditEvent.objects.filter(action="follow_up.created", timeline_key=f"customers.customer:{customer.pk}")


def test_an_older_follow_up_does_not_move_last_contacted_back(company, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    recent = make_follow_up(company.alice, customer, hours_ago=1)
    make_follow_up(company.alice, customer, "补记上周电话", hours_ago=24 * 7)
    customer.refresh_from_db()
    assert customer.last_contacted_at == recent.occurred_at


def test_attachments_are_saved_with_name_and_size(company, make_customer):
    customer = make_customer(company.alice)
    files = [SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 quote", content_type="application/pdf"),
             SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")]
    follow_up = services.follow_up_create(actor=company.alice, customer=customer, data={"content": "发送报价"},
                                          files=files)
    saved = {a.name: a for a in FollowUpAttachment.objects.filter(follow_up=follow_up)}
    assert set(saved) == {"报价单.pdf", "photo.jpg"}
    assert saved["报价单.pdf"].size == len(b"%PDF-1.4 quote")
    with saved["报价单.pdf"].file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 quote"


def test_a_contact_of_another_customer_is_refused(company, make_customer):
    customer = make_customer(company.alice, "甲")
    other = make_customer(company.alice, "乙")
    stranger = customer_services.contact_create(actor=SYSTEM, customer=other, data={"name": "乙方联系人"})
    with pytest.raises(DomainError) as exc:
        services.follow_up_create(actor=company.alice, customer=customer,
                                  data={"content": "电话", "contact": stranger})
    assert "contact" in exc.value.errors
    assert not FollowUp.objects.exists()
    assert Customer.objects.get(pk=customer.pk).last_contacted_at is None


def test_too_many_or_too_large_files_are_refused(company, make_customer, settings):
    customer = make_customer(company.alice)
    eleven = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(11)]
    with pytest.raises(DomainError) as exc:
        services.follow_up_create(actor=company.alice, customer=customer, data={"content": "多文件"}, files=eleven)
    assert "attachments" in exc.value.errors
    big = SimpleUploadedFile("big.bin", b"0" * (services.MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(DomainError) as exc:
        services.follow_up_create(actor=company.alice, customer=customer, data={"content": "大文件"}, files=[big])
    assert "big.bin" in exc.value.errors["attachments"][0]
    assert not FollowUp.objects.exists() and not FollowUpAttachment.objects.exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"content": ""}, "content"),
    ({"content": "x" * 10_001}, "content"),
    ({"content": "将来", "occurred_at": timezone.now() + dt.timedelta(days=3)}, "occurred_at"),
    ({"content": "倒序", "occurred_at": timezone.now(), "next_follow_up_at": timezone.now() - dt.timedelta(days=1)},
     "next_follow_up_at"),
    ({"content": "类型", "kind": "telepathy"}, "kind"),
])
def test_bad_follow_up_input_is_refused(company, make_customer, data, field):
    customer = make_customer(company.alice)
    with pytest.raises(DomainError) as exc:
        services.follow_up_create(actor=company.alice, customer=customer, data=data)
    assert field in exc.value.errors
    assert not FollowUp.objects.exists()


def test_follow_up_on_an_out_of_scope_customer_is_not_found(company, make_customer):
    customer = make_customer(company.alice)
    with pytest.raises(NotFound):
        services.follow_up_create(actor=company.dave, customer=customer, data={"content": "越权"})
    assert not FollowUp.objects.exists()


def test_follow_ups_are_visible_to_whoever_sees_the_customer(company, make_customer, make_follow_up):
    follow_up = make_follow_up(company.alice, make_customer(company.alice))
    assert_matrix(company, lambda user: FollowUp.objects.visible_to(user).filter(pk=follow_up.pk).exists(),
                  ALICE_RECORD_VISIBLE)


def test_only_the_author_or_an_editor_may_change_a_follow_up(company, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    by_carol = make_follow_up(company.carol, customer, "经理陪访")
    with pytest.raises(Forbidden):
        services.follow_up_update(actor=company.alice, follow_up=by_carol, data={"content": "改别人的"})
    by_alice = make_follow_up(company.alice, customer)
    services.follow_up_update(actor=company.carol, follow_up=by_alice, data={"content": "经理补充"})
    assert FollowUp.objects.get(pk=by_alice.pk).content == "经理补充"
    with pytest.raises(NotFound):
        services.follow_up_delete(actor=company.bob, follow_up=by_alice)
    assert FollowUp.objects.filter(pk=by_alice.pk).exists()


def test_editing_a_follow_up_updates_the_customer_next_follow_up(company, make_customer, make_follow_up):
    customer = make_customer(company.alice)
    follow_up = make_follow_up(company.alice, customer)
    following = timezone.now() + dt.timedelta(days=7)
    services.follow_up_update(actor=company.alice, follow_up=follow_up, data={"next_follow_up_at": following})
    assert Customer.objects.get(pk=customer.pk).next_follow_up_at == following
