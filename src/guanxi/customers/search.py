"""Finding customers by what a seller types: a name or part of it, pinyin or initials
(`zw` finds 张伟, `tengyuan` finds 深圳市腾远电子科技有限公司), a phone number in any format,
an email, or a contact's name.

Each customer carries a search document (its name and its contacts' names as spaced CJK
characters, CJK bigrams, full pinyin, initials, and pinyin from every syllable on). A full-text
index over that document answers name searches without reading the table: an FTS5 table on
SQLite, a GIN index on PostgreSQL (both created by migration 0003). Phones and emails are
looked up by their own indexes. The search only narrows the queryset it is given, so the
caller's data scope always applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg

from guanxi.core.text import normalise_phone, query_phrase

from .models import Contact

_PHONE_LIKE = re.compile(r"^[+(\d][\d\s\-()]{5,}$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# A query is read as CJK runs and latin/digit words; everything else separates them.
_QUERY_PART = re.compile(r"[\u3400-\u9fff]+|[^\W_\u3400-\u9fff]+")
_NON_WORD = re.compile(r"[\W_]")
MAX_QUERY = 100
MAX_TERMS = 8
# Pinyin from a syllable inside a name is indexed up to this many letters; a longer query
# is matched on its first letters and then checked against the whole document.
SUFFIX_LETTERS = 12

SQLITE_TABLE = "customers_customer_search"
POSTGRES_INDEX = "customers_customer_search_gin"


# -- the document --


@lru_cache(maxsize=65536)
def _segment_syllables(segment: str) -> tuple[str, ...]:
    # Characters without pinyin (latin letters, digits) are kept one by one.
    keep: Any = list
    return tuple(s.lower() for s in lazy_pinyin(segment, errors=keep) if s.strip())


def syllables(text: str) -> list[str]:
    """Pinyin syllables of `text`, as pypinyin reads them in context (重庆 → chong qing).

    Names repeat their parts (有限公司, 科技, common surnames), so each phrase is converted once.
    """
    out: list[str] = []
    for segment in seg(text):
        out.extend(_segment_syllables(segment))
    return [s for s in (_NON_WORD.sub("", s) for s in out) if s]


def _text_terms(text: str) -> tuple[str, list[str]]:
    """The spaced form of one text, and the extra tokens that make parts of it findable."""
    spaced = query_phrase(text)
    if not _CJK.search(text):
        return spaced, []
    sylls = syllables(text)
    tokens = ["".join(sylls), "".join(s[0] for s in sylls)]
    for run in _CJK_RUN.findall(text.lower()):
        tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    for i in range(1, len(sylls)):
        tokens.append("".join(sylls[i:])[:SUFFIX_LETTERS])
        tokens.append("".join(s[0] for s in sylls[i:])[:SUFFIX_LETTERS])
    return spaced, tokens


def customer_document(name: str, contact_names: list[str]) -> str:
    """The search document of a customer (or, with no contact names, of one contact)."""
    spaced: list[str] = []
    extra: list[str] = []
    for text in (name, *contact_names):
        if not text:
            continue
        text_spaced, tokens = _text_terms(text)
        spaced.append(text_spaced)
        extra.extend(tokens)
    return " ".join([p for p in spaced if p] + [t for t in dict.fromkeys(extra) if t])


# -- the query --


@dataclass
class ParsedQuery:
    """What a search box entry asks the full-text index for."""

    exact: list[str] = field(default_factory=list)  # whole tokens: CJK characters and bigrams
    prefixes: list[str] = field(default_factory=list)  # starts of latin words, pinyin, initials, digits
    contains: list[str] = field(default_factory=list)  # substrings the document must also contain

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)

    def fts5(self) -> str:
        terms = [f'"{t}"' for t in self.exact] + [f'"{t}"*' for t in self.prefixes]
        return " AND ".join(terms)

    def tsquery(self) -> str:
        terms = [f"'{t}'" for t in self.exact] + [f"'{t}':*" for t in self.prefixes]
        return " & ".join(terms)


def parse_query(query: str) -> ParsedQuery:
    parsed = ParsedQuery()
    for part in _QUERY_PART.findall(query.lower()):
        if _CJK.match(part):
            if len(part) == 1:
                parsed.exact.append(part)
            else:
                parsed.exact.extend(part[i:i + 2] for i in range(len(part) - 1))
            if len(part) > 2:
                # Bigrams alone would also match 腾远 … 远电 apart; the phrase keeps them in order.
                parsed.contains.append(" ".join(part))
        elif len(part) > SUFFIX_LETTERS:
            parsed.prefixes.append(part[:SUFFIX_LETTERS])
            parsed.contains.append(part)
        else:
            parsed.prefixes.append(part)
    parsed.exact = list(dict.fromkeys(parsed.exact))[:MAX_TERMS]
    parsed.prefixes = list(dict.fromkeys(parsed.prefixes))[:MAX_TERMS]
    return parsed


class _PostgresMatch(Func):
    """`to_tsvector('simple', document) @@ to_tsquery('simple', query)`, the GIN index's expression."""

    arg_joiner = ") @@ to_tsquery('simple'::regconfig, "
    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = BooleanField()


def _name_search(qs: QuerySet, query: str) -> QuerySet:
    parsed = parse_query(query)
    if not parsed:
        return qs.none()
    vendor = connections[qs.db].vendor
    if vendor == "sqlite":
        qs = qs.filter(pk__in=RawSQL(f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s",
                                     [parsed.fts5()]))
    elif vendor == "postgresql":
        qs = qs.filter(_PostgresMatch(F("search_document"), Value(parsed.tsquery())))
    else:
        qs = qs.filter(search_document__contains=query_phrase(query))
    for text in parsed.contains:
        qs = qs.filter(search_document__contains=text)
    return qs


def customer_search(qs: QuerySet, query: str) -> QuerySet:
    query = (query or "").strip()[:MAX_QUERY]
    if not query:
        return qs
    if "@" in query:
        # Services store emails in lower case, so the plain index answers.
        email = query.lower()
        by_contact = Contact.objects.filter(email=email, deleted_at__isnull=True).values("customer_id")
        return qs.filter(Q(email=email) | Q(pk__in=by_contact))
    if _PHONE_LIKE.match(query):
        phone = normalise_phone(query)
        if phone:
            by_contact = Contact.objects.filter(
                Q(mobile_e164=phone) | Q(phone_e164=phone), deleted_at__isnull=True
            ).values("customer_id")
            return qs.filter(Q(phone_e164=phone) | Q(pk__in=by_contact))
    return _name_search(qs, query)


# -- the index structures (created by migration 0003, checked after every migrate) --

_SQLITE_TRIGGERS = {
    f"{SQLITE_TABLE}_ai": (
        f"CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_ai AFTER INSERT ON customers_customer BEGIN "
        f"INSERT INTO {SQLITE_TABLE}(rowid, search_document) VALUES (new.id, new.search_document); END"
    ),
    f"{SQLITE_TABLE}_ad": (
        f"CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_ad AFTER DELETE ON customers_customer BEGIN "
        f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, search_document) "
        f"VALUES ('delete', old.id, old.search_document); END"
    ),
    f"{SQLITE_TABLE}_au": (
        f"CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_au AFTER UPDATE OF search_document ON customers_customer "
        f"BEGIN INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, search_document) "
        f"VALUES ('delete', old.id, old.search_document); "
        f"INSERT INTO {SQLITE_TABLE}(rowid, search_document) VALUES (new.id, new.search_document); END"
    ),
}

# Filters and sorts of the customer list that the model's own indexes do not cover.
_LIST_INDEXES = {
    "customer_source": "customers_customer (source, id)",
    "customer_updated": "customers_customer (updated_at, id)",
}

# Indexes `install` creates, besides the SQLite full-text table and its triggers.
INDEX_NAMES = {POSTGRES_INDEX, *_LIST_INDEXES}


def install(connection) -> None:
    """Create the full-text index and the list indexes; safe to run again."""
    with connection.cursor() as cursor:
        for name, columns in _LIST_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(search_document, "
                f"content='customers_customer', content_rowid='id', tokenize='unicode61')"
            )
            for sql in _SQLITE_TRIGGERS.values():
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {POSTGRES_INDEX} ON customers_customer "
                f"USING gin (to_tsvector('simple'::regconfig, search_document))"
            )


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}")
        for name in _LIST_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def ensure_installed(using: str = "default", **kwargs) -> None:
    """Restore the SQLite triggers after a migration rebuilt customers_customer.

    SQLite alters a table by copying it into a new one, which drops the table's triggers and
    indexes made outside the model; the full-text index is then rebuilt from the documents.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = %s", [SQLITE_TABLE])
        if cursor.fetchone() is None:
            return  # migration 0003 has not run yet
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index')")
        present = {row[0] for row in cursor.fetchall()}
    if not {*_SQLITE_TRIGGERS, *_LIST_INDEXES} <= present:
        install(connection)
