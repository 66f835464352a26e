"""Finding customers by what a seller types: a name or part of it, pinyin or initials
(`zw` finds 张伟), a phone number in any format, an email, or a contact's name."""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet

from guanxi.core.text import normalise_phone, query_phrase, search_terms

from .models import Contact

_PHONE_LIKE = re.compile(r"^[+\d][\d\s\-()]{5,}$")
MAX_QUERY = 100


def customer_search(qs: QuerySet, query: str) -> QuerySet:
    query = (query or "").strip()[:MAX_QUERY]
    if not query:
        return qs
    if "@" in query:
        email = query.lower()
        contact_match = Contact.objects.filter(customer_id=OuterRef("pk"), email__iexact=email,
                                               deleted_at__isnull=True)
        return qs.filter(Q(email__iexact=email) | Exists(contact_match))
    if _PHONE_LIKE.match(query):
        phone = normalise_phone(query)
        if phone:
            contact_match = Contact.objects.filter(
                Q(mobile_e164=phone) | Q(phone_e164=phone), customer_id=OuterRef("pk"), deleted_at__isnull=True
            )
            return qs.filter(Q(phone_e164=phone) | Exists(contact_match))
    # Consecutive CJK characters form one phrase, so 华为 does not match 为华.
    return qs.filter(search_document__contains=query_phrase(query))


def customer_document(name: str, contact_names: list[str]) -> str:
    return search_terms(name, *contact_names)
