"""Opportunity and pipeline services: defaults, stage moves and their history, probabilities, lines,
lost reasons, winning, concurrency, and the rules every pipeline keeps."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from guanxi.core.errors import Conflict, DomainError, Forbidden, NotFound
from guanxi.core.models import AuditEvent
from guanxi.core.system import SYSTEM
from guanxi.customers import services as customer_services
from guanxi.sales.opportunities import selectors, services
from guanxi.sales.opportunities.models import LostReason, Opportunity, Pipeline, Stage, StageChange
from guanxi.sales.products.models import PriceList, PriceListItem, Product

pytestmark = pytest.mark.django_db


def _fresh(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


# -- the default pipeline --


@pytest.mark.parametrize("language,first,won,lost", [("zh-hans", "初步接洽", "赢单", "输单"),
                                                      ("en", "Initial contact", "Won", "Lost")])
def test_default_pipeline_speaks_the_active_language(db, language, first, won, lost):
    with translation.override(language):
        pipeline = services.pipeline_default()
    stages = list(pipeline.stages.order_by("position"))
    assert [s.name for s in stages][0] == first
    assert [(s.probability, s.kind) for s in stages] == [(10, "open"), (25, "open"), (50, "open"), (75, "open"),
                                                         (100, "won"), (0, "lost")]
    assert [s.name for s in stages][-2:] == [won, lost]
    assert LostReason.objects.count() == 5


def test_default_pipeline_is_created_once(db):
    first = services.pipeline_default()
    assert services.pipeline_default() == first
    assert Pipeline.objects.count() == 1


def test_create_uses_the_default_pipeline_first_open_stage_and_its_probability(company, make_customer, pipeline):
    customer = make_customer(company.alice)
    opportunity = services.opportunity_create(actor=company.alice, data={"name": "新机会", "customer": customer})
    assert opportunity.pipeline == pipeline
    assert (opportunity.stage.name, opportunity.probability, opportunity.status) == ("初步接洽", 10, "open")
    assert opportunity.owner == company.alice and opportunity.department == company.sales1
    change = StageChange.objects.get(opportunity=opportunity)
    assert (change.from_stage, change.to_stage, change.seconds_in_previous) == (None, opportunity.stage, 0)
    assert AuditEvent.objects.filter(action="opportunity.created", object_id=str(opportunity.pk)).exists()


def test_create_refuses_a_customer_out_of_scope(company, make_customer, pipeline):
    daves = make_customer(company.dave, "赵磊的客户")
    with pytest.raises(DomainError) as exc:
        services.opportunity_create(actor=company.alice, data={"name": "抢单", "customer": daves})
    assert "customer" in exc.value.errors
    assert not Opportunity.objects.exists()


def test_contacts_must_belong_to_the_customer(company, make_customer, pipeline):
    mine = make_customer(company.alice, "客户甲")
    other = make_customer(company.alice, "客户乙")
    stranger = customer_services.contact_create(actor=company.alice, customer=other, data={"name": "外人"})
    with pytest.raises(DomainError) as exc:
        services.opportunity_create(actor=company.alice, data={"name": "机会", "customer": mine}, contacts=[stranger])
    assert "contacts" in exc.value.errors
    assert not Opportunity.objects.exists()


def test_without_the_create_right_nothing_is_created(company, make_customer, pipeline):
    customer = make_customer(company.alice)
    with pytest.raises(Forbidden):
        services.opportunity_create(actor=company.erin, data={"name": "无权", "customer": customer})


# -- moving between stages --


def test_stage_history_records_time_in_each_stage(company, make_opportunity, stages, clock):
    start = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    clock.set(start)
    opportunity = make_opportunity(company.alice)
    clock.advance(days=2, hours=3)
    services.opportunity_move(actor=company.alice, opportunity=opportunity, stage=stages["open"][1])
    clock.advance(hours=5)
    services.opportunity_move(actor=company.alice, opportunity=_fresh(opportunity), stage=stages["open"][2])
    clock.advance(minutes=30)
    changes = list(StageChange.objects.filter(opportunity=opportunity).order_by("changed_at"))
    assert [c.seconds_in_previous for c in changes] == [0, (2 * 24 + 3) * 3600, 5 * 3600]
    stays = selectors.opportunity_stage_history(opportunity=_fresh(opportunity))
    assert [(s.stage.name, s.seconds) for s in stays] == [("初步接洽", (2 * 24 + 3) * 3600), ("需求确认", 5 * 3600),
                                                          ("方案报价", 30 * 60)]
    assert stays[-1].left_at is None


def test_going_back_to_a_stage_adds_up_its_time(company, make_opportunity, stages, clock):
    opportunity = make_opportunity(company.alice)
    first, second = stages["open"][0], stages["open"][1]
    for target, hours in [(second, 1), (first, 2), (second, 4)]:
        clock.advance(hours=hours)
        services.opportunity_move(actor=company.alice, opportunity=_fresh(opportunity), stage=target)
    clock.advance(hours=8)
    totals = dict((s.name, sec) for s, sec in selectors.stage_totals(
        selectors.opportunity_stage_history(opportunity=_fresh(opportunity))))
    assert totals == {"初步接洽": (1 + 4) * 3600, "需求确认": (2 + 8) * 3600}


def test_probability_follows_the_stage_unless_typed(company, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    services.opportunity_move(actor=company.alice, opportunity=opportunity, stage=stages["open"][2])
    assert _fresh(opportunity).probability == 50
    services.opportunity_update(actor=company.alice, opportunity=_fresh(opportunity), data={"probability": 65})
    services.opportunity_move(actor=company.alice, opportunity=_fresh(opportunity), stage=stages["open"][3])
    moved = _fresh(opportunity)
    assert (moved.probability, moved.probability_overridden) == (65, True)
    services.opportunity_update(actor=company.alice, opportunity=moved, data={"probability": None})
    assert (_fresh(opportunity).probability, _fresh(opportunity).probability_overridden) == (75, False)


def test_lost_stage_without_a_reason_is_refused_and_nothing_changes(company, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    with pytest.raises(DomainError) as exc:
        services.opportunity_move(actor=company.alice, opportunity=opportunity, stage=stages["lost"])
    assert exc.value.code == "lost_reason_required"
    assert "lost_reason" in exc.value.errors
    fresh = _fresh(opportunity)
    assert (fresh.stage, fresh.status, fresh.version) == (stages["open"][0], "open", 1)
    assert StageChange.objects.filter(opportunity=opportunity).count() == 1


def test_lost_with_a_reason_closes_and_reopening_clears_it(company, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    reason = LostReason.objects.order_by("position")[0]
    services.opportunity_move(actor=company.alice, opportunity=opportunity, stage=stages["lost"], lost_reason=reason,
                              lost_note="报价高出 20%")
    lost = _fresh(opportunity)
    assert (lost.status, lost.probability, lost.lost_reason, lost.lost_note) == ("lost", 0, reason, "报价高出 20%")
    assert lost.closed_at is not None
    services.opportunity_move(actor=company.alice, opportunity=lost, stage=stages["open"][1])
    reopened = _fresh(opportunity)
    assert (reopened.status, reopened.closed_at, reopened.lost_reason, reopened.probability) == ("open", None, None, 25)


def test_winning_closes_the_deal_and_notes_it_on_the_customer(company, make_opportunity, stages, clock):
    opportunity = make_opportunity(company.alice)
    clock.advance(days=3)
    services.opportunity_move(actor=company.alice, opportunity=opportunity, stage=stages["won"])
    won = _fresh(opportunity)
    assert (won.status, won.probability, won.closed_at) == ("won", 100, clock.now)
    won.customer.refresh_from_db()
    assert won.customer.last_deal_at == clock.now


def test_a_stale_version_is_a_conflict_and_keeps_the_other_move(company, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    services.opportunity_move(actor=company.alice, opportunity=_fresh(opportunity), stage=stages["open"][1],
                              expected_version=1)
    with pytest.raises(Conflict):
        services.opportunity_move(actor=company.alice, opportunity=_fresh(opportunity), stage=stages["open"][2],
                                  expected_version=1)
    assert _fresh(opportunity).stage == stages["open"][1]
    assert StageChange.objects.filter(opportunity=opportunity).count() == 2


def test_moving_one_deleted_meanwhile_is_not_found(company, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    stale = _fresh(opportunity)
    services.opportunity_delete(actor=company.alice, opportunity=opportunity)
    with pytest.raises(NotFound):
        services.opportunity_move(actor=company.alice, opportunity=stale, stage=stages["open"][1])


def test_a_read_only_collaborator_may_not_move(company, make_opportunity, stages):
    opportunity = make_opportunity(company.alice)
    services.opportunity_set_collaborator(actor=company.alice, opportunity=opportunity, user=company.dave,
                                          can_edit=False)
    assert selectors.opportunity_get(actor=company.dave, id=opportunity.pk) == opportunity
    with pytest.raises(Forbidden):
        services.opportunity_move(actor=company.dave, opportunity=opportunity, stage=stages["open"][1])


# -- amounts and product lines --


def test_amount_is_the_sum_of_the_lines_with_customer_prices(company, make_customer, pipeline):
    customer = make_customer(company.alice, "华南大客户", grade="A", region="广东 深圳")
    licence = Product.objects.create(code="LIC", name="软件许可", list_price=Decimal("1000.00"))
    service = Product.objects.create(code="SVC", name="实施服务", list_price=Decimal("800.00"), unit="人天")
    price_list = PriceList.objects.create(name="A 级客户", grade="A")
    PriceListItem.objects.create(price_list=price_list, product=licence, price=Decimal("900.00"))
    opportunity = services.opportunity_create(
        actor=company.alice, data={"name": "许可加实施", "customer": customer, "amount": Decimal("1")},
        lines=[{"product": licence, "quantity": Decimal("3")},
               {"product": service, "quantity": Decimal("2.5"), "unit_price": Decimal("760.00")},
               {"description": "差旅", "unit_price": Decimal("333.33")}])
    lines = list(opportunity.lines.order_by("position"))
    assert [(ln.description, ln.unit_price) for ln in lines][:2] == [("软件许可", Decimal("900.00")),
                                                                    ("实施服务", Decimal("760.00"))]
    assert opportunity.amount == Decimal("2700.00") + Decimal("1900.00") + Decimal("333.33")


def test_typing_an_amount_over_lines_is_refused(company, make_opportunity):
    opportunity = make_opportunity(company.alice, lines=[{"description": "咨询", "unit_price": Decimal("500")}])
    with pytest.raises(DomainError) as exc:
        services.opportunity_update(actor=company.alice, opportunity=opportunity, data={"amount": Decimal("9")})
    assert exc.value.code == "amount_from_lines"
    assert _fresh(opportunity).amount == Decimal("500.00")


def test_adding_and_removing_lines_recomputes_and_keeps_the_last_amount(company, make_opportunity):
    opportunity = make_opportunity(company.alice, amount=Decimal("42.00"))
    services.opportunity_add_line(actor=company.alice, opportunity=opportunity,
                                  line={"description": "年费", "quantity": Decimal(2), "unit_price": Decimal("99.5")})
    assert _fresh(opportunity).amount == Decimal("199.00")
    line = _fresh(opportunity).lines.get()
    services.opportunity_remove_line(actor=company.alice, opportunity=_fresh(opportunity), line_id=line.pk)
    assert _fresh(opportunity).amount == Decimal("199.00")
    assert not _fresh(opportunity).lines.exists()


def test_a_product_priced_in_another_currency_needs_a_typed_price(company, make_opportunity):
    opportunity = make_opportunity(company.alice)
    dollars = Product.objects.create(code="USD-1", name="海外许可", list_price=Decimal("100"), currency="USD")
    with pytest.raises(DomainError) as exc:
        services.opportunity_add_line(actor=company.alice, opportunity=opportunity, line={"product": dollars})
    assert "unit_price" in exc.value.errors
    assert not opportunity.lines.exists()


def test_negative_amounts_and_quantities_are_refused(company, make_customer, pipeline):
    customer = make_customer(company.alice)
    with pytest.raises(DomainError) as exc:
        services.opportunity_create(actor=company.alice, data={"name": "负数", "customer": customer,
                                                               "amount": Decimal("-1")})
    assert "amount" in exc.value.errors
    with pytest.raises(DomainError) as exc:
        services.opportunity_create(actor=company.alice, data={"name": "负数", "customer": customer},
                                    lines=[{"description": "x", "quantity": Decimal(-2), "unit_price": Decimal(1)}])
    assert "lines.0.quantity" in exc.value.errors
    assert not Opportunity.objects.exists()


# -- transfer, delete, restore --


def test_transfer_needs_the_right_and_moves_the_department(company, make_opportunity):
    opportunity = make_opportunity(company.alice)
    with pytest.raises(Forbidden):
        services.opportunity_bulk_transfer(actor=company.alice, ids=[opportunity.pk], owner=company.bob)
    assert services.opportunity_bulk_transfer(actor=company.carol, ids=[opportunity.pk], owner=company.dave) == 1
    fresh = _fresh(opportunity)
    assert (fresh.owner, fresh.department) == (company.dave, company.sales2)
    assert AuditEvent.objects.filter(action="opportunity.transferred").count() == 1


def test_delete_and_restore(company, make_opportunity):
    opportunity = make_opportunity(company.alice)
    services.opportunity_delete(actor=company.alice, opportunity=opportunity)
    assert not selectors.opportunity_list(actor=company.alice).exists()
    assert list(selectors.opportunity_recycle_bin(actor=company.alice)) == [opportunity]
    services.opportunity_restore(actor=company.alice, opportunity=opportunity)
    assert selectors.opportunity_get(actor=company.alice, id=opportunity.pk) == opportunity


def test_purge_is_for_admins_and_audited(company, make_opportunity):
    opportunity = make_opportunity(company.alice)
    services.opportunity_delete(actor=company.alice, opportunity=opportunity)
    with pytest.raises(Forbidden):
        services.opportunity_purge(actor=company.carol, opportunity=opportunity)
    services.opportunity_purge(actor=company.root, opportunity=opportunity)
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert AuditEvent.objects.filter(action="opportunity.purged").exists()


# -- pipelines and stages --


def test_a_pipeline_keeps_one_won_and_a_lost_stage(company, pipeline, stages):
    with pytest.raises(DomainError):
        services.stage_create(actor=company.root, pipeline=pipeline, name="二次赢单", kind="won")
    with pytest.raises(DomainError):
        services.stage_update(actor=company.root, stage=stages["lost"], data={"kind": "open"})
    with pytest.raises(DomainError):
        services.stage_delete(actor=company.root, stage=stages["won"])
    with pytest.raises(Forbidden):
        services.stage_create(actor=company.carol, pipeline=pipeline, name="演示")
    assert pipeline.stages.count() == 6


def test_new_open_stage_goes_before_the_closing_stages(company, pipeline):
    services.stage_create(actor=company.root, pipeline=pipeline, name="技术验证", probability=60)
    names = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert names == ["初步接洽", "需求确认", "方案报价", "商务谈判", "技术验证", "赢单", "输单"]


def test_changing_a_stage_probability_reaches_its_opportunities_without_their_own(company, make_opportunity, stages):
    plain = make_opportunity(company.alice, "跟随阶段")
    typed = make_opportunity(company.alice, "手填概率", probability=33)
    services.stage_update(actor=company.root, stage=stages["open"][0], data={"probability": 15})
    assert (_fresh(plain).probability, _fresh(typed).probability) == (15, 33)


def test_deleting_a_stage_in_use_asks_where_and_moves_with_history(company, make_opportunity, stages, clock):
    first, second = stages["open"][0], stages["open"][1]
    opportunity = make_opportunity(company.alice)
    gone = make_opportunity(company.alice, "回收站里的")
    services.opportunity_delete(actor=company.alice, opportunity=gone)
    with pytest.raises(DomainError) as exc:
        services.stage_delete(actor=company.root, stage=first)
    assert exc.value.code == "stage_in_use" and "move_to" in exc.value.errors
    clock.advance(hours=6)
    assert services.stage_delete(actor=company.root, stage=first, move_to=second) == 2
    first.refresh_from_db()
    assert first.is_active is False  # history still names it
    moved = _fresh(opportunity)
    assert (moved.stage, moved.probability) == (second, 25)
    assert StageChange.objects.filter(opportunity=opportunity, from_stage=first,
                                      seconds_in_previous=6 * 3600).exists()
    assert Opportunity.objects.get(pk=gone.pk).stage == second


def test_deleting_an_unused_stage_removes_it(company, pipeline):
    stage = services.stage_create(actor=SYSTEM, pipeline=pipeline, name="临时阶段")
    services.stage_delete(actor=company.root, stage=stage)
    assert not Stage.objects.filter(pk=stage.pk).exists()


def test_reorder_must_name_every_stage(company, pipeline, stages):
    ids = list(pipeline.stages.order_by("position").values_list("pk", flat=True))
    with pytest.raises(DomainError):
        services.stage_reorder(actor=company.root, pipeline=pipeline, stage_ids=ids[:-1])
    services.stage_reorder(actor=company.root, pipeline=pipeline, stage_ids=[ids[1], ids[0], *ids[2:]])
    assert list(pipeline.stages.order_by("position").values_list("pk", flat=True))[:2] == [ids[1], ids[0]]


def test_lost_reason_in_use_is_deactivated_not_deleted(company, make_opportunity, stages):
    reason = LostReason.objects.order_by("position")[0]
    opportunity = make_opportunity(company.alice)
    services.opportunity_move(actor=company.alice, opportunity=opportunity, stage=stages["lost"], lost_reason=reason)
    assert services.lost_reason_delete(actor=company.root, reason=reason) is False
    reason.refresh_from_db()
    assert reason.is_active is False
    spare = services.lost_reason_create(actor=company.root, name="项目延期")
    assert services.lost_reason_delete(actor=company.root, reason=spare) is True


def test_stages_ago_dates_stay_inside_their_pipeline(company, make_opportunity, pipeline):
    other = services.pipeline_create(actor=company.root, name="续约流程")
    foreign = other.stages.filter(kind="open").first()
    customer = make_opportunity(company.alice).customer
    with pytest.raises(DomainError) as exc:
        services.opportunity_create(actor=company.alice, data={"name": "错配", "customer": customer,
                                                               "pipeline": pipeline, "stage": foreign})
    assert "stage" in exc.value.errors
