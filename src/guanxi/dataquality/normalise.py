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


# -- finer forms for the duplicate matcher: person name tokens, the place a company name carries, credit codes --

# A note after the name: 张伟-销售部, 张伟 / 采购. A middle dot stays: it joins transliterated names (阿卜杜拉·买买提).
_NAME_NOTE = re.compile(r"\s*[-/|—–~]+.*$")
# Places by their first character, longest first: the lookup the scan makes for each of a million names.
_PLACES_BY_FIRST: dict[str, tuple[str, ...]] = {
    first: tuple(p for p in _longest_first(PLACES) if p[0] == first) for first in {p[0] for p in PLACES}
}
_PLACE_BY_LATIN: dict[str, str] = {
    **{"".join(lazy_pinyin(place)): place for place in reversed(PLACES)},
    "hong kong": "香港", "hongkong": "香港", "hk": "香港", "macau": "澳门", "macao": "澳门", "taiwan": "台湾",
    "canton": "广州", "peking": "北京",
}


def person_name_tokens(name: str) -> tuple[str, ...]:
    """The person's name as lower-case pinyin syllables and Latin words, without honorifics, notes in
    brackets or after a dash: 张伟, 張偉, 张伟（采购） → (zhang, wei); Wei Zhang → (wei, zhang);
    张总, Mr. Zhang → (zhang,)."""
    text = _PARENTHESISED.sub(" ", _fold(name))
    text = _NAME_NOTE.sub("", text)
    words = _HONORIFIC_TITLES.sub("", _words(text.replace(".", " "))).split()
    cjk = "".join(w for w in words if _CJK.search(w))
    tokens = [w for w in words if not _CJK.search(w)]
    if cjk:
        # Character by character, each reading cached: a name has no phrase whose reading changes a syllable.
        tokens = [*(_char_pinyin(ch) for ch in person_name_key(cjk)), *tokens]
    return tuple(t for t in tokens if t)


@lru_cache(maxsize=20000)
def _char_pinyin(char: str) -> str:
    return "".join(lazy_pinyin(char))


def _leading_places(text: str) -> list[str]:
    """The places `text` starts with, outermost first (广东省深圳市… → 广东, 深圳), in Chinese characters."""
    found: list[str] = []
    while text:
        if _CJK.match(text):
            place = next((p for p in _PLACES_BY_FIRST.get(text[0], ()) if text.startswith(p)), "")
            if not place:
                break
            found.append(place)
            text = text[len(place):]
            for suffix in _PLACE_SUFFIXES:
                if text.startswith(suffix):
                    text = text[len(suffix):]
                    break
            text = text.lstrip()
            continue
        words = text.split(" ", 2)
        for size in (2, 1):
            phrase = " ".join(words[:size])
            latin = _PLACE_BY_LATIN.get(phrase) or _PLACE_BY_LATIN.get(phrase.replace(" ", ""))
            if len(words) > size and latin:
                found.append(latin)
                text = " ".join(words[size:])
                break
        else:
            break
    return found


def place_names(text: str) -> tuple[str, ...]:
    """Places named at the start of an address or region (广东 深圳, 江苏省苏州市, Shenzhen), outermost first."""
    return tuple(_leading_places(_words(_fold(text)) + " "))


_PLAIN_CJK = re.compile(r"[\u3400-\u9fff]+")


@lru_cache(maxsize=65536)
def company_name_place(name: str) -> str:
    """The most specific place a company name carries, in front (深圳市…), in brackets (…（深圳）有限公司)
    or as its branch (…深圳分公司); "" when it names none. Public bodies are included (深圳市人民医院 → 深圳)."""
    if _PLAIN_CJK.fullmatch(name) and not name.endswith(_BRANCH):
        # Most names: characters only, nothing to fold or unbracket (the scan reads a million of them).
        leading = _leading_places(name)
        return leading[-1] if leading else ""
    text = _fold(name).replace(".", "")
    places: list[str] = []
    for inner in _PARENTHESISED.findall(text):
        places.extend(_leading_places(_words(inner) + " "))
    text = _words(_PARENTHESISED.sub(" ", text))
    branch = next((s for s in _BRANCH if text.endswith(s)), None)
    if branch:
        rest = text[: -len(branch)].rstrip()
        n = _place_at_end(rest)
        if n:
            places.extend(_leading_places(rest[-n:]))
    places = _leading_places(text + " ") + places
    return places[-1] if places else ""


def credit_code(raw: str) -> str:
    """A unified social credit code (统一社会信用代码) in its 18-character form, "" when it is not a valid one."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        return uscc.validate(unicodedata.normalize("NFKC", raw or "").upper())
    except ValidationError:
        return ""
