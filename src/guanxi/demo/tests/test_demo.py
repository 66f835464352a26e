"""`guanxi demo`: the company it builds, the same data every run, and data as the services would write it."""

from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models import Max
from django.utils import translation

from guanxi.activities.models import FollowUp
from guanxi.core.errors import Forbidden
from guanxi.core.models import AuditEvent, CustomFieldDefinition
from guanxi.core.permissions import require
from guanxi.core.text import normalise_phone
from guanxi.customers import services
from guanxi.customers.filters import CustomerFilters
from guanxi.customers.models import Contact, Customer, Tag
from guanxi.customers.search import customer_document
from guanxi.customers.selectors import customer_list
from guanxi.demo.company import DEMO_PASSWORD, PEOPLE
from guanxi.org.models import Department, Role, User

pytestmark = pytest.mark.django_db


def demo(**options) -> str:
    out = StringIO()
    with translation.override("en"):  # assertions read the English source text
        call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_small_demo_builds_the_whole_company():
    # when
    output = demo(customers=60)
    # then
    assert Customer.objects.count() == 60
    assert User.objects.count() == len(PEOPLE) == 10
    assert list(Department.objects.filter(parent__isnull=True).values_list("name", flat=True)) == ["总部"]
    assert set(Department.objects.get(name="销售部").children.values_list("name", flat=True)) == {
        "销售一部", "销售二部", "大客户部"}
    assert set(Role.objects.values_list("name", flat=True)) == {"管理员", "销售总监", "销售经理", "销售", "客服"}
    assert Tag.objects.count() == 8
    assert CustomFieldDefinition.objects.filter(entity="customers.customer").count() == 2
    contacts, follow_ups = Contact.objects.count(), FollowUp.objects.count()
    assert 60 <= contacts <= 180
    assert 60 <= follow_ups <= 300
    assert not Customer.objects.filter(contacts__isnull=True).exists()
    assert not Customer.objects.filter(follow_ups__isnull=True).exists()
    assert Customer.objects.exclude(status="").values("status").distinct().count() >= 3
    assert "wangfang" in output and DEMO_PASSWORD in output and "http://" in output


def test_every_record_is_audited_like_the_services_do():
    demo(customers=40)
    assert AuditEvent.objects.filter(action="customer.created").count() == 40
    assert AuditEvent.objects.filter(action="contact.created").count() == Contact.objects.count()
    assert AuditEvent.objects.filter(action="follow_up.created").count() == FollowUp.objects.count()
    customer = Customer.objects.filter(owner__isnull=False).order_by("id").first()
    event = AuditEvent.objects.get(action="customer.created", object_id=str(customer.pk))
    assert event.actor_id == customer.owner_id
    assert event.content_type == ContentType.objects.get_for_model(Customer)
    assert event.timeline_key == f"customers.customer:{customer.pk}"
    assert event.changes["name"] == [None, customer.name]
    assert event.changes["owner"] == [None, str(customer.owner)]
    follow_up = FollowUp.objects.filter(customer=customer).first()
    logged = AuditEvent.objects.get(action="follow_up.created", object_id=str(follow_up.pk))
    with translation.override("en"):
        assert logged.object_repr == str(follow_up)
    assert logged.timeline_key == f"customers.customer:{customer.pk}"


def test_documents_phones_and_dates_match_what_the_services_store():
    demo(customers=40)
    for customer in Customer.objects.all():
        names = list(customer.contacts.filter(deleted_at__isnull=True).values_list("name", flat=True)[:50])
        assert customer.search_document == customer_document(customer.name, names)
        assert customer.phone_e164 == normalise_phone(customer.phone)
        latest = customer.follow_ups.aggregate(at=Max("occurred_at"))["at"]
        assert customer.last_contacted_at == latest
        if customer.owner is None:  # returned to the company pool, as the sweep does
            assert customer.pool is not None and customer.department_id is None
        else:
            assert customer.department_id == customer.owner.department_id
        assert customer.email == customer.email.lower()
    for contact in Contact.objects.all():
        assert contact.mobile_e164 == (normalise_phone(contact.mobile) or "")
        assert contact.phone_e164 == (normalise_phone(contact.phone) or "")
        assert contact.search_document == customer_document(contact.name, [])


def test_demo_customers_are_found_by_search():
    demo(customers=30)
    admin = User.objects.get(username="admin")
    owned = Customer.objects.filter(deleted_at__isnull=True, owner__isnull=False, kind="company")
    customer = owned.order_by("id").first()
    contact = customer.contacts.first()
    for query in [customer.name[-6:-2], customer.phone, contact.name, contact.mobile]:
        hits = customer_list(actor=admin, filters=CustomerFilters(q=query))
        assert customer in hits, query


@pytest.mark.django_db(transaction=True)
def test_two_runs_into_fresh_databases_give_the_same_company():
    demo(customers=25)
    first = list(Customer.objects.order_by("id").values_list("id", "name", "phone", "owner__username"))
    first_contacts = list(Contact.objects.order_by("id").values_list("name", "mobile"))
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    demo(customers=25)
    assert list(Customer.objects.order_by("id").values_list("id", "name", "phone", "owner__username")) == first
    assert list(Contact.objects.order_by("id").values_list("name", "mobile")) == first_contacts


@pytest.mark.django_db(transaction=True)
def test_another_seed_gives_other_customers():
    demo(customers=10, seed=7)
    names = set(Customer.objects.values_list("name", flat=True))
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    demo(customers=10, seed=8)
    assert names != set(Customer.objects.values_list("name", flat=True))


def test_messages_are_translated():
    with translation.override("zh-hans"):
        out = StringIO()
        call_command("demo", customers=3, stdout=out)
    assert "演示公司已创建" in out.getvalue() and "密码均为" in out.getvalue()


def test_if_empty_leaves_existing_data_alone():
    demo(customers=10)
    before = (Customer.objects.count(), User.objects.count(), AuditEvent.objects.count())
    output = demo(customers=10, if_empty=True)
    assert (Customer.objects.count(), User.objects.count(), AuditEvent.objects.count()) == before
    assert "already has data" in output
    # the logins are printed again, so a second `make run` still says how to sign in
    assert "wangfang" in output and "guanxi-demo" in output


def test_without_if_empty_a_filled_database_is_refused():
    demo(customers=5)
    with pytest.raises(CommandError):
        demo(customers=5)
    assert Customer.objects.count() == 5


def test_an_existing_user_counts_as_data(company):
    output = demo(customers=5, if_empty=True)
    assert "already has data" in output
    assert not Customer.objects.exists()
    assert "guanxi-demo" not in output  # no demo logins to offer in someone's own data


@pytest.mark.parametrize("options", [{"customers": -1}, {"customers": 20_000_000}, {"follow_ups": 0},
                                     {"follow_ups": 9}])
def test_out_of_range_options_are_refused_and_nothing_is_written(options):
    with pytest.raises(CommandError):
        demo(**options)
    assert not User.objects.exists()


def test_every_demo_login_signs_in_with_the_documented_password(client):
    demo(customers=5)
    for login, *_rest in PEOPLE:
        client.logout()
        response = client.post("/login/", {"username": login, "password": DEMO_PASSWORD})
        assert response.status_code == 302, login
        assert client.session.get("_auth_user_id") == str(User.objects.get(username=login).pk)
    client.logout()
    assert client.post("/login/", {"username": "wangfang", "password": "wrong"}).status_code == 200


def test_demo_roles_give_each_person_the_documented_reach():
    demo(customers=80)
    users = {u.username: u for u in User.objects.all()}

    def visible(login):
        owned = Customer.objects.visible_to(users[login]).filter(owner__isnull=False)
        return set(owned.values_list("owner__username", flat=True))

    assert visible("wangfang") == {"wangfang"}
    assert visible("lijun") <= {"lijun", "wangfang", "zhangwei"}
    assert visible("zhaomin") == visible("admin")
    assert visible("sunli") == visible("admin")
    customer = Customer.objects.visible_to(users["sunli"]).first()
    with pytest.raises(Forbidden):
        require(users["sunli"], "customers.edit", customer)
    assert users["lijun"].has_action("customers.transfer") and users["lijun"].has_action("customers.view_sensitive")
    assert not users["wangfang"].has_action("customers.transfer")


def test_services_keep_working_after_the_bulk_load():
    demo(customers=20)
    wangfang = User.objects.get(username="wangfang")
    customer = services.customer_create(actor=wangfang, data={"name": "杭州新立方科技", "phone": "13900001111"})
    assert customer.pk == Customer.objects.aggregate(m=Max("id"))["m"]
    contact = services.contact_create(actor=wangfang, customer=customer, data={"name": "周杰"})
    assert contact.pk == Contact.objects.aggregate(m=Max("id"))["m"]
    hits = customer_list(actor=wangfang, filters=CustomerFilters(q="xinlifang"))
    assert [c.pk for c in hits] == [customer.pk]
