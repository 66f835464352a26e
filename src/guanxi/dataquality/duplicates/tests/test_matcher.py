"""The matcher: people by characters and pinyin, companies by key, phones, emails and credit codes;
and its precision and recall over the labelled pairs."""

import pytest
from django.utils import translation

from guanxi.dataquality.duplicates.evaluate import PAIRS, evaluate, report
from guanxi.dataquality.duplicates.matcher import (
    THRESHOLD,
    contact_party,
    customer_party,
    is_candidate,
    reasons_text,
    score,
)
from guanxi.dataquality.normalise import company_name_place, credit_code, person_name_tokens, place_names

TENGYUAN = "深圳市腾远电子科技有限公司"


def person(name, customer=1, company="腾远电子科技有限公司", mobile="", phone="", email=""):
    return contact_party(name=name, customer_id=customer, company=company, phones=[mobile, phone], emails=[email])


def firm(name, region="", phone="", email="", code="", kind="company", address=""):
    return customer_party(name=name, kind=kind, region=region, phones=[phone], emails=[email],
                          credit_code_value=code, address=address)


def duplicate(a, b) -> bool:
    return is_candidate(a, b) and score(a, b).is_duplicate


# -- people --


@pytest.mark.parametrize("other", ["Zhang Wei", "Wei Zhang", "ZHANG Wei", "zhangwei", "張偉", "张伟（采购）", "张 伟"])
def test_a_name_in_characters_pinyin_either_order_or_traditional_is_one_person(other):
    assert duplicate(person("张伟"), person(other))


@pytest.mark.parametrize("title", ["张总", "张经理", "老张", "Mr. Zhang", "张先生"])
def test_a_surname_with_a_title_at_the_same_company_is_likely_the_person(title):
    match = score(person("张伟"), person(title))
    assert match.score >= THRESHOLD
    with translation.override("en"):
        assert "surname with a title" in str(match) and "same customer" in str(match)


def test_two_zhang_weis_at_different_companies_with_different_phones_are_different_people():
    a = person("张伟", customer=1, company="腾远电子科技有限公司", mobile="13812345678")
    b = person("张伟", customer=2, company="华信精密机械有限公司", mobile="13987654321")
    assert score(a, b).score < THRESHOLD


def test_colleagues_with_one_surname_are_not_one_person():
    assert score(person("张伟"), person("张敏")).score < THRESHOLD
    assert score(person("张先生"), person("张女士")).score < THRESHOLD


def test_one_mobile_written_three_ways_ties_two_contacts():
    a = person("王芳", customer=1, mobile="+86 138-1234-5678")
    b = person("王芳", customer=2, company="", mobile="008613812345678")
    c = person("王芳", customer=3, company="", mobile="13812345678")
    assert duplicate(a, b) and duplicate(b, c)
    with translation.override("en"):
        assert str(score(a, b)).startswith("same mobile")


def test_a_shared_switchboard_or_mailbox_does_not_make_two_people_one():
    board = "0755-86123456"
    assert not duplicate(person("张伟", phone=board), person("李娜", phone=board))
    assert not duplicate(person("张伟", email="info@tengyuan.cn"), person("李娜", email="info@tengyuan.cn"))


# -- companies --


@pytest.mark.parametrize("other", [
    "腾远电子科技（深圳）有限公司", "腾远电子科技有限公司", "深圳腾远电子科技股份有限公司", "腾远电子科技集团",
    "广东省深圳市腾远电子科技有限公司", "深圳市腾远电子科技有限责任公司",
])
def test_legal_forms_places_and_brackets_do_not_hide_a_company(other):
    assert duplicate(firm(TENGYUAN), firm(other))


def test_full_width_english_names_agree():
    assert duplicate(firm("Tengyuan Electronics Co., Ltd."), firm("ＴＥＮＧＹＵＡＮ ＥＬＥＣＴＲＯＮＩＣＳ ＩＮＣ."))


def test_the_same_trade_name_in_another_city_is_another_company():
    assert not duplicate(firm(TENGYUAN), firm("广州市腾远电子科技有限公司"))
    assert not duplicate(firm("腾远电子科技有限公司", region="广东 深圳"),
                         firm("腾远电子科技有限公司", region="浙江 杭州"))


@pytest.mark.parametrize("phone", ["+86 755 8612 3456", "0755-86123456", "(0755) 8612 3456", "0086-755-86123456"])
def test_phone_formats_agree(phone):
    assert duplicate(firm("腾远电子科技有限公司", phone="075586123456"), firm("腾远电子科技股份有限公司", phone=phone))


def test_a_typo_is_forgiven_when_the_phone_agrees():
    a, b = firm(TENGYUAN, phone="0755-86123456"), firm("深圳市腾远电子科枝有限公司", phone="+86 755 8612 3456")
    assert duplicate(a, b)
    assert not duplicate(firm(TENGYUAN), firm("深圳市腾达电子科技有限公司"))


def test_an_agents_phone_on_unrelated_companies_is_not_enough():
    phone = "13760012345"
    assert not duplicate(firm("华信精密机械有限公司", phone=phone), firm("瑞丰食品有限公司", phone=phone))


def test_the_credit_code_decides_either_way():
    code = "91350203F4UMFC3NXE"
    renamed = score(firm("厦门市长城环保科技有限公司", code=code), firm("华美环保科技有限公司", code=code.lower()))
    assert renamed.score >= 0.99
    namesakes = score(firm("云栖电子科技有限公司", code="91320102NBE7HNQCF1"),
                      firm("云栖电子科技有限公司", code="91120116NJMNXGTM3E"))
    assert namesakes.score < THRESHOLD
    with translation.override("en"):
        assert str(namesakes).endswith("different credit codes") or "different credit codes" in str(namesakes)
    # an invalid code is ignored, not trusted
    assert score(firm("A公司甲乙", code="91350203F4UMFC3NXF"), firm("B公司丙丁", code="91350203F4UMFC3NXF")).score < 0.5


def test_reasons_read_as_evidence_for_then_against():
    match = score(firm("腾远电子科技有限公司", region="广东 深圳", phone="0755-86123456"),
                  firm("腾远电子科技有限公司", region="浙江 杭州", phone="0755-86123456"))
    with translation.override("en"):
        assert reasons_text(match.reasons) == "same company name + same phone − different cities"


# -- the finer keys added for the matcher --


def test_person_name_tokens():
    assert person_name_tokens("張偉") == ("zhang", "wei")
    assert person_name_tokens("Ms. Guo") == ("guo",)
    assert person_name_tokens("张伟-销售部") == ("zhang", "wei")
    assert person_name_tokens("Michael 张伟") == ("zhang", "wei", "michael")
    assert person_name_tokens("") == ()


def test_company_name_place():
    assert company_name_place(TENGYUAN) == "深圳"
    assert company_name_place("腾远电子科技（深圳）有限公司") == "深圳"
    assert company_name_place("腾远电子科技有限公司深圳分公司") == "深圳"
    assert company_name_place("Harbor View Electronics (Dongguan) Corporation") == "东莞"
    assert company_name_place("腾远电子科技有限公司") == ""
    assert place_names("江苏省苏州市") == ("江苏", "苏州")


def test_credit_code():
    assert credit_code(" 91350203f4umfc3nxe ") == "91350203F4UMFC3NXE"
    assert credit_code("91350203F4UMFC3NXF") == "" and credit_code("") == ""


# -- the labelled pairs --


def test_precision_and_recall_over_the_labelled_pairs():
    result = evaluate(PAIRS)
    print()
    print(report(result))
    assert result.pairs >= 500
    assert result.precision >= 0.95
    assert result.recall >= 0.90


def test_the_labelled_pairs_cover_what_the_issue_asks_for():
    text = PAIRS.read_text(encoding="utf-8")
    for needle in ["有限公司", "股份有限公司", "集团", "（", "Co., Ltd", "Inc.", "+86 1", "0086", "Zhang",
                   "namesakes, different companies", "typo", "honorific", "pinyin"]:
        assert needle in text, needle


def test_the_evaluation_command_prints_the_figures():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("duplicates_evaluate", stdout=out)
    assert out.getvalue().startswith("pairs ") and "precision" in out.getvalue() and "recall" in out.getvalue()
