"""The registrations apps make at start-up: every row pointing to a customer or contact is either moved by a
merge or deliberately left with the merged record, so a new relation cannot be forgotten silently."""

from __future__ import annotations

import pytest

from guanxi.customers.models import Contact, Customer, CustomerPool, OwnershipEvent
from guanxi.dataquality.merging.registry import (
    MergeField,
    merge_entity,
    merge_relations,
    register_merge_entity,
)

# Rows that stay with the merged record: its pool history tells who held that record (the pool's reclaim
# rule reads it), not the survivor's.
STAYS = {(OwnershipEvent, "customer")}


def _pointing_to(model) -> set[tuple[type, str]]:
    """(model, foreign key) of every row pointing to `model`, hidden ones (related_name "+") and many-to-many
    link tables included."""
    return {(f.related_model, f.field.name) for f in model._meta.get_fields(include_hidden=True)
            if f.auto_created and not f.concrete and not f.many_to_many}


@pytest.mark.parametrize("entity,model", [("customer", Customer), ("contact", Contact)])
def test_every_relation_to_a_mergeable_record_is_moved_or_deliberately_kept(entity, model):
    moved = {(r.model, r.field) for r in merge_relations(entity)}
    assert _pointing_to(model) - STAYS == moved


def test_registered_entities_name_their_fields_and_rights():
    customer = merge_entity("customer")
    assert customer.model is Customer and customer.edit_action == "customers.edit"
    owner, phone = customer.field("owner"), customer.field("phone")
    assert owner is not None and owner.action == "customers.transfer"
    assert phone is not None and phone.companions == ("phone_e164",)
    assert merge_entity("contact").same == ("customer",)


def test_only_records_with_a_recycle_bin_can_be_merged():
    with pytest.raises(ValueError, match="soft delete"):
        register_merge_entity("pool", CustomerPool, fields=[MergeField("name")], edit_action="customers.manage_pools")
