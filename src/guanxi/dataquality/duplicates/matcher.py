"""The duplicate matcher (查重): how likely two customers, or two contacts, are one party, and why.

Each record is read once into a `Party` (its name keys, place, phones, emails, credit code); a pair
of parties is scored by adding the weight of each piece of evidence — a shared mobile counts for a
lot, a shared switchboard for little, two different cities against — and squashing the sum into
0..1. `THRESHOLD` decides what the scan calls a duplicate. Blocking keys say which pairs are worth
scoring at all, so the scan never compares every record with every other.

The weights were set by reasoning about the evidence, then checked against the labelled pairs in
`tests/fixtures/pairs.csv` (`python -m guanxi.dataquality.duplicates.evaluate`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz

from guanxi.dataquality.normalise import (
    company_name_key,
    company_name_place,
    credit_code,
    normalise_email,
    person_name_key,
    person_name_tokens,
    phone_key,
    place_names,
)
from guanxi.dataquality.regions import PROVINCES

# At or above this score a pair is a duplicate to review.
THRESHOLD = 0.8
# Company keys at least this similar (0..1) are compared even when nothing else is shared: one
# dropped or doubled character in a name of five or more, a typo in a long English name.
FUZZY_KEY_SIMILARITY = 0.9
# Fuzzy blocks group keys by their first and by their last characters; shorter keys only match exactly.
FUZZY_AFFIX = 3

COMPANY = "company"
PERSON = "person"

# Provinces that are cities too: 北京 in a region field is as precise as 深圳.
_MUNICIPALITIES = frozenset(["北京", "天津", "上海", "重庆", "香港", "澳门"])
_PROVINCE_ONLY = frozenset(PROVINCES) - _MUNICIPALITIES
_CN_MOBILE = re.compile(r"^\+861[3-9]\d{9}$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_TITLE_MALE = re.compile(r"(?:先生|^mr\b|^mister\b|^sir\b)")
_TITLE_FEMALE = re.compile(r"(?:女士|小姐|太太|^ms\b|^mrs\b|^miss\b|^madam)")
_TITLED = re.compile(r"^(?:mr|mrs|ms|miss|mister|madam|madame|dr|prof|sir)\b")
_ADDRESS_NOISE = re.compile(r"[\W_]+")

# Mailboxes a whole company shares: the same one on two people says nothing about them.
SHARED_MAILBOXES = frozenset([
    "info", "sales", "service", "services", "contact", "office", "market", "marketing", "admin", "hr", "support",
    "hello", "enquiry", "enquiries", "inquiry", "kefu", "webmaster", "postmaster", "noreply", "business", "bd",
    "purchase", "purchasing", "caigou", "finance", "account", "accounts", "mail", "team", "job", "jobs",
])
# Free mail providers: two people at qq.com share nothing.
FREE_MAIL = frozenset([
    "qq.com", "vip.qq.com", "foxmail.com", "163.com", "vip.163.com", "126.com", "yeah.net", "sina.com", "sina.cn",
    "sohu.com", "139.com", "189.cn", "wo.cn", "aliyun.com", "tom.com", "21cn.com", "88.com", "gmail.com",
    "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com", "proton.me",
])

# Weights (log-odds) of each piece of evidence; see the module docstring.
_COMPANY_PRIOR = -1.0
_PERSON_PRIOR = -1.5
W = {
    "same_company_name": 3.0, "similar_name_strong": 2.5, "similar_name_weak": 0.5, "different_names": -2.5,
    "unrelated_names": -4.0, "same_place": 0.5, "different_places": -3.0, "same_phone": 2.5,
    "different_phones": -0.3, "same_email": 2.5, "same_domain": 1.0, "same_address": 1.5, "different_kinds": -1.0,
    "same_name": 2.5, "same_name_pinyin": 2.0, "same_sound": 1.5, "similar_person_name": 1.5,
    "surname_with_title": 1.5, "titles_only": 0.3, "different_genders": -3.0, "different_given_names": -3.0,
    "same_customer": 1.5, "same_company": 1.0, "different_companies": -1.0, "same_mobile": 3.0,
    "different_mobiles": -1.0, "same_desk_phone": 0.5, "shared_mailbox": 0.3,
}

def reason_weight(code: str) -> float:
    """How much a kind of evidence weighs, to list the weightiest first."""
    if code.endswith("credit_code") or code.endswith("credit_codes"):
        return 10.0
    return abs(W.get(code, W.get(f"{code}_strong", 1.0)))


# What a reviewer reads for each piece of evidence; `value` fills %(value)s.
REASON_TEXTS = {
    "same_credit_code": gettext_lazy("same credit code"),
    "different_credit_codes": gettext_lazy("different credit codes"),
    "same_company_name": gettext_lazy("same company name"),
    "similar_name": gettext_lazy("name %(value).2f"),
    "different_names": gettext_lazy("different names"),
    "unrelated_names": gettext_lazy("different names"),
    "same_place": gettext_lazy("same city"),
    "different_places": gettext_lazy("different cities"),
    "same_phone": gettext_lazy("same phone"),
    "same_email": gettext_lazy("same email"),
    "same_domain": gettext_lazy("same email domain"),
    "same_address": gettext_lazy("same address"),
    "different_kinds": gettext_lazy("a company and an individual"),
    "same_name": gettext_lazy("same name"),
    "same_name_pinyin": gettext_lazy("same name in pinyin"),
    "same_sound": gettext_lazy("name sounds the same"),
    "surname_with_title": gettext_lazy("surname with a title"),
    "titles_only": gettext_lazy("only surnames with titles"),
    "different_genders": gettext_lazy("Mr and Ms"),
    "different_given_names": gettext_lazy("different given names"),
    "same_customer": gettext_lazy("same customer"),
    "same_company": gettext_lazy("same company"),
    "different_companies": gettext_lazy("different companies"),
    "same_mobile": gettext_lazy("same mobile"),
    "different_mobiles": gettext_lazy("different mobiles"),
    "same_desk_phone": gettext_lazy("same desk phone"),
    "shared_mailbox": gettext_lazy("same shared mailbox"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: a code, and for a similarity its value; `positive` says which way it points."""

    code: str
    positive: bool
    value: float | None = None

    def __str__(self) -> str:
        text = str(REASON_TEXTS.get(self.code, self.code))
        return text % {"value": self.value} if self.value is not None else text

    def as_json(self) -> list:
        return [self.code, int(self.positive), self.value]

    @classmethod
    def from_json(cls, data) -> Reason:
        code, positive, value = (list(data) + [None, None])[:3]
        return cls(str(code), bool(positive), float(value) if value is not None else None)


def reasons_text(reasons: Iterable[Reason]) -> str:
    """"name 0.93 + same company", then what speaks against: "same phone + same city − different mobiles"."""
    reasons = list(reasons)
    pro = _(" + ").join(str(r) for r in reasons if r.positive)
    con = _(", ").join(str(r) for r in reasons if not r.positive)
    if pro and con:
        return _("%(pro)s − %(con)s") % {"pro": pro, "con": con}
    return pro or con


@dataclass(frozen=True, slots=True)
class Match:
    """A scored pair: 0..1, and the evidence in order of weight."""

    score: float
    reasons: tuple[Reason, ...]

    @property
    def is_duplicate(self) -> bool:
        return self.score >= THRESHOLD

    def __str__(self) -> str:
        return reasons_text(self.reasons)


class Party:
    """What the matcher knows of one record, normalised once."""

    __slots__ = ("id", "kind", "name", "key", "tokens", "cjk", "surname_only", "gender", "place", "place_is_city",
                 "phones", "emails", "code", "address", "customer_id", "company_key", "individual")

    def __init__(self, *, id=None, kind: str, name: str, key: str = "", tokens: tuple[str, ...] = (),
                 cjk: bool = False, surname_only: bool = False, gender: str = "", place: str = "",
                 phones: frozenset[str] = frozenset(), emails: frozenset[str] = frozenset(), code: str = "",
                 address: str = "", customer_id=None, company_key: str = "", individual: bool = False):
        self.id = id
        self.kind = kind
        self.name = name
        self.key = key
        self.tokens = tokens
        self.cjk = cjk
        self.surname_only = surname_only
        self.gender = gender
        self.place = place
        self.place_is_city = bool(place) and place not in _PROVINCE_ONLY
        self.phones = phones
        self.emails = emails
        self.code = code
        self.address = address
        self.customer_id = customer_id
        self.company_key = company_key
        self.individual = individual

    def __repr__(self) -> str:
        return f"<Party {self.kind} {self.id} {self.name!r}>"

    @property
    def mobiles(self) -> frozenset[str]:
        """Mainland mobiles and foreign numbers: they belong to one person; a landline is often a switchboard."""
        return frozenset(p for p in self.phones if _CN_MOBILE.match(p) or not p.startswith("+86"))

    @property
    def domains(self) -> frozenset[str]:
        """Mail domains of the party's own, free mail providers left out."""
        return frozenset(d for d in (e.rpartition("@")[2] for e in self.emails) if d and d not in FREE_MAIL)

    @property
    def surnames(self) -> frozenset[str]:
        """Which token may be the surname: the first character's in Chinese; first or last word in Latin."""
        if not self.tokens:
            return frozenset()
        if self.cjk or self.surname_only:
            return frozenset([self.tokens[0]])
        return frozenset([self.tokens[0], self.tokens[-1]])


# -- reading records --


def _phones(values: Iterable[str], stored: bool) -> frozenset[str]:
    if stored:
        return frozenset([v for v in values if v])
    return frozenset([v for v in (phone_key(x) for x in values if x) if v])


def _emails(values: Iterable[str], stored: bool) -> frozenset[str]:
    # Stored addresses were validated and lower-cased by the services that saved them.
    if stored:
        return frozenset([v.lower() for v in values if v])
    return frozenset([e for e in (normalise_email(v) for v in values if v) if e])


@lru_cache(maxsize=4096)
def region_place(region: str) -> str:
    """The most specific place a region field names (广东 深圳 → 深圳)."""
    places = place_names(region)
    return places[-1] if places else ""


@lru_cache(maxsize=200_000)
def _person_name(name: str) -> tuple[tuple[str, ...], bool, bool, str, str]:
    """(tokens, written in Chinese, surname only, gender, key) of a person's name; names repeat, so cached."""
    folded = unicodedata.normalize("NFKC", name or "").casefold().strip()
    tokens = person_name_tokens(name)
    key = person_name_key(name)
    cjk = bool(_CJK.search(key))
    surname_only = len(tokens) == 1 and ((cjk and len(key) == 1) or bool(_TITLED.match(folded)))
    gender = "m" if _TITLE_MALE.search(folded) else "f" if _TITLE_FEMALE.search(folded) else ""
    return tokens, cjk, surname_only, gender, key


def _address_key(address: str) -> str:
    return _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", address or "").casefold())


def customer_party(*, id=None, name: str, kind: str = COMPANY, region: str = "", address: str = "",
                   phones: Iterable[str] = (), emails: Iterable[str] = (), credit_code_value: str = "",
                   name_key: str | None = None, e164: bool = False) -> Party:
    """A customer as the matcher reads it. `e164`: phones and emails are stored columns (E.164, lower case);
    `name_key`: the stored company key, to save computing it again."""
    name = name or ""
    place = company_name_place(name) or region_place(region)
    common = {"id": id, "name": name, "place": place, "phones": _phones(phones, e164), "emails": _emails(emails, e164),
              "code": credit_code(credit_code_value) if credit_code_value else "", "address": _address_key(address)}
    if kind == "individual":
        tokens, cjk, surname_only, gender, key = _person_name(name)
        return Party(kind=PERSON, key=key, tokens=tokens, cjk=cjk, surname_only=surname_only, gender=gender,
                     individual=True, **common)
    key = name_key if name_key is not None else company_name_key(name)
    return Party(kind=COMPANY, key=key, **common)


def contact_party(*, id=None, name: str, customer_id=None, company: str = "", company_key: str | None = None,
                  phones: Iterable[str] = (), emails: Iterable[str] = (), e164: bool = False) -> Party:
    """A contact: a person at a customer. `company_key` is the customer's company key when known."""
    tokens, cjk, surname_only, gender, key = _person_name(name or "")
    if company_key is None:
        company_key = company_name_key(company) if company else ""
    return Party(id=id, kind=PERSON, name=name or "", key=key, tokens=tokens, cjk=cjk, surname_only=surname_only,
                 gender=gender, phones=_phones(phones, e164), emails=_emails(emails, e164), customer_id=customer_id,
                 company_key=company_key)


# -- scoring --


def _squash(total: float) -> float:
    return round(1.0 / (1.0 + math.exp(-total)), 3)


class _Evidence:
    __slots__ = ("total", "reasons", "explain")

    def __init__(self, prior: float, explain: bool):
        self.total = prior
        self.reasons: list[tuple[float, Reason]] = []
        self.explain = explain

    def add(self, code: str, value: float | None = None, weight_code: str | None = None) -> None:
        weight = W[weight_code or code]
        self.total += weight
        if self.explain:
            self.reasons.append((weight, Reason(code, weight > 0, round(value, 2) if value is not None else None)))

    def match(self, override: float | None = None, first: Reason | None = None) -> Match:
        if not self.explain:
            return Match(_squash(self.total) if override is None else override, ())
        ordered = [r for _w, r in sorted(self.reasons, key=lambda wr: -abs(wr[0]))]
        if first is not None:
            ordered.insert(0, first)
        return Match(_squash(self.total) if override is None else override, tuple(ordered))


def _places(a: Party, b: Party, e: _Evidence) -> None:
    if not (a.place and b.place):
        return
    if a.place == b.place:
        e.add("same_place")
    elif a.place_is_city == b.place_is_city:
        # A city and a province cannot be told apart without a map of which city lies where.
        e.add("different_places")


# Legal forms as they end a company key when a typo kept the key from dropping them (有限责任 → 有限易任).
_LEGAL_TAILS = ("有限责任公司", "股份有限公司", "有限公司", "责任公司", "有限责任", "股份有限", "有限", "公司", "股份",
                "集团", "corporation", "company", "limited", "incorporated", "coltd", "corp", "ltd", "inc", "co")


def same_but_legal_form(a: str, b: str) -> bool:
    """One key is the other plus a misspelt legal form: 永信医疗器械有限易任, Redwood Electronics Conporation."""
    if not (a.startswith(b) or b.startswith(a)):
        return False
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(longer) - len(shorter) > 12:
        return False
    tail = longer[len(shorter):]
    return any(fuzz.ratio(tail, form) >= 75 for form in _LEGAL_TAILS if abs(len(form) - len(tail)) <= 2)


def _company_name(a: Party, b: Party, e: _Evidence) -> None:
    if not (a.key and b.key):
        return
    if a.key == b.key or same_but_legal_form(a.key, b.key):
        e.add("same_company_name")
        return
    similarity = fuzz.ratio(a.key, b.key) / 100
    if similarity >= FUZZY_KEY_SIMILARITY:
        e.add("similar_name", similarity, "similar_name_strong")
    elif similarity >= 0.8:
        e.add("similar_name", similarity, "similar_name_weak")
    elif similarity >= 0.5:
        e.add("different_names")
    else:
        e.add("unrelated_names")


def _contact_ways(a: Party, b: Party, e: _Evidence, *, personal: bool) -> None:
    shared = a.phones & b.phones
    if personal and a.phones and b.phones:
        mobiles_a, mobiles_b = a.mobiles, b.mobiles
        if mobiles_a & mobiles_b:
            e.add("same_mobile")
        elif mobiles_a and mobiles_b:
            e.add("different_mobiles")
        if shared - mobiles_a - mobiles_b:
            e.add("same_desk_phone")
    elif shared:
        e.add("same_phone")
    elif a.phones and b.phones:
        e.total += W["different_phones"]  # companies have many numbers: too weak to tell a reviewer
    emails = a.emails & b.emails
    if emails:
        if personal and all(m.partition("@")[0] in SHARED_MAILBOXES for m in emails):
            e.add("shared_mailbox")
        else:
            e.add("same_email")
    elif not personal and a.emails and b.emails and a.domains & b.domains:
        e.add("same_domain")


def _forms(tokens: tuple[str, ...]) -> set[str]:
    """The name joined in surname-first and given-first order: 张伟 → zhangwei, weizhang."""
    if not tokens:
        return set()
    return {"".join(tokens), "".join(tokens[1:] + tokens[:1]), "".join(tokens[-1:] + tokens[:-1])}


def _person_names(a: Party, b: Party, e: _Evidence) -> None:
    if not (a.tokens and b.tokens):
        return
    if a.surname_only or b.surname_only:
        if not a.surnames & b.surnames:
            e.add("unrelated_names")
            return
        if a.gender and b.gender and a.gender != b.gender:
            e.add("different_genders")
        elif a.surname_only and b.surname_only:
            e.add("titles_only")
        else:
            e.add("surname_with_title")
        return
    if a.cjk and b.cjk and a.key == b.key:
        e.add("same_name")
        return
    if _forms(a.tokens) & _forms(b.tokens):
        e.add("same_sound" if a.cjk and b.cjk else "same_name_pinyin")
        return
    shorter, longer = sorted((set(a.tokens), set(b.tokens)), key=len)
    if len(shorter) >= 2 and shorter <= longer:
        e.add("similar_name", 0.9, "similar_person_name")  # Michael 张伟 and 张伟
        return
    # Pinyin read from characters is exact, so only two names typed in Latin letters are compared
    # for typos (Micheal, Jenifer): zhang wei and 张文 differ by a letter and are different people.
    similarity = max(fuzz.ratio(x, y) for x in _forms(a.tokens) for y in _forms(b.tokens)) / 100
    if similarity >= 0.8 and not (a.cjk or b.cjk):
        e.add("similar_name", similarity, "similar_person_name")
    elif a.surnames & b.surnames:
        e.add("different_given_names")
    else:
        e.add("unrelated_names")


def _company(a: Party, b: Party, e: _Evidence) -> None:
    if a.customer_id is not None and a.customer_id == b.customer_id:
        e.add("same_customer")
    elif a.company_key and a.company_key == b.company_key:
        e.add("same_company")
    elif (a.company_key and b.company_key) or (a.customer_id is not None and b.customer_id is not None
                                               and not (a.company_key or b.company_key)):
        e.add("different_companies")


def _credit_codes(a: Party, b: Party, m: Match) -> Match:
    """A registered credit code settles it either way."""
    if not (a.code and b.code):
        return m
    if a.code == b.code:
        return Match(max(m.score, 0.99), (Reason("same_credit_code", True), *m.reasons))
    return Match(min(m.score, 0.05), (Reason("different_credit_codes", False), *m.reasons))


def score(a: Party, b: Party, *, explain: bool = True) -> Match:
    """How likely `a` and `b` are the same company or person, and why (without `explain`, the score alone:
    the scan asks for the reasons only of the pairs that pass)."""
    if a.kind == PERSON and b.kind == PERSON:
        e = _Evidence(_PERSON_PRIOR, explain)
        _person_names(a, b, e)
        _company(a, b, e)
        if a.individual and b.individual:
            _places(a, b, e)
        _contact_ways(a, b, e, personal=True)
        return _credit_codes(a, b, e.match())
    e = _Evidence(_COMPANY_PRIOR, explain)
    if a.kind != b.kind:
        e.add("different_kinds")
    _company_name(a, b, e)
    _places(a, b, e)
    _contact_ways(a, b, e, personal=False)
    if a.address and a.address == b.address:
        e.add("same_address")
    return _credit_codes(a, b, e.match())


# -- blocking --


def block_keys(p: Party) -> set[tuple[str, str]]:
    """The exact blocks a party falls in; the scan compares two parties only if they share one (or,
    for companies, a fuzzy block: see `fuzzy_keys`). Persons at a company block by company and surname."""
    keys: set[tuple[str, str]] = {("phone", n) for n in p.phones}
    keys |= {("email", m) for m in p.emails}
    if p.code:
        keys.add(("code", p.code))
    if p.kind == COMPANY or p.individual:
        # An individual customer's name is stored as its "company" key too (张伟 → 张伟).
        name_key = p.key if p.kind == COMPANY else company_name_key(p.name)
        if name_key:
            keys.add(("name", name_key))
    else:
        scope = p.company_key or (f"#{p.customer_id}" if p.customer_id is not None else "")
        if scope:
            keys |= {("person", f"{scope}|{name}") for name in person_keys(p.name)}
    return keys


@lru_cache(maxsize=200_000)
def full_name_forms(name: str) -> frozenset[str]:
    """A full name joined surname first and given name first; empty for 张总, which is only a surname."""
    tokens, _cjk, surname_only, _gender, _key = _person_name(name or "")
    return frozenset() if surname_only else frozenset(_forms(tokens))


@lru_cache(maxsize=200_000)
def person_keys(name: str) -> frozenset[str]:
    """How a person blocks within a company: by surname, and by the whole name joined either way,
    which is all "xuyong" offers."""
    tokens, cjk, surname_only, _gender, _key = _person_name(name or "")
    if not tokens:
        return frozenset()
    surnames = {tokens[0]} if cjk or surname_only else {tokens[0], tokens[-1]}
    return frozenset(surnames if surname_only else surnames | _forms(tokens))


def fuzzy_keys(p: Party) -> set[tuple[str, str]]:
    """The fuzzy blocks of a company: the first and the last characters of its key."""
    if p.kind != COMPANY or len(p.key) <= FUZZY_AFFIX:
        return set()
    return {("prefix", p.key[:FUZZY_AFFIX]), ("suffix", p.key[-FUZZY_AFFIX:])}


def keys_alike(a: str, b: str) -> bool:
    """Two company keys in one fuzzy block worth scoring: a typo apart, or one with a misspelt legal form."""
    return fuzz.ratio(a, b) >= FUZZY_KEY_SIMILARITY * 100 or same_but_legal_form(a, b)


def is_candidate(a: Party, b: Party) -> bool:
    """Whether the scan would score this pair at all."""
    if block_keys(a) & block_keys(b):
        return True
    return bool(fuzzy_keys(a) & fuzzy_keys(b)) and keys_alike(a.key, b.key)
