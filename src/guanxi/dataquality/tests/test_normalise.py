"""Match keys: the ways people write the same company, person, phone or email agree; different ones do not."""

import pytest

from guanxi.dataquality.normalise import (
    company_name_key,
    normalise_email,
    person_name_key,
    person_name_pinyin,
    phone_key,
)

SAME_COMPANY = [
    # the registration place before the name, in brackets, or gone
    ["深圳市腾远电子科技有限公司", "腾远电子科技（深圳）有限公司", "腾远电子科技(深圳)有限公司", "腾远电子科技有限公司",
     "广东省深圳市腾远电子科技有限公司", "广东深圳腾远电子科技股份有限公司", "腾远电子科技深圳有限公司",
     "深圳腾远电子科技有限责任公司", "腾远电子科技【深圳】有限公司", "腾远电子科技有限公司深圳分公司",
     "腾远电子科技有限公司北京办事处", "腾远 电子·科技", "  深圳市腾远电子科技有限公司  "],
    # full-width letters and brackets, case
    ["ＡＢＣ科技（北京）有限公司", "abc科技有限公司", "北京ABC科技有限公司", "Abc科技（中国）有限公司"],
    # groups and holdings
    ["华为技术有限公司", "华为技术（集团）有限公司", "华为技术集团有限公司", "华为技术集团"],
    ["阿里巴巴（中国）有限公司", "阿里巴巴集团控股有限公司", "阿里巴巴集团"],
    ["内蒙古伊利实业集团股份有限公司", "伊利实业集团", "伊利实业股份有限公司"],
    ["杭州云栖科技有限公司", "浙江杭州云栖科技有限公司", "云栖科技（杭州）有限公司"],
    ["北京字节跳动科技有限公司", "字节跳动科技有限公司"],
    ["腾讯科技(深圳)有限公司", "腾讯科技（深圳）有限公司", "深圳市腾讯科技有限公司"],
    ["中山大洋电机股份有限公司", "大洋电机股份有限公司"],
    ["广西柳工机械股份有限公司", "柳工机械有限公司", "广西壮族自治区柳工机械有限公司"],
    ["香港腾远贸易有限公司", "腾远贸易（香港）有限公司", "腾远贸易(香港特别行政区)有限公司"],
    # English legal forms and places
    ["Tengyuan Electronics Co., Ltd.", "TENGYUAN ELECTRONICS CO LTD", "Tengyuan Electronics Co.,Ltd",
     "Shenzhen Tengyuan Electronics Co., Ltd.", "Tengyuan Electronics (Shenzhen) Co., Ltd.",
     "Tengyuan Electronics Limited", "tengyuan electronics company", "Tengyuan Electronics (China) Co. Ltd.",
     "Ｔｅｎｇｙｕａｎ Ｅｌｅｃｔｒｏｎｉｃｓ Ｃｏ．， Ｌｔｄ．"],
    ["Apple Inc.", "Apple, Inc", "APPLE INCORPORATED", "Apple Corp."],
    ["Acme L.L.C.", "ACME LLC", "Acme (Hong Kong) Limited", "Hong Kong Acme Ltd"],
    ["Alibaba Group Holding Limited", "Alibaba Group", "Alibaba Holdings Ltd."],
]

DIFFERENT_COMPANIES = [
    ("深圳市腾远电子科技有限公司", "深圳市腾远网络科技有限公司"),
    ("深圳市腾远电子科技有限公司", "深圳市华远电子科技有限公司"),
    # public bodies keep their place: every city has a 人民医院
    ("深圳市人民医院", "广州市人民医院"),
    ("深圳市教育局", "杭州市教育局"),
    ("深圳市第三中学", "北京市第三中学"),
    ("中国银行股份有限公司", "招商银行股份有限公司"),
    ("Apple Inc.", "Applied Materials, Inc."),
    ("Tengyuan Electronics Co., Ltd.", "Tengyuan Trading Co., Ltd."),
]

KEYS = [
    ("深圳市腾远电子科技有限公司", "腾远电子科技"),
    ("Tengyuan Electronics Co., Ltd.", "tengyuanelectronics"),
    ("深圳市人民医院", "深圳市人民医院"),
    # 中国 in front is part of the name (中国移动, 中国银行); only in brackets is it a place
    ("中国移动通信集团有限公司", "中国移动通信"),
    ("中国银行股份有限公司", "中国银行"),
    # when the place is all there is, it stays: it is the trade name
    ("中山有限公司", "中山"),
    ("北京", "北京"),
    # nothing but a legal form, or a single character, is nothing to match on
    ("有限公司", "有限公司"),
    ("腾", ""),
    ("", ""),
    ("（）", ""),
    ("<script>alert(1)</script>有限公司", "scriptalert1script"),
]


@pytest.mark.parametrize("names", SAME_COMPANY, ids=lambda names: names[0])
def test_ways_of_writing_one_company_share_its_key(names):
    keys = {name: company_name_key(name) for name in names}
    assert len(set(keys.values())) == 1, keys
    assert next(iter(keys.values()))


@pytest.mark.parametrize("first,second", DIFFERENT_COMPANIES)
def test_different_companies_have_different_keys(first, second):
    assert company_name_key(first) != company_name_key(second)


@pytest.mark.parametrize("name,key", KEYS)
def test_company_key(name, key):
    assert company_name_key(name) == key


def test_a_huge_name_gives_a_bounded_answer_quickly():
    name = "腾远" * 5000 + "有限公司"
    assert company_name_key(name) == "腾远" * 5000


SAME_PERSON = [
    ["王", "王总", "王先生", "王女士", "王小姐", "王经理", "王总经理", "王副总", "王老板", "老王", "小王", "王工",
     "王姐", "王董", "Mr. Wang", "MR WANG", "Ms Wang", "Mrs. Wang", "ｗａｎｇ"],
    ["张伟", "张伟先生", "张伟总", "张 伟", "张·伟"],
    ["欧阳", "欧阳总", "欧阳先生"],
    ["Li Na", "Ms. Li Na", "LI NA", "li-na"],
]


@pytest.mark.parametrize("names", SAME_PERSON, ids=lambda names: names[0])
def test_honorifics_do_not_change_the_person_key(names):
    keys = {person_name_key(name) for name in names}
    pinyin = {person_name_pinyin(name) for name in names}
    assert len(pinyin) == 1, pinyin
    # CJK names share the CJK key; their latin spellings share the pinyin
    assert len({k for k in keys if not k.isascii()}) <= 1 and len({k for k in keys if k.isascii()}) <= 1


@pytest.mark.parametrize("name,key,pinyin", [
    ("王芳", "王芳", "wangfang"),
    ("Wang Fang", "wangfang", "wangfang"),
    ("王总", "王", "wang"),
    ("小李", "李", "li"),
    ("老板", "老板", "laoban"),  # an honorific alone is all the name there is
    ("王小明", "王小明", "wangxiaoming"),  # 小 inside a given name stays
    ("", "", ""),
])
def test_person_key_and_pinyin(name, key, pinyin):
    assert person_name_key(name) == key
    assert person_name_pinyin(name) == pinyin


@pytest.mark.parametrize("raw,key", [
    ("13812345678", "+8613812345678"),
    ("138 1234 5678", "+8613812345678"),
    ("+86 138-1234-5678", "+8613812345678"),
    ("（+86）138-1234-5678", "+8613812345678"),
    ("0755-86123456", "+8675586123456"),
    ("+86 755 8612 3456", "+8675586123456"),
    ("12345", ""),
    ("not a phone", ""),
    ("1" * 100, ""),
    ("", ""),
])
def test_phone_key(raw, key):
    assert phone_key(raw) == key


@pytest.mark.parametrize("raw,key", [
    ("Boss@Example.COM", "boss@example.com"),
    ("  boss@example.com ", "boss@example.com"),
    ("ｂｏｓｓ＠ｅｘａｍｐｌｅ．ｃｏｍ", "boss@example.com"),
    ("boss", ""),
    ("boss@", ""),
    ("a b@example.com", ""),
    ("x" * 300 + "@example.com", ""),
    ("", ""),
])
def test_email_key(raw, key):
    assert normalise_email(raw) == key
