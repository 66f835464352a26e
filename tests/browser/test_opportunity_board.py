"""The opportunity board in a real browser: drag a card to another column, give a lost reason in
the dialog, and see a refused move put the card back with the reason."""

from decimal import Decimal

import pytest
from django.utils import translation

from guanxi.core.testing import PASSWORD

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board_data(company):
    from guanxi.customers import services as customer_services
    from guanxi.sales.opportunities import services

    with translation.override("zh-hans"):
        pipeline = services.pipeline_default()
    customer = customer_services.customer_create(actor=company.alice, data={"name": "看板客户"})
    first = services.opportunity_create(actor=company.alice, data={"name": "拖动的商机", "customer": customer,
                                                                   "amount": Decimal("5000")})
    stages = list(pipeline.stages.order_by("position"))
    return {"opportunity": first, "stages": stages}


def _column(page, stage):
    return page.locator(f"#col-{stage.pk}")


def test_drag_a_card_to_the_next_stage_and_to_lost(page, company, board_data):
    from guanxi.sales.opportunities.models import Opportunity

    opportunity, stages = board_data["opportunity"], board_data["stages"]
    sign_in(page, "alice", PASSWORD)
    page.goto(page.base_url + "/opportunities/")
    card = page.locator(f"#opp-{opportunity.pk}")
    card.drag_to(_column(page, stages[1]))
    _column(page, stages[1]).locator(f"#opp-{opportunity.pk}[data-version='2']").wait_for()
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages[1]
    assert "5000.00 CNY" in page.locator(f"#col-head-{stages[1].pk}").inner_text()

    lost = stages[-1]
    page.locator(f"#opp-{opportunity.pk}").drag_to(_column(page, lost))
    dialog = page.locator("#move-dialog")
    dialog.locator("select[name=lost_reason]").wait_for()
    dialog.locator("select[name=lost_reason]").select_option(index=1)
    dialog.locator("button[type=submit]").click()
    _column(page, lost).locator(f"#opp-{opportunity.pk}[data-version='3']").wait_for()
    assert Opportunity.objects.get(pk=opportunity.pk).status == "lost"


def test_a_refused_move_puts_the_card_back_with_the_reason(page, company, board_data):
    from guanxi.sales.opportunities import services
    from guanxi.sales.opportunities.models import Opportunity

    opportunity, stages = board_data["opportunity"], board_data["stages"]
    sign_in(page, "alice", PASSWORD)
    page.goto(page.base_url + "/opportunities/")
    # someone else changes it after the board was loaded
    services.opportunity_update(actor=company.carol, opportunity=Opportunity.objects.get(pk=opportunity.pk),
                                data={"competitors": "友商"})
    page.locator(f"#opp-{opportunity.pk}").drag_to(_column(page, stages[2]))
    notice = page.locator("#board-notice")
    notice.wait_for(state="visible")
    assert "刚刚修改" in notice.inner_text()
    _column(page, stages[0]).locator(f"#opp-{opportunity.pk}").wait_for()
    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages[0]
