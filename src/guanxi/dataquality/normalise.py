"""Match keys: the form of a name, phone or email in which two ways of writing the same party agree.

深圳市腾远电子科技有限公司, 腾远电子科技（深圳）有限公司 and 腾远电子科技有限公司深圳分公司 all have the
company key 腾远电子科技; 王总, 王先生 and 老王 the person key 王; +86 138-1234-5678 and 13812345678 the
phone key +8613812345678. The collision check (防撞单) compares keys for equality, so a lookup is one
indexed query; later duplicate detection can compare the same keys by similarity.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin

from guanxi.core.text import normalise_phone

from .regions import COUNTRY_NAMES, ENGLISH_PLACES, PLACE_SUFFIXES, PLACES, pinyin_places

# Keys shorter than this say too little to match on (腾 alone, or a name that was all suffix).
MIN_KEY = 2


def _alternatives(words) -> str:
    # Longest first, so 内蒙古 wins over a shorter place that starts the same way.
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=len, reverse=True))


_PLACE_SET = frozenset(PLACES)
_PLACE_LENGTHS = sorted({len(p) for p in PLACES}, reverse=True)
_PLACE_SUFFIXES = _longest_first(PLACE_SUFFIXES)
_LATIN_PLACES = frozenset(pinyin_places() + ENGLISH_PLACES)
# Legal forms (企业组织形式); 集团 and 控股 are dropped as well, since a group is entered with and without them.
_CJK_LEGAL = _longest_first([
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "总公司", "公司", "集团", "控股", "股份", "有限合伙",
    "普通合伙", "合伙企业",
])
_LATIN_LEGAL = frozenset([
    "co", "company", "ltd", "limited", "inc", "incorporated", "llc", "corp", "corporation", "plc", "gmbh", "ag",
    "sa", "srl", "bv", "nv", "pte", "pty", "lp", "llp", "group", "holdings", "holding", "kk",
])
# A branch or representative office names its place: 腾远电子科技有限公司深圳分公司.
_BRANCH = ("分公司", "办事处", "分厂")
# Public bodies are told apart by their place: 深圳市人民医院 is not 广州市人民医院.
_PUBLIC_BODY = (
    "医院", "卫生院", "保健院", "学院", "大学", "中学", "小学", "学校", "幼儿园", "局", "政府", "办公室",
    "委员会", "法院", "检察院", "图书馆", "博物馆", "纪念馆", "研究所", "研究院", "街道", "社区", "村委会",
    "hospital", "university", "college", "school", "bureau", "government",
)

_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "﹙": "(", "﹚": ")"})
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_BRACKET_WORD = re.compile(
    rf"{_alternatives(PLACES)}(?:{_alternatives(PLACE_SUFFIXES)})?|{_alternatives(_CJK_LEGAL)}|中华人民共和国|中国|"
    rf"\b(?:{_alternatives(_LATIN_PLACES)}|{_alternatives(COUNTRY_NAMES)}|{_alternatives(_LATIN_LEGAL)})\b|\s+"
)
_SEPARATORS = re.compile(r"[\W_]+")

_HONORIFIC_TITLES = re.compile(r"^(?:(?:mr|mrs|ms|miss|mister|madam|madame|dr|prof|sir)\s+)+")
_HONORIFIC_SUFFIX = re.compile(
    r"(?:总经理|副总经理|董事长|副总|总监|经理|老板|老师|先生|女士|小姐|主任|总|工|董|哥|姐)$"
)
_FAMILIAR_PREFIX = re.compile(r"^[老小阿](?=[\u3400-\u9fff]$)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _fold(text: str) -> str:
    """Full-width folded to half-width (ＡＢＣ（北京） → abc(北京)), case folded, brackets unified."""
    return unicodedata.normalize("NFKC", text or "").casefold().translate(_BRACKETS)


def _drop_bracketed(match: re.Match) -> str:
    """（深圳）, (China), （集团） go; anything else in brackets stays as words."""
    inner = match.group(1)
    return " " if not _BRACKET_WORD.sub("", inner) else f" {inner} "


def _words(text: str) -> str:
    return " ".join(_SEPARATORS.split(text)).strip()


def _letters(text: str) -> int:
    return len(text.replace(" ", ""))


def _place_at_end(text: str) -> int:
    """Length of the place (深圳, 深圳市) that `text` ends with, or 0."""
    bases = [(text[: -len(s)], len(s)) for s in _PLACE_SUFFIXES if text.endswith(s)] + [(text, 0)]
    for base, _suffix in bases:
        base = base.rstrip()
        for n in _PLACE_LENGTHS:
            if len(base) >= n and base[-n:] in _PLACE_SET:
                return len(text) - len(base) + n
    return 0


def _place_at_start(text: str) -> int:
    """Length of the place (广东省, 深圳市, shenzhen, hong kong) that `text` starts with, or 0."""
    for n in _PLACE_LENGTHS:
        if text[:n] in _PLACE_SET:
            return n + next((len(s) for s in _PLACE_SUFFIXES if text.startswith(s, n)), 0)
    first, _, rest = text.partition(" ")
    if first in _LATIN_PLACES:
        return len(first) + 1
    pair = " ".join(text.split(" ", 2)[:2])
    if pair in _LATIN_PLACES and rest:
        return len(pair) + 1
    return 0


def _strip_suffixes(text: str) -> tuple[str, bool]:
    """Remove legal forms and branch offices (with the place before them) from the end; True when
    a legal form was found."""
    legal = False
    while text:
        # 分公司 before 公司: a branch takes its place name with it.
        branch = next((s for s in _BRANCH if text.endswith(s)), None)
        cut = None if branch else next((s for s in _CJK_LEGAL if text.endswith(s)), None)
        last = text.rsplit(" ", 1)[-1]
        if cut or branch:
            rest = text[: -len(cut or branch or "")].rstrip()
            place = _place_at_end(rest)
            # 中山有限公司: when the place is all there is, it is the trade name.
            if place and _letters(rest[:-place]) >= MIN_KEY:
                rest = rest[:-place].rstrip()
            legal = legal or bool(cut)
        elif last in _LATIN_LEGAL and last != text:
            rest = text[: -len(last)].rstrip()
            legal = True
        else:
            break
        if _letters(rest) < MIN_KEY:
            break
        text = rest
    return text, legal


def _strip_places(text: str) -> str:
    """Remove leading places (广东省深圳市…, Shenzhen …) while a trade name remains."""
    while n := _place_at_start(text):
        rest = text[n:].strip()
        if _letters(rest) < MIN_KEY:
            break
        text = rest
    return text


@lru_cache(maxsize=4096)
def company_name_key(name: str) -> str:
    """The company key: legal forms, branch names and places removed, width and case folded,
    punctuation and spaces removed. "" when nothing worth matching on is left."""
    text = _fold(name).replace(".", "")
    while True:
        unbracketed = _PARENTHESISED.sub(_drop_bracketed, text)
        if unbracketed == text:
            break
        text = unbracketed
    text = _words(text)
    text, legal = _strip_suffixes(text)
    if legal or not text.endswith(_PUBLIC_BODY):
        text = _strip_places(text)
    key = text.replace(" ", "")
    return key if len(key) >= MIN_KEY else ""


def person_name_key(name: str) -> str:
    """The person key: honorifics removed (王总, 张先生, 李小姐, 老王, Mr. Wang → 王, 张, 李, 王, wang),
    width and case folded, punctuation and spaces removed."""
    text = _words(_fold(name).replace(".", " "))
    text = _HONORIFIC_TITLES.sub("", text).replace(" ", "")
    if _HONORIFIC_SUFFIX.fullmatch(text):
        return text  # 老板 alone is all the name there is
    while (m := _HONORIFIC_SUFFIX.search(text)) and m.start() > 0:
        text = text[: m.start()]
    return _FAMILIAR_PREFIX.sub("", text)


def person_name_pinyin(name: str) -> str:
    """The person key in toneless pinyin, so 王芳 and "Wang Fang" agree: wangfang."""
    key = person_name_key(name)
    if not _CJK.search(key):
        return key
    return "".join(lazy_pinyin(key))


def normalise_email(raw: str) -> str:
    """The email key: trimmed, width folded and lower-cased; "" when it is not an address."""
    email = unicodedata.normalize("NFKC", raw or "").strip().lower()
    return email if len(email) <= 254 and _EMAIL.match(email) else ""


def phone_key(raw: str) -> str:
    """The phone key: E.164 (+8613812345678), "" when it is not a valid number."""
    return normalise_phone(raw or "") or ""
