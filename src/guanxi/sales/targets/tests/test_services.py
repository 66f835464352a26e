"""Setting targets: who may, for whom, what is refused, and what the audit trail keeps."""

from decimal import Decimal
from typing import Any

import pytest

from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.testing import assert_matrix
from guanxi.sales.targets import selectors, services
from guanxi.sales.targets.models import Target
from guanxi.sales.targets.periods import Period

pytestmark = pytest.mark.django_db

MARCH = Period.of("month", 2025, 3)


def create(actor, subject=None, *, department=None, amount="50000", period=MARCH, metric="signed", currency="CNY"):
    return services.target_create(actor=actor, user=subject, department=department, period=period, metric=metric,
                                  amount=amount, currency=currency)


# -- who may set targets for whom --


def test_setting_a_target_for_alice(managers):
    c = managers

    def can_set(user):
        try:
            create(user, c.alice, period=Period.of("month", 2025, user.pk % 12 + 1))
        except (Forbidden, NotFound):
            return False
        return True

    # Sellers only view; carol manages her department; dave's and erin's reach stop short of alice.
    assert_matrix(c, can_set, {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False,
                               "root": True})


def test_setting_a_department_target_needs_a_department_scope(managers):
    c = managers

    def can_set(user, department):
        try:
            create(user, department=department, period=Period.of("month", 2025, user.pk % 12 + 1))
        except (Forbidden, NotFound):
            return False
        return True

    assert_matrix(c, lambda u: can_set(u, c.sales1), {"alice": False, "bob": False, "carol": True, "dave": False,
                                                      "erin": False, "root": True})
    # carol's scope is her own department, not its parent nor its sibling.
    assert not can_set(c.carol, c.sales) and not can_set(c.carol, c.sales2)


def test_without_the_manage_right_a_manager_cannot_set(company):
    with pytest.raises(Forbidden):
        create(company.carol, company.alice)
    assert not Target.objects.exists()


def test_a_target_outside_the_scope_is_missing_for_editing(managers, set_target):
    daves = set_target(managers.dave, 10_000)
    with pytest.raises(NotFound):
        services.target_update(actor=managers.carol, target=daves, data={"amount": "1"})
    with pytest.raises(NotFound):
        services.target_delete(actor=managers.carol, target=daves)
    daves.refresh_from_db()
    assert daves.amount == Decimal("10000.00")


def test_who_sees_alices_target(managers, set_target):
    target = set_target(managers.alice, 10_000)
    assert_matrix(managers, lambda u: selectors.target_list(actor=u).filter(pk=target.pk).exists(),
                  {"alice": True, "bob": False, "carol": True, "dave": False, "erin": False, "root": True})


def test_who_sees_the_department_target(managers, set_target):
    target = set_target(managers.sales1, 10_000)
    # Sellers see their own targets only, not their department's.
    assert_matrix(managers, lambda u: selectors.target_list(actor=u).filter(pk=target.pk).exists(),
                  {"alice": False, "bob": False, "carol": True, "dave": False, "erin": False, "root": True})


# -- what is written --


def test_create_then_change_then_delete_is_audited(managers):
    target = create(managers.carol, managers.alice, amount="120000.5")
    assert (target.amount, target.currency, target.created_by) == (Decimal("120000.50"), "CNY", managers.carol)

    services.target_update(actor=managers.carol, target=target, data={"amount": "150000"},
                           expected_version=target.version)
    target.refresh_from_db()
    assert (target.amount, target.version) == (Decimal("150000.00"), 2)

    services.target_delete(actor=managers.carol, target=target)
    assert not Target.objects.exists()
    events = list(AuditEvent.objects.filter(action__startswith="target.").order_by("id"))
    assert [e.action for e in events] == ["target.created", "target.updated", "target.deleted"]
    assert events[1].changes == {"amount": ["120000.50", "150000.00"]}
    assert events[2].changes["amount"] == ["150000.00", None]


@pytest.mark.parametrize("amount,message", [
    ("-100", "greater than zero"),
    ("0", "greater than zero"),
    ("abc", "such as 50000"),
    ("<b>1</b>", "such as 50000"),
    ("1" * 10_000, "such as 50000"),
    ("NaN", "such as 50000"),
    ("1.005", "two decimal places"),
    ("1" * 17, "too large"),
    ("", "Enter the target amount"),
    (None, "Enter the target amount"),
])
def test_bad_amounts_are_refused_on_the_amount_field(managers, amount, message):
    with pytest.raises(DomainError) as caught:
        create(managers.carol, managers.alice, amount=amount)
    assert message in caught.value.errors["amount"][0]
    assert not Target.objects.exists()


def test_month_13_is_refused(managers):
    with pytest.raises(DomainError) as caught:
        create(managers.carol, managers.alice, period=Period(2025, "month", 13))
    assert caught.value.errors == {"period_index": ["Choose a month from 1 to 12."]}
    assert not Target.objects.exists()


def test_a_target_is_for_a_person_or_a_department_not_both(managers):
    with pytest.raises(DomainError) as caught:
        create(managers.carol, managers.alice, department=managers.sales1)
    assert caught.value.code == "invalid" and "__all__" in caught.value.errors
    with pytest.raises(DomainError):
        create(managers.carol)
    assert not Target.objects.exists()


def test_unknown_measure_and_currency_are_refused(managers):
    with pytest.raises(DomainError) as caught:
        create(managers.carol, managers.alice, metric="profit")
    assert "metric" in caught.value.errors
    with pytest.raises(DomainError) as caught:
        create(managers.carol, managers.alice, currency="BTC")
    assert "currency" in caught.value.errors


def test_one_target_per_person_period_and_measure(managers):
    create(managers.carol, managers.alice)
    with pytest.raises(Conflict) as caught:
        create(managers.root, managers.alice, amount="1", currency="USD")
    assert caught.value.code == "duplicate"
    # Another measure, another period or the department are other targets.
    create(managers.carol, managers.alice, metric="received")
    create(managers.carol, managers.alice, period=Period.of("quarter", 2025, 1))
    create(managers.carol, department=managers.sales1)
    assert Target.objects.count() == 4


def test_a_stale_version_is_refused(managers):
    target = create(managers.carol, managers.alice)
    services.target_update(actor=managers.root, target=Target.objects.get(pk=target.pk), data={"amount": "1"})
    with pytest.raises(Conflict):
        services.target_update(actor=managers.carol, target=target, data={"amount": "2"}, expected_version=1)
    target.refresh_from_db()
    assert target.amount == Decimal("1.00")


def test_subject_and_period_never_change_through_an_update(managers):
    target = create(managers.carol, managers.alice)
    with pytest.raises(DomainError):
        services.target_update(actor=managers.carol, target=target, data={"user": managers.bob})
    target.refresh_from_db()
    assert target.user == managers.alice


# -- one cell of the grid --


def test_set_creates_changes_and_with_a_blank_amount_removes(managers):
    carol, alice = managers.carol, managers.alice
    target = services.target_set(actor=carol, user=alice, period=MARCH, metric="signed", amount="1000")
    assert target is not None and target.amount == Decimal("1000.00")
    again = services.target_set(actor=carol, user=alice, period=MARCH, metric="signed", amount="2000",
                                currency="USD", expected_version=1)
    assert again is not None and again.pk == target.pk and (again.amount, again.currency) == (Decimal("2000"), "USD")
    assert services.target_set(actor=carol, user=alice, period=MARCH, metric="signed", amount=" ",
                               expected_version=2) is None
    assert not Target.objects.exists()


def test_set_on_a_target_someone_removed_meanwhile_says_so(managers):
    with pytest.raises(Conflict) as caught:
        services.target_set(actor=managers.carol, user=managers.alice, period=MARCH, metric="signed",
                            amount="5", expected_version=3)
    assert caught.value.code == "deleted"
    assert not Target.objects.exists()


# -- many at once --


def test_bulk_sets_every_cell_and_replaces_what_was_there(managers, set_target):
    c = managers
    old = set_target(c.alice, 1)
    quarters = [Period.of("quarter", 2025, q) for q in (1, 2, 3, 4)] + [MARCH]
    count = services.target_bulk_set(actor=c.carol, users=[c.alice, c.bob], periods=quarters, metric="signed",
                                     amount="300000", currency="CNY")
    assert count == 10
    assert Target.objects.count() == 10
    assert set(Target.objects.values_list("amount", flat=True)) == {Decimal("300000.00")}
    old.refresh_from_db()
    assert (old.amount, old.version) == (Decimal("300000.00"), 2)
    assert AuditEvent.objects.filter(action="target.created").count() == 1 + 9
    assert AuditEvent.objects.filter(action="target.updated", extra__bulk=True).count() == 1
    # The same again changes nothing.
    assert services.target_bulk_set(actor=c.carol, users=[c.alice, c.bob], periods=quarters, metric="signed",
                                    amount="300000", currency="CNY") == 0


def test_bulk_with_one_person_out_of_reach_sets_nothing(managers):
    c = managers
    with pytest.raises(NotFound):
        services.target_bulk_set(actor=c.carol, users=[c.alice, c.dave], periods=[MARCH], metric="signed",
                                 amount="1000")
    assert not Target.objects.exists()


def test_bulk_refuses_bad_input_before_writing(managers):
    c = managers
    cases: list[tuple[dict[str, Any], str]] = [
        ({"amount": "-5"}, "amount"), ({"users": []}, "subjects"), ({"periods": []}, "periods"),
        ({"periods": [Period(2025, "quarter", 5)]}, "period_index")]
    for change, field in cases:
        args: dict[str, Any] = {"users": [c.alice], "periods": [MARCH], "metric": "signed", "amount": "1000",
                                **change}
        with pytest.raises(DomainError) as caught:
            services.target_bulk_set(actor=c.carol, **args)
        assert field in caught.value.errors
    assert not Target.objects.exists()


def test_saving_the_same_amount_again_writes_nothing(managers):
    target = create(managers.carol, managers.alice, amount="500")
    services.target_update(actor=managers.carol, target=target, data={"amount": "500.00", "currency": "CNY"})
    target.refresh_from_db()
    assert target.version == 1
    assert not AuditEvent.objects.filter(action="target.updated").exists()
