"""Finding customers by what a seller types: a name or part of it, pinyin or initials
(`zw` finds 张伟, `tengyuan` finds 深圳市腾远电子科技有限公司), a phone number in any format,
an email, or a contact's name.

Each customer carries a search document (its name and its contacts' names as spaced CJK
characters, CJK bigrams, full pinyin, initials, and pinyin from every syllable on). A full-text
index over that document answers name searches without reading the table: an FTS5 table on
SQLite, a GIN index over a stored tsvector column on PostgreSQL (both created by migration
0003). Phones and emails are looked up by their own indexes. The search only narrows the
queryset it is given, so the caller's data scope always applies.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Expression, Q, QuerySet
from django.db.models.expressions import RawSQL
from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg

from guanxi.core.text import normalise_phone

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
SQLITE_VOCAB = "customers_customer_search_terms"
# Up to this many matching documents the SQLite index answers faster than reading rows in order.
# Measured at a million customers, for an administrator and for a seller who sees a sixth of them:
# at 62,000 matches both ways cost about the same (25–65 ms for a page and its bounded count); at
# 108,000 the index takes 150 ms and reading rows 30 ms; at 29,000 the index wins, 30 ms to 70–190.
SQLITE_INDEX_MATCHES = 80_000
POSTGRES_INDEX = "customers_customer_search_gin"
# A stored tsvector: filtering on it costs what the planner expects, where recomputing
# to_tsvector for every row a plan reads costs many times more.
POSTGRES_COLUMN = "search_vector"


# -- the document --


@lru_cache(maxsize=65536)
def _segment_syllables(segment: str) -> tuple[str, ...]:
    # Characters without pinyin (latin letters, digits) are kept one by one.
    keep: Any = list
    words = (_NON_WORD.sub("", s.lower()) for s in lazy_pinyin(segment, errors=keep) if s.strip())
    return tuple(w for w in words if w)


def syllables(text: str) -> list[str]:
    """Pinyin syllables of `text`, as pypinyin reads them in context (重庆 → chong qing).

    Names repeat their parts (有限公司, 科技, common surnames), so each phrase is converted once.
    """
    out: list[str] = []
    for segment in seg(text):
        out.extend(_segment_syllables(segment))
    return out


def _words(text: str) -> list[str]:
    """The words of a text as the index sees them: each CJK character, each latin/digit word."""
    out: list[str] = []
    for part in _QUERY_PART.findall(text.lower()):
        out.extend(part) if _CJK.match(part) else out.append(part)
    return out


def _text_terms(text: str) -> tuple[str, list[str], list[str]]:
    """The spaced form of one text, its CJK bigrams, and its pinyin tokens."""
    spaced = " ".join(_words(text))
    if not _CJK.search(text):
        return spaced, [], []
    sylls = syllables(text)
    bigrams = [run[i:i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]
    full = "".join(sylls)
    initials = "".join(s[0] for s in sylls)
    pinyin = [full, initials]
    start = 0  # where syllable i starts in `full`
    for i in range(1, len(sylls)):
        start += len(sylls[i - 1])
        pinyin.append(full[start:start + SUFFIX_LETTERS])
        pinyin.append(initials[i:i + SUFFIX_LETTERS])
    return spaced, bigrams, pinyin


def customer_document(name: str, contact_names: list[str]) -> str:
    """The search document of a customer (or, with no contact names, of one contact).

    Words of one text are one space apart; texts and CJK bigrams are two spaces apart, so that
    "华 为" is in the document only where 华 and 为 stand next to each other in a name.
    """
    spaced: list[str] = []
    bigrams: list[str] = []
    pinyin: list[str] = []
    for text in (name, *contact_names):
        if not text:
            continue
        text_spaced, text_bigrams, text_pinyin = _text_terms(text)
        spaced.append(text_spaced)
        bigrams.extend(text_bigrams)
        pinyin.extend(text_pinyin)
    parts = [p for p in spaced if p] + list(dict.fromkeys(bigrams)) + [" ".join(dict.fromkeys(p for p in pinyin if p))]
    return "  ".join(p for p in parts if p)


# -- the query --


@dataclass
class ParsedQuery:
    """A search box entry: its CJK runs and its latin/digit words.

    A document matches when it holds every CJK run with its characters side by side, and for
    every word a token starting with it. The full-text index answers that through tokens (CJK
    characters and bigrams, word prefixes); a scan answers it with LIKE on the spaced document.
    """

    runs: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.runs or self.words)

    @property
    def exact(self) -> list[str]:
        """Whole CJK tokens: the character of a one-character run, else the run's bigrams."""
        tokens = [t for run in self.runs for t in ([run] if len(run) == 1 else
                                                    [run[i:i + 2] for i in range(len(run) - 1)])]
        return list(dict.fromkeys(tokens))

    @property
    def prefixes(self) -> list[str]:
        return list(dict.fromkeys(w[:SUFFIX_LETTERS] for w in self.words))

    @property
    def contains(self) -> list[str]:
        """What the index's tokens cannot check alone: runs of 3+ characters in order, long pinyin."""
        return [" ".join(r) for r in self.runs if len(r) > 2] + [w for w in self.words if len(w) > SUFFIX_LETTERS]

    def fts5(self) -> str:
        return " AND ".join([f'"{t}"' for t in self.exact] + [f'"{t}"*' for t in self.prefixes])

    def tsquery(self) -> str:
        return " & ".join([f"'{t}'" for t in self.exact] + [f"'{t}':*" for t in self.prefixes])

    def scan_filter(self) -> Q:
        """The same condition without the index, for terms so common that reading rows in order is cheaper."""
        condition = Q()
        for run in self.runs:
            condition &= Q(search_document__contains=" ".join(run))
        for word in self.words:
            start = word[:SUFFIX_LETTERS]
            condition &= Q(search_document__startswith=start) | Q(search_document__contains=f" {start}")
            if len(word) > SUFFIX_LETTERS:
                condition &= Q(search_document__contains=word)
        return condition


def parse_query(query: str) -> ParsedQuery:
    parsed = ParsedQuery()
    for part in _QUERY_PART.findall(query.lower()):
        (parsed.runs if _CJK.match(part) else parsed.words).append(part)
    parsed.runs = list(dict.fromkeys(parsed.runs))[:MAX_TERMS]
    parsed.words = list(dict.fromkeys(parsed.words))[:MAX_TERMS]
    return parsed


class _PostgresMatch(Expression):
    """`<customer>.search_vector @@ to_tsquery('simple', query)` on the stored, GIN-indexed vector.

    The column is made by migration 0003, not declared on the model, so the table alias is taken
    from the query being compiled (it differs when the queryset is used as a subquery).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__()
        self.tsquery = tsquery

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        column = connection.ops.quote_name(POSTGRES_COLUMN)
        return f"{table}.{column} @@ to_tsquery('simple'::regconfig, %s)", [self.tsquery]


def _sqlite_matches(connection, parsed: ParsedQuery, enough: int) -> int | None:
    """At most how many documents match, from the index's own term statistics (None: too many to ask).

    Counting stops once a term passes `enough`: fts5vocab counts a term's documents by reading its
    whole list, so adding up every term under a short prefix (`sh`) would cost more than the search.
    """
    key = (connection.alias, tuple(parsed.exact), tuple(parsed.prefixes))
    cached = _MATCH_ESTIMATES.get(key)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    counts: list[int] = []
    with connection.cursor() as cursor:
        for token in parsed.exact:
            cursor.execute(f"SELECT doc FROM {SQLITE_VOCAB} WHERE term = %s", [token])
            row = cursor.fetchone()
            counts.append(row[0] if row else 0)
        for prefix in parsed.prefixes:
            if len(prefix) < 2:
                continue  # one letter starts too many terms to add up quickly
            cursor.execute(f"SELECT doc FROM {SQLITE_VOCAB} WHERE term >= %s AND term < %s",
                           [prefix, prefix + "\uffff"])
            total = 0
            for (doc,) in iter(cursor.fetchone, None):
                total += doc
                if total > enough:
                    break
            counts.append(total)
    estimate = min(counts) if counts else None
    if len(_MATCH_ESTIMATES) >= _MATCH_ESTIMATES_SIZE:
        _MATCH_ESTIMATES.clear()
    # A page and its count ask the same question within milliseconds; term statistics move slowly.
    _MATCH_ESTIMATES[key] = (estimate, time.monotonic() + _MATCH_ESTIMATE_SECONDS)
    return estimate


_MATCH_ESTIMATES: dict[tuple, tuple[int | None, float]] = {}
_MATCH_ESTIMATES_SIZE = 1024
_MATCH_ESTIMATE_SECONDS = 60.0


def _name_search(qs: QuerySet, query: str) -> QuerySet:
    parsed = parse_query(query)
    if not parsed:
        return qs.none()
    connection = connections[qs.db]
    if connection.vendor == "sqlite":
        matches = _sqlite_matches(connection, parsed, SQLITE_INDEX_MATCHES)
        if matches is None or matches > SQLITE_INDEX_MATCHES:
            # A common term: rows read newest first fill a page long before the index's whole list would.
            return qs.filter(parsed.scan_filter())
        qs = qs.filter(pk__in=RawSQL(f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s",
                                     [parsed.fts5()]))
    elif connection.vendor == "postgresql":
        qs = qs.filter(_PostgresMatch(parsed.tsquery()))
    else:
        return qs.filter(parsed.scan_filter())
    for text in parsed.contains:
        qs = qs.filter(search_document__contains=text)
    return qs


def _matching_ids(qs: QuerySet, field: str, value: str, contact_fields: list[str]) -> QuerySet:
    """Ids of customers whose own field, or a live contact's, holds `value`: one indexed lookup per
    field, unioned (an OR of them would make the database read every row)."""
    ids = qs.model._default_manager.filter(**{field: value}).order_by().values("pk")
    for contact_field in contact_fields:
        by_contact = Contact.objects.filter(**{contact_field: value}, deleted_at__isnull=True)
        ids = ids.union(by_contact.order_by().values("customer_id"))
    return ids


def is_name_search(query: str) -> bool:
    """Whether `query` searches names (the full-text index) rather than an email or a phone number."""
    query = (query or "").strip()[:MAX_QUERY]
    if not query or "@" in query:
        return False
    return not (_PHONE_LIKE.match(query) and normalise_phone(query))


def customer_search(qs: QuerySet, query: str) -> QuerySet:
    query = (query or "").strip()[:MAX_QUERY]
    if not query:
        return qs
    if "@" in query:
        # Services store emails in lower case, so the plain index answers.
        return qs.filter(pk__in=_matching_ids(qs, "email", query.lower(), ["email"]))
    if _PHONE_LIKE.match(query):
        phone = normalise_phone(query)
        if phone:
            return qs.filter(pk__in=_matching_ids(qs, "phone_e164", phone, ["mobile_e164", "phone_e164"]))
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

# Filters and sorts of the customer list that the model's own indexes do not cover. The two on
# live rows let a seller's list and its bounded count read a narrow index instead of the table:
# their scope is `owner = me OR id IN (my collaborations)`, which no index answers directly.
_LIST_INDEXES = {
    "customer_source": "customers_customer (source, id)",
    "customer_updated": "customers_customer (updated_at, id)",
    "customer_alive_owner": "customers_customer (owner_id, id) WHERE deleted_at IS NULL",
    "customer_alive_status": "customers_customer (status, owner_id, id) WHERE deleted_at IS NULL",
}

# Indexes `install` creates, besides the SQLite full-text table and its triggers.
INDEX_NAMES = {POSTGRES_INDEX, *_LIST_INDEXES}


def install(connection, *, rebuild: bool = True) -> None:
    """Create the full-text index and the list indexes; safe to run again.

    `rebuild` refills the SQLite full-text table from the documents (needed when it is new or
    its triggers were missing while rows changed)."""
    with connection.cursor() as cursor:
        for name, columns in _LIST_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {columns}")
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(search_document, "
                f"content='customers_customer', content_rowid='id', tokenize='unicode61')"
            )
            cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_VOCAB} USING fts5vocab({SQLITE_TABLE}, 'row')")
            for sql in _SQLITE_TRIGGERS.values():
                cursor.execute(sql)
            if rebuild:
                cursor.execute(f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE customers_customer ADD COLUMN IF NOT EXISTS {POSTGRES_COLUMN} tsvector "
                f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_document)) STORED"
            )
            # Enough statistics that a rare name is estimated as rare and read through the index.
            cursor.execute(f"ALTER TABLE customers_customer ALTER COLUMN {POSTGRES_COLUMN} SET STATISTICS 5000")
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {POSTGRES_INDEX} ON customers_customer "
                           f"USING gin ({POSTGRES_COLUMN})")


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_VOCAB}")
            cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}")
            cursor.execute(f"ALTER TABLE customers_customer DROP COLUMN IF EXISTS {POSTGRES_COLUMN}")
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
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index', 'table')")
        present = {row[0] for row in cursor.fetchall()}
    if not {*_SQLITE_TRIGGERS, *_LIST_INDEXES, SQLITE_VOCAB} <= present:
        install(connection, rebuild=not set(_SQLITE_TRIGGERS) <= present)
