"""Two people merging the same duplicate at the same moment, from threads with their own database connections:
one merge wins, the other is told the record was merged already, and every row ends up in one place."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from guanxi.core.errors import DomainError
from guanxi.customers import services as customers
from guanxi.customers.models import Contact
from guanxi.customers.tests.test_pool_concurrency import _racing_database
from guanxi.dataquality.merging import services
from guanxi.dataquality.merging.models import MergeRecord
from guanxi.org.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("run", range(2))
def test_of_two_merges_of_the_same_record_exactly_one_wins(company, make_customer, merge_right, tmp_path, run):
    from guanxi.core.system import SYSTEM

    merge_right(company.alice, company.carol)
    one, two, dup = (make_customer(company.alice, "甲公司") for _ in range(3))
    for i in range(5):
        customers.contact_create(actor=SYSTEM, customer=dup, data={"name": f"联系人{i}"})
    with _racing_database(tmp_path):
        barrier = threading.Barrier(2)
        outcome: list[object] = [None, None]

        def run_merge(i: int, username: str, survivor_id: int) -> None:
            try:
                actor = User.objects.get(username=username)
                barrier.wait(timeout=10)
                outcome[i] = services.merge_records(actor=actor, entity="customer", survivor=survivor_id,
                                                    others=[dup.pk])
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
                outcome[i] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=run_merge, args=(0, "alice", one.pk)),
                   threading.Thread(target=run_merge, args=(1, "carol", two.pk))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        winners = [o for o in outcome if isinstance(o, MergeRecord)]
        losers = [o for o in outcome if isinstance(o, DomainError)]
        assert len(winners) == 1 and len(losers) == 1, outcome
        assert losers[0].code in {"already_merged", "conflict"}
        assert MergeRecord.objects.count() == 1
        survivor = winners[0].survivor_id
        assert set(Contact.objects.filter(name__startswith="联系人").values_list("customer_id", flat=True)) == {
            survivor}
