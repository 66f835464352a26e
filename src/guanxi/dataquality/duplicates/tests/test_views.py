"""Pages: the list of groups, a group side by side, starting a scan, "not duplicates"; who may see what."""

import pytest
from django.urls import reverse

from guanxi.core.system import SYSTEM
from guanxi.core.testing import assert_matrix
from guanxi.customers import services as customer_services
from guanxi.dataquality.duplicates.choices import GroupStatus
from guanxi.dataquality.duplicates.models import DuplicateGroup, DuplicateScan

pytestmark = pytest.mark.django_db

LIST = reverse("duplicates:list")


@pytest.fixture
def found(reviewers, make_customer, run_scan):
    """Two groups: alice's pair (in carol's department) and a pair across alice's and dave's departments."""
    c = reviewers
    mine = [make_customer(c.alice, "深圳市腾远电子科技有限公司", phone="0755-86123456"),
            make_customer(c.bob, "腾远电子科技（深圳）有限公司", phone="+86 755 8612 3456")]
    across = [make_customer(c.alice, "华信精密机械有限公司", email="info@huaxin.cn"),
              make_customer(c.dave, "华信精密机械股份有限公司", email="info@huaxin.cn")]
    run_scan()
    return _group_of(mine[0]), _group_of(across[0]), mine, across


def _group_of(customer):
    return next(g for g in DuplicateGroup.objects.all() if customer.pk in g.member_ids)


def test_who_may_open_the_list(reviewers, login):
    def opens(user):
        return login(user).get(LIST).status_code == 200

    assert_matrix(reviewers, opens, {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False,
                                     "root": True})


def test_a_manager_sees_only_groups_wholly_in_her_scope(found, login):
    mine, across = found[0], found[1]
    company_users = found[2][0].owner, found[3][1].owner  # alice, dave
    carol = company_users[0].manager
    body = login(carol).get(LIST).content.decode()
    assert reverse("duplicates:detail", args=[mine.pk]) in body
    assert reverse("duplicates:detail", args=[across.pk]) not in body
    assert login(carol).get(reverse("duplicates:detail", args=[across.pk])).status_code == 404


def test_the_superuser_sees_every_group_and_the_list_reads_a_bounded_number_of_queries(
        reviewers, found, login, django_assert_max_num_queries):
    client = login(reviewers.root)
    with django_assert_max_num_queries(12):
        body = client.get(LIST).content.decode()
    assert body.count('href="/data-quality/duplicates/') >= 2
    assert "same company name" in body


def test_the_detail_shows_members_side_by_side_masked(found, login):
    mine = found[0]
    carol = found[2][0].owner.manager
    page = login(carol).get(reverse("duplicates:detail", args=[mine.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "深圳市腾远电子科技有限公司" in body and "腾远电子科技（深圳）有限公司" in body
    # carol may see phones (view_sensitive); the merge link appears only when merging is installed
    assert "0755-86123456" in body
    assert "Not duplicates" in body


def test_phones_are_masked_without_view_sensitive(reviewers, found, login):
    role = reviewers.manager_role
    role.actions = [a for a in role.actions if a != "customers.view_sensitive"]
    role.save(update_fields=["actions"])
    body = login(reviewers.carol).get(reverse("duplicates:detail", args=[found[0].pk])).content.decode()
    assert "0755-86123456" not in body and "075****3456" in body


def test_dismissing_from_the_page(found, login):
    mine = found[0]
    carol = found[2][0].owner.manager
    client = login(carol)
    response = client.post(reverse("duplicates:dismiss", args=[mine.pk]))
    assert response.status_code == 302
    assert DuplicateGroup.objects.get(pk=mine.pk).status == GroupStatus.DISMISSED
    assert reverse("duplicates:detail", args=[mine.pk]) not in client.get(LIST).content.decode()
    assert reverse("duplicates:detail", args=[mine.pk]) in client.get(LIST + "?status=dismissed").content.decode()
    again = client.post(reverse("duplicates:dismiss", args=[mine.pk]), follow=True)
    assert "already been marked" in again.content.decode()


def test_a_seller_cannot_dismiss_or_scan(found, login, reviewers):
    client = login(reviewers.alice)
    assert client.post(reverse("duplicates:dismiss", args=[found[0].pk])).status_code == 403
    assert client.post(reverse("duplicates:scan")).status_code == 403
    assert DuplicateGroup.objects.get(pk=found[0].pk).status == GroupStatus.OPEN


def test_out_of_scope_dismissal_is_404(found, login):
    carol = found[2][0].owner.manager
    assert login(carol).post(reverse("duplicates:dismiss", args=[found[1].pk])).status_code == 404
    assert DuplicateGroup.objects.get(pk=found[1].pk).status == GroupStatus.OPEN


def test_a_merged_or_deleted_member_leaves_the_group_resolved(found, login):
    mine = found[0]
    customer_services.customer_delete(actor=SYSTEM, customer=found[2][1])
    carol = found[2][0].owner.manager
    body = login(carol).get(reverse("duplicates:detail", args=[mine.pk])).content.decode()
    assert "Resolved" in body and "Merged or deleted" in body


def test_starting_a_scan_from_the_page(reviewers, login, django_capture_on_commit_callbacks):
    client = login(reviewers.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("duplicates:scan"))
    scan = DuplicateScan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:job", args=[scan.job_id])
    assert client.get(reverse("web:job", args=[scan.job_id])).status_code == 200


def test_bad_page_input_is_not_a_500(reviewers, found, login):
    client = login(reviewers.root)
    assert client.get(LIST + "?entity=<script>&status=%00").status_code == 200
    assert client.get(LIST + "?cursor=not-a-cursor").status_code == 400
    assert client.get(reverse("duplicates:detail", args=[999999])).status_code == 404
    assert client.get(reverse("duplicates:scan")).status_code == 405


def test_contact_groups_list(reviewers, make_customer, make_contact, run_scan, login):
    acme = make_customer(reviewers.alice, "腾远电子科技有限公司")
    make_contact(acme, "张伟", mobile="13812345678")
    make_contact(acme, "Zhang Wei", mobile="+86 138 1234 5678")
    run_scan()
    body = login(reviewers.carol).get(LIST + "?entity=contact").content.decode()
    assert "张伟" in body and "same mobile" in body


def test_the_merge_link_carries_the_live_members(found, login):
    from guanxi.dataquality.duplicates.views import merge_url

    mine = found[0]
    expected = merge_url(mine, sorted(mine.member_ids))
    body = login(found[2][0].owner.manager).get(reverse("duplicates:detail", args=[mine.pk])).content.decode()
    if expected:  # the merge page is installed
        assert "entity=customer&amp;ids=" in body and "Merge…" in body
    customer_services.customer_delete(actor=SYSTEM, customer=found[2][1])
    assert merge_url(mine, [found[2][0].pk]) == ""
