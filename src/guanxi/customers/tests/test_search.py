"""Customer search: Chinese substrings, pinyin and initials, phones in any format, emails and
contact names, through the full-text index of each database, always inside the actor's scope."""

import pytest
from django.db import connection

from guanxi.core.errors import DomainError
from guanxi.core.system import SYSTEM
from guanxi.core.testing import ALICE_RECORD_VISIBLE, assert_matrix
from guanxi.customers import search, selectors, services
from guanxi.customers.filters import CustomerFilters
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the FTS5 table exists on SQLite only")


def found(actor, query: str) -> list[str]:
    return sorted(c.name for c in selectors.customer_list(actor=actor, filters=CustomerFilters(q=query)))


@pytest.fixture
def customers(company):
    def create(name, **data):
        return services.customer_create(actor=company.alice, data={"name": name, **data})

    return {
        "tengyuan": create("深圳市腾远电子科技有限公司", phone="0755-86123456", email="sales@tengyuan.cn"),
        "huawei": create("华为技术有限公司"),
        "weihua": create("为华商贸有限公司"),
        "zhangwei": create("张伟"),
        "chongqing": create("重庆长安汽车配件厂"),
    }


SUBSTRINGS = [
    ("华为", ["华为技术有限公司"]),
    ("为华", ["为华商贸有限公司"]),
    ("腾远", ["深圳市腾远电子科技有限公司"]),
    ("远电子科", ["深圳市腾远电子科技有限公司"]),
    ("伟", ["张伟"]),
    ("有限公司", ["为华商贸有限公司", "华为技术有限公司", "深圳市腾远电子科技有限公司"]),
    ("腾电", []),  # 腾 and 电 are both in 腾远电子, but not side by side
    ("腾远子", []),
]
INITIALS = [
    ("zw", ["张伟"]),
    ("ty", ["深圳市腾远电子科技有限公司"]),  # initials from inside a name
    ("tydz", ["深圳市腾远电子科技有限公司"]),
    ("ZW", ["张伟"]),
    ("cqca", ["重庆长安汽车配件厂"]),  # 重庆 reads chong qing in context
]
PINYIN = [
    ("zhangwei", ["张伟"]),
    ("zhang wei", ["张伟"]),
    ("zhang", ["张伟"]),
    ("tengyuan", ["深圳市腾远电子科技有限公司"]),
    ("tengyuandianzikeji", ["深圳市腾远电子科技有限公司"]),  # longer than the indexed pinyin prefix
    ("tengyuandianziyouxian", []),  # starts like the indexed prefix, then goes on differently
    ("huawei", ["华为技术有限公司"]),
    ("chongqingchangan", ["重庆长安汽车配件厂"]),
    ("eng", []),  # inside a syllable
]


@pytest.mark.parametrize(("query", "expected"), SUBSTRINGS)
def test_chinese_substring_finds_names_with_those_characters_side_by_side(company, customers, query, expected):
    assert found(company.alice, query) == expected


@pytest.mark.parametrize(("query", "expected"), INITIALS)
def test_pinyin_initials(company, customers, query, expected):
    assert found(company.alice, query) == expected


@pytest.mark.parametrize(("query", "expected"), PINYIN)
def test_full_pinyin_from_any_syllable(company, customers, query, expected):
    assert found(company.alice, query) == expected


def test_common_terms_read_in_order_give_the_same_answers(company, customers, monkeypatch):
    # SQLite reads rows in order instead of asking the index when a term matches very many documents.
    monkeypatch.setattr(search, "SQLITE_INDEX_MATCHES", -1)
    for query, expected in SUBSTRINGS + INITIALS + PINYIN:
        assert found(company.alice, query) == expected, query


@pytest.mark.parametrize("query", [q for q, _names in SUBSTRINGS + INITIALS + PINYIN] + ["z", "华", "a b", "0755"])
def test_index_and_scan_conditions_agree(company, customers, query):
    visible = Customer.objects.visible_to(company.root)
    by_index = set(search.customer_search(visible, query).values_list("pk", flat=True))
    by_scan = set(visible.filter(search.parse_query(query).scan_filter()).values_list("pk", flat=True))
    assert by_index == by_scan


@pytest.mark.parametrize("query", ["0755-86123456", "075586123456", "+86 755 8612 3456", "(0755) 8612-3456",
                                   "+8675586123456"])
def test_customer_phone_in_any_format(company, customers, query):
    assert found(company.alice, query) == ["深圳市腾远电子科技有限公司"]


def test_contact_phone_mobile_name_and_email_find_their_customer(company, customers):
    services.contact_create(actor=company.alice, customer=customers["huawei"],
                            data={"name": "李娜", "mobile": "138 1234 5678", "phone": "010-66881234",
                                  "email": "Lina@Example.com"})
    for query in ["+8613812345678", "13812345678", "010 6688 1234", "李娜", "lina", "ln", "lina@example.com",
                  "LINA@EXAMPLE.COM"]:
        assert found(company.alice, query) == ["华为技术有限公司"], query


def test_customer_email_any_case(company, customers):
    assert found(company.alice, "Sales@TengYuan.cn") == ["深圳市腾远电子科技有限公司"]
    assert found(company.alice, "other@tengyuan.cn") == []


def test_deleted_contact_no_longer_finds_its_customer(company, customers):
    contact = services.contact_create(actor=company.alice, customer=customers["huawei"],
                                      data={"name": "李娜", "mobile": "13812345678", "email": "lina@example.com"})
    services.contact_delete(actor=company.alice, contact=contact)
    for query in ["李娜", "13812345678", "lina@example.com"]:
        assert found(company.alice, query) == [], query


def test_deleted_customers_are_not_found(company, customers):
    services.customer_delete(actor=company.alice, customer=customers["tengyuan"])
    for query in ["腾远", "tengyuan", "0755-86123456", "sales@tengyuan.cn"]:
        assert found(company.alice, query) == [], query
    assert found(company.root, "腾远") == []


def test_renamed_customer_is_found_by_its_new_name_only(company, customers):
    services.customer_update(actor=company.alice, customer=customers["weihua"], data={"name": "北京星辰商贸"})
    assert found(company.alice, "为华") == []
    assert found(company.alice, "星辰") == ["北京星辰商贸"]
    assert found(company.alice, "xingchen") == ["北京星辰商贸"]


def test_purged_customer_leaves_the_index(company, customers):
    services.customer_delete(actor=company.root, customer=customers["huawei"])
    services.customer_purge(actor=company.root, customer=customers["huawei"])
    assert found(company.root, "华为") == []
    assert found(company.root, "为华") == ["为华商贸有限公司"]


def test_search_stays_inside_the_data_scope(company, customers):
    # dave (other department) has a customer with the same characters and phone.
    services.customer_create(actor=company.dave, data={"name": "华为云计算有限公司", "phone": "0755 8612 3456"})
    assert found(company.alice, "华为") == ["华为技术有限公司"]
    assert found(company.dave, "华为") == ["华为云计算有限公司"]
    assert found(company.root, "华为") == ["华为云计算有限公司", "华为技术有限公司"]
    assert found(company.alice, "0755-86123456") == ["深圳市腾远电子科技有限公司"]
    assert found(company.dave, "0755-86123456") == ["华为云计算有限公司"]
    assert found(company.erin, "华为") == []


def test_visibility_matrix_of_a_search_hit(company, customers):
    assert_matrix(company, lambda user: "华为技术有限公司" in found(user, "huawei"), ALICE_RECORD_VISIBLE)


@pytest.mark.parametrize("query", [
    '"*) OR 1=1 --', "华为 OR 1=1", "NEAR(华为 腾远)", "'; DROP TABLE customers_customer; --",
    "<script>alert(1)</script>", "%_%", "zw*", "^华", "华为:*", "!&|()", "\x00", "　",
])
def test_hostile_or_odd_queries_answer_without_error(company, customers, query):
    names = found(company.alice, query)
    assert isinstance(names, list)
    assert Customer.objects.count() == 5


def test_only_punctuation_finds_nothing(company, customers):
    assert found(company.alice, "%%%") == []
    assert found(company.alice, "（）—") == []


def test_multi_megabyte_query_is_cut_not_refused(company, customers):
    assert found(company.alice, "华为" + "x" * 5_000_000) == []
    assert found(company.alice, "华为" + " " * 5_000_000) == ["华为技术有限公司"]


def test_non_string_filter_value_is_refused_clearly(company, customers):
    with pytest.raises(DomainError):
        CustomerFilters.from_query({"q": "华为", "status": ["won"] * 3, "owner": "abc"})


def test_search_results_work_as_a_subquery(company, customers):
    # Bulk actions and exports select by `pk__in=<the list>`; the tables are then aliased.
    hits = selectors.customer_list(actor=company.alice, filters=CustomerFilters(q="huawei")).values("pk")
    assert [c.name for c in Customer.objects.filter(pk__in=hits)] == ["华为技术有限公司"]
    phone_hits = selectors.customer_list(actor=company.alice, filters=CustomerFilters(q="0755 8612 3456"))
    assert Customer.objects.filter(pk__in=phone_hits.values("pk")).count() == 1


def test_search_combines_with_filters_and_keyset_paging(company, customers):
    services.customer_update(actor=company.alice, customer=customers["huawei"], data={"status": "won"})
    filters = CustomerFilters(q="有限公司", status="won")
    assert [c.name for c in selectors.customer_list(actor=company.alice, filters=filters)] == ["华为技术有限公司"]
    first = selectors.customer_page(actor=company.alice, filters=CustomerFilters(q="有限公司"), cursor=None, limit=2)
    second = selectors.customer_page(actor=company.alice, filters=CustomerFilters(q="有限公司"),
                                     cursor=first.next_cursor, limit=2)
    assert len(first.items) == 2 and len(second.items) == 1
    assert {c.pk for c in first.items}.isdisjoint({c.pk for c in second.items})


def test_search_page_query_count_does_not_grow(company, customers, django_assert_max_num_queries):
    for i in range(20):
        services.customer_create(actor=company.alice, data={"name": f"华为分公司{i}"})
    with django_assert_max_num_queries(4):
        page = selectors.customer_page(actor=company.alice, filters=CustomerFilters(q="华为"), cursor=None)
        names = [(c.name, c.owner, list(c.tags.all())) for c in page.items]
    assert len(names) == 21


def test_documents_name_every_part_a_seller_may_type():
    document = search.customer_document("深圳市腾远电子科技", ["张伟"]).split()
    for token in ["腾", "腾远", "shenzhenshitengyuandianzikeji", "tengyuandian", "tydzkj", "zhangwei", "zw", "张伟"]:
        assert token in document, token


@sqlite_only
def test_sqlite_index_stays_consistent_through_every_write(company, customers):
    services.customer_update(actor=company.alice, customer=customers["zhangwei"], data={"name": "张伟强"})
    contact = services.contact_create(actor=company.alice, customer=customers["huawei"], data={"name": "李娜"})
    services.contact_delete(actor=company.alice, contact=contact)
    services.customer_delete(actor=company.root, customer=customers["weihua"])
    services.customer_purge(actor=company.root, customer=customers["weihua"])
    with connection.cursor() as cursor:
        # Raises when the index and the documents disagree.
        cursor.execute(f"INSERT INTO {search.SQLITE_TABLE}({search.SQLITE_TABLE}, rank) VALUES ('integrity-check', 1)")
    assert found(company.alice, "zwq") == ["张伟强"]


@sqlite_only
def test_triggers_come_back_after_a_migration_rebuilt_the_table(company, customers):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {search.SQLITE_TABLE}_ai")
    search.ensure_installed("default")
    services.customer_create(actor=SYSTEM, data={"name": "杭州新立方科技", "owner": company.alice})
    assert found(company.alice, "新立方") == ["杭州新立方科技"]
